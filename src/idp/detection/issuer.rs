//! From a `web_identity_auth_url` to an issuer, per provider (docs/ARCHITECTURE.md "Identity-provider detection"), and the Entra
//! issuer-template check. Pure functions: discovery, which has the final word, is done by the
//! caller.
//!
//! The aws-runas convention makes the auth URL an OAuth *base* to which the provider's endpoint
//! path is appended, and people also paste issuers, endpoint URLs and discovery URLs; all of
//! them must land on the same issuer.

use openidconnect::url::Url;

use crate::config::ProviderKind;

/// A pasted discovery URL names its issuer; every provider strips it.
const DISCOVERY_TAILS: &[&[&str]] = &[
    &[".well-known", "openid-configuration"],
    &[".well-known", "oauth-authorization-server"],
];

const OKTA_ENDPOINT_TAILS: &[&[&str]] = &[
    &["v1", "authorize"],
    &["v1", "token"],
    &["v1", "device", "authorize"],
    &["v1", "keys"],
    &["v1", "userinfo"],
];
const ENTRA_ENDPOINT_TAILS: &[&[&str]] = &[&["authorize"], &["token"], &["devicecode"]];
const ONELOGIN_ENDPOINT_TAILS: &[&[&str]] = &[&["auth"], &["token"]];
const FORGEROCK_ENDPOINT_TAILS: &[&[&str]] = &[
    &["authorize"],
    &["access_token"],
    &["device", "code"],
    &["userinfo"],
];

/// The issuer `auth_url` stands for under `provider`'s conventions. Query, fragment, user
/// info and trailing slashes never belong to an issuer and are always dropped (the query may
/// carry aws-runas's OneLogin `token`, a credential).
pub fn normalize_issuer(provider: ProviderKind, auth_url: &Url) -> Url {
    let Some(segments) = auth_url.path_segments() else {
        // Not a hierarchical URL: nothing to normalise, and discovery will fail on it anyway.
        return url_with_path(auth_url, &[]);
    };
    let mut segments: Vec<&str> = segments.filter(|segment| !segment.is_empty()).collect();
    strip_one_tail(&mut segments, DISCOVERY_TAILS);
    let issuer_path = match provider {
        ProviderKind::Okta => okta_issuer_path(segments),
        ProviderKind::AzureAd => entra_issuer_path(segments),
        ProviderKind::OneLogin => {
            strip_one_tail(&mut segments, ONELOGIN_ENDPOINT_TAILS);
            segments
        }
        ProviderKind::Keycloak => keycloak_issuer_path(segments),
        ProviderKind::ForgeRock => {
            strip_one_tail(&mut segments, FORGEROCK_ENDPOINT_TAILS);
            segments
        }
        ProviderKind::Oidc => segments,
    };
    url_with_path(auth_url, &issuer_path)
}

/// `/oauth2` is Okta's org authorization server, whose issuer is the bare origin;
/// `/oauth2/{server-id}` is a custom server whose issuer is that URL.
fn okta_issuer_path(mut segments: Vec<&str>) -> Vec<&str> {
    strip_one_tail(&mut segments, OKTA_ENDPOINT_TAILS);
    match segments.as_slice() {
        [] | ["oauth2"] => Vec::new(),
        _ => segments,
    }
}

/// Entra's v2.0 issuer is `/{tenant}/v2.0`; the OAuth base is `/{tenant}/oauth2/v2.0`. A bare
/// `/{tenant}/oauth2` is the v1.0 base, but runas drives the v2.0 endpoints, so it maps to the
/// v2.0 issuer too.
fn entra_issuer_path(mut segments: Vec<&str>) -> Vec<&str> {
    strip_one_tail(&mut segments, ENTRA_ENDPOINT_TAILS);
    match segments.as_slice() {
        [tenant] | [tenant, "oauth2"] | [tenant, "oauth2", "v2.0"] => vec![*tenant, "v2.0"],
        _ => segments,
    }
}

/// The realm URL (`…/realms/R`, or the pre-17 `…/auth/realms/R`) is the issuer; anything after
/// it (`/protocol/openid-connect/auth`, …) is an endpoint.
fn keycloak_issuer_path(segments: Vec<&str>) -> Vec<&str> {
    match segments.iter().position(|segment| *segment == "realms") {
        Some(index) if index + 1 < segments.len() => segments[..index + 2].to_vec(),
        _ => segments,
    }
}

fn strip_one_tail(segments: &mut Vec<&str>, tails: &[&[&str]]) {
    let matching = tails.iter().find(|tail| {
        segments.len() >= tail.len()
            && segments[segments.len() - tail.len()..]
                .iter()
                .zip(tail.iter())
                .all(|(segment, expected)| segment.eq_ignore_ascii_case(expected))
    });
    if let Some(tail) = matching {
        segments.truncate(segments.len() - tail.len());
    }
}

fn url_with_path(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    url.set_query(None);
    url.set_fragment(None);
    // Both fail only for URLs that cannot have credentials, which then have none to drop.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    if url.path_segments().is_some() {
        url.set_path(&format!("/{}", segments.join("/")));
    }
    url
}

/// The issuer as the string an ID token's `iss` carries. [`Url`] always writes a lone `/` for
/// an empty path (`https://x.okta.com/`), but issuers on an origin are published without it
/// (`https://x.okta.com`), and `iss` is compared byte for byte.
pub fn issuer_text(issuer: &Url) -> String {
    let text = issuer.as_str();
    if issuer.path() == "/" && issuer.query().is_none() && issuer.fragment().is_none() {
        text.strip_suffix('/').unwrap_or(text).to_string()
    } else {
        text.to_string()
    }
}

/// Spellings of Entra's tenant placeholder: as published, and as [`Url`] percent-encodes it.
const TENANT_PLACEHOLDERS: [&str; 3] = ["{tenantid}", "%7Btenantid%7D", "%7btenantid%7d"];

/// Whether an ID token's `iss` matches the expected issuer. Entra's multi-tenant endpoints
/// (`common`, `organizations`, `consumers`) publish a template with `{tenantid}`, which stands
/// for the token's own `tid` claim; every other issuer must match exactly.
pub fn issuer_matches(template_or_issuer: &str, token_iss: &str, tid: Option<&str>) -> bool {
    let Some(placeholder) = TENANT_PLACEHOLDERS
        .iter()
        .find(|placeholder| template_or_issuer.contains(*placeholder))
    else {
        return template_or_issuer == token_iss;
    };
    // A tenant id is a GUID (or a verified domain); anything with a `/` or other punctuation
    // would let a token move its `iss` to a different path.
    let Some(tid) = tid.filter(|tid| {
        !tid.is_empty()
            && tid
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    }) else {
        return false;
    };
    template_or_issuer.replacen(placeholder, tid, 1) == token_iss
}

#[cfg(test)]
#[path = "issuer_tests.rs"]
mod tests;
