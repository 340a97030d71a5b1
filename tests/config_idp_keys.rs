//! The two profile keys for IdPs and platforms that differ from the reference, one fixture
//! each (tests/fixtures/config/): `web_identity_device_authorization_url` (inherited, https
//! except loopback) and `web_identity_token_env` (a variable name, never a pasted token; a
//! workload profile beside `web_identity_token_file`).

mod common;

use common::config_fixture::{load, texts};
use runas::config::{self, Config, ProfileKind};

/// Every profile issue, errors and warnings.
fn issues(config: &Config, name: &str) -> Vec<String> {
    let profile_issues = config.profiles.iter();
    texts(
        profile_issues.flat_map(|p| p.errors.iter().chain(&p.warnings)),
        name,
    )
}

#[test]
fn an_insecure_device_authorization_url_is_refused_where_it_is_written() {
    let name = "bad_device_authorization_url.ini";
    let config = load(name);
    let all = issues(&config, name);
    let expected = "bad_device_authorization_url.ini:4: profile dev: \
         web_identity_device_authorization_url = \"http://idp.example.com/device\" must use \
         https; plain http is allowed only on loopback hosts (inherited from profile default)";
    assert!(all.iter().any(|issue| issue == expected), "{all:#?}");
}

#[test]
fn a_loopback_device_authorization_url_is_inherited() {
    let text = "[default]\nweb_identity_auth_url = http://127.0.0.1:9400\n\
                web_identity_client_id = runas-cli\n\
                web_identity_device_authorization_url = http://127.0.0.1:9400/device/auth\n\n\
                [profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\n";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    std::fs::write(&path, text).unwrap();
    let config = config::load(&path).unwrap();
    let dev = config.profiles.iter().find(|p| p.name == "dev").unwrap();
    assert!(dev.errors.is_empty(), "{:?}", dev.errors);
    let web = dev.web_identity.as_ref().expect("a web identity profile");
    assert_eq!(
        web.device_authorization_url
            .as_ref()
            .map(|url| url.as_str()),
        Some("http://127.0.0.1:9400/device/auth")
    );
}

#[test]
fn a_token_pasted_into_token_env_is_refused_without_echoing_it() {
    let name = "bad_token_env.ini";
    let all = issues(&load(name), name);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert!(
        all[0]
            .starts_with("bad_token_env.ini:3: profile connect: web_identity_token_env must name"),
        "{all:#?}"
    );
    assert!(
        !all[0].contains("pasted-token"),
        "the value was echoed: {}",
        all[0]
    );
}

#[test]
fn token_env_makes_a_workload_profile_and_wins_over_the_file() {
    let name = "token_env.ini";
    let config = load(name);
    let profile = |wanted: &str| config.profiles.iter().find(|p| p.name == wanted).unwrap();
    let content = profile("connect-content");
    assert_eq!(content.kind, ProfileKind::TokenFile);
    assert_eq!(
        content.token_env.as_deref(),
        Some("CONNECT_CONTENT_SESSION_TOKEN")
    );
    assert!(content.errors.is_empty() && content.warnings.is_empty());
    assert_eq!(profile("both").kind, ProfileKind::TokenFile);
    let all = issues(&config, name);
    assert!(
        all.contains(
            &"token_env.ini:7: profile both: both web_identity_token_env and \
              web_identity_token_file (line 6) are set; the environment variable is used"
                .to_owned()
        ),
        "{all:#?}"
    );
    assert!(
        all.iter().any(|issue| issue.starts_with(
            "token_env.ini:11: profile no-role: web_identity_token_env is set but role_arn is missing"
        )),
        "{all:#?}"
    );
}
