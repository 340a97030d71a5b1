//! The discovery check that ends detection: the issuer a provider publishes in
//! `{issuer}/.well-known/openid-configuration` is the final word on its issuer (docs/ARCHITECTURE.md "Identity-provider detection").
//! Only the `issuer` field is read here; full discovery (endpoints, JWKS) belongs to the
//! login flows.

use std::time::Duration;

use openidconnect::url::Url;
use serde::Deserialize;

use super::probe::failure_reason;
use crate::http::reqwest;

/// Discovery documents are a few kilobytes; a larger answer is not one.
const MAX_DOCUMENT_BYTES: usize = 1 << 20;

#[derive(Deserialize)]
struct IssuerField {
    issuer: String,
}

/// The published issuer (verbatim, and parsed), or a short reason discovery did not give one.
pub(super) async fn discovered_issuer(
    client: &reqwest::Client,
    issuer: &str,
    timeout: Duration,
) -> Result<(String, Url), String> {
    // OpenID Connect Discovery §4: remove any trailing `/` before appending the path.
    let document_url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let document_url =
        Url::parse(&document_url).map_err(|error| format!("no discovery URL: {error}"))?;
    let mut response = client
        .get(document_url)
        .timeout(timeout)
        .send()
        .await
        .map_err(|error| failure_reason(error, timeout))?;
    if !response.status().is_success() {
        return Err(format!("HTTP {}", response.status().as_u16()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|error| failure_reason(error, timeout))?
    {
        if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
            return Err("document larger than 1 MiB".to_string());
        }
        body.extend_from_slice(&chunk);
    }
    let published = serde_json::from_slice::<IssuerField>(&body)
        .map_err(|_| "no JSON issuer in the answer".to_string())?
        .issuer;
    let parsed = Url::parse(&published)
        .ok()
        .filter(|url| matches!(url.scheme(), "https" | "http"))
        .ok_or_else(|| "published issuer is not an http(s) URL".to_string())?;
    Ok((published, parsed))
}
