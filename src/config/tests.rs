//! Test-only code: compiled solely under its parent module's `#[cfg(test)]`.
//!
//! Whole-file behaviour of [`super::parse`]: kinds, inheritance, tolerance, issue texts.

use std::path::Path;
use std::time::Duration;

use super::*;

const ROLE: &str = "arn:aws:iam::123456789012:role/dev";

fn parse_text(text: &str) -> Config {
    parse(Path::new("/cfg"), text)
}

fn messages(issues: &[ConfigIssue]) -> Vec<String> {
    issues.iter().map(ToString::to_string).collect()
}

#[test]
fn the_design_example_parses_with_its_inline_comment() {
    let config = parse_text(
        "[profile dev-admin]\n\
         web_identity_auth_url     = https://example.okta.com/oauth2/default\n\
         web_identity_client_id    = 0oa1b2c3d4\n\
         web_identity_callback_uri = http://127.0.0.1:8090/callback\n\
         web_identity_provider     = okta            ; optional: skips auto-detection\n\
         role_arn                  = arn:aws:iam::123456789012:role/dev-admin\n\
         region                    = eu-west-1\n\
         duration_seconds          = 3600\n",
    );
    let profile = config.profile("dev-admin").unwrap();
    assert_eq!(profile.kind, ProfileKind::WebIdentity);
    assert!(profile.errors.is_empty(), "{:?}", messages(&profile.errors));
    assert!(
        profile.warnings.is_empty(),
        "{:?}",
        messages(&profile.warnings)
    );
    let web = profile.web_identity.as_ref().unwrap();
    assert_eq!(web.provider, Some(ProviderKind::Okta));
    assert_eq!(web.client_id, "0oa1b2c3d4");
    assert!(web.callback.as_ref().unwrap().loopback);
    assert_eq!(web.device_only, None);
    assert_eq!(
        *web.scopes,
        ["openid", "offline_access", "profile", "email"]
    );
    assert_eq!(web.auth_method, TokenAuthMethod::None);
    assert!(web.use_pkce);
    assert_eq!(web.flow, Flow::Browser);
    assert_eq!(profile.duration, Some(Duration::from_secs(3600)));
    assert_eq!(profile.region.as_deref(), Some("eu-west-1"));
    assert_eq!(profile.line, 1);
}

#[test]
fn kinds_follow_the_fixed_order() {
    let config = parse_text(&format!(
        "[profile sso]\nsso_session = s\nrole_arn = {ROLE}\n\
         [sso-session s]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\n\
         [profile tf]\nweb_identity_token_file = /var/run/token\nrole_arn = {ROLE}\n\
         [profile chained]\nsource_profile = static\nrole_arn = {ROLE}\n\
         [profile static]\naws_access_key_id = AKIA\naws_secret_access_key = s\n\
         [profile web]\nrole_arn = {ROLE}\nweb_identity_auth_url = https://idp.example.com\n\
         web_identity_client_id = c\n\
         [profile other]\nregion = eu-west-1\n\
         [profile proc]\ncredential_process = runas credential-process web\n"
    ));
    let kind = |name: &str| config.profile(name).unwrap().kind;
    assert_eq!(kind("sso"), ProfileKind::Sso);
    assert_eq!(kind("tf"), ProfileKind::TokenFile);
    assert_eq!(kind("chained"), ProfileKind::Chained);
    assert_eq!(kind("static"), ProfileKind::Static);
    assert_eq!(kind("web"), ProfileKind::WebIdentity);
    assert_eq!(kind("other"), ProfileKind::Other);
    assert_eq!(kind("proc"), ProfileKind::Process);
    let sso = config.profile("sso").unwrap().sso.clone().unwrap();
    assert_eq!(
        sso.start_url.as_deref(),
        Some("https://x.awsapps.com/start")
    );
    assert_eq!(
        config.profile("tf").unwrap().token_file.as_deref(),
        Some(Path::new("/var/run/token"))
    );
    let names: Vec<_> = config.profiles.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        ["sso", "tf", "chained", "static", "web", "other", "proc"]
    );
    for profile in &config.profiles {
        assert!(
            profile.errors.is_empty(),
            "{}: {:?}",
            profile.name,
            messages(&profile.errors)
        );
    }
    assert_eq!(ProfileKind::TokenFile.as_str(), "token_file");
    assert_eq!(
        serde_json::to_string(&ProfileKind::WebIdentity).unwrap(),
        "\"web_identity\""
    );
}

#[test]
fn inheritance_most_specific_wins() {
    let config = parse_text(&format!(
        "[default]\n\
         web_identity_auth_url = https://default.example.com\n\
         web_identity_client_id = from-default\n\
         web_identity_username = default-user\n\
         federated_username = fed\n\
         [profile base]\n\
         web_identity_auth_url = https://base.example.com\n\
         web_identity_redirect_uri = http://localhost:9000/cb\n\
         [profile mid]\n\
         source_profile = base\n\
         web_identity_client_id = from-mid\n\
         [profile leaf]\n\
         source_profile = mid\n\
         role_arn = {ROLE}\n\
         web_identity_username = leaf-user\n\
         [profile plain]\n\
         role_arn = {ROLE}\n"
    ));
    let leaf = config.profile("leaf").unwrap();
    assert_eq!(
        leaf.kind,
        ProfileKind::WebIdentity,
        "{:?}",
        messages(&leaf.errors)
    );
    let web = leaf.web_identity.as_ref().unwrap();
    assert_eq!(web.auth_url.as_str(), "https://base.example.com/");
    assert_eq!(web.client_id, "from-mid");
    assert_eq!(web.username.as_deref(), Some("leaf-user"));
    assert_eq!(
        web.callback.as_ref().unwrap().uri.as_str(),
        "http://localhost:9000/cb"
    );
    assert_eq!(leaf.federated_username.as_deref(), Some("fed"));

    let plain = config.profile("plain").unwrap();
    let web = plain.web_identity.as_ref().unwrap();
    assert_eq!(web.auth_url.host_str(), Some("default.example.com"));
    assert_eq!(web.client_id, "from-default");
    assert_eq!(web.username.as_deref(), Some("default-user"));
    // Profiles that only hold shared keys are not nagged about a missing role_arn.
    assert!(config.profile("base").unwrap().warnings.is_empty());
}

#[test]
fn an_inherited_bad_value_names_where_it_came_from() {
    let config = parse_text(&format!(
        "[default]\nweb_identity_provider = pingfed\n\
         [profile a]\nrole_arn = {ROLE}\nweb_identity_auth_url = https://i.example.com\n\
         web_identity_client_id = c\n"
    ));
    let a = config.profile("a").unwrap();
    assert_eq!(
        messages(&a.errors),
        [
            "/cfg:2: profile a: web_identity_provider: unknown provider \"pingfed\"; valid providers \
          are okta, azuread, keycloak, forgerock, onelogin, oidc (inherited from profile default)"
        ]
    );
}

#[test]
fn one_bad_line_only_hurts_its_own_profile() {
    let config = parse_text(&format!(
        "[profile good1]\nregion = eu-west-1\n\
         [profile broken]\nthis line has no equals sign\nrole_arn = {ROLE}\n\
         [profile good2]\nregion = us-east-1\n"
    ));
    assert_eq!(
        messages(&config.profile("broken").unwrap().errors),
        [
            "/cfg:4: profile broken: line is not `key = value`, a [section] header or a comment; \
          it was ignored"
        ]
    );
    assert_eq!(
        config.profile("broken").unwrap().role_arn.as_deref(),
        Some(ROLE)
    );
    for name in ["good1", "good2"] {
        let profile = config.profile(name).unwrap();
        assert!(profile.errors.is_empty() && profile.region.is_some());
    }
    assert!(config.issues.is_empty());
}

#[test]
fn file_level_issues() {
    let config =
        parse_text("stray = 1\n[dev]\nregion = x\n[profile oops\nregion = y\n[profile ok]\n");
    assert_eq!(
        messages(&config.issues),
        [
            "/cfg:1: key stray is outside any section; put it under [profile NAME] or [default]",
            "/cfg:2: section [dev] is not a profile in the AWS config file and is ignored \
             (the AWS CLI ignores it too); write [profile dev]",
            "/cfg:4: section header is missing its closing `]`; the keys below it up to the next \
             section are ignored",
        ]
    );
    assert_eq!(config.issues[1].severity, Severity::Warning);
    assert_eq!(config.issues[2].severity, Severity::Error);
    let names: Vec<_> = config.profiles.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["ok"]);
}

#[test]
fn duplicates_warn_and_the_last_one_wins() {
    let config = parse_text(
        "[profile a]\nregion = one\nregion = two\n[default]\nregion = d\n\
         [profile a]\noutput = json\n[profile default]\noutput = text\n",
    );
    let a = config.profile("a").unwrap();
    assert_eq!(a.region.as_deref(), Some("two"));
    assert_eq!(a.get("output").unwrap().value, "json");
    assert_eq!(
        messages(&a.warnings),
        [
            "/cfg:3: profile a: region is set twice (lines 2 and 3); the value on line 3 wins",
            "/cfg:6: profile a: section repeats the one at line 1; their keys are merged and the \
             later ones win",
        ]
    );
    let default = config.profile("default").unwrap(); // [profile default], not [default]
    assert_eq!(config.profiles.len(), 2);
    let output = default.get("output").unwrap();
    assert!(output.value == "text" && default.get("region").is_none() && default.line == 8);
    assert_eq!(
        messages(&config.issues),
        [
            "/cfg:4: [default] is ignored because [profile default] (line 8) is in the same file; \
          the AWS CLI and SDKs read only that one"
        ]
    );
}

#[test]
fn non_loopback_callbacks_mean_device_only_not_an_error() {
    let config = parse_text(&format!(
        "[profile a]\nrole_arn = {ROLE}\nweb_identity_auth_url = https://i.example.com\n\
         web_identity_client_id = c\nweb_identity_callback_uri = app:/callback\n\
         web_identity_redirect_uri = http://127.0.0.1/cb\n"
    ));
    let a = config.profile("a").unwrap();
    assert!(a.errors.is_empty(), "{:?}", messages(&a.errors));
    let web = a.web_identity.as_ref().unwrap();
    assert!(!web.callback.as_ref().unwrap().loopback);
    assert!(
        web.device_only
            .as_ref()
            .unwrap()
            .contains("only the device flow")
    );
    assert_eq!(
        messages(&a.warnings),
        [
            "/cfg:6: profile a: both web_identity_callback_uri (line 5) and \
          web_identity_redirect_uri are set; web_identity_callback_uri wins"
        ]
    );
}

#[test]
fn secrets_settings_and_their_checks() {
    let config = parse_text(&format!(
        "[profile inline]\nrole_arn = {ROLE}\nweb_identity_auth_url = https://i.example.com\n\
         web_identity_client_id = c\nweb_identity_client_secret = hunter2\n\
         web_identity_use_pkce = false\nweb_identity_flow = device\n\
         [profile env]\nrole_arn = {ROLE}\nweb_identity_auth_url = https://i.example.com\n\
         web_identity_client_id = c\nweb_identity_client_secret_env = IDP_SECRET\n\
         web_identity_token_endpoint_auth_method = client_secret_post\n\
         [profile nosecret]\nrole_arn = {ROLE}\nweb_identity_auth_url = https://i.example.com\n\
         web_identity_client_id = c\nweb_identity_token_endpoint_auth_method = client_secret_basic\n\
         web_identity_use_pkce = perhaps\nweb_identity_flow = carrier-pigeon\n"
    ));
    let inline = config.profile("inline").unwrap();
    let web = inline.web_identity.as_ref().unwrap();
    assert!(matches!(&web.client_secret, Some(ClientSecret::Inline(s)) if s.expose() == "hunter2"));
    assert_eq!(web.auth_method, TokenAuthMethod::ClientSecretBasic);
    assert!(!web.use_pkce);
    assert_eq!(web.flow, Flow::Device);
    assert_eq!(inline.warnings.len(), 2, "{:?}", messages(&inline.warnings));
    let everything = format!("{config:?} {:?}", messages(&inline.warnings));
    assert!(
        !everything.contains("hunter2"),
        "a secret leaked into Debug or an issue"
    );

    let env = config.profile("env").unwrap().web_identity.clone().unwrap();
    assert_eq!(
        env.client_secret,
        Some(ClientSecret::Env("IDP_SECRET".into()))
    );
    assert_eq!(env.auth_method, TokenAuthMethod::ClientSecretPost);

    let errors = messages(&config.profile("nosecret").unwrap().errors);
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(errors[0].contains(":18: profile nosecret: web_identity_token_endpoint_auth_method = client_secret_basic needs a client secret"));
    assert!(errors[1].contains(":19:") && errors[1].contains("expected true or false"));
    assert!(errors[2].contains(":20:") && errors[2].contains("expected browser or device"));
}

#[test]
fn missing_client_id_is_reported_at_the_header() {
    let config = parse_text(&format!(
        "# comment\n[profile a]\nrole_arn = {ROLE}\nweb_identity_auth_url = idp.example.com\n"
    ));
    let a = config.profile("a").unwrap();
    assert_eq!(a.kind, ProfileKind::WebIdentity);
    assert!(a.web_identity.is_none());
    let errors = messages(&a.errors);
    assert!(
        errors[0].starts_with("/cfg:2: profile a: missing web_identity_client_id"),
        "{errors:?}"
    );
    assert!(
        errors[1].starts_with(
            "/cfg:4: profile a: web_identity_auth_url = \"idp.example.com\" is not a URL"
        ),
        "{errors:?}"
    );
}

#[test]
fn windows_paths_and_nested_sections_are_kept() {
    let config = parse_text(
        "[profile win]\ncredential_process = C:\\tools\\x.exe --profile win\n\
         s3 =\n  max_concurrent_requests = 10\nregion = eu-west-1\n",
    );
    let win = config.profile("win").unwrap();
    assert_eq!(
        win.credential_process.as_deref(),
        Some("C:\\tools\\x.exe --profile win")
    );
    // With the newline before it, as the AWS CLI and SDKs keep a sub-property block.
    assert_eq!(
        win.get("s3").unwrap().value,
        "\nmax_concurrent_requests = 10"
    );
    assert_eq!(win.region.as_deref(), Some("eu-west-1"));
    assert!(win.errors.is_empty() && config.issues.is_empty());
}

#[test]
fn sso_sessions_are_typed_and_checked() {
    let config = parse_text(
        "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n\
         [profile s]\nsso_session = missing\n",
    );
    let session = config.sso_session("corp").unwrap();
    assert_eq!(
        session.errors[0].to_string(),
        "/cfg:1: sso-session corp: missing sso_region"
    );
    let s = config.profile("s").unwrap();
    assert_eq!(s.kind, ProfileKind::Sso);
    assert!(
        s.errors[0]
            .message
            .contains("names no [sso-session missing]")
    );
}

#[test]
fn token_file_without_role_and_unknown_keys() {
    let config =
        parse_text("[profile t]\nweb_identity_token_file = /tok\nweb_identity_clientid = typo\n");
    let t = config.profile("t").unwrap();
    assert_ne!(t.kind, ProfileKind::TokenFile);
    assert!(t.errors[0].message.contains("role_arn is missing"));
    assert!(
        t.warnings
            .iter()
            .any(|w| w.message.contains("unknown key web_identity_clientid"))
    );
}

#[test]
fn the_config_path_prefers_aws_config_file_then_home() {
    let home = Some(std::path::PathBuf::from("/home/me"));
    assert_eq!(
        choose_path(Some("/etc/aws.ini".into()), home.clone()).unwrap(),
        Path::new("/etc/aws.ini")
    );
    assert_eq!(
        choose_path(Some("".into()), home.clone()).unwrap(),
        Path::new("/home/me/.aws/config")
    );
    assert_eq!(
        choose_path(None, home).unwrap(),
        Path::new("/home/me/.aws/config")
    );
    assert!(matches!(choose_path(None, None), Err(ConfigError::NoHome)));
}
