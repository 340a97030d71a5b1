//! `runas setup`: the templates it prints for every kind of profile pass `cfn-lint`, the JSON
//! form carries the same trust, and a template deployed to the AWS peer (CloudFormation, with
//! STS evaluating trust policies as AWS does) is what the profile needs to log in end to end.

#![cfg(unix)]

mod common;

use std::path::PathBuf;

use common::stack::{aws, cfn_lint, deploy};
use common::{PeerOptions, Peers, RunasHome, free_callback_uri, idp_defaults};

/// A workload token (not signed: setup reads only its `iss` and `aud`).
const WORKLOAD_TOKEN: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOiJodHRwczovL29pZGMuZWtzLmV4YW1wbGUudGVzdC9pZC9BQkMiLCJhdWQiOiJzdHMuYW1hem9uYXdzLmNvbSIsInN1YiI6InN5c3RlbTpzZXJ2aWNlYWNjb3VudDpuczphcHAiLCJleHAiOjQxMDI0NDQ4MDB9.c2ln";

fn every_kind(home: &RunasHome) -> String {
    let token = home.path().join("workload-token");
    std::fs::write(&token, WORKLOAD_TOKEN).expect("write the workload token");
    format!(
        "[profile web]\nweb_identity_auth_url = https://idp.example.test/realms/dev\n\
         web_identity_provider = keycloak\nweb_identity_client_id = runas-cli\n\
         role_arn = arn:aws:iam::123456789012:role/team/runas-web\nduration_seconds = 14400\n\n\
         [profile admin]\nsource_profile = web\nrole_arn = arn:aws:iam::123456789012:role/admin\n\
         external_id = shared-ext\n\n\
         [profile tip]\nweb_identity_auth_url = https://idp.example.test/realms/dev\n\
         web_identity_provider = keycloak\nweb_identity_client_id = runas-cli\n\
         role_arn = arn:aws:iam::123456789012:role/bootstrap\nregion = eu-west-1\n\
         identity_center_application_arn = arn:aws:sso::123456789012:application/ssoins-1111222233334444/apl-1111222233334444\n\
         identity_enhanced_role_arn = arn:aws:iam::123456789012:role/enhanced\n\n\
         [profile workload]\nweb_identity_token_file = {}\n\
         role_arn = arn:aws:iam::123456789012:role/workload\n\n\
         [profile sso]\nsso_session = corp\nsso_account_id = 123456789012\n\
         sso_role_name = ReadOnly\n\n\
         [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n\
         sso_region = us-east-1\n",
        token.display()
    )
}

fn template(home: &RunasHome, profile: &str, extra: &[&str]) -> (String, PathBuf) {
    let mut args = vec!["setup", profile];
    args.extend_from_slice(extra);
    let output = home.run_ok(&args);
    let path = home.path().join(format!("{profile}.yaml"));
    std::fs::write(&path, &output.stdout).expect("write the template");
    (output.stdout, path)
}

#[test]
fn every_profile_kind_gives_a_template_cfn_lint_accepts() {
    let peers = Peers::start(PeerOptions::default());
    let home = RunasHome::new(&peers);
    home.write_config(&every_kind(&home));
    for profile in ["web", "admin", "tip", "workload", "sso"] {
        let (text, path) = template(&home, profile, &[]);
        let lint = cfn_lint(&home, &path);
        assert!(
            lint.status.success(),
            "cfn-lint on {profile}:\n{}{}\n{text}",
            lint.stdout,
            lint.stderr
        );
    }
    let (web, _) = template(&home, "web", &["--subject", "alice"]);
    assert!(
        web.contains("Url: https://idp.example.test/realms/dev\n"),
        "{web}"
    );
    assert!(
        web.contains("idp.example.test/realms/dev:aud: runas-cli\n"),
        "{web}"
    );
    assert!(
        web.contains("idp.example.test/realms/dev:sub: alice\n"),
        "{web}"
    );
    assert!(web.contains("MaxSessionDuration: 14400\n"), "{web}");
    let (workload, _) = template(&home, "workload", &[]);
    assert!(
        workload.contains("Url: https://oidc.eks.example.test/id/ABC\n"),
        "{workload}"
    );
    assert!(
        workload.contains("id/ABC:aud: sts.amazonaws.com\n"),
        "{workload}"
    );
    let (sso, _) = template(&home, "sso", &[]);
    assert!(
        sso.contains("permission set ReadOnly on account 123456789012"),
        "{sso}"
    );
    assert!(!sso.contains("AWS::IAM::Role"), "{sso}");
}

#[test]
fn json_names_the_same_trust_as_plain_policy_documents() {
    let peers = Peers::start(PeerOptions::default());
    let home = RunasHome::new(&peers);
    home.write_config(&every_kind(&home));
    let tip = home.run_ok(&["setup", "tip", "--format", "json"]).json();
    let bootstrap = &tip["roles"][0];
    assert_eq!(
        bootstrap["trust_policy"]["Statement"][0]["Principal"]["Federated"],
        "arn:aws:iam::123456789012:oidc-provider/idp.example.test/realms/dev"
    );
    let allowed = &bootstrap["permissions_policy"]["Statement"];
    assert_eq!(
        allowed[0]["Action"], "sso-oauth:CreateTokenWithIAM",
        "{tip}"
    );
    let enhanced_trust = &tip["roles"][1]["trust_policy"]["Statement"][0];
    assert_eq!(
        enhanced_trust["Action"],
        serde_json::json!(["sts:AssumeRole", "sts:SetContext"])
    );
    assert_eq!(
        tip["identity_center"]["trusted_token_issuer_url"],
        "https://idp.example.test/realms/dev"
    );
    assert_eq!(tip["identity_center"]["audience"], "runas-cli");
    let admin = home.run_ok(&["setup", "admin", "--format", "json"]).json();
    assert_eq!(
        admin["roles"][1]["trust_policy"]["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"],
        "shared-ext"
    );
}

#[test]
fn a_profile_with_nothing_on_the_aws_side_is_refused_naming_its_line() {
    let peers = Peers::start(PeerOptions::default());
    let home = RunasHome::new(&peers);
    home.write_config("[profile keys]\naws_access_key_id = AKIDEXAMPLE\nregion = eu-west-1\n");
    let refused = home
        .run(&["setup", "keys"])
        .failed("setup of a static profile");
    assert!(
        refused.stderr.contains("aws-config:1: profile keys:"),
        "{}",
        refused.stderr
    );
}

#[test]
fn a_deployed_template_is_all_the_profile_needs_to_log_in() {
    let peers = Peers::start(
        PeerOptions::default()
            .strict_sts()
            .aws_env("PEER_TRUST_POLICIES", "1"),
    );
    let home = RunasHome::new(&peers);
    home.write_config(&format!(
        "{}[profile web]\nweb_identity_callback_uri = {}\n\
         role_arn = arn:aws:iam::123456789012:role/runas-web\nregion = us-east-1\n\n\
         [profile admin]\nsource_profile = web\n\
         role_arn = arn:aws:iam::123456789012:role/runas-admin\n",
        idp_defaults(&peers),
        free_callback_uri()
    ));
    // Before: no OIDC provider and no role in the account, so STS refuses.
    let before = home.run(&["login", "web"]).failed("login before the stack");
    assert!(
        before.stderr.contains("No OpenIDConnect provider found"),
        "{}",
        before.stderr
    );
    let (_, path) = template(&home, "admin", &[]);
    deploy(&home, &peers, "runas-admin", &path);
    let providers =
        aws(&home, &peers, &["iam", "list-open-id-connect-providers"]).succeeded("list providers");
    let port = peers
        .issuer()
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(
        providers
            .stdout
            .contains(&format!("oidc-provider/127.0.0.1:{port}")),
        "{}",
        providers.stdout
    );
    home.run_ok(&["login", "admin"]);
    let status = home.status();
    assert_eq!(
        status["admin"]["assumed_role_arn"],
        "arn:aws:sts::123456789012:assumed-role/runas-admin/alice@example.test",
        "{status:?}"
    );
}
