//! Test-only code: compiled solely under its parent module's `#[cfg(test)]`.
//!
//! The plan `setup` renders, for each profile kind.

use super::*;
use crate::setup::{cloudformation_yaml, policies_json};

fn config(text: &str) -> Config {
    crate::config::parse(std::path::Path::new("/home/u/.aws/config"), text)
}

const WEB: &str = "[profile web]\nweb_identity_auth_url = https://idp.example/realms/dev\n\
    web_identity_client_id = runas-cli\nrole_arn = arn:aws:iam::123456789012:role/team/web\n\
    duration_seconds = 7200\n\n[profile admin]\nsource_profile = web\n\
    role_arn = arn:aws:iam::123456789012:role/admin\nexternal_id = ext-1\n";

fn facts() -> WebIdentityFacts {
    WebIdentityFacts {
        issuer: "https://idp.example/realms/dev".to_owned(),
        audience: "runas-cli".to_owned(),
    }
}

#[test]
fn a_web_identity_role_trusts_the_provider_with_the_audience_and_subject() {
    let plan = plan(&config(WEB), "web", Some(&facts()), Some("alice")).unwrap();
    let provider = plan.oidc_provider.clone().unwrap();
    assert_eq!(provider.url, "https://idp.example/realms/dev");
    assert_eq!(plan.roles.len(), 1);
    assert_eq!(plan.roles[0].max_session_seconds, 7200);
    assert_eq!(plan.roles[0].path, "/team/");
    let yaml = cloudformation_yaml(&plan);
    assert!(
        yaml.contains("idp.example/realms/dev:aud: runas-cli\n"),
        "{yaml}"
    );
    assert!(
        yaml.contains("idp.example/realms/dev:sub: alice\n"),
        "{yaml}"
    );
    assert!(yaml.contains("Federated:\n"), "{yaml}");
    let json = serde_json::to_value(policies_json(&plan)).unwrap();
    assert_eq!(
        json["roles"][0]["trust_policy"]["Statement"][0]["Principal"]["Federated"],
        "arn:aws:iam::123456789012:oidc-provider/idp.example/realms/dev"
    );
}

#[test]
fn a_chain_lets_each_role_assume_the_next_with_its_external_id() {
    let plan = plan(&config(WEB), "admin", Some(&facts()), None).unwrap();
    assert_eq!(plan.roles.len(), 2);
    assert_eq!(plan.roles[1].trusted, Principal::Role(0));
    let json = serde_json::to_value(policies_json(&plan)).unwrap();
    let next = &json["roles"][0]["permissions_policy"]["Statement"][0];
    assert_eq!(next["Action"], "sts:AssumeRole");
    assert_eq!(next["Resource"], "arn:aws:iam::123456789012:role/admin");
    let trust = &json["roles"][1]["trust_policy"]["Statement"][0];
    assert_eq!(
        trust["Principal"]["AWS"],
        "arn:aws:iam::123456789012:role/team/web"
    );
    assert_eq!(
        trust["Condition"]["StringEquals"]["sts:ExternalId"],
        "ext-1"
    );
}

#[test]
fn a_profile_without_anything_to_set_up_is_refused_with_its_line() {
    let config = config("[profile plain]\nregion = eu-west-1\n");
    let err = plan(&config, "plain", None, None).unwrap_err().to_string();
    assert!(
        err.starts_with("/home/u/.aws/config:1: profile plain:"),
        "{err}"
    );
}

#[test]
fn role_arns_split_into_partition_account_path_and_name() {
    assert_eq!(
        split_role_arn("arn:aws-cn:iam::1:role/a/b/c"),
        Some(("aws-cn".into(), "1".into(), "/a/b/".into(), "c".into()))
    );
    assert_eq!(split_role_arn("arn:aws:iam::1:user/x"), None);
}
