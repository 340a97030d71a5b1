//! `mixed.ini`: every good profile loads with the right kind while the broken ones carry their
//! error; and files that cannot be read at all.

mod common;

use std::time::Duration;

use common::config_fixture::{load, path as fixture_path};
use runas::config::{self, ConfigError, Flow, ProfileKind, ProviderKind};

#[test]
fn missing_and_unreadable_files_are_errors_that_name_the_path() {
    let missing = fixture_path("no-such-file.ini");
    let error = config::load(&missing).unwrap_err();
    assert!(matches!(error, ConfigError::Missing { .. }), "{error}");
    assert!(error.to_string().contains("[profile dev-admin]"), "{error}");
    assert!(error.to_string().contains("no-such-file.ini"), "{error}");

    let directory = fixture_path("");
    let error = config::load(&directory).unwrap_err();
    assert!(matches!(error, ConfigError::IsDirectory { .. }), "{error}");
    assert!(error.to_string().contains("fixtures/config"), "{error}");
}

#[test]
fn mixed_good_profiles_load_and_broken_ones_carry_their_error() {
    let config = load("mixed.ini");
    let expected_good = [
        ("default", ProfileKind::Other),
        ("okta", ProfileKind::WebIdentity),
        ("azure", ProfileKind::WebIdentity),
        ("keycloak", ProfileKind::WebIdentity),
        ("forgerock", ProfileKind::WebIdentity),
        ("onelogin", ProfileKind::WebIdentity),
        ("generic", ProfileKind::WebIdentity),
        ("workload", ProfileKind::TokenFile),
        ("chained", ProfileKind::Chained),
        ("static", ProfileKind::Static),
        ("sso", ProfileKind::Sso),
        ("windows", ProfileKind::Process),
    ];
    for (name, kind) in expected_good {
        let profile = config
            .profile(name)
            .unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(profile.kind, kind, "{name}");
        assert!(profile.errors.is_empty(), "{name}: {:?}", profile.errors);
    }
    let providers: Vec<_> = [
        "okta",
        "azure",
        "keycloak",
        "forgerock",
        "onelogin",
        "generic",
    ]
    .iter()
    .map(|name| {
        config
            .profile(name)
            .unwrap()
            .web_identity
            .as_ref()
            .unwrap()
            .provider
    })
    .collect();
    assert_eq!(providers, ProviderKind::ALL.map(Some));

    // Inheritance: client id and callback from [default] unless the profile has its own.
    let okta = config
        .profile("okta")
        .unwrap()
        .web_identity
        .clone()
        .unwrap();
    assert_eq!(okta.client_id, "shared-client");
    assert!(okta.callback.as_ref().unwrap().loopback);
    let azure = config.profile("azure").unwrap();
    assert_eq!(
        azure.web_identity.as_ref().unwrap().client_id,
        "azure-client"
    );
    assert_eq!(azure.duration, Some(Duration::from_secs(5400)));
    let onelogin = config
        .profile("onelogin")
        .unwrap()
        .web_identity
        .clone()
        .unwrap();
    assert!(onelogin.device_only.is_some());
    assert_eq!(
        config
            .profile("forgerock")
            .unwrap()
            .web_identity
            .as_ref()
            .unwrap()
            .flow,
        Flow::Device
    );
    assert_eq!(
        config
            .profile("windows")
            .unwrap()
            .credential_process
            .as_deref(),
        Some(r"C:\tools\x.exe credential-process okta")
    );
    assert_eq!(
        config.sso_session("corp").unwrap().region.as_deref(),
        Some("us-east-1")
    );

    let path = fixture_path("mixed.ini").display().to_string();
    let first_error = |name: &str| {
        let profile = config.profile(name).unwrap();
        assert_eq!(profile.errors.len(), 1, "{name}: {:?}", profile.errors);
        profile.errors[0]
            .to_string()
            .replacen(&path, "mixed.ini", 1)
    };
    assert!(first_error("broken-arn").starts_with("mixed.ini:22: profile broken-arn: role_arn = "));
    assert!(first_error("broken-duration").starts_with(
        "mixed.ini:38: profile broken-duration: duration_seconds = \"forever\" is not a duration"
    ));
    assert!(
        first_error("broken-line").starts_with("mixed.ini:48: profile broken-line: line is not")
    );
    assert!(first_error("broken-source").starts_with(
        "mixed.ini:58: profile broken-source: source_profile = does-not-exist names a profile"
    ));
    assert!(first_error("cycle-a").contains(
        ":66: profile cycle-a: source_profile forms a cycle: cycle-a -> cycle-b -> cycle-a"
    ));
    assert!(first_error("cycle-b").contains(
        ":74: profile cycle-b: source_profile forms a cycle: cycle-b -> cycle-a -> cycle-b"
    ));
    // The broken-line profile still has the values around its bad line.
    assert_eq!(
        config.profile("broken-line").unwrap().kind,
        ProfileKind::WebIdentity
    );
    assert_eq!(config.profiles.len(), 18);
    assert!(config.issues.is_empty(), "{:?}", config.issues);
    assert!(
        !format!("{config:?}").contains("wJalrXUtnFEMI"),
        "secret key leaked into Debug"
    );
}
