//! The trusted-identity-propagation keys (docs/ARCHITECTURE.md "Trusted identity
//! propagation"): one fixture per invalid setting, each asserted as the `file:line: profile
//! NAME: …` text a person sees.

mod common;

use common::config_fixture::{load, path as fixture_path, texts};

/// Every profile error in the file.
fn errors(name: &str) -> Vec<String> {
    let config = load(name);
    texts(config.profiles.iter().flat_map(|p| &p.errors), name)
}

#[test]
fn an_application_arn_of_the_wrong_shape() {
    let errors = errors("bad_identity_center_application_arn.ini");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with(
            "bad_identity_center_application_arn.ini:5: profile tip: \
             identity_center_application_arn = \"arn:aws:sso::123456789012:application/apl-0a1b2c3d\" \
             is not an Identity Center application ARN"
        ),
        "{}",
        errors[0]
    );
    assert!(
        errors[0].contains("application/ssoins-ID/apl-ID"),
        "{}",
        errors[0]
    );
}

#[test]
fn identity_center_keys_on_a_profile_that_cannot_log_in() {
    let errors = errors("identity_center_without_login.ini");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with(
            "identity_center_without_login.ini:4: profile static: has identity_center_* / \
             s3_access_grants_* keys but cannot log in (it is a static profile)"
        ),
        "{}",
        errors[0]
    );
    assert!(errors[0].contains("web_identity_auth_url"), "{}", errors[0]);
}

#[test]
fn bad_access_grants_keys_each_name_their_line() {
    let errors = errors("bad_access_grants.ini");
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(
        errors[0].starts_with(
            "bad_access_grants.ini:7: profile tip: s3_access_grants_account_id = \"1234\" is not \
             an AWS account id; expected 12 digits"
        ),
        "{}",
        errors[0]
    );
    assert!(
        errors[1].starts_with(
            "bad_access_grants.ini:8: profile tip: s3_access_grants_target = \"reports/team-a/\" \
             is not an S3 target"
        ),
        "{}",
        errors[1]
    );
    assert_eq!(
        errors[2],
        "bad_access_grants.ini:9: profile tip: s3_access_grants_permission = \"all\" is not a \
         permission; expected READ, WRITE or READWRITE"
    );
}

#[test]
fn an_application_without_its_role() {
    let errors = errors("missing_identity_enhanced_role.ini");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with(
            "missing_identity_enhanced_role.ini:5: profile tip: missing identity_enhanced_role_arn"
        ),
        "{}",
        errors[0]
    );
}

#[test]
fn list_shows_the_identity_center_keys() {
    let cache = tempfile::tempdir().expect("a temp cache dir");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_runas"))
        .arg("--config")
        .arg(fixture_path("identity_center.ini"))
        .args(["list", "--json"])
        .env("RUNAS_CACHE_DIR", cache.path())
        .output()
        .expect("run runas list");
    assert!(output.status.success(), "{output:?}");
    let rows: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let row = &rows[0];
    assert_eq!(row["errors"], serde_json::json!([]), "{row}");
    assert_eq!(
        row["identity_center_application_arn"],
        "arn:aws:sso::123456789012:application/ssoins-7223a1b2c3d4e5f6/apl-0a1b2c3d4e5f6a7b"
    );
    assert_eq!(
        row["identity_center_region"],
        serde_json::Value::Null,
        "{row}"
    );
    assert_eq!(
        row["identity_enhanced_role_arn"],
        "arn:aws:iam::210987654321:role/analyst"
    );
    assert_eq!(row["s3_access_grants_account_id"], "210987654321", "{row}");
    assert_eq!(row["s3_access_grants_target"], "s3://reports/team-a/");
    assert_eq!(row["s3_access_grants_permission"], "READWRITE");
}
