//! IAM Identity Center profiles (`sso_session` or legacy `sso_start_url`, with `sso_account_id`
//! and `sso_role_name`): an access token from the AWS CLI's cache (`~/.aws/sso/cache`, shared
//! with `aws sso login`), else renewed with its refresh token, else a device login; then the
//! portal's `GetRoleCredentials`. Tokens this module obtains are written back to the AWS CLI's
//! cache, so the AWS CLI and SDKs use the same login. One login per sso-session at a time,
//! across processes, through a cache lock.

use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use tokio::sync::mpsc::UnboundedSender;

pub mod address;
pub mod discovery;
mod login;

use super::{Session, SessionError, SessionEvent, SessionOptions, Stage};
use crate::aws::sso_device::SsoError;
use crate::cache::aws_sso_cache::{AwsSsoCache, RegistrationKey, TokenKey};
use crate::cache::store::CredentialEntry;
use crate::config::Profile;
use crate::creds::Secret;

/// A cached access token is used as it is while it has this long left; closer to its end it is
/// refreshed (or a new login started) so the portal call cannot race its expiry.
const MIN_TOKEN_LIFETIME: Duration = Duration::minutes(5);
/// A cached client registration is reused while it has this long left.
const MIN_REGISTRATION_LIFETIME: Duration = Duration::minutes(15);
/// The service refusals that mean "this refresh token or registration is spent": a new login
/// follows. Anything else (the service unreachable, throttling) would fail a login too.
const SPENT: [&str; 5] = [
    "InvalidGrantException",
    "ExpiredTokenException",
    "InvalidClientException",
    "UnauthorizedClientException",
    "AccessDeniedException",
];

/// Everything an sso profile resolves to, checked once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SsoTarget {
    /// `None` for legacy profiles (`sso_start_url` without `sso_session`).
    pub session_name: Option<String>,
    pub start_url: String,
    pub region: String,
    pub account_id: String,
    pub role_name: String,
    /// `sso_registration_scopes`, split on commas; `None` when the session has no such key.
    pub configured_scopes: Option<Vec<String>>,
}

impl SsoTarget {
    fn token_key(&self) -> TokenKey<'_> {
        match &self.session_name {
            Some(name) => TokenKey::Session(name),
            None => TokenKey::StartUrl(&self.start_url),
        }
    }

    fn registration_key(&self) -> RegistrationKey {
        RegistrationKey {
            start_url: self.start_url.clone(),
            region: self.region.clone(),
            scopes: self.configured_scopes.clone(),
            session_name: self.session_name.clone(),
        }
    }

    fn role_arn(&self) -> String {
        format!("arn:aws:iam::{}:role/{}", self.account_id, self.role_name)
    }

    /// The name one login is shared under (and locked by).
    fn login_name(&self) -> &str {
        self.session_name.as_deref().unwrap_or(&self.start_url)
    }
}

/// What `status` shows of a cached IAM Identity Center token (never the token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoTokenStatus {
    pub expires_at: DateTime<Utc>,
    pub refresh_token: bool,
    pub path: PathBuf,
}

/// Where an access token came from: a cached one may have been revoked since.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenSource {
    Cached,
    Fresh,
}

impl Session {
    pub(super) async fn sso_credentials(
        &self,
        profile: &Profile,
        options: &SessionOptions,
        events: &UnboundedSender<SessionEvent>,
    ) -> Result<CredentialEntry, SessionError> {
        let target = self.sso_target(profile)?;
        let name = &profile.name;
        let (token, source) = self.sso_token(profile, &target, options, events).await?;
        let portal = self.portal_client(profile, &target)?;
        self.event(
            events,
            name,
            Stage::AssumingRole {
                role_arn: target.role_arn(),
            },
        );
        let answer = portal
            .get_role_credentials(&token, &target.account_id, &target.role_name)
            .await;
        let credentials = match answer {
            // A cached token the portal no longer accepts (signed out elsewhere, revoked):
            // one new login, then the same call again.
            Err(error)
                if source == TokenSource::Cached
                    && error.code() == Some("UnauthorizedException")
                    && options.interactive =>
            {
                tracing::info!(profile = %name, "the cached IAM Identity Center token was refused; logging in again");
                let relogin = SessionOptions {
                    force_login: true,
                    ..options.clone()
                };
                let (token, _) = self.sso_token(profile, &target, &relogin, events).await?;
                portal
                    .get_role_credentials(&token, &target.account_id, &target.role_name)
                    .await
            }
            other => other,
        }
        .map_err(|source| sso_error(name, &target, source))?;
        Ok(CredentialEntry {
            profile: name.clone(),
            credentials,
            obtained_at: self.now(),
            role_arn: Some(target.role_arn()),
            // The portal does not say which session name it gave the role session.
            assumed_role_arn: None,
            session_name: None,
            identity_enhanced: false,
            definition: None,
        })
    }

    /// The sso profile's settings, or why it cannot log in.
    pub(super) fn sso_target(&self, profile: &Profile) -> Result<SsoTarget, SessionError> {
        let missing = |key: &str| SessionError::Unsupported {
            name: profile.name.clone(),
            reason: format!("IAM Identity Center profile without {key}"),
        };
        let sso = profile.sso.as_ref().ok_or_else(|| missing("sso_session"))?;
        let session = sso
            .session
            .as_deref()
            .and_then(|session| self.config.sso_session(session));
        let configured_scopes = session
            .and_then(|session| session.registration_scopes.as_deref())
            .map(parse_scopes);
        Ok(SsoTarget {
            session_name: sso.session.clone(),
            start_url: sso
                .start_url
                .clone()
                .ok_or_else(|| missing("sso_start_url"))?,
            region: sso.region.clone().ok_or_else(|| missing("sso_region"))?,
            account_id: sso
                .account_id
                .clone()
                .ok_or_else(|| missing("sso_account_id"))?,
            role_name: sso
                .role_name
                .clone()
                .ok_or_else(|| missing("sso_role_name"))?,
            configured_scopes,
        })
    }

    /// The AWS CLI's SSO cache of this user: `$HOME/.aws/sso/cache`.
    pub fn aws_sso_cache(&self) -> Option<AwsSsoCache> {
        let home = (self.env)("HOME")
            .filter(|home| !home.is_empty())
            .map(PathBuf::from)
            .or_else(|| directories::BaseDirs::new().map(|dirs| dirs.home_dir().to_path_buf()))?;
        Some(AwsSsoCache::under_home(&home))
    }

    /// The cached IAM Identity Center token of an sso profile, without any network.
    pub fn cached_sso_token(&self, profile: &Profile) -> Option<SsoTokenStatus> {
        // Most profiles have no sso keys: asking `sso_target` would build an error to drop.
        profile.sso.as_ref()?;
        let target = self.sso_target(profile).ok()?;
        let cache = self.aws_sso_cache()?;
        let token = cache.token(target.token_key()).ok().flatten()?;
        Some(SsoTokenStatus {
            expires_at: token.expires_at,
            refresh_token: token.refresh_token.is_some(),
            path: cache.token_path(target.token_key()),
        })
    }

    /// Removes the shared IAM Identity Center token of an sso profile's session (the AWS CLI's
    /// login too); `false` when there was none.
    pub fn forget_sso_token(&self, name: &str) -> Result<bool, SessionError> {
        let profile = self.profile(name)?;
        let target = self.sso_target(profile)?;
        let Some(cache) = self.aws_sso_cache() else {
            return Ok(false);
        };
        cache
            .remove_token(target.token_key())
            .map_err(|source| SessionError::Cache {
                name: name.to_owned(),
                source,
            })
    }

    async fn sso_token(
        &self,
        profile: &Profile,
        target: &SsoTarget,
        options: &SessionOptions,
        events: &UnboundedSender<SessionEvent>,
    ) -> Result<(Secret, TokenSource), SessionError> {
        let name = &profile.name;
        let _lock = self
            .lock_or_warn(name, &format!("sso:{}", target.login_name()), events)
            .await?;
        let cache = self.aws_sso_cache();
        let cached = match &cache {
            Some(cache) if !options.force_login => {
                cache.token(target.token_key()).unwrap_or_else(|source| {
                    self.cache_unavailable(events, name, &source);
                    None
                })
            }
            _ => None,
        };
        if let Some(cached) = cached {
            if cached.expires_at - self.now() > MIN_TOKEN_LIFETIME {
                return Ok((cached.access_token, TokenSource::Cached));
            }
            if let Some(token) = self
                .refresh_sso_token(profile, target, &cached, events)
                .await?
            {
                return Ok((token, TokenSource::Fresh));
            }
        }
        if !options.interactive {
            return Err(SessionError::LoginRequired { name: name.clone() });
        }
        let token = self
            .sso_device_login(profile, target, options, events)
            .await?;
        Ok((token, TokenSource::Fresh))
    }
}

/// `sso_registration_scopes` as the AWS CLI reads it: comma-separated, trimmed, empties dropped.
fn parse_scopes(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|scope| !scope.is_empty())
        .map(str::to_owned)
        .collect()
}

fn sso_error(name: &str, target: &SsoTarget, source: SsoError) -> SessionError {
    SessionError::Sso {
        name: name.to_owned(),
        hint: source.advice(&target.account_id, &target.role_name),
        source: Box::new(source),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_split_like_the_aws_cli_splits_them() {
        assert_eq!(
            parse_scopes(" sso:account:access, codewhisperer:completions ,,"),
            vec!["sso:account:access", "codewhisperer:completions"]
        );
    }

    #[test]
    fn a_target_names_its_role_and_files() {
        let target = SsoTarget {
            session_name: None,
            start_url: "https://d-1.awsapps.com/start".into(),
            region: "eu-west-1".into(),
            account_id: "111122223333".into(),
            role_name: "ReadOnly".into(),
            configured_scopes: None,
        };
        assert_eq!(target.role_arn(), "arn:aws:iam::111122223333:role/ReadOnly");
        assert_eq!(
            target.token_key(),
            TokenKey::StartUrl("https://d-1.awsapps.com/start")
        );
        assert_eq!(target.login_name(), "https://d-1.awsapps.com/start");
    }
}
