//! The device authorization grant (RFC 8628): for SSH sessions, headless machines and
//! callbacks that cannot be loopback. It owns asking for a user code, reporting it, and polling
//! the token endpoint at the IdP's pace (`interval`, 5 s when absent; `slow_down` adds 5 s; both
//! applied by openidconnect's poll loop). Tests compress that pace through
//! [`DevicePollPacing`] instead of changing the RFC rules.

use std::time::Duration;

use openidconnect::core::CoreDeviceAuthorizationResponse;
use openidconnect::url::Url;
use openidconnect::{
    DeviceAuthorizationUrl, DeviceCodeErrorResponseType, OAuth2TokenResponse, RequestTokenError,
    Scope, TokenResponse,
};
use tokio::sync::mpsc::UnboundedSender;

use super::error::from_token_request;
use super::provider::require_secure;
use super::refresh::{Refreshed, refresh};
use super::{ClientSettings, FlowError, Progress, Provider, Tokens, report, tokens_from};
use crate::creds::Secret;

/// How the waits between polls relate to the interval the RFC asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DevicePollPacing {
    /// Wait exactly as long as RFC 8628 says: what every real login uses.
    #[default]
    Rfc8628,
    /// Wait `1/factor` of the RFC interval, keeping its proportions (a `slow_down` still makes
    /// the next waits longer): for tests, which would otherwise wait 5 s per poll.
    Compressed { factor: u32 },
}

impl DevicePollPacing {
    /// The real wait before the next poll, given the interval the RFC rules arrived at.
    pub fn wait(self, rfc_interval: Duration) -> Duration {
        match self {
            DevicePollPacing::Rfc8628 => rfc_interval,
            DevicePollPacing::Compressed { factor } => rfc_interval / factor.max(1),
        }
    }
}

/// Logs in with a user code the person enters on another device, and returns verified tokens.
pub async fn device_login(
    provider: &Provider,
    settings: &ClientSettings,
    progress: &UnboundedSender<Progress>,
    pacing: DevicePollPacing,
) -> Result<Tokens, FlowError> {
    // The profile's key wins over discovery: it is there for IdPs whose metadata is silent or
    // wrong about the endpoint.
    let device_endpoint = match &settings.device_authorization_url {
        Some(url) => DeviceAuthorizationUrl::from_url(url.clone()),
        None => provider
            .device_authorization_endpoint()
            .ok_or(FlowError::DeviceUnsupported)?
            .clone(),
    };
    require_secure(device_endpoint.url())?;
    let device_url = device_endpoint.url().to_string();
    let client = provider
        .client(settings)
        .set_device_authorization_url(device_endpoint);

    // openidconnect adds `openid` itself.
    let scopes = settings
        .scopes
        .iter()
        .filter(|scope| *scope != "openid")
        .map(|scope| Scope::new(scope.clone()));
    let details: CoreDeviceAuthorizationResponse = client
        .exchange_device_code()
        .add_scopes(scopes)
        .request_async(provider.http())
        .await
        .map_err(|err| from_token_request(err, &device_url))?;
    report(progress, device_code_progress(&details));
    report(progress, Progress::WaitingForDeviceApproval);

    let response = client
        .exchange_device_access_token(&details)
        .request_async(
            provider.http(),
            |interval| tokio::time::sleep(pacing.wait(interval)),
            None,
        )
        .await
        .map_err(|err| match err {
            RequestTokenError::ServerResponse(response) => match response.error() {
                DeviceCodeErrorResponseType::ExpiredToken => FlowError::DeviceExpired,
                DeviceCodeErrorResponseType::AccessDenied => FlowError::AccessDenied,
                _ => from_token_request::<std::io::Error, _>(
                    RequestTokenError::ServerResponse(response),
                    provider.token_endpoint().as_str(),
                ),
            },
            other => from_token_request(other, provider.token_endpoint().as_str()),
        })?;
    if response.id_token().is_none() {
        let refresh_token = response
            .refresh_token()
            .map(|token| Secret::new(token.secret().clone()));
        return id_token_by_refresh(provider, settings, progress, refresh_token).await;
    }
    tokens_from(provider, settings, &response, None, None).await
}

/// RFC 8628 is an OAuth grant, and some IdPs answer it without an ID token. One refresh grant
/// may bring one (OIDC Core §12.2); if not, the IdP must change, because the access token is
/// no substitute: STS takes only an ID token, and runas never hands it anything else.
async fn id_token_by_refresh(
    provider: &Provider,
    settings: &ClientSettings,
    progress: &UnboundedSender<Progress>,
    refresh_token: Option<Secret>,
) -> Result<Tokens, FlowError> {
    let no_id_token = |refresh_tried| FlowError::DeviceGrantWithoutIdToken {
        client_id: settings.client_id.clone(),
        refresh_tried,
    };
    let Some(refresh_token) = refresh_token else {
        return Err(no_id_token(false));
    };
    report(progress, Progress::Refreshing);
    match refresh(provider, settings, &refresh_token).await? {
        Refreshed::Tokens(tokens) => Ok(tokens),
        Refreshed::WithoutIdToken { .. } => Err(no_id_token(true)),
    }
}

fn device_code_progress(details: &CoreDeviceAuthorizationResponse) -> Progress {
    Progress::DeviceCode {
        user_code: details.user_code().secret().clone(),
        verification_uri: details.verification_uri().url().clone(),
        // The complete URI embeds the user code; a malformed one is dropped rather than fatal,
        // since the plain URI plus the code still works.
        verification_uri_complete: details
            .verification_uri_complete()
            .and_then(|complete| Url::parse(complete.secret()).ok()),
        expires_in: details.expires_in(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> CoreDeviceAuthorizationResponse {
        serde_json::from_str(json).unwrap()
    }

    const WITHOUT_INTERVAL: &str = r#"{
        "device_code": "dc-secret", "user_code": "XRLS-NMDD",
        "verification_uri": "http://127.0.0.1:9400/device",
        "verification_uri_complete": "http://127.0.0.1:9400/device?user_code=XRLS-NMDD",
        "expires_in": 600
    }"#;

    #[test]
    fn a_missing_interval_means_five_seconds() {
        let details = parse(WITHOUT_INTERVAL);
        assert_eq!(
            DevicePollPacing::Rfc8628.wait(details.interval()),
            Duration::from_secs(5)
        );
    }

    #[test]
    fn the_advertised_interval_is_obeyed() {
        let details = parse(&WITHOUT_INTERVAL.replace(
            "\"expires_in\": 600",
            "\"expires_in\": 600, \"interval\": 8",
        ));
        assert_eq!(
            DevicePollPacing::Rfc8628.wait(details.interval()),
            Duration::from_secs(8)
        );
    }

    #[test]
    fn compressed_pacing_keeps_the_proportions_of_slow_down() {
        let pacing = DevicePollPacing::Compressed { factor: 50 };
        assert_eq!(
            pacing.wait(Duration::from_secs(5)),
            Duration::from_millis(100)
        );
        // slow_down: openidconnect adds 5 s to the interval; the compressed wait grows with it.
        assert_eq!(
            pacing.wait(Duration::from_secs(10)),
            Duration::from_millis(200)
        );
        assert_eq!(
            DevicePollPacing::Compressed { factor: 0 }.wait(Duration::from_secs(5)),
            Duration::from_secs(5)
        );
    }

    #[test]
    fn the_user_code_and_uris_are_reported() {
        match device_code_progress(&parse(WITHOUT_INTERVAL)) {
            Progress::DeviceCode {
                user_code,
                verification_uri,
                verification_uri_complete,
                expires_in,
            } => {
                assert_eq!(user_code, "XRLS-NMDD");
                assert_eq!(verification_uri.as_str(), "http://127.0.0.1:9400/device");
                assert_eq!(
                    verification_uri_complete.unwrap().as_str(),
                    "http://127.0.0.1:9400/device?user_code=XRLS-NMDD"
                );
                assert_eq!(expires_in, Duration::from_secs(600));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
