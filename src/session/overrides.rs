//! `--region` and `--duration` for one run: they replace the profile's `region` and
//! `duration_seconds` in this session's copy of the config (never in the file), and decide
//! which cached session still serves. The cache keeps one role session per profile; a run
//! that asks for a duration reuses the cached session only if it was issued for at least that
//! long (a longer session serves a shorter request), else it obtains one of the asked length,
//! which then replaces the cached one.

use std::sync::Arc;
use std::time::Duration;

use super::{Session, SessionError};
use crate::cache::store::CredentialEntry;
use crate::config::ProfileKind;

/// What the command line asked to change for one profile, for this run only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunOverrides {
    pub region: Option<String>,
    pub duration: Option<Duration>,
}

/// STS may round a session's expiry; a session this much shorter than asked still counts as
/// issued for the asked length.
const ISSUED_LENGTH_SLACK: Duration = Duration::from_secs(60);

impl Session {
    /// This session with `overrides` applied to profile `name`.
    pub fn with_overrides(
        mut self,
        name: &str,
        overrides: &RunOverrides,
    ) -> Result<Self, SessionError> {
        if overrides == &RunOverrides::default() {
            return Ok(self);
        }
        let kind = self.profile(name)?.kind;
        if overrides.duration.is_some() && kind == ProfileKind::Sso {
            return Err(SessionError::Unsupported {
                name: name.to_owned(),
                reason: "IAM Identity Center sets the session length (the permission set's \
                         session duration); --duration cannot change it"
                    .to_owned(),
            });
        }
        let config = Arc::make_mut(&mut self.config);
        if let Some(profile) = config.profiles.iter_mut().find(|p| p.name == name) {
            if let Some(region) = &overrides.region {
                profile.region = Some(region.clone());
            }
            if let Some(duration) = overrides.duration {
                profile.duration = Some(duration);
            }
        }
        self.requested_duration = overrides.duration.map(|d| (name.to_owned(), d));
        self.overrides = Some((name.to_owned(), overrides.clone()));
        Ok(self)
    }

    /// Whether a cached entry was issued for at least the duration this run asked for.
    pub(super) fn lives_long_enough(&self, name: &str, entry: &CredentialEntry) -> bool {
        let Some((profile, wanted)) = &self.requested_duration else {
            return true;
        };
        if profile != name {
            return true;
        }
        let issued_for = (entry.credentials.expiration - entry.obtained_at)
            .to_std()
            .unwrap_or_default();
        issued_for + ISSUED_LENGTH_SLACK >= *wanted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::store::Store;
    use crate::creds::{Credentials, Secret};

    fn session(dir: &std::path::Path) -> Session {
        let config = crate::config::parse(
            std::path::Path::new("config"),
            "[profile web]\nweb_identity_auth_url = https://idp.example\n\
             web_identity_client_id = c\nrole_arn = arn:aws:iam::123456789012:role/r\n\
             region = eu-west-1\nduration_seconds = 3600\n",
        );
        Session::new(Arc::new(config), Store::new(dir.to_path_buf()))
    }

    fn entry(issued_for_minutes: i64) -> CredentialEntry {
        let now = chrono::Utc::now();
        CredentialEntry {
            profile: "web".into(),
            credentials: Credentials {
                access_key_id: "ASIA".into(),
                secret_access_key: Secret::new("s"),
                session_token: Secret::new("t"),
                expiration: now + chrono::Duration::minutes(issued_for_minutes),
            },
            obtained_at: now,
            role_arn: None,
            assumed_role_arn: None,
            session_name: None,
            identity_enhanced: false,
            definition: None,
        }
    }

    #[test]
    fn overrides_replace_region_and_duration_of_that_profile_only() {
        let dir = tempfile::tempdir().unwrap();
        let overridden = session(dir.path())
            .with_overrides(
                "web",
                &RunOverrides {
                    region: Some("ap-south-1".into()),
                    duration: Some(Duration::from_secs(7200)),
                },
            )
            .unwrap();
        let profile = overridden.profile("web").unwrap();
        assert_eq!(profile.region.as_deref(), Some("ap-south-1"));
        assert_eq!(profile.duration, Some(Duration::from_secs(7200)));
        assert!(
            session(dir.path())
                .with_overrides(
                    "nope",
                    &RunOverrides {
                        region: Some("x".into()),
                        duration: None
                    }
                )
                .is_err()
        );
    }

    #[test]
    fn a_longer_cached_session_serves_a_shorter_request_and_not_the_reverse() {
        let dir = tempfile::tempdir().unwrap();
        let asking = |minutes: u64| {
            session(dir.path())
                .with_overrides(
                    "web",
                    &RunOverrides {
                        region: None,
                        duration: Some(Duration::from_secs(minutes * 60)),
                    },
                )
                .unwrap()
        };
        assert!(asking(30).lives_long_enough("web", &entry(60)));
        assert!(asking(60).lives_long_enough("web", &entry(60)));
        assert!(!asking(120).lives_long_enough("web", &entry(60)));
        // Other profiles (a chain's source) keep the normal rule.
        assert!(asking(120).lives_long_enough("source", &entry(60)));
        assert!(session(dir.path()).lives_long_enough("web", &entry(15)));
    }
}
