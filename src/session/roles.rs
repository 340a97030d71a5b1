//! The STS side of a session: the web-identity exchange (through `jump_role_arn` when set) and
//! `AssumeRole` from a source profile's credentials, each turned into a cache entry.

use tokio::sync::mpsc::UnboundedSender;

use super::identity::{CachedIdToken, IdentityToken};
use super::{Session, SessionError, SessionEvent, SessionOptions, Stage, naming};
use crate::aws::{AssumedRole, StsClient, StsError, StsSettings};
use crate::cache::store::CredentialEntry;
use crate::config::{Profile, ProfileKind};

/// The region STS is called in when neither the profile nor the environment names one.
const FALLBACK_REGION: &str = "us-east-1";

impl Session {
    /// The profile's web identity token exchanged with STS. When STS calls the token expired
    /// although runas found it valid, the token is renewed once and the exchange retried.
    /// The ID token and the role credentials it was exchanged for (the token is needed again
    /// by the Identity Center step, whose assertion it is).
    pub(super) async fn exchange_web_identity(
        &self,
        profile: &Profile,
        options: &SessionOptions,
        events: &UnboundedSender<SessionEvent>,
    ) -> Result<(IdentityToken, CredentialEntry), SessionError> {
        // Building an SDK client takes ~20 ms (the SDK parses its endpoint partition table
        // whichever resolver is set); on a blocking thread it overlaps the IdP round trips
        // instead of following them. An endpoint error is left to `sts_client` below, so it
        // still surfaces where it always did.
        let building = self
            .sts_settings(profile)
            .ok()
            .map(|settings| tokio::task::spawn_blocking(move || StsClient::new(&settings)));
        let identity = self
            .web_identity_token(profile, options, events, CachedIdToken::Reuse)
            .await?;
        let built = match building {
            // A failed build task (it cannot panic short of a bug) only means building again.
            Some(task) => task.await.ok(),
            None => None,
        };
        let sts = match built {
            Some(sts) => sts,
            None => self.sts_client(profile)?,
        };
        match self
            .assume_with_web_identity(profile, &sts, &identity, events)
            .await
        {
            Ok(entry) => Ok((identity, entry)),
            // Once only: a token STS finds expired right after renewal will not do better a
            // third time, and each renewal may mean a browser login. A token file is the
            // workload's to renew, not runas's.
            Err(error)
                if profile.kind == ProfileKind::WebIdentity
                    && error.is_expired_identity_token() =>
            {
                tracing::info!(profile = %profile.name, "STS found the ID token expired; renewing it once");
                let renewed = self
                    .web_identity_token(profile, options, events, CachedIdToken::Renew)
                    .await?;
                let entry = self
                    .assume_with_web_identity(profile, &sts, &renewed, events)
                    .await
                    .map_err(SessionError::after_renewal)?;
                Ok((renewed, entry))
            }
            Err(other) => Err(other),
        }
    }

    pub(super) async fn assume_with_web_identity(
        &self,
        profile: &Profile,
        sts: &StsClient,
        identity: &IdentityToken,
        events: &UnboundedSender<SessionEvent>,
    ) -> Result<CredentialEntry, SessionError> {
        let role_arn = self.role_arn(profile)?;
        let session_name = match &profile.role_session_name {
            Some(name) => naming::sanitize(name),
            None => identity.session_name(),
        };
        let sts_error = |role: &str| {
            let name = profile.name.clone();
            let role = role.to_owned();
            move |source: StsError| SessionError::Sts {
                name,
                role_arn: role,
                source,
            }
        };
        let assumed = match profile.jump_role_arn.as_deref() {
            Some(jump) => {
                self.event(
                    events,
                    &profile.name,
                    Stage::AssumingRole {
                        role_arn: jump.to_owned(),
                    },
                );
                let jumped = sts
                    .assume_role_with_web_identity(jump, &session_name, &identity.token, None)
                    .await
                    .map_err(sts_error(jump))?;
                self.event(
                    events,
                    &profile.name,
                    Stage::AssumingRole {
                        role_arn: role_arn.to_owned(),
                    },
                );
                sts.assume_role(
                    role_arn,
                    &session_name,
                    &jumped.credentials,
                    profile.duration,
                    profile.external_id.as_deref(),
                )
                .await
                .map_err(sts_error(role_arn))?
            }
            None => {
                self.event(
                    events,
                    &profile.name,
                    Stage::AssumingRole {
                        role_arn: role_arn.to_owned(),
                    },
                );
                sts.assume_role_with_web_identity(
                    role_arn,
                    &session_name,
                    &identity.token,
                    profile.duration,
                )
                .await
                .map_err(sts_error(role_arn))?
            }
        };
        Ok(self.entry(profile, role_arn, session_name, assumed))
    }

    pub(super) async fn assume_from_source(
        &self,
        profile: &Profile,
        source: &CredentialEntry,
        events: &UnboundedSender<SessionEvent>,
    ) -> Result<CredentialEntry, SessionError> {
        let role_arn = self.role_arn(profile)?;
        let session_name = match (&profile.role_session_name, &source.session_name) {
            (Some(name), _) | (None, Some(name)) => naming::sanitize(name),
            (None, None) => naming::sanitize(&format!("runas-{}", profile.name)),
        };
        let sts = self.sts_client(profile)?;
        self.event(
            events,
            &profile.name,
            Stage::AssumingRole {
                role_arn: role_arn.to_owned(),
            },
        );
        let assumed = sts
            .assume_role(
                role_arn,
                &session_name,
                &source.credentials,
                profile.duration,
                profile.external_id.as_deref(),
            )
            .await
            .map_err(|source| SessionError::Sts {
                name: profile.name.clone(),
                role_arn: role_arn.to_owned(),
                source,
            })?;
        Ok(self.entry(profile, role_arn, session_name, assumed))
    }

    fn role_arn<'p>(&self, profile: &'p Profile) -> Result<&'p str, SessionError> {
        profile
            .role_arn
            .as_deref()
            .ok_or_else(|| SessionError::Unsupported {
                name: profile.name.clone(),
                reason: "has no role_arn to assume".to_owned(),
            })
    }

    fn entry(
        &self,
        profile: &Profile,
        role_arn: &str,
        session_name: String,
        assumed: AssumedRole,
    ) -> CredentialEntry {
        CredentialEntry {
            profile: profile.name.clone(),
            credentials: assumed.credentials,
            obtained_at: self.now(),
            role_arn: Some(role_arn.to_owned()),
            assumed_role_arn: Some(assumed.assumed_role_arn),
            session_name: Some(session_name),
            identity_enhanced: false,
            definition: None,
        }
    }

    /// The profile's region, else `AWS_REGION` / `AWS_DEFAULT_REGION`, else us-east-1.
    pub fn region(&self, profile: &Profile) -> String {
        profile
            .region
            .clone()
            .or_else(|| (self.env)("AWS_REGION"))
            .or_else(|| (self.env)("AWS_DEFAULT_REGION"))
            .filter(|region| !region.is_empty())
            .unwrap_or_else(|| FALLBACK_REGION.to_owned())
    }

    pub(super) fn sts_client(&self, profile: &Profile) -> Result<StsClient, SessionError> {
        Ok(StsClient::new(&self.sts_settings(profile)?))
    }

    fn sts_settings(&self, profile: &Profile) -> Result<StsSettings, SessionError> {
        let (region, endpoint) = self.sts_endpoint(profile)?;
        Ok(StsSettings::new(region, endpoint.url))
    }
}
