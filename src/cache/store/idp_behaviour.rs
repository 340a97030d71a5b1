//! What runas has learnt about one IdP app (issuer, client id) that changes how it logs in:
//! today, that its refresh answers carry no ID token, so a refresh cannot renew the session and
//! the next renewal goes straight to a login. One file per app under `idp-behaviour/`, written
//! like every other entry (0600, atomic, versioned envelope). It holds no secret, so logout
//! leaves it; it is trusted for [`REMEMBERED_FOR`] only, after which one refresh is tried again
//! in case the IdP changed.

use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{CacheError, Store, file_stem};

/// The subdirectory of the cache holding these entries.
pub const IDP_BEHAVIOUR_DIR: &str = "idp-behaviour";

/// How long an observation is trusted: long enough that a person does not pay a wasted refresh
/// a day, short enough that an IdP that starts sending ID tokens is noticed within a month.
pub const REMEMBERED_FOR: Duration = Duration::days(30);

/// One IdP app's observed departures from the usual.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IdpBehaviour {
    pub issuer: String,
    pub client_id: String,
    /// A refresh grant was answered without an ID token (OpenID Connect Core §12.2 allows it).
    pub refresh_without_id_token: bool,
    pub observed_at: DateTime<Utc>,
}

impl IdpBehaviour {
    /// Whether a refresh is known not to renew the ID token, as of `now`.
    pub fn refresh_gives_no_id_token(&self, now: DateTime<Utc>) -> bool {
        self.refresh_without_id_token && now - self.observed_at < REMEMBERED_FOR
    }
}

fn behaviour_key(issuer: &str, client_id: &str) -> String {
    format!("idp-behaviour:{issuer}\u{0}{client_id}")
}

impl Store {
    pub fn idp_behaviour(
        &self,
        issuer: &str,
        client_id: &str,
    ) -> Result<Option<IdpBehaviour>, CacheError> {
        self.read(
            &self.behaviour_path(issuer, client_id),
            &behaviour_key(issuer, client_id),
        )
    }

    pub fn put_idp_behaviour(&self, entry: &IdpBehaviour) -> Result<(), CacheError> {
        self.write(
            &self.behaviour_path(&entry.issuer, &entry.client_id),
            &behaviour_key(&entry.issuer, &entry.client_id),
            entry,
        )
    }

    fn behaviour_path(&self, issuer: &str, client_id: &str) -> PathBuf {
        self.dir.join(IDP_BEHAVIOUR_DIR).join(format!(
            "{}.json",
            file_stem(&behaviour_key(issuer, client_id))
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_observation_is_kept_per_app_and_forgotten_after_a_month() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let now = Utc::now();
        let entry = IdpBehaviour {
            issuer: "https://idp.example".into(),
            client_id: "app".into(),
            refresh_without_id_token: true,
            observed_at: now,
        };
        store.put_idp_behaviour(&entry).unwrap();
        let read = store.idp_behaviour("https://idp.example", "app").unwrap();
        assert_eq!(read.as_ref(), Some(&entry));
        assert!(read.unwrap().refresh_gives_no_id_token(now));
        assert!(!entry.refresh_gives_no_id_token(now + REMEMBERED_FOR));
        assert_eq!(
            store.idp_behaviour("https://idp.example", "other").unwrap(),
            None
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let file = std::fs::read_dir(dir.path().join(IDP_BEHAVIOUR_DIR))
                .unwrap()
                .next()
                .unwrap()
                .unwrap();
            assert_eq!(file.metadata().unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}
