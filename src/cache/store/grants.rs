//! S3 Access Grants credentials on disk, one file per (profile, target, permission) under
//! `grants/`, written like every other entry (0600, atomic, versioned envelope). Fresh by the
//! same rule as role credentials; the lock name for one grant is [`GrantEntry::lock_name`], so
//! concurrent callers share one `GetDataAccess`.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{CacheError, Store, file_stem, is_fresh, remove};
use crate::config::GrantPermission;
use crate::creds::Credentials;

/// The subdirectory of the cache holding grant entries.
pub const GRANTS_DIR: &str = "grants";

/// Credentials S3 Access Grants issued for one target.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GrantEntry {
    pub profile: String,
    /// As asked, e.g. `s3://reports/team-a/`.
    pub target: String,
    pub permission: GrantPermission,
    pub credentials: Credentials,
    pub obtained_at: DateTime<Utc>,
    /// The grant scope that matched, e.g. `s3://reports/team-a/*`.
    pub matched_grant_target: Option<String>,
    pub grantee: Option<String>,
}

impl GrantEntry {
    pub fn is_fresh(&self, now: DateTime<Utc>) -> bool {
        is_fresh(self.obtained_at, self.credentials.expiration, now)
    }

    /// The advisory-lock name for fetching this grant.
    pub fn lock_name(profile: &str, target: &str, permission: GrantPermission) -> String {
        format!("grant:{}", grant_key(profile, target, permission))
    }
}

fn grant_key(profile: &str, target: &str, permission: GrantPermission) -> String {
    format!("grant:{profile}\u{0}{target}\u{0}{permission}")
}

impl Store {
    pub fn grant(
        &self,
        profile: &str,
        target: &str,
        permission: GrantPermission,
    ) -> Result<Option<GrantEntry>, CacheError> {
        self.read(
            &self.grant_path(profile, target, permission),
            &grant_key(profile, target, permission),
        )
    }

    pub fn put_grant(&self, entry: &GrantEntry) -> Result<(), CacheError> {
        let key = grant_key(&entry.profile, &entry.target, entry.permission);
        self.write(
            &self.grant_path(&entry.profile, &entry.target, entry.permission),
            &key,
            entry,
        )
    }

    pub fn remove_grant(
        &self,
        profile: &str,
        target: &str,
        permission: GrantPermission,
    ) -> Result<bool, CacheError> {
        remove(&self.grant_path(profile, target, permission))
    }

    /// Every readable grant entry, sorted by profile, target and permission.
    pub fn all_grants(&self) -> Vec<GrantEntry> {
        let mut grants: Vec<GrantEntry> = self.read_all(&self.dir.join(GRANTS_DIR));
        grants.sort_by(|a, b| {
            (&a.profile, &a.target, a.permission.as_str()).cmp(&(
                &b.profile,
                &b.target,
                b.permission.as_str(),
            ))
        });
        grants
    }

    /// The grants of one profile.
    pub fn grants_of(&self, profile: &str) -> Vec<GrantEntry> {
        let mut grants = self.all_grants();
        grants.retain(|grant| grant.profile == profile);
        grants
    }

    /// Removes the grants of `profile` (every profile's with `None`); returns how many went.
    pub fn remove_grants(&self, profile: Option<&str>) -> Result<usize, CacheError> {
        let mut removed = 0;
        for grant in self.all_grants() {
            if profile.is_none_or(|name| name == grant.profile)
                && self.remove_grant(&grant.profile, &grant.target, grant.permission)?
            {
                removed += 1;
            }
        }
        Ok(removed)
    }

    fn grant_path(&self, profile: &str, target: &str, permission: GrantPermission) -> PathBuf {
        self.dir.join(GRANTS_DIR).join(format!(
            "{}.json",
            file_stem(&grant_key(profile, target, permission))
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::creds::Secret;

    fn grant(profile: &str, target: &str, permission: GrantPermission) -> GrantEntry {
        let obtained_at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        GrantEntry {
            profile: profile.into(),
            target: target.into(),
            permission,
            credentials: Credentials {
                access_key_id: "ASIAGRANT".into(),
                secret_access_key: Secret::new("grant-secret"),
                session_token: Secret::new("grant-token"),
                expiration: obtained_at + chrono::Duration::hours(1),
            },
            obtained_at,
            matched_grant_target: Some("s3://reports/team-a/*".into()),
            grantee: None,
        }
    }

    #[test]
    fn grants_are_kept_per_profile_target_and_permission() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let read = grant("tip", "s3://reports/team-a/", GrantPermission::Read);
        let write = grant("tip", "s3://reports/team-a/", GrantPermission::Write);
        let other = grant("other", "s3://reports/team-a/", GrantPermission::Read);
        for entry in [&read, &write, &other] {
            store.put_grant(entry).unwrap();
        }
        let found = store
            .grant("tip", "s3://reports/team-a/", GrantPermission::Read)
            .unwrap();
        assert_eq!(found.as_ref(), Some(&read));
        assert_eq!(store.grants_of("tip").len(), 2);
        assert_eq!(store.all_grants().len(), 3);

        assert_eq!(store.remove_grants(Some("tip")).unwrap(), 2);
        assert_eq!(store.all_grants(), vec![other]);
        assert_eq!(store.clear().unwrap(), 1);
        assert!(store.all_grants().is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn grant_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let entry = grant("tip", "s3://reports/", GrantPermission::Read);
        store.put_grant(&entry).unwrap();
        let path = store.grant_path("tip", "s3://reports/", GrantPermission::Read);
        let mode = std::fs::metadata(path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn an_old_credentials_file_reads_as_not_identity_enhanced() {
        let json = r#"{"profile":"p","credentials":{"access_key_id":"A","secret_access_key":"s",
            "session_token":"t","expiration":"2030-01-01T00:00:00Z"},
            "obtained_at":"2029-12-31T23:00:00Z","role_arn":null,"assumed_role_arn":null,
            "session_name":null}"#;
        let entry: super::super::CredentialEntry = serde_json::from_str(json).unwrap();
        assert!(!entry.identity_enhanced);
    }
}
