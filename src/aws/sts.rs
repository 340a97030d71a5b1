//! The STS client: `AssumeRoleWithWebIdentity` through `aws-sdk-sts`, returning runas's own
//! [`Credentials`]. It owns the SDK configuration: an explicit rustls/ring HTTP client (the SDK is
//! built without a default one, so forgetting it would only fail at run time), a region, an
//! endpoint resolved by [`super::endpoint`], bounded timeouts, and no credentials provider at
//! all: the web-identity call is unsigned, and runas must never fall back to the SDK's default
//! chain or the instance metadata service. It knows nothing of profiles, caches or sessions.
//! Role chaining (`AssumeRole`, signed with credentials the caller hands in) lives in
//! [`super::assume_role`], the advice for STS refusals in [`super::advice`].

use std::time::Duration;

use aws_sdk_sts::config::http::HttpResponse;
use aws_sdk_sts::config::retry::RetryConfig;
use aws_sdk_sts::config::{BehaviorVersion, Region};
use aws_sdk_sts::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use chrono::{DateTime, Utc};

use super::sdk::{self, Timeouts};
use crate::creds::{Credentials, Secret};

/// How an [`StsClient`] reaches STS.
#[derive(Debug, Clone)]
pub struct StsSettings {
    pub region: String,
    /// Usually the `url` of [`super::endpoint::resolve_sts_endpoint`].
    pub endpoint_url: String,
    pub timeouts: Timeouts,
}

impl StsSettings {
    /// Settings with the default timeouts.
    pub fn new(region: impl Into<String>, endpoint_url: impl Into<String>) -> Self {
        StsSettings {
            region: region.into(),
            endpoint_url: endpoint_url.into(),
            timeouts: Timeouts::default(),
        }
    }
}

/// What `AssumeRoleWithWebIdentity` returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumedRole {
    pub credentials: Credentials,
    /// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`
    pub assumed_role_arn: String,
    /// `ROLEID:SESSION`
    pub assumed_role_id: String,
    /// The token's `sub`, as STS read it.
    pub subject: Option<String>,
    /// The audience STS matched (the OIDC client id).
    pub audience: Option<String>,
    /// The identity provider STS trusted.
    pub provider: Option<String>,
}

/// A failed STS call. Never holds the web identity token or any credential.
#[derive(Debug, thiserror::Error)]
pub enum StsError {
    /// STS answered with an error, e.g. `InvalidIdentityToken`, `ExpiredTokenException`,
    /// `AccessDenied`, `IDPCommunicationError`, `ValidationError`.
    #[error("STS {operation} failed: {code}: {message}")]
    Service {
        operation: &'static str,
        code: String,
        message: String,
    },
    /// STS answered with an error the SDK retries (throttling, 5xx) on all [`MAX_ATTEMPTS`].
    #[error("{}", gave_up_message(.operation, .code, .message))]
    GaveUp {
        operation: &'static str,
        code: String,
        message: String,
    },
    #[error("STS {operation} timed out ({endpoint})")]
    Timeout {
        operation: &'static str,
        endpoint: String,
    },
    #[error("cannot reach STS at {endpoint} for {operation}: {detail}")]
    Unreachable {
        operation: &'static str,
        endpoint: String,
        detail: String,
    },
    #[error("unexpected answer from STS {operation}: {detail}")]
    BadResponse {
        operation: &'static str,
        detail: String,
    },
    /// Refused before sending: no STS grants a session this long.
    #[error("a session of {0:?} is longer than STS can grant")]
    InvalidDuration(Duration),
}

impl StsError {
    /// The STS error code, when STS itself refused.
    pub fn code(&self) -> Option<&str> {
        match self {
            StsError::Service { code, .. } | StsError::GaveUp { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// Tries per STS call, retries included: the SDK's standard mode (exponential backoff from 1 s
/// with full jitter) for throttling, 5xx answers and dropped connections, never for a refusal.
/// Written out rather than inherited so README's promise cannot drift with an SDK upgrade.
/// Three rides out a brief throttle or a blip at STS while a person waits seconds, not a
/// minute; more would only add load to an account that is already being throttled.
pub const MAX_ATTEMPTS: u32 = 3;

/// The error codes the SDK's standard retry treats as throttling (`aws-runtime`'s list, the
/// ones STS and its peers use).
const THROTTLING_CODES: [&str; 6] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
];

pub(super) fn is_throttling(code: &str) -> bool {
    THROTTLING_CODES.contains(&code)
}

fn gave_up_message(operation: &str, code: &str, message: &str) -> String {
    let what = if is_throttling(code) {
        "STS throttled"
    } else {
        "STS kept failing"
    };
    format!("{what} {operation} on all {MAX_ATTEMPTS} attempts: {code}: {message}")
}

/// An STS client for one region and endpoint. Cheap to clone.
#[derive(Debug, Clone)]
pub struct StsClient {
    pub(super) client: aws_sdk_sts::Client,
    pub(super) endpoint_url: String,
}

const ASSUME_ROLE_WITH_WEB_IDENTITY: &str = "AssumeRoleWithWebIdentity";

impl StsClient {
    pub fn new(settings: &StsSettings) -> Self {
        // No credentials_provider: the SDK then sends the unsigned call as the model allows,
        // and nothing can reach for ~/.aws/credentials or IMDS behind runas's back.
        let mut config = aws_sdk_sts::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .http_client(sdk::http_client())
            .region(Region::new(settings.region.clone()))
            .timeout_config(settings.timeouts.sdk_config())
            .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS));
        config.set_endpoint_resolver(Some(sdk::fixed_endpoint(&settings.endpoint_url)));
        let config = config.build();
        StsClient {
            client: aws_sdk_sts::Client::from_conf(config),
            endpoint_url: settings.endpoint_url.clone(),
        }
    }

    /// Exchanges an identity-provider token for role credentials. `duration` of `None` lets
    /// STS choose (one hour).
    pub async fn assume_role_with_web_identity(
        &self,
        role_arn: &str,
        session_name: &str,
        web_identity_token: &Secret,
        duration: Option<Duration>,
    ) -> Result<AssumedRole, StsError> {
        let operation = ASSUME_ROLE_WITH_WEB_IDENTITY;
        let duration_seconds = duration
            .map(|d| i32::try_from(d.as_secs()).map_err(|_| StsError::InvalidDuration(d)))
            .transpose()?;
        let output = self
            .client
            .assume_role_with_web_identity()
            .role_arn(role_arn)
            .role_session_name(session_name)
            .web_identity_token(web_identity_token.expose())
            .set_duration_seconds(duration_seconds)
            .send()
            .await
            .map_err(|error| self.translate(operation, error))?;

        Ok(AssumedRole {
            subject: output.subject_from_web_identity_token().map(str::to_owned),
            audience: output.audience().map(str::to_owned),
            provider: output.provider().map(str::to_owned),
            ..assumed_role(operation, output.credentials(), output.assumed_role_user())?
        })
    }

    pub(super) fn translate<E>(
        &self,
        operation: &'static str,
        error: SdkError<E, HttpResponse>,
    ) -> StsError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        match &error {
            SdkError::ServiceError(context) => {
                let refusal = context.err();
                let code = refusal.code().unwrap_or("Unknown").to_owned();
                let message = refusal.message().unwrap_or_default().to_owned();
                // What the SDK retries is what reaches here only once every attempt failed.
                if is_throttling(&code) || context.raw().status().is_server_error() {
                    StsError::GaveUp {
                        operation,
                        code,
                        message,
                    }
                } else {
                    StsError::Service {
                        operation,
                        code,
                        message,
                    }
                }
            }
            SdkError::TimeoutError(_) => StsError::Timeout {
                operation,
                endpoint: self.endpoint_url.clone(),
            },
            SdkError::DispatchFailure(failure) if failure.is_timeout() => StsError::Timeout {
                operation,
                endpoint: self.endpoint_url.clone(),
            },
            SdkError::DispatchFailure(failure) => StsError::Unreachable {
                operation,
                endpoint: self.endpoint_url.clone(),
                detail: failure.as_connector_error().map_or_else(
                    || "the connection failed".to_owned(),
                    super::call_error::connection_failure,
                ),
            },
            // Construction failures and unparseable answers: the SDK's text names what was
            // wrong but never echoes request parameters such as the token.
            _ => StsError::BadResponse {
                operation,
                detail: DisplayErrorContext(&error).to_string(),
            },
        }
    }
}

/// The parts every assume-role answer has; STS always sends both, so their absence is a bad
/// answer rather than a refusal.
pub(super) fn assumed_role(
    operation: &'static str,
    credentials: Option<&aws_sdk_sts::types::Credentials>,
    user: Option<&aws_sdk_sts::types::AssumedRoleUser>,
) -> Result<AssumedRole, StsError> {
    let missing = |field: &str| StsError::BadResponse {
        operation,
        detail: format!("no {field} in the response"),
    };
    let credentials = credentials.ok_or_else(|| missing("Credentials"))?;
    let user = user.ok_or_else(|| missing("AssumedRoleUser"))?;
    Ok(AssumedRole {
        credentials: credentials_from_sdk(operation, credentials)?,
        assumed_role_arn: user.arn().to_owned(),
        assumed_role_id: user.assumed_role_id().to_owned(),
        subject: None,
        audience: None,
        provider: None,
    })
}

pub(super) fn credentials_from_sdk(
    operation: &'static str,
    sdk: &aws_sdk_sts::types::Credentials,
) -> Result<Credentials, StsError> {
    let expiration = sdk.expiration();
    let expiration: DateTime<Utc> =
        DateTime::from_timestamp(expiration.secs(), expiration.subsec_nanos()).ok_or_else(
            || StsError::BadResponse {
                operation,
                detail: format!("expiration {} is out of range", expiration.secs()),
            },
        )?;
    Ok(Credentials {
        access_key_id: sdk.access_key_id().to_owned(),
        secret_access_key: Secret::new(sdk.secret_access_key()),
        session_token: Secret::new(sdk.session_token()),
        expiration,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sdk_credentials(expiration_secs: i64) -> aws_sdk_sts::types::Credentials {
        aws_sdk_sts::types::Credentials::builder()
            .access_key_id("ASIAEXAMPLE")
            .secret_access_key("secret-key-value")
            .session_token("session-token-value")
            .expiration(aws_sdk_sts::primitives::DateTime::from_secs(
                expiration_secs,
            ))
            .build()
            .unwrap()
    }

    #[test]
    fn sdk_credentials_become_ours_with_the_same_expiry() {
        let ours = credentials_from_sdk("Op", &sdk_credentials(2_000_000_000)).unwrap();
        assert_eq!(ours.access_key_id, "ASIAEXAMPLE");
        assert_eq!(ours.secret_access_key.expose(), "secret-key-value");
        assert_eq!(ours.session_token.expose(), "session-token-value");
        assert_eq!(ours.expiration.timestamp(), 2_000_000_000);
    }

    #[test]
    fn an_expiry_chrono_cannot_hold_is_a_bad_response() {
        let error = credentials_from_sdk("Op", &sdk_credentials(i64::MAX)).unwrap_err();
        assert!(matches!(error, StsError::BadResponse { .. }), "{error:?}");
    }

    #[tokio::test]
    async fn an_unreachable_endpoint_is_reported_without_the_token() {
        // A port nobody listens on: bind, note the port, close.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let client = StsClient::new(&StsSettings::new("us-east-1", endpoint.clone()));
        let token = Secret::new("header.payload-that-must-not-leak.signature");
        let error = client
            .assume_role_with_web_identity("arn:aws:iam::123456789012:role/r", "s", &token, None)
            .await
            .unwrap_err();
        assert!(matches!(error, StsError::Unreachable { .. }), "{error:?}");
        assert_eq!(
            error.to_string(),
            format!(
                "cannot reach STS at {endpoint} for AssumeRoleWithWebIdentity: connection refused"
            )
        );
        let shown = format!("{error} {error:?}");
        assert!(shown.contains(&endpoint), "{shown}");
        assert!(!shown.contains("must-not-leak"), "{shown}");
        assert_eq!(error.code(), None);
    }

    #[tokio::test]
    async fn an_out_of_range_duration_is_refused_before_any_call() {
        let client = StsClient::new(&StsSettings::new("us-east-1", "http://127.0.0.1:9"));
        let error = client
            .assume_role_with_web_identity(
                "arn:aws:iam::123456789012:role/r",
                "s",
                &Secret::new("t"),
                Some(Duration::from_secs(u64::from(u32::MAX))),
            )
            .await
            .unwrap_err();
        assert!(matches!(error, StsError::InvalidDuration(_)), "{error:?}");
    }
}
