//! The discovery steps one at a time, for `runas doctor`: the document fetched, its `issuer`
//! compared, the key set fetched and its signing keys counted. The same functions a login uses
//! (`discovery`), only stopped after each step so a broken link can be named on its own.

use openidconnect::core::CoreJsonWebKeyUse;
use openidconnect::url::Url;
use openidconnect::{JsonWebKey, JsonWebKeySetUrl};

use super::discovery;
use super::registry::issuer_string;
use super::{FlowError, provider::require_secure};
use crate::http::reqwest;

/// The discovery document as fetched, before any check.
pub struct FetchedDocument {
    /// The issuer it was fetched for, spelled as discovery compares it.
    pub requested: String,
    /// The document's own `issuer`, if it has one.
    pub published_issuer: Option<String>,
    document: serde_json::Value,
}

/// What the checked document names.
pub struct CheckedDocument {
    pub issuer: String,
    pub jwks_uri: String,
    pub device_authorization_endpoint: Option<String>,
}

/// `{issuer}/.well-known/openid-configuration`, fetched and parsed as JSON only.
pub async fn fetch_discovery(
    http: &reqwest::Client,
    issuer: &Url,
) -> Result<FetchedDocument, FlowError> {
    require_secure(issuer)?;
    let requested = issuer_string(issuer);
    let document = discovery::fetch_document(http, &requested).await?;
    let published_issuer = document
        .get("issuer")
        .and_then(|value| value.as_str())
        .map(str::to_owned);
    Ok(FetchedDocument {
        requested,
        published_issuer,
        document,
    })
}

/// The checks a login applies to the document (`issuer` identical, endpoints present and
/// secure).
pub fn check_discovery(fetched: &FetchedDocument) -> Result<CheckedDocument, FlowError> {
    let endpoints = discovery::check_discovery(&fetched.requested, &fetched.document)?;
    Ok(CheckedDocument {
        issuer: endpoints.issuer.as_str().to_owned(),
        jwks_uri: endpoints.jwks_uri.url().as_str().to_owned(),
        device_authorization_endpoint: endpoints
            .device_authorization_endpoint
            .map(|url| url.url().as_str().to_owned()),
    })
}

/// How many keys of the JWKS at `jwks_uri` can verify a signature (`use` absent or `sig`).
pub async fn signing_keys(http: &reqwest::Client, jwks_uri: &str) -> Result<usize, FlowError> {
    let url = JsonWebKeySetUrl::new(jwks_uri.to_owned()).map_err(|err| FlowError::Jwks {
        url: jwks_uri.to_owned(),
        reason: err.to_string(),
    })?;
    let keys = discovery::fetch_jwks(http, &url).await?;
    Ok(keys
        .keys()
        .iter()
        .filter(|key| matches!(key.key_use(), None | Some(CoreJsonWebKeyUse::Signature)))
        .count())
}
