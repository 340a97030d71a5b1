//! `AssumeRole`: the second and later links of a chain (`jump_role_arn`, `source_profile`), and
//! the identity-enhanced session of trusted identity propagation (`ProvidedContexts` with the
//! Identity Center context). The call is signed with the credentials the caller hands in, set
//! on this one operation only, so the client itself keeps no credentials provider and can
//! never reach for the SDK's default chain or IMDS.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_sts::types::ProvidedContext;

use super::sts::{AssumedRole, StsClient, StsError, assumed_role};
use crate::creds::{Credentials, Secret};

const ASSUME_ROLE: &str = "AssumeRole";

/// The context provider of IAM Identity Center, as STS names it.
pub const IDENTITY_CENTER_CONTEXT_PROVIDER: &str =
    "arn:aws:iam::aws:contextProvider/IdentityCenter";

/// Our credentials as the SDK's signing credentials (the same type in every SDK crate).
pub(super) fn signing_credentials(source: &Credentials) -> aws_sdk_sts::config::Credentials {
    let expiry = u64::try_from(source.expiration.timestamp())
        .ok()
        .map(|secs| UNIX_EPOCH + Duration::from_secs(secs));
    aws_sdk_sts::config::Credentials::new(
        source.access_key_id.clone(),
        source.secret_access_key.expose().to_owned(),
        // Long-term keys (a static root of a chain) have no session token.
        Some(source.session_token.expose())
            .filter(|token| !token.is_empty())
            .map(str::to_owned),
        expiry.or(Some(SystemTime::now())),
        "runas",
    )
}

impl StsClient {
    /// Assumes `role_arn` with `source` credentials. `duration` of `None` lets STS choose (one
    /// hour; AWS caps a chained session at one hour whatever is asked).
    pub async fn assume_role(
        &self,
        role_arn: &str,
        session_name: &str,
        source: &Credentials,
        duration: Option<Duration>,
        external_id: Option<&str>,
    ) -> Result<AssumedRole, StsError> {
        self.assume(role_arn, session_name, source, duration, external_id, None)
            .await
    }

    /// Assumes `role_arn` with the Identity Center identity context: the session carries the
    /// user's identity (an identity-enhanced session), which S3 Access Grants requires.
    pub async fn assume_role_with_identity_context(
        &self,
        role_arn: &str,
        session_name: &str,
        source: &Credentials,
        duration: Option<Duration>,
        identity_context: &Secret,
    ) -> Result<AssumedRole, StsError> {
        let context = ProvidedContext::builder()
            .provider_arn(IDENTITY_CENTER_CONTEXT_PROVIDER)
            .context_assertion(identity_context.expose())
            .build();
        self.assume(
            role_arn,
            session_name,
            source,
            duration,
            None,
            Some(context),
        )
        .await
    }

    async fn assume(
        &self,
        role_arn: &str,
        session_name: &str,
        source: &Credentials,
        duration: Option<Duration>,
        external_id: Option<&str>,
        context: Option<ProvidedContext>,
    ) -> Result<AssumedRole, StsError> {
        let operation = ASSUME_ROLE;
        let duration_seconds = duration
            .map(|d| i32::try_from(d.as_secs()).map_err(|_| StsError::InvalidDuration(d)))
            .transpose()?;
        let output = self
            .client
            .assume_role()
            .role_arn(role_arn)
            .role_session_name(session_name)
            .set_duration_seconds(duration_seconds)
            .set_external_id(external_id.map(str::to_owned))
            .set_provided_contexts(context.map(|context| vec![context]))
            .customize()
            .config_override(
                aws_sdk_sts::config::Config::builder()
                    .credentials_provider(signing_credentials(source)),
            )
            .send()
            .await
            .map_err(|error| self.translate(operation, error))?;
        assumed_role(operation, output.credentials(), output.assumed_role_user())
    }
}
