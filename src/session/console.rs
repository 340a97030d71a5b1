//! "Sign profile P in to the AWS console": P's credentials from the same pipeline as every
//! hand-off (so a login happens if one is needed), then the federation endpoint of the role's
//! partition turns them into a sign-in URL. The URL is a credential: it is returned as a
//! [`Secret`] and this module never logs or reports it; opening or printing it is the
//! caller's decision.

use tokio::sync::mpsc::UnboundedSender;

use super::{Session, SessionError, SessionEvent, SessionOptions};
use crate::aws::federation::{self, Destination, Partition};
use crate::config::ProfileKind;
use crate::creds::Secret;

/// What the console sign-in shows the person when the session ends: AWS links back to it.
const ISSUER: &str = "runas";

/// Where the console should open and in which region.
#[derive(Debug, Clone)]
pub struct ConsoleRequest {
    pub destination: Destination,
    /// The console's region; default: the profile's (after `--region`).
    pub region: Option<String>,
}

/// A sign-in URL and what it leads to (everything but `url` may be shown).
#[derive(Debug)]
pub struct ConsoleSignIn {
    pub url: Secret,
    pub partition: Partition,
    /// The console page the URL lands on.
    pub destination: String,
    /// `SessionDuration` sent, if any.
    pub session_duration: Option<u64>,
}

impl Session {
    pub async fn console_sign_in(
        &self,
        name: &str,
        request: &ConsoleRequest,
        options: &SessionOptions,
        events: &UnboundedSender<SessionEvent>,
    ) -> Result<ConsoleSignIn, SessionError> {
        let obtained = self.credentials(name, options, events).await?;
        let profile = self.profile(name)?;
        let entry = &obtained.entry;
        let console_error = |source| SessionError::Console {
            name: name.to_owned(),
            source,
        };
        let role_arn = entry
            .role_arn
            .as_deref()
            .or(entry.assumed_role_arn.as_deref())
            .or(profile.role_arn.as_deref());
        let partition = role_arn
            .and_then(Partition::from_arn)
            .unwrap_or(Partition::Aws);
        let region = request
            .region
            .clone()
            .unwrap_or_else(|| self.region(profile));
        let endpoint = federation::endpoint(
            partition,
            (self.env)(federation::ENV_ENDPOINT_URL_SIGNIN).as_deref(),
        )
        .map_err(console_error)?;
        let destination = federation::destination_url(partition, &region, &request.destination)
            .map_err(console_error)?;
        // Every session runas hands out is a role session (STS AssumeRole*, or Identity
        // Center's role credentials); the check keeps SessionDuration off anything else.
        let is_role_session = role_arn.is_some();
        let remaining = entry
            .credentials
            .remaining(self.now())
            .to_std()
            .unwrap_or_default();
        let chained = profile.kind == ProfileKind::Chained || profile.jump_role_arn.is_some();
        let session_duration = federation::session_duration(is_role_session, chained, remaining);
        let http = self
            .http
            .get()
            .map_err(|err| SessionError::Http(err.reason().to_owned()))?;
        let token = federation::signin_token(http, &endpoint, &entry.credentials, session_duration)
            .await
            .map_err(console_error)?;
        Ok(ConsoleSignIn {
            url: federation::login_url(&endpoint, ISSUER, &destination, &token),
            partition,
            destination,
            session_duration,
        })
    }
}
