//! Fetching and checking an issuer's discovery document (OpenID Connect Discovery 1.0) and its
//! key set. Every document passes the same checks whether it was just fetched or read back from
//! the store; nothing here keeps state or decides when to fetch.

use openidconnect::core::{
    CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClientAuthMethod, CoreGrantType,
    CoreJsonWebKey, CoreJsonWebKeySet, CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm, CoreResponseMode, CoreResponseType, CoreSubjectIdentifierType,
};
use openidconnect::{
    AdditionalProviderMetadata, AuthUrl, DeviceAuthorizationUrl, IssuerUrl, JsonWebKeySet,
    JsonWebKeySetUrl, ProviderMetadata, TokenUrl,
};
use serde::{Deserialize, Serialize};

use super::FlowError;
use super::provider::require_secure;
use crate::http::error_chain;
use crate::http::reqwest;

/// The discovery fields runas reads beyond OIDC Core: the RFC 8628 device endpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct DeviceEndpointMetadata {
    device_authorization_endpoint: Option<DeviceAuthorizationUrl>,
}
impl AdditionalProviderMetadata for DeviceEndpointMetadata {}

type DiscoveryDocument = ProviderMetadata<
    DeviceEndpointMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

/// The checked endpoints of a discovery document.
pub(super) struct Endpoints {
    pub(super) issuer: IssuerUrl,
    pub(super) authorization_endpoint: AuthUrl,
    pub(super) token_endpoint: TokenUrl,
    pub(super) device_authorization_endpoint: Option<DeviceAuthorizationUrl>,
    pub(super) jwks_uri: JsonWebKeySetUrl,
}

/// `{requested}/.well-known/openid-configuration` as JSON, not yet checked.
pub(super) async fn fetch_document(
    http: &reqwest::Client,
    requested: &str,
) -> Result<serde_json::Value, FlowError> {
    let discovery_error = |reason: String| FlowError::Discovery {
        issuer: requested.to_owned(),
        reason,
    };
    let discovery_url = format!("{requested}/.well-known/openid-configuration");
    let response = http
        .get(&discovery_url)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|err| discovery_error(error_chain(&err)))?;
    if !response.status().is_success() {
        return Err(discovery_error(format!(
            "{discovery_url} answered HTTP {}",
            response.status()
        )));
    }
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("(none)")
        .to_owned();
    let body = response
        .bytes()
        .await
        .map_err(|err| discovery_error(error_chain(&err)))?;
    match serde_json::from_slice::<serde_json::Value>(&body) {
        // Discovery 1.0 §4.2 asks the server for application/json but gives the client no
        // rule to refuse anything else; the content is what is checked (issuer, https,
        // endpoints), so a JSON object under another label is used.
        Ok(document) if document.is_object() => {
            if !is_json_media_type(&content_type) {
                tracing::info!(url = %discovery_url, %content_type, "discovery document served without the application/json Content-Type; used, since the body is a JSON object");
            }
            Ok(document)
        }
        Ok(_) => Err(discovery_error(format!(
            "{discovery_url} answered JSON that is not an object (Content-Type `{content_type}`)"
        ))),
        Err(err) if !is_json_media_type(&content_type) => {
            let looks_like = if body.trim_ascii_start().starts_with(b"<") {
                " (an HTML page: a sign-in page or proxy in front of the IdP?)"
            } else {
                ""
            };
            Err(discovery_error(format!(
                "{discovery_url} answered Content-Type `{content_type}`, not application/json, \
                 and its body is not JSON{looks_like}: {err}"
            )))
        }
        Err(err) => Err(discovery_error(format!(
            "invalid discovery document: {err}"
        ))),
    }
}

/// `application/json` or a `+json` type, with or without parameters.
fn is_json_media_type(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// How two issuer URLs differ, in words, for messages that name both.
pub(super) fn how_issuers_differ(expected: &str, got: &str) -> String {
    if expected.trim_end_matches('/') == got.trim_end_matches('/') {
        let with_slash = if got.ends_with('/') { got } else { expected };
        return format!("they differ only by the trailing slash of {with_slash}");
    }
    if expected.eq_ignore_ascii_case(got) {
        return "they differ only in letter case".to_owned();
    }
    let (Ok(a), Ok(b)) = (
        openidconnect::url::Url::parse(expected),
        openidconnect::url::Url::parse(got),
    ) else {
        return "they are different URLs".to_owned();
    };
    let mut parts = Vec::new();
    if a.scheme() != b.scheme() {
        parts.push(format!("scheme ({} vs {})", a.scheme(), b.scheme()));
    }
    if a.host_str() != b.host_str() {
        parts.push(format!(
            "host ({} vs {})",
            a.host_str().unwrap_or("none"),
            b.host_str().unwrap_or("none")
        ));
    }
    if a.port_or_known_default() != b.port_or_known_default() {
        let port = |url: &openidconnect::url::Url| {
            url.port_or_known_default()
                .map_or("none".to_owned(), |p| p.to_string())
        };
        parts.push(format!("port ({} vs {})", port(&a), port(&b)));
    }
    if a.path().trim_end_matches('/') != b.path().trim_end_matches('/') {
        parts.push(format!("path ({} vs {})", a.path(), b.path()));
    }
    if parts.is_empty() {
        "they are different URLs".to_owned()
    } else {
        format!("they differ in {}", parts.join(", "))
    }
}

/// The checks every discovery document passes before use, fetched or stored: it parses, names
/// the issuer that was asked for, has a token endpoint, and every endpoint is https (or
/// loopback).
pub(super) fn check_discovery(
    requested: &str,
    discovery: &serde_json::Value,
) -> Result<Endpoints, FlowError> {
    let discovery_error = |reason: String| FlowError::Discovery {
        issuer: requested.to_owned(),
        reason,
    };
    let document = DiscoveryDocument::deserialize(discovery)
        .map_err(|err| discovery_error(format!("invalid discovery document: {err}")))?;
    // Discovery 1.0 §4.3: `issuer` must be identical to the issuer the document was fetched
    // for. §4.1 removes a terminating slash before appending the well-known path, so `X` and
    // `X/` fetch the same document and the person's spelling cannot settle which is meant: a
    // lone trailing slash is forgiven here, and the document's spelling becomes the issuer
    // that every ID token's `iss` must then equal exactly.
    let discovered = document.issuer().as_str();
    if discovered.trim_end_matches('/') != requested {
        return Err(discovery_error(format!(
            "the discovery document's `issuer` is {discovered}, but it was fetched for \
             {requested}; {}. OpenID Connect Discovery requires them to be identical",
            how_issuers_differ(requested, discovered)
        )));
    }
    let token_endpoint = document
        .token_endpoint()
        .cloned()
        .ok_or_else(|| discovery_error("the discovery document has no token_endpoint".into()))?;
    let device_authorization_endpoint = document
        .additional_metadata()
        .device_authorization_endpoint
        .clone();
    // Discovery puts no rule on which host serves an endpoint (Google's keys live on another
    // host than its issuer), so only the transport is checked, field by field.
    let secure = |field: &str, url: &openidconnect::url::Url| {
        require_secure(url).map_err(|_| {
            discovery_error(format!(
                "its `{field}` {url} must use https (plain http is allowed only on loopback hosts)"
            ))
        })
    };
    secure("token_endpoint", token_endpoint.url())?;
    secure(
        "authorization_endpoint",
        document.authorization_endpoint().url(),
    )?;
    secure("jwks_uri", document.jwks_uri().url())?;
    if let Some(device) = &device_authorization_endpoint {
        secure("device_authorization_endpoint", device.url())?;
    }
    Ok(Endpoints {
        issuer: document.issuer().clone(),
        authorization_endpoint: document.authorization_endpoint().clone(),
        token_endpoint,
        device_authorization_endpoint,
        jwks_uri: document.jwks_uri().clone(),
    })
}

/// The key set as JSON for the store. Only keys runas could parse are kept, which are the only
/// ones it can verify with anyway.
pub(super) fn jwks_json(keys: &CoreJsonWebKeySet) -> serde_json::Value {
    // Serializing plain data structures to a JSON value cannot fail; Null would only make the
    // stored copy unreadable, which reads as absent.
    serde_json::to_value(keys).unwrap_or(serde_json::Value::Null)
}

pub(super) async fn fetch_jwks(
    http: &reqwest::Client,
    url: &JsonWebKeySetUrl,
) -> Result<CoreJsonWebKeySet, FlowError> {
    JsonWebKeySet::fetch_async(url, http)
        .await
        .map_err(|err| FlowError::Jwks {
            url: url.to_string(),
            reason: error_chain(&err),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(issuer: &str) -> serde_json::Value {
        serde_json::json!({
            "issuer": issuer,
            "authorization_endpoint": "http://127.0.0.1:9/auth",
            "token_endpoint": "http://127.0.0.1:9/token",
            "jwks_uri": "http://127.0.0.1:9/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        })
    }

    fn reason(result: Result<Endpoints, FlowError>) -> String {
        match result {
            Err(FlowError::Discovery { reason, .. }) => reason,
            Err(other) => panic!("not a discovery error: {other:?}"),
            Ok(_) => panic!("accepted"),
        }
    }

    #[test]
    fn a_trailing_slash_on_either_side_is_forgiven_and_discovery_spelling_kept() {
        let endpoints = check_discovery("http://127.0.0.1:9", &document("http://127.0.0.1:9/"))
            .unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(endpoints.issuer.as_str(), "http://127.0.0.1:9/");
        assert!(
            check_discovery("http://127.0.0.1:9/x", &document("http://127.0.0.1:9/x/")).is_ok()
        );
    }

    #[test]
    fn another_issuer_is_refused_naming_the_field_both_values_and_the_difference() {
        let text = reason(check_discovery(
            "http://127.0.0.1:9/realms/a",
            &document("http://127.0.0.1:9/realms/b"),
        ));
        assert!(
            text.contains("`issuer` is http://127.0.0.1:9/realms/b"),
            "{text}"
        );
        assert!(
            text.contains("fetched for http://127.0.0.1:9/realms/a"),
            "{text}"
        );
        assert!(text.contains("path (/realms/a vs /realms/b)"), "{text}");
    }

    #[test]
    fn an_insecure_endpoint_is_named_by_its_field_wherever_its_host() {
        let mut off_host = document("http://127.0.0.1:9");
        off_host["jwks_uri"] = "https://keys.example.net/jwks".into();
        assert!(
            check_discovery("http://127.0.0.1:9", &off_host).is_ok(),
            "another host is fine"
        );
        off_host["jwks_uri"] = "http://keys.example.net/jwks".into();
        let text = reason(check_discovery("http://127.0.0.1:9", &off_host));
        assert!(
            text.contains("`jwks_uri` http://keys.example.net/jwks must use https"),
            "{text}"
        );
    }

    #[test]
    fn differences_are_put_in_words() {
        assert_eq!(
            how_issuers_differ("https://a.example", "https://a.example/"),
            "they differ only by the trailing slash of https://a.example/"
        );
        assert_eq!(
            how_issuers_differ("https://a.example/x", "http://b.example:8443/y"),
            "they differ in scheme (https vs http), host (a.example vs b.example), \
             port (443 vs 8443), path (/x vs /y)"
        );
        assert_eq!(
            how_issuers_differ("https://A.example/T", "https://a.example/t"),
            "they differ only in letter case"
        );
    }

    #[test]
    fn json_media_types_are_recognised_with_parameters() {
        for json in [
            "application/json",
            "Application/JSON; charset=utf-8",
            "application/jwk-set+json",
        ] {
            assert!(is_json_media_type(json), "{json}");
        }
        for other in [
            "text/plain",
            "text/html; charset=utf-8",
            "(none)",
            "application/jsonp",
        ] {
            assert!(!is_json_media_type(other), "{other}");
        }
    }
}
