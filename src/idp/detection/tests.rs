//! Test-only code: compiled solely under its parent module's `#[cfg(test)]`.
//!
//! Detection end to end against a local server: offline rules, probe fallback, and discovery
//! confirming or correcting the issuer.

use std::time::{Duration, Instant};

use super::test_server::{Reply, TestServer, refused_url};
use super::*;

fn client() -> reqwest::Client {
    crate::http::idp_client(Duration::from_secs(10)).unwrap()
}

fn url(text: &str) -> Url {
    Url::parse(text).unwrap()
}

#[test]
fn configured_provider_wins_over_the_hostname() {
    let decided = detect_offline(
        &url("https://x.okta.com/oauth2/default"),
        Some(ProviderKind::Keycloak),
    );
    assert_eq!(
        decided,
        Some((ProviderKind::Keycloak, DetectionMethod::Configured))
    );
}

#[test]
fn hostname_rules_apply_offline() {
    let decided = detect_offline(&url("https://x.oktapreview.com/oauth2"), None);
    assert_eq!(
        decided,
        Some((
            ProviderKind::Okta,
            DetectionMethod::Hostname {
                suffix: "oktapreview.com".to_string()
            }
        ))
    );
    assert_eq!(
        decided.unwrap().1.to_string(),
        "host ends in oktapreview.com"
    );
    assert_eq!(detect_offline(&url("https://evilokta.com/"), None), None);
    assert_eq!(detect_offline(&url("http://127.0.0.1:9/"), None), None);
}

#[test]
fn without_secrets_drops_the_token_and_password_only() {
    let cleaned = without_secrets(&url("https://u:pw@a.onelogin.com/oidc/2?token=s&x=1#f"));
    assert_eq!(cleaned.as_str(), "https://u@a.onelogin.com/oidc/2?x=1#f");
    let cleaned = without_secrets(&url("https://a.onelogin.com/oidc/2?token=s"));
    assert_eq!(cleaned.as_str(), "https://a.onelogin.com/oidc/2");
}

#[test]
fn detections_round_trip_through_json() {
    let detection = Detection {
        provider: ProviderKind::Keycloak,
        issuer: url("http://127.0.0.1:1/realms/r"),
        issuer_exact: "http://127.0.0.1:1/realms/r".to_string(),
        method: DetectionMethod::Probe(ProbeEvidence::KeycloakCookie),
        issuer_source: IssuerSource::Discovery {
            corrected_from: None,
        },
    };
    let json = serde_json::to_string(&detection).unwrap();
    assert!(
        json.contains(r#""method":{"kind":"probe","detail":"keycloak_cookie"}"#),
        "{json}"
    );
    let back: Detection = serde_json::from_str(&json).unwrap();
    assert_eq!(back, detection);
    assert_eq!(
        back.to_string(),
        "Keycloak (KC_RESTART cookie in HEAD response); issuer http://127.0.0.1:1/realms/r confirmed by discovery"
    );
}

#[tokio::test]
async fn probed_keycloak_keeps_the_realm_issuer_when_discovery_is_missing() {
    let server = TestServer::start(|method, _| match method {
        "HEAD" => Some(Reply::ok().with_headers(&[(
            "set-cookie".to_string(),
            "KC_RESTART=x; HttpOnly".to_string(),
        )])),
        _ => None,
    })
    .await;
    let auth_url = server.url("/realms/dev/protocol/openid-connect/auth?x=1");
    let detection = detect(&client(), &auth_url, None).await;
    assert_eq!(detection.provider, ProviderKind::Keycloak);
    assert_eq!(
        detection.method,
        DetectionMethod::Probe(ProbeEvidence::KeycloakCookie)
    );
    assert_eq!(detection.issuer_exact, server.url("/realms/dev").as_str());
    assert_eq!(
        detection.issuer_source,
        IssuerSource::Normalized {
            discovery_failed: "HTTP 404".to_string()
        }
    );
    assert_eq!(
        server.requests(),
        vec![
            "HEAD /realms/dev/protocol/openid-connect/auth?x=1",
            "GET /realms/dev/.well-known/openid-configuration"
        ]
    );
}

/// A server whose discovery document publishes `issuer_path` on its own origin.
async fn discovery_server(issuer_path: &'static str) -> TestServer {
    let origin = std::sync::Arc::new(std::sync::OnceLock::<String>::new());
    let seen_origin = std::sync::Arc::clone(&origin);
    let server = TestServer::start(move |method, path| {
        if method == "GET" && path.ends_with("/.well-known/openid-configuration") {
            let issuer = format!("{}{issuer_path}", seen_origin.get()?);
            Some(Reply::json(&format!(
                r#"{{"issuer":"{issuer}","jwks_uri":"x"}}"#
            )))
        } else {
            Some(Reply::ok())
        }
    })
    .await;
    let base = server.url("/");
    let _ = origin.set(base.as_str().trim_end_matches('/').to_string());
    server
}

#[tokio::test]
async fn discovery_confirms_a_matching_issuer() {
    let server = discovery_server("/tenant").await;
    let detection = detect(&client(), &server.url("/tenant/"), None).await;
    assert_eq!(detection.provider, ProviderKind::Oidc);
    assert_eq!(
        detection.method,
        DetectionMethod::Probe(ProbeEvidence::NoMarker)
    );
    assert_eq!(detection.issuer_exact, server.url("/tenant").as_str());
    assert_eq!(
        detection.issuer_source,
        IssuerSource::Discovery {
            corrected_from: None
        }
    );
}

#[tokio::test]
async fn discovery_corrects_a_wrong_guess() {
    let server = discovery_server("/oauth2/default").await;
    let detection = detect(&client(), &server.url("/oauth2"), Some(ProviderKind::Okta)).await;
    let origin = server.url("/").as_str().trim_end_matches('/').to_string();
    assert_eq!(detection.method, DetectionMethod::Configured);
    assert_eq!(detection.issuer_exact, format!("{origin}/oauth2/default"));
    assert_eq!(detection.issuer, server.url("/oauth2/default"));
    assert_eq!(
        detection.issuer_source,
        IssuerSource::Discovery {
            corrected_from: Some(origin)
        }
    );
    // Configured: no probe, only discovery of the org server the URL pointed at.
    assert_eq!(
        server.requests(),
        vec!["GET /.well-known/openid-configuration"]
    );
    assert_eq!(detection.reason(), "web_identity_provider = okta");
}

#[tokio::test]
async fn a_non_json_discovery_answer_keeps_the_normalised_issuer() {
    let server = TestServer::start(|_, _| Some(Reply::ok().with_body("<html>login</html>"))).await;
    let detection = detect(&client(), &server.url("/idp"), None).await;
    assert_eq!(detection.issuer_exact, server.url("/idp").as_str());
    assert_eq!(
        detection.issuer_source,
        IssuerSource::Normalized {
            discovery_failed: "no JSON issuer in the answer".to_string()
        }
    );
}

#[tokio::test]
async fn an_unreachable_idp_is_generic_oidc_with_the_reason() {
    let auth_url = refused_url().await;
    let detection = detect(&client(), &auth_url, None).await;
    assert_eq!(detection.provider, ProviderKind::Oidc);
    assert_eq!(
        detection.method,
        DetectionMethod::ProbeFailed {
            reason: "connection refused".to_string()
        }
    );
    assert_eq!(
        detection.issuer_source,
        IssuerSource::Normalized {
            discovery_failed: "connection refused".to_string()
        }
    );
}

#[tokio::test]
async fn a_silent_idp_costs_no_more_than_the_timeouts() {
    let server = TestServer::silent().await;
    let timeouts = DetectionTimeouts {
        probe: Duration::from_millis(200),
        discovery: Duration::from_millis(200),
    };
    let started = Instant::now();
    let detection = detect_with_timeouts(&client(), &server.url("/"), None, timeouts).await;
    let elapsed = started.elapsed();
    assert_eq!(detection.provider, ProviderKind::Oidc);
    assert!(
        matches!(detection.method, DetectionMethod::ProbeFailed { .. }),
        "{:?}",
        detection.method
    );
    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
}

#[tokio::test]
async fn an_entra_tenant_template_is_kept_verbatim() {
    let server = discovery_server("/{tenantid}/v2.0").await;
    let auth_url = server.url("/common/oauth2/v2.0");
    let detection = detect(&client(), &auth_url, Some(ProviderKind::AzureAd)).await;
    let origin = server.url("/").as_str().trim_end_matches('/').to_string();
    assert_eq!(
        detection.issuer_exact,
        format!("{origin}/{{tenantid}}/v2.0")
    );
    assert_eq!(
        detection.issuer_source,
        IssuerSource::Discovery {
            corrected_from: Some(format!("{origin}/common/v2.0"))
        }
    );
    assert_eq!(
        server.requests(),
        vec!["GET /common/v2.0/.well-known/openid-configuration"]
    );
    let tid = "9188040d-6c67-4c5b-b112-36a304b66dad";
    let token_iss = format!("{origin}/{tid}/v2.0");
    assert!(issuer_matches(
        &detection.issuer_exact,
        &token_iss,
        Some(tid)
    ));
    assert!(issuer_matches(
        detection.issuer.as_str(),
        &token_iss,
        Some(tid)
    ));
}
