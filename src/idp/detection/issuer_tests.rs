//! Test-only code: compiled solely under its parent module's `#[cfg(test)]`.
//!
//! Every normalisation case of docs/ARCHITECTURE.md "Identity-provider detection", one provider at a time. Kept beside `issuer.rs`
//! rather than inside it so each file stays readable.

use super::*;

fn issuer(provider: ProviderKind, auth_url: &str) -> String {
    let url = Url::parse(auth_url).unwrap();
    issuer_text(&normalize_issuer(provider, &url))
}

#[test]
fn okta_oauth2_base_is_the_org_server() {
    let okta = ProviderKind::Okta;
    assert_eq!(
        issuer(okta, "https://x.okta.com/oauth2"),
        "https://x.okta.com"
    );
    assert_eq!(
        issuer(okta, "https://x.okta.com/oauth2/"),
        "https://x.okta.com"
    );
    assert_eq!(
        issuer(okta, "https://x.okta.com/oauth2/v1/authorize"),
        "https://x.okta.com"
    );
}

#[test]
fn okta_server_id_is_a_custom_server() {
    let okta = ProviderKind::Okta;
    assert_eq!(
        issuer(okta, "https://x.okta.com/oauth2/default"),
        "https://x.okta.com/oauth2/default"
    );
    assert_eq!(
        issuer(okta, "https://x.okta.com/oauth2/aus123/"),
        "https://x.okta.com/oauth2/aus123"
    );
    assert_eq!(
        issuer(
            okta,
            "https://x.okta.com/oauth2/default/v1/authorize?client_id=a"
        ),
        "https://x.okta.com/oauth2/default"
    );
    assert_eq!(
        issuer(
            okta,
            "https://x.okta.com/oauth2/aus123/.well-known/openid-configuration"
        ),
        "https://x.okta.com/oauth2/aus123"
    );
}

#[test]
fn okta_bare_origin_is_the_org_server() {
    let okta = ProviderKind::Okta;
    assert_eq!(issuer(okta, "https://x.okta.com"), "https://x.okta.com");
    assert_eq!(issuer(okta, "https://x.okta.com/"), "https://x.okta.com");
    assert_eq!(
        issuer(okta, "https://x.okta.com/.well-known/openid-configuration"),
        "https://x.okta.com"
    );
}

#[test]
fn entra_oauth_base_maps_to_the_v2_issuer() {
    let entra = ProviderKind::AzureAd;
    let tenant = "https://login.microsoftonline.com/0b5c-tenant";
    let expected = format!("{tenant}/v2.0");
    assert_eq!(issuer(entra, &format!("{tenant}/oauth2/v2.0")), expected);
    assert_eq!(issuer(entra, &format!("{tenant}/oauth2/v2.0/")), expected);
    assert_eq!(
        issuer(entra, &format!("{tenant}/oauth2/v2.0/authorize")),
        expected
    );
    assert_eq!(issuer(entra, &format!("{tenant}/oauth2")), expected);
}

#[test]
fn entra_issuer_and_bare_tenant() {
    let entra = ProviderKind::AzureAd;
    let tenant = "https://login.microsoftonline.com/contoso.onmicrosoft.com";
    let expected = format!("{tenant}/v2.0");
    assert_eq!(issuer(entra, &format!("{tenant}/v2.0")), expected);
    assert_eq!(issuer(entra, tenant), expected);
    assert_eq!(issuer(entra, &format!("{tenant}/")), expected);
    assert_eq!(
        issuer(
            entra,
            &format!("{tenant}/v2.0/.well-known/openid-configuration")
        ),
        expected
    );
    assert_eq!(
        issuer(
            entra,
            "https://login.microsoftonline.com/common/oauth2/v2.0"
        ),
        "https://login.microsoftonline.com/common/v2.0"
    );
}

#[test]
fn onelogin_keeps_oidc_2_and_drops_the_token_query() {
    let onelogin = ProviderKind::OneLogin;
    let expected = "https://acme.onelogin.com/oidc/2";
    assert_eq!(issuer(onelogin, expected), expected);
    assert_eq!(
        issuer(onelogin, "https://acme.onelogin.com/oidc/2?token=c2VjcmV0"),
        expected
    );
    assert_eq!(
        issuer(onelogin, "https://acme.onelogin.com/oidc/2/auth"),
        expected
    );
    assert_eq!(
        issuer(onelogin, "https://acme.onelogin.com/oidc/2/"),
        expected
    );
}

#[test]
fn keycloak_realm_url_is_the_issuer() {
    let keycloak = ProviderKind::Keycloak;
    let realm = "https://sso.example.org/realms/dev";
    assert_eq!(issuer(keycloak, realm), realm);
    assert_eq!(issuer(keycloak, &format!("{realm}/")), realm);
    assert_eq!(
        issuer(keycloak, &format!("{realm}/protocol/openid-connect/auth")),
        realm
    );
    assert_eq!(
        issuer(
            keycloak,
            &format!("{realm}/.well-known/openid-configuration")
        ),
        realm
    );
    let legacy = "https://sso.example.org/auth/realms/dev";
    assert_eq!(
        issuer(keycloak, &format!("{legacy}/protocol/openid-connect/token")),
        legacy
    );
}

#[test]
fn forgerock_realm_url_is_the_issuer() {
    let forgerock = ProviderKind::ForgeRock;
    let realm = "https://openam.example.com/am/oauth2/realms/root/realms/alpha";
    assert_eq!(issuer(forgerock, realm), realm);
    assert_eq!(issuer(forgerock, &format!("{realm}/authorize")), realm);
    assert_eq!(issuer(forgerock, &format!("{realm}/")), realm);
    let root = "https://openam.example.com/openam/oauth2";
    assert_eq!(issuer(forgerock, root), root);
    assert_eq!(issuer(forgerock, &format!("{root}/authorize")), root);
}

#[test]
fn generic_oidc_drops_query_fragment_and_trailing_slashes() {
    let oidc = ProviderKind::Oidc;
    assert_eq!(
        issuer(oidc, "https://idp.example.org/tenant/?a=b#frag"),
        "https://idp.example.org/tenant"
    );
    assert_eq!(
        issuer(oidc, "https://idp.example.org/tenant//"),
        "https://idp.example.org/tenant"
    );
    assert_eq!(
        issuer(
            oidc,
            "https://idp.example.org/tenant/.well-known/openid-configuration"
        ),
        "https://idp.example.org/tenant"
    );
    assert_eq!(
        issuer(oidc, "http://127.0.0.1:8080"),
        "http://127.0.0.1:8080"
    );
}

#[test]
fn generic_oidc_keeps_endpoint_like_paths_it_does_not_know() {
    assert_eq!(
        issuer(ProviderKind::Oidc, "https://idp.example.org/authorize"),
        "https://idp.example.org/authorize"
    );
}

#[test]
fn user_info_never_reaches_the_issuer() {
    assert_eq!(
        issuer(ProviderKind::Oidc, "https://user:pw@idp.example.org/x"),
        "https://idp.example.org/x"
    );
}

#[test]
fn plain_issuers_match_exactly() {
    let iss = "https://x.okta.com/oauth2/default";
    assert!(issuer_matches(iss, iss, None));
    assert!(!issuer_matches(
        iss,
        "https://x.okta.com/oauth2/default/",
        None
    ));
    assert!(!issuer_matches(iss, "https://x.okta.com", Some("t")));
}

#[test]
fn tenant_template_matches_the_token_tid() {
    let template = "https://login.microsoftonline.com/{tenantid}/v2.0";
    let tid = "9188040d-6c67-4c5b-b112-36a304b66dad";
    let iss = format!("https://login.microsoftonline.com/{tid}/v2.0");
    assert!(issuer_matches(template, &iss, Some(tid)));
    let encoded = "https://login.microsoftonline.com/%7Btenantid%7D/v2.0";
    assert!(issuer_matches(encoded, &iss, Some(tid)));
}

#[test]
fn tenant_template_rejects_other_tenants_and_missing_tid() {
    let template = "https://login.microsoftonline.com/{tenantid}/v2.0";
    let tid = "9188040d-6c67-4c5b-b112-36a304b66dad";
    let iss = format!("https://login.microsoftonline.com/{tid}/v2.0");
    assert!(!issuer_matches(template, &iss, None));
    assert!(!issuer_matches(template, &iss, Some("another-tenant")));
    assert!(!issuer_matches(template, &iss, Some("")));
    // A tid that smuggles a path must not make a foreign issuer match.
    let smuggled = "https://login.microsoftonline.com/evil/x/v2.0";
    assert!(!issuer_matches(template, smuggled, Some("evil/x")));
}
