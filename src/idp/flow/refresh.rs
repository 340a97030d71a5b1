//! Silent renewal with a cached refresh token. It owns the refresh-token grant, the rule that
//! `invalid_grant` means "log in again" ([`FlowError::RefreshRejected`]), and telling a renewed
//! ID token apart from an answer that has none ([`Refreshed::WithoutIdToken`]: OpenID Connect
//! Core §12.2 lets a refresh response leave it out). Storing a rotated token, and deciding what
//! to do without an ID token, is the caller's job; this module only hands them back.

use openidconnect::{OAuth2TokenResponse, RefreshToken, TokenResponse};

use super::error::from_token_request;
use super::{ClientSettings, FlowError, Provider, Tokens, tokens_from};
use crate::creds::Secret;

/// What a refresh grant gave back.
#[derive(Debug, Clone)]
pub enum Refreshed {
    /// A new, verified ID token (and the refresh token to keep).
    Tokens(Tokens),
    /// The IdP renewed the grant but sent no ID token. `refresh_token` is the one to keep: the
    /// rotated one if the IdP rotated it (the old one is then spent), else the one passed in.
    WithoutIdToken { refresh_token: Secret },
}

/// Renews the ID token. A rotated refresh token is returned in [`Tokens::refresh_token`]; when
/// the IdP does not rotate, the one passed in is carried over.
pub async fn refresh(
    provider: &Provider,
    settings: &ClientSettings,
    refresh_token: &Secret,
) -> Result<Refreshed, FlowError> {
    let client = provider.client(settings);
    let token = RefreshToken::new(refresh_token.expose().to_owned());
    let response = client
        .exchange_refresh_token(&token)
        .request_async(provider.http())
        .await
        .map_err(
            |err| match from_token_request(err, provider.token_endpoint().as_str()) {
                FlowError::TokenEndpoint { error, .. } if error == "invalid_grant" => {
                    FlowError::RefreshRejected
                }
                other => other,
            },
        )?;
    if response.id_token().is_none() {
        let kept = response
            .refresh_token()
            .map(|token| Secret::new(token.secret().clone()))
            .unwrap_or_else(|| refresh_token.clone());
        return Ok(Refreshed::WithoutIdToken {
            refresh_token: kept,
        });
    }
    tokens_from(provider, settings, &response, None, Some(refresh_token))
        .await
        .map(Refreshed::Tokens)
}
