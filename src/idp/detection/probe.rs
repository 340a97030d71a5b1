//! The network half of detection: one `HEAD` of the auth URL, read for the markers each
//! self-hosted provider leaves in its headers (docs/ARCHITECTURE.md "Identity-provider detection"). A probe never fails: any error
//! becomes [`DetectionMethod::ProbeFailed`] with a short reason, and detection falls back to
//! generic OIDC.

use std::error::Error as StdError;
use std::io;
use std::time::Duration;

use openidconnect::url::Url;

use super::{DetectionMethod, ProbeEvidence, without_secrets};
use crate::http::reqwest;
use crate::http::reqwest::header::{ACCESS_CONTROL_ALLOW_HEADERS, HeaderMap, SET_COOKIE};

/// How long one probe may take, connection included. Detection sits in front of a login, so
/// an unreachable IdP must not hold the person up for long.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// One `HEAD` of `auth_url` with [`PROBE_TIMEOUT`]. The client should not follow redirects
/// (`runas::http::idp_client` does not): the markers are on the first answer.
pub async fn probe(client: &reqwest::Client, auth_url: &Url) -> DetectionMethod {
    probe_with_timeout(client, auth_url, PROBE_TIMEOUT).await
}

/// [`probe`] with an explicit timeout.
pub async fn probe_with_timeout(
    client: &reqwest::Client,
    auth_url: &Url,
    timeout: Duration,
) -> DetectionMethod {
    // The aws-runas OneLogin `token` parameter is a credential; a probe has no use for it.
    let target = without_secrets(auth_url);
    match client.head(target).timeout(timeout).send().await {
        Ok(response) => DetectionMethod::Probe(evidence_in(response.headers())),
        Err(error) => DetectionMethod::ProbeFailed {
            reason: failure_reason(error, timeout),
        },
    }
}

/// The first provider marker found in a response's headers, in the order of docs/ARCHITECTURE.md "Identity-provider detection".
pub(crate) fn evidence_in(headers: &HeaderMap) -> ProbeEvidence {
    let cookie_names: Vec<String> = headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value| {
            let text = String::from_utf8_lossy(value.as_bytes());
            text.split_once('=')
                .map(|(name, _)| name.trim().to_string())
        })
        .collect();
    let allowed_headers = headers
        .get_all(ACCESS_CONTROL_ALLOW_HEADERS)
        .iter()
        .map(|value| String::from_utf8_lossy(value.as_bytes()).to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(",");

    if cookie_names.iter().any(|name| name == "KC_RESTART") {
        ProbeEvidence::KeycloakCookie
    } else if allowed_headers.contains("x-openam-") || allowed_headers.contains("mfa-fr-token") {
        ProbeEvidence::ForgeRockHeader
    } else if headers.contains_key("x-okta-request-id") {
        ProbeEvidence::OktaHeader
    } else if headers.contains_key("x-ms-request-id") {
        ProbeEvidence::EntraHeader
    } else if cookie_names
        .iter()
        .any(|name| name.to_ascii_lowercase().contains("_onelogin.com"))
    {
        ProbeEvidence::OneLoginCookie
    } else {
        ProbeEvidence::NoMarker
    }
}

/// A short, lowercase reason for a failed request, without the URL (which may carry
/// credentials) and without reqwest's layers of wrapping.
pub(crate) fn failure_reason(error: reqwest::Error, timeout: Duration) -> String {
    if error.is_timeout() {
        return format!("timed out after {timeout:?}");
    }
    let mut innermost: Option<&(dyn StdError + 'static)> = None;
    let mut cause = error.source();
    while let Some(current) = cause {
        if let Some(io_error) = current.downcast_ref::<io::Error>() {
            match io_error.kind() {
                io::ErrorKind::ConnectionRefused => return "connection refused".to_string(),
                io::ErrorKind::TimedOut => return format!("timed out after {timeout:?}"),
                _ => {}
            }
        }
        innermost = Some(current);
        cause = current.source();
    }
    match innermost {
        Some(inner) => lowercase_first(&inner.to_string()),
        None => lowercase_first(&error.without_url().to_string()),
    }
}

/// "Connection reset" → "connection reset", but "URL scheme…" and "TLS…" keep their acronym.
fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if !second.is_uppercase() => first
            .to_lowercase()
            .chain(text[first.len_utf8()..].chars())
            .collect(),
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::config::ProviderKind;
    use crate::idp::detection::test_server::{Reply, TestServer};

    fn client() -> reqwest::Client {
        crate::http::idp_client(Duration::from_secs(10)).unwrap()
    }

    /// Probes a local server whose HEAD answer carries `headers`.
    async fn probe_answer(headers: &[(&str, &str)]) -> DetectionMethod {
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        let server = TestServer::start(move |_, _| Some(Reply::ok().with_headers(&headers))).await;
        probe(&client(), &server.url("/login")).await
    }

    #[tokio::test]
    async fn keycloak_restart_cookie() {
        let method = probe_answer(&[("set-cookie", "KC_RESTART=abc; Path=/realms/x")]).await;
        assert_eq!(
            method,
            DetectionMethod::Probe(ProbeEvidence::KeycloakCookie)
        );
        assert_eq!(
            ProbeEvidence::KeycloakCookie.provider(),
            ProviderKind::Keycloak
        );
    }

    #[tokio::test]
    async fn forgerock_openam_allow_header() {
        let method = probe_answer(&[(
            "access-control-allow-headers",
            "Content-Type, X-OpenAM-Username, X-OpenAM-Password",
        )])
        .await;
        assert_eq!(
            method,
            DetectionMethod::Probe(ProbeEvidence::ForgeRockHeader)
        );
    }

    #[tokio::test]
    async fn forgerock_mfa_allow_header() {
        let method = probe_answer(&[("access-control-allow-headers", "MFA-FR-Token")]).await;
        assert_eq!(
            method,
            DetectionMethod::Probe(ProbeEvidence::ForgeRockHeader)
        );
    }

    #[tokio::test]
    async fn okta_request_id_header() {
        let method = probe_answer(&[("x-okta-request-id", "YWJj")]).await;
        assert_eq!(method, DetectionMethod::Probe(ProbeEvidence::OktaHeader));
    }

    #[tokio::test]
    async fn entra_request_id_header() {
        let method = probe_answer(&[("x-ms-request-id", "1b2c")]).await;
        assert_eq!(method, DetectionMethod::Probe(ProbeEvidence::EntraHeader));
    }

    #[tokio::test]
    async fn onelogin_cookie() {
        let method = probe_answer(&[("set-cookie", "sub_session_onelogin.com=x; Secure")]).await;
        assert_eq!(
            method,
            DetectionMethod::Probe(ProbeEvidence::OneLoginCookie)
        );
    }

    #[tokio::test]
    async fn no_marker_is_generic_oidc() {
        let method = probe_answer(&[("set-cookie", "session=1"), ("x-request-id", "2")]).await;
        assert_eq!(method, DetectionMethod::Probe(ProbeEvidence::NoMarker));
        assert_eq!(ProbeEvidence::NoMarker.provider(), ProviderKind::Oidc);
    }

    #[tokio::test]
    async fn markers_are_checked_in_the_documented_order() {
        let method =
            probe_answer(&[("x-okta-request-id", "a"), ("set-cookie", "KC_RESTART=1")]).await;
        assert_eq!(
            method,
            DetectionMethod::Probe(ProbeEvidence::KeycloakCookie)
        );
    }

    #[tokio::test]
    async fn a_redirect_is_not_followed() {
        let server = TestServer::start(|_, path| match path {
            "/start" => Some(
                Reply::status("302 Found")
                    .with_headers(&[("location".to_string(), "/elsewhere".to_string())]),
            ),
            _ => Some(
                Reply::ok().with_headers(&[("x-okta-request-id".to_string(), "a".to_string())]),
            ),
        })
        .await;
        let method = probe(&client(), &server.url("/start")).await;
        assert_eq!(method, DetectionMethod::Probe(ProbeEvidence::NoMarker));
        assert_eq!(server.requests(), vec!["HEAD /start"]);
    }

    #[tokio::test]
    async fn the_onelogin_token_is_not_sent() {
        let server = TestServer::start(|_, _| Some(Reply::ok())).await;
        let url = server.url("/oidc/2?token=c2VjcmV0&keep=1");
        probe(&client(), &url).await;
        assert_eq!(server.requests(), vec!["HEAD /oidc/2?keep=1"]);
    }

    #[tokio::test]
    async fn connection_refused_is_a_failed_probe() {
        let url = crate::idp::detection::test_server::refused_url().await;
        let method = probe(&client(), &url).await;
        assert_eq!(
            method,
            DetectionMethod::ProbeFailed {
                reason: "connection refused".to_string()
            }
        );
        assert_eq!(
            method.to_string(),
            "HEAD failed: connection refused; assuming generic OIDC"
        );
    }

    #[tokio::test]
    async fn a_silent_server_fails_within_the_timeout() {
        let server = TestServer::silent().await;
        let started = Instant::now();
        let method =
            probe_with_timeout(&client(), &server.url("/"), Duration::from_millis(300)).await;
        let elapsed = started.elapsed();
        assert_eq!(
            method,
            DetectionMethod::ProbeFailed {
                reason: "timed out after 300ms".to_string()
            }
        );
        assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
    }

    #[tokio::test]
    async fn a_tls_failure_is_a_failed_probe() {
        let server = TestServer::start(|_, _| Some(Reply::ok())).await;
        let mut url = server.url("/");
        url.set_scheme("https").unwrap();
        let method = probe(&client(), &url).await;
        let DetectionMethod::ProbeFailed { reason } = method else {
            panic!("expected a failed probe, got {method:?}");
        };
        assert!(reason.to_lowercase().contains("tls"), "{reason}");
    }

    #[test]
    fn reasons_start_lowercase_unless_with_an_acronym() {
        assert_eq!(lowercase_first("Connection reset"), "connection reset");
        assert_eq!(
            lowercase_first("URL scheme is not allowed"),
            "URL scheme is not allowed"
        );
        assert_eq!(lowercase_first("x"), "x");
    }

    #[test]
    fn failure_reasons_never_carry_the_url() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let reason = runtime.block_on(async {
            let error = client()
                .head("ftp://127.0.0.1/?token=s3cret")
                .send()
                .await
                .unwrap_err();
            failure_reason(error, PROBE_TIMEOUT)
        });
        assert_eq!(reason, "URL scheme is not allowed");
    }
}
