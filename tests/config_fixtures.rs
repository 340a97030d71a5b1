//! One fixture per invalid config (tests/fixtures/config/*.ini), each asserted on its own as
//! the `FILE:LINE: …` text a person sees (`mixed.ini` and unreadable files: config_mixed.rs).

mod common;

use common::config_fixture::{load, texts};
use runas::config::{ProfileKind, Severity};

/// Every error in the file, the file's own and its profiles' and sso-sessions'.
fn errors(name: &str) -> Vec<String> {
    let config = load(name);
    let file_errors = config
        .issues
        .iter()
        .filter(|i| i.severity == Severity::Error);
    let profile_errors = config.profiles.iter().flat_map(|p| &p.errors);
    let session_errors = config.sso_sessions.iter().flat_map(|s| &s.errors);
    texts(
        file_errors.chain(profile_errors).chain(session_errors),
        name,
    )
}

fn warnings(name: &str) -> Vec<String> {
    let config = load(name);
    let file_warnings = config
        .issues
        .iter()
        .filter(|i| i.severity == Severity::Warning);
    let profile_warnings = config.profiles.iter().flat_map(|p| &p.warnings);
    texts(file_warnings.chain(profile_warnings), name)
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
