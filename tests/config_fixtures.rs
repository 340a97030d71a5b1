//! One fixture per invalid config (tests/fixtures/config/*.ini), each asserted on its own,
//! plus `mixed.ini`: every good profile loads with the right kind while the broken ones
//! carry their error. Paths in the expected texts are the fixture paths as passed to `load`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use runas::config::{self, Config, ConfigError, Flow, ProfileKind, ProviderKind, Severity};

fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config")
        .join(name)
}

fn load(name: &str) -> Config {
    config::load(&fixture_path(name)).expect("fixture must be readable")
}

/// Every error in the file as `FILE:LINE: ...` text, file paths shortened to the fixture name.
fn errors(name: &str) -> Vec<String> {
    let config = load(name);
    let path = fixture_path(name).display().to_string();
    let profile_errors = config.profiles.iter().flat_map(|p| &p.errors);
    let session_errors = config.sso_sessions.iter().flat_map(|s| &s.errors);
    config
        .issues
        .iter()
        .filter(|issue| issue.severity == Severity::Error)
        .chain(profile_errors)
        .chain(session_errors)
        .map(|issue| issue.to_string().replacen(&path, name, 1))
        .collect()
}

fn warnings(name: &str) -> Vec<String> {
    let config = load(name);
    let path = fixture_path(name).display().to_string();
    let profile_warnings = config.profiles.iter().flat_map(|p| &p.warnings);
    config
        .issues
        .iter()
        .filter(|issue| issue.severity == Severity::Warning)
        .chain(profile_warnings)
        .map(|issue| issue.to_string().replacen(&path, name, 1))
        .collect()
}

fn single_error(name: &str) -> String {
    let mut all = errors(name);
    assert_eq!(
        all.len(),
        1,
        "{name}: expected exactly one error, got {all:#?}"
    );
    all.remove(0)
}

#[test]
fn bad_role_arn() {
    assert_eq!(
        single_error("bad_role_arn.ini"),
        "bad_role_arn.ini:4: profile dev: role_arn = \"arn:aws:iam::1234:role/dev\" is not a \
         role ARN (the account must be 12 digits); expected arn:aws:iam::123456789012:role/NAME"
    );
}

#[test]
fn bad_jump_role_arn() {
    let error = single_error("bad_jump_role_arn.ini");
    assert!(
        error.starts_with("bad_jump_role_arn.ini:5: profile dev: jump_role_arn = "),
        "{error}"
    );
    assert!(error.contains("must start with role/"), "{error}");
}

#[test]
fn bad_duration() {
    assert_eq!(
        single_error("bad_duration.ini"),
        "bad_duration.ini:5: profile dev: duration_seconds = \"an hour\" is not a duration; \
         expected seconds (3600) or hours/minutes/seconds like 1h, 90m, 1h30m"
    );
}

#[test]
fn duration_out_of_range() {
    assert_eq!(
        single_error("duration_out_of_range.ini"),
        "duration_out_of_range.ini:5: profile dev: credentials_duration = \"13h\" is 46800 seconds; \
         AWS accepts 900 to 43200 (15 minutes to 12 hours)"
    );
}

#[test]
fn malformed_line() {
    assert_eq!(
        single_error("malformed_line.ini"),
        "malformed_line.ini:5: profile dev: line is not `key = value`, a [section] header or a \
         comment; it was ignored"
    );
    let config = load("malformed_line.ini");
    assert_eq!(
        config.profile("dev").unwrap().kind,
        ProfileKind::WebIdentity
    );
}

#[test]
fn missing_source_profile() {
    assert_eq!(
        single_error("missing_source_profile.ini"),
        "missing_source_profile.ini:2: profile dev: source_profile = nowhere names a profile \
         that does not exist; expected the name of a [profile NAME] section in the config file \
         or a [NAME] section in the credentials file"
    );
}

#[test]
fn source_profile_cycle() {
    assert_eq!(
        errors("source_profile_cycle.ini"),
        [
            "source_profile_cycle.ini:2: profile a: source_profile forms a cycle: a -> b -> a; \
             a chain must end at a profile without source_profile",
            "source_profile_cycle.ini:5: profile b: source_profile forms a cycle: b -> a -> b; \
             a chain must end at a profile without source_profile",
        ]
    );
}

#[test]
fn missing_client_id() {
    assert_eq!(
        single_error("missing_client_id.ini"),
        "missing_client_id.ini:1: profile dev: missing web_identity_client_id; expected the OIDC \
         client id registered at the identity provider"
    );
}

#[test]
fn bad_auth_url() {
    let error = single_error("bad_auth_url.ini");
    assert!(
        error.starts_with(
            "bad_auth_url.ini:2: profile dev: web_identity_auth_url = \"example.okta.com/oauth2\" \
             is not a URL"
        ),
        "{error}"
    );
}

#[test]
fn unknown_provider() {
    assert_eq!(
        single_error("unknown_provider.ini"),
        "unknown_provider.ini:5: profile dev: web_identity_provider: unknown provider \
         \"pingfed\"; valid providers are okta, azuread, keycloak, forgerock, onelogin, oidc"
    );
}

#[test]
fn unknown_flow() {
    let error = single_error("unknown_flow.ini");
    assert!(
        error.starts_with("unknown_flow.ini:5: profile dev: web_identity_flow = \"telepathy\"")
    );
    assert!(error.ends_with("expected browser or device"), "{error}");
}

#[test]
fn unknown_auth_method() {
    let error = single_error("unknown_auth_method.ini");
    assert!(
        error.starts_with("unknown_auth_method.ini:5: profile dev:"),
        "{error}"
    );
    assert!(
        error.contains("expected client_secret_basic, client_secret_post or none"),
        "{error}"
    );
}

#[test]
fn bad_use_pkce() {
    assert_eq!(
        single_error("bad_use_pkce.ini"),
        "bad_use_pkce.ini:5: profile dev: web_identity_use_pkce = \"sometimes\" is not a \
         boolean; expected true or false"
    );
}

#[test]
fn secret_method_without_secret() {
    let error = single_error("secret_method_without_secret.ini");
    assert!(
        error.starts_with("secret_method_without_secret.ini:5: profile dev:"),
        "{error}"
    );
    assert!(
        error.contains("client_secret_post needs a client secret"),
        "{error}"
    );
}

#[test]
fn bad_callback_uri() {
    let error = single_error("bad_callback_uri.ini");
    assert!(
        error.starts_with("bad_callback_uri.ini:5: profile dev:"),
        "{error}"
    );
    assert!(
        error.contains("expected http://127.0.0.1:PORT/PATH"),
        "{error}"
    );
}

#[test]
fn scopes_without_openid() {
    let error = single_error("scopes_without_openid.ini");
    assert!(
        error.starts_with("scopes_without_openid.ini:5: profile dev:"),
        "{error}"
    );
    assert!(error.contains("lacks openid"), "{error}");
}

#[test]
fn token_file_without_role() {
    let error = single_error("token_file_without_role.ini");
    assert!(
        error.starts_with("token_file_without_role.ini:2: profile workload:"),
        "{error}"
    );
    assert!(error.contains("role_arn is missing"), "{error}");
}

#[test]
fn broken_header() {
    let error = single_error("broken_header.ini");
    assert_eq!(
        error,
        "broken_header.ini:1: section header is missing its closing `]`; the keys below it up \
         to the next section are ignored"
    );
    assert!(load("broken_header.ini").profiles.is_empty());
}

#[test]
fn bare_section_is_a_warning_that_says_what_to_write() {
    assert!(errors("bare_section.ini").is_empty());
    let all = warnings("bare_section.ini");
    assert_eq!(all.len(), 1, "{all:?}");
    assert!(
        all[0].starts_with("bare_section.ini:1: section [dev]"),
        "{all:?}"
    );
    assert!(all[0].ends_with("write [profile dev]"), "{all:?}");
}

#[test]
fn key_outside_section() {
    assert_eq!(
        single_error("key_outside_section.ini"),
        "key_outside_section.ini:1: key region is outside any section; put it under \
         [profile NAME] or [default]"
    );
    let config = load("key_outside_section.ini");
    assert!(config.profile("dev").unwrap().errors.is_empty());
}

#[test]
fn missing_sso_session() {
    let error = single_error("missing_sso_session.ini");
    assert!(
        error.starts_with("missing_sso_session.ini:2: profile corp:"),
        "{error}"
    );
    assert!(error.contains("names no [sso-session corp]"), "{error}");
}

#[test]
fn non_utf8_bytes_are_replaced_and_their_lines_reported() {
    let config = load("non_utf8.ini");
    let dev = config.profile("dev").unwrap();
    assert_eq!(dev.role_session_name.as_deref(), Some("jos\u{fffd}"));
    assert_eq!(dev.errors.len(), 1, "{:?}", dev.errors);
    assert_eq!(dev.errors[0].line, 6);
    assert!(dev.errors[0].message.contains("not UTF-8"));
    assert_eq!(
        config.issues.len(),
        1,
        "the comment line: {:?}",
        config.issues
    );
    assert_eq!(
        (config.issues[0].line, config.issues[0].severity),
        (5, Severity::Warning)
    );
    assert!(config.profile("other").unwrap().errors.is_empty());
}

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
    assert!(okta.callback.unwrap().loopback);
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
