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
use super::error::error_chain;
use super::provider::require_secure;
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
    let body = response
        .bytes()
        .await
        .map_err(|err| discovery_error(error_chain(&err)))?;
    serde_json::from_slice(&body)
        .map_err(|err| discovery_error(format!("invalid discovery document: {err}")))
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
    // OIDC Discovery §4.3 wants an exact match; a lone trailing slash is forgiven because a
    // parsed URL cannot tell whether the person typed one. Discovery then has the last word.
    let discovered = document.issuer().as_str();
    if discovered.trim_end_matches('/') != requested {
        return Err(discovery_error(format!(
            "the discovery document names a different issuer, {discovered}"
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
    require_secure(token_endpoint.url())?;
    require_secure(document.authorization_endpoint().url())?;
    require_secure(document.jwks_uri().url())?;
    if let Some(device) = &device_authorization_endpoint {
        require_secure(device.url())?;
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
