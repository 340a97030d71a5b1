//! Silent renewal with a cached refresh token. It owns the refresh-token grant and the rule
//! that `invalid_grant` means "log in again" ([`FlowError::RefreshRejected`]); storing a rotated
//! token is the cache's job, this module only hands it back.

use openidconnect::RefreshToken;

use super::error::from_token_request;
use super::{ClientSettings, FlowError, Provider, Tokens, tokens_from};
use crate::creds::Secret;

/// Renews the ID token. A rotated refresh token is returned in [`Tokens::refresh_token`]; when
/// the IdP does not rotate, the one passed in is carried over.
pub async fn refresh(
    provider: &Provider,
    settings: &ClientSettings,
    refresh_token: &Secret,
) -> Result<Tokens, FlowError> {
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
    tokens_from(provider, settings, &response, None, Some(refresh_token)).await
}
