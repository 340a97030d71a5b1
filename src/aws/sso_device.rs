//! IAM Identity Center OIDC (sso-oidc) for `sso-session` profiles: `RegisterClient`,
//! `StartDeviceAuthorization` and `CreateToken` (the device-code grant, polled at the service's
//! `interval` with `AuthorizationPendingException` / `SlowDownException` obeyed, and the
//! refresh-token grant). Every call is unsigned: the client has no credentials provider, so it
//! can never reach for the SDK's default chain or IMDS. It knows nothing of profiles, files or
//! sessions; the caller passes the region, endpoint and registration it resolved, and gets
//! secrets back only inside [`Secret`]. [`SsoError`] is shared with [`super::sso_portal`].

use std::time::Duration;

use aws_sdk_ssooidc::config::http::HttpResponse;
use aws_sdk_ssooidc::error::{ProvideErrorMetadata, SdkError};
use chrono::{DateTime, Utc};

use super::call_error::{Call, CallError};
use super::sdk::{self, Timeouts};
use crate::creds::Secret;
use crate::idp::flow::DevicePollPacing;

/// The client name runas registers under; shown in the IAM Identity Center console.
pub const CLIENT_NAME: &str = "runas";
/// The only client type sso-oidc accepts for a CLI.
const CLIENT_TYPE: &str = "public";
/// What `sso_registration_scopes` means when the sso-session leaves it out.
pub const DEFAULT_SCOPE: &str = "sso:account:access";
const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
const REFRESH_TOKEN_GRANT: &str = "refresh_token";
/// RFC 8628's default when the service names no interval, and its `slow_down` step.
const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);

/// A failed IAM Identity Center call (sso-oidc or the portal). Never holds a token, a device
/// code or a client secret: only the operation, the service's error code and its message.
#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    #[error(transparent)]
    Call(#[from] CallError),
    /// The device code expired (or the service said `ExpiredTokenException` while polling).
    #[error("the device code expired before the login was approved; start the login again")]
    DeviceExpired,
    #[error("the login was denied in the IAM Identity Center portal")]
    AccessDenied,
}

impl SsoError {
    /// The service's error code, when the service itself refused.
    pub fn code(&self) -> Option<&str> {
        match self {
            SsoError::Call(call) => call.code(),
            _ => None,
        }
    }
}

/// A client registration: what `RegisterClient` returned, reusable until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRegistration {
    pub client_id: String,
    pub client_secret: Secret,
    pub expires_at: DateTime<Utc>,
}

/// An ongoing device authorization: the code the person approves and how to poll for it.
#[derive(Debug, Clone)]
pub struct DeviceAuthorization {
    pub device_code: Secret,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    pub expires_in: Duration,
    pub interval: Duration,
}

/// An IAM Identity Center access token (and refresh token, when the grant gave one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoToken {
    pub access_token: Secret,
    pub expires_at: DateTime<Utc>,
    pub refresh_token: Option<Secret>,
}

/// The sso-oidc client for one region and endpoint. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SsoOidcClient {
    client: aws_sdk_ssooidc::Client,
    endpoint_url: String,
}

const SERVICE: &str = "IAM Identity Center OIDC";

impl SsoOidcClient {
    pub fn new(region: &str, endpoint_url: &str, timeouts: Timeouts) -> Self {
        // No credentials_provider: every sso-oidc operation runas calls is unsigned.
        SsoOidcClient {
            client: sdk::client!(aws_sdk_ssooidc, region, endpoint_url, timeouts),
            endpoint_url: endpoint_url.to_owned(),
        }
    }

    /// Registers runas as a public client with `scopes`.
    pub async fn register_client(&self, scopes: &[String]) -> Result<ClientRegistration, SsoError> {
        let operation = "RegisterClient";
        let output = self
            .client
            .register_client()
            .client_name(CLIENT_NAME)
            .client_type(CLIENT_TYPE)
            .set_scopes((!scopes.is_empty()).then(|| scopes.to_vec()))
            .send()
            .await
            .map_err(|error| translate(SERVICE, operation, &self.endpoint_url, error))?;
        let missing = |field| bad_response(operation, field);
        Ok(ClientRegistration {
            client_id: output
                .client_id()
                .ok_or_else(|| missing("clientId"))?
                .to_owned(),
            client_secret: Secret::new(
                output
                    .client_secret()
                    .ok_or_else(|| missing("clientSecret"))?,
            ),
            expires_at: DateTime::from_timestamp(output.client_secret_expires_at(), 0)
                .ok_or_else(|| missing("a valid clientSecretExpiresAt"))?,
        })
    }

    /// Asks for a user code for `start_url`.
    pub async fn start_device_authorization(
        &self,
        registration: &ClientRegistration,
        start_url: &str,
    ) -> Result<DeviceAuthorization, SsoError> {
        let operation = "StartDeviceAuthorization";
        let output = self
            .client
            .start_device_authorization()
            .client_id(&registration.client_id)
            .client_secret(registration.client_secret.expose())
            .start_url(start_url)
            .send()
            .await
            .map_err(|error| translate(SERVICE, operation, &self.endpoint_url, error))?;
        let missing = |field| bad_response(operation, field);
        let seconds = |value: i32| Duration::from_secs(u64::try_from(value).unwrap_or(0));
        Ok(DeviceAuthorization {
            device_code: Secret::new(output.device_code().ok_or_else(|| missing("deviceCode"))?),
            user_code: output
                .user_code()
                .ok_or_else(|| missing("userCode"))?
                .to_owned(),
            verification_uri: output
                .verification_uri()
                .ok_or_else(|| missing("verificationUri"))?
                .to_owned(),
            verification_uri_complete: output.verification_uri_complete().map(str::to_owned),
            expires_in: seconds(output.expires_in()),
            interval: match seconds(output.interval()) {
                Duration::ZERO => DEFAULT_INTERVAL,
                interval => interval,
            },
        })
    }

    /// Polls `CreateToken` with the device code until the person approves, refuses, or the
    /// code expires. The wait between polls is the service's interval (plus 5 s after each
    /// `SlowDownException`), as `pacing` maps it.
    pub async fn wait_for_device_token(
        &self,
        registration: &ClientRegistration,
        authorization: &DeviceAuthorization,
        pacing: DevicePollPacing,
    ) -> Result<SsoToken, SsoError> {
        // The service ends the code after `expires_in` whatever the pacing; so does this loop.
        let deadline = tokio::time::Instant::now() + authorization.expires_in;
        let mut interval = authorization.interval;
        loop {
            tokio::time::sleep(pacing.wait(interval)).await;
            match self.device_token_once(registration, authorization).await {
                Ok(token) => return Ok(token),
                Err(error) => match poll_verdict(&error) {
                    PollVerdict::Pending => {}
                    PollVerdict::SlowDown => interval += SLOW_DOWN_STEP,
                    PollVerdict::Expired => return Err(SsoError::DeviceExpired),
                    PollVerdict::Denied => return Err(SsoError::AccessDenied),
                    PollVerdict::Fail => return Err(error),
                },
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(SsoError::DeviceExpired);
            }
        }
    }

    async fn device_token_once(
        &self,
        registration: &ClientRegistration,
        authorization: &DeviceAuthorization,
    ) -> Result<SsoToken, SsoError> {
        let request = self
            .client
            .create_token()
            .grant_type(DEVICE_CODE_GRANT)
            .client_id(&registration.client_id)
            .client_secret(registration.client_secret.expose())
            .device_code(authorization.device_code.expose());
        self.create_token(request).await
    }

    /// Renews an access token with a refresh token (`CreateToken`, refresh_token grant).
    pub async fn refresh(
        &self,
        registration: &ClientRegistration,
        refresh_token: &Secret,
    ) -> Result<SsoToken, SsoError> {
        let request = self
            .client
            .create_token()
            .grant_type(REFRESH_TOKEN_GRANT)
            .client_id(&registration.client_id)
            .client_secret(registration.client_secret.expose())
            .refresh_token(refresh_token.expose());
        let mut token = self.create_token(request).await?;
        // A response without a new refresh token means the old one stays valid.
        token.refresh_token = token.refresh_token.or_else(|| Some(refresh_token.clone()));
        Ok(token)
    }

    async fn create_token(
        &self,
        request: aws_sdk_ssooidc::operation::create_token::builders::CreateTokenFluentBuilder,
    ) -> Result<SsoToken, SsoError> {
        let operation = "CreateToken";
        let output = request
            .send()
            .await
            .map_err(|error| translate(SERVICE, operation, &self.endpoint_url, error))?;
        let access_token = output
            .access_token()
            .ok_or_else(|| bad_response(operation, "accessToken"))?;
        let lifetime = chrono::Duration::seconds(i64::from(output.expires_in().max(0)));
        Ok(SsoToken {
            access_token: Secret::new(access_token),
            expires_at: Utc::now() + lifetime,
            refresh_token: output.refresh_token().map(Secret::new),
        })
    }
}

/// What a failed device-code poll means for the loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PollVerdict {
    Pending,
    SlowDown,
    Expired,
    Denied,
    Fail,
}

fn poll_verdict(error: &SsoError) -> PollVerdict {
    match error.code() {
        Some("AuthorizationPendingException") => PollVerdict::Pending,
        Some("SlowDownException") => PollVerdict::SlowDown,
        Some("ExpiredTokenException") => PollVerdict::Expired,
        Some("AccessDeniedException") => PollVerdict::Denied,
        _ => PollVerdict::Fail,
    }
}

fn bad_response(operation: &'static str, field: &str) -> SsoError {
    SsoError::Call(CallError::BadResponse {
        service: SERVICE,
        operation,
        detail: format!("no {field} in the response"),
    })
}

/// An SDK failure in runas's words (see [`Call::translate`]): the SDK's texts name what was
/// wrong but never echo request parameters, so no token or secret can come through.
pub(super) fn translate<E>(
    service: &'static str,
    operation: &'static str,
    endpoint: &str,
    error: SdkError<E, HttpResponse>,
) -> SsoError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let call = Call {
        service,
        operation,
        endpoint,
    };
    SsoError::Call(call.translate(error, |_| None))
}

#[cfg(test)]
mod tests;
