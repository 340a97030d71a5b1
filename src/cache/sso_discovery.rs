//! What IAM Identity Center discovery found for each sso-session (accounts, their names and
//! emails, the roles in each) and when, under `sso-discovery/` in the cache directory. No
//! secret lives here; the files are 0600 like every other cache file. An entry belongs to the
//! session's start URL and region: a session pointed elsewhere reads as never discovered.
//! Entries older than [`MAX_AGE`] are stale: shown, but discovered again when asked for fresh.

use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::store::file_stem;
use super::{CacheError, fs};

const SUBDIRECTORY: &str = "sso-discovery";
/// Bumped when the layout changes; other versions are ignored, not misread.
const FORMAT_VERSION: u32 = 1;
/// Assignments change rarely; a few hours bound how long a new one goes unseen (`--refresh`
/// and the TUI's `r` renew at once).
pub const MAX_AGE: TimeDelta = TimeDelta::hours(4);

/// One account and the roles the user may take in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscoveredAccount {
    pub id: String,
    pub name: String,
    pub email: String,
    pub roles: Vec<String>,
}

/// Everything one sso-session reaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discovery {
    pub session: String,
    pub start_url: String,
    pub region: String,
    pub fetched_at: DateTime<Utc>,
    /// Sorted by account name, then id; roles sorted by name.
    pub accounts: Vec<DiscoveredAccount>,
}

impl Discovery {
    pub fn is_fresh(&self, now: DateTime<Utc>) -> bool {
        // A date in the future only comes from a wrong clock; trust it no more than an old one.
        self.fetched_at <= now && now - self.fetched_at < MAX_AGE
    }

    pub fn role_count(&self) -> usize {
        self.accounts
            .iter()
            .map(|account| account.roles.len())
            .sum()
    }
}

#[derive(Serialize, Deserialize)]
struct Envelope<T> {
    version: u32,
    key: String,
    entry: T,
}

/// The discovery files under one cache directory.
#[derive(Debug, Clone)]
pub struct DiscoveryCache {
    dir: PathBuf,
}

impl DiscoveryCache {
    pub fn new(cache_dir: &Path) -> Self {
        DiscoveryCache {
            dir: cache_dir.join(SUBDIRECTORY),
        }
    }

    /// The last discovery of `session` at this start URL and region, whatever its age;
    /// anything unreadable is logged and reads as absent.
    pub fn get(&self, session: &str, start_url: &str, region: &str) -> Option<Discovery> {
        let path = self.path(session);
        let envelope: Envelope<Discovery> = fs::read_json(&path, "sso discovery")?;
        (envelope.version == FORMAT_VERSION
            && envelope.key == key(session)
            && envelope.entry.start_url == start_url
            && envelope.entry.region == region)
            .then_some(envelope.entry)
    }

    /// Writes `entry` atomically (0600), creating the directories (0700) if needed.
    pub fn put(&self, entry: &Discovery) -> Result<(), CacheError> {
        let path = self.path(&entry.session);
        let envelope = Envelope {
            version: FORMAT_VERSION,
            key: key(&entry.session),
            entry,
        };
        fs::write_json(&self.dir, &path, &envelope)
    }

    fn path(&self, session: &str) -> PathBuf {
        self.dir.join(format!("{}.json", file_stem(&key(session))))
    }
}

fn key(session: &str) -> String {
    format!("sso-discovery:{session}")
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn discovery(fetched_at: DateTime<Utc>) -> Discovery {
        Discovery {
            session: "corp".into(),
            start_url: "https://d-1.awsapps.com/start".into(),
            region: "eu-west-1".into(),
            fetched_at,
            accounts: vec![DiscoveredAccount {
                id: "111122223333".into(),
                name: "prod".into(),
                email: "aws+prod@example.test".into(),
                roles: vec!["Admin".into(), "ReadOnly".into()],
            }],
        }
    }

    #[test]
    fn an_entry_comes_back_private_and_only_for_its_instance() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiscoveryCache::new(dir.path());
        let now = Utc::now();
        assert_eq!(
            cache.get("corp", "https://d-1.awsapps.com/start", "eu-west-1"),
            None
        );
        cache.put(&discovery(now)).unwrap();
        let back = cache
            .get("corp", "https://d-1.awsapps.com/start", "eu-west-1")
            .unwrap();
        assert_eq!(back, discovery(now));
        assert_eq!(back.role_count(), 2);
        assert_eq!(
            cache.get("corp", "https://d-2.awsapps.com/start", "eu-west-1"),
            None
        );
        assert_eq!(
            cache.get("other", "https://d-1.awsapps.com/start", "eu-west-1"),
            None
        );
        let mode = std::fs::metadata(cache.path("corp"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn freshness_ends_after_a_few_hours_and_never_starts_in_the_future() {
        let now = Utc::now();
        assert!(discovery(now - TimeDelta::hours(3)).is_fresh(now));
        assert!(!discovery(now - TimeDelta::hours(5)).is_fresh(now));
        assert!(!discovery(now + TimeDelta::hours(1)).is_fresh(now));
    }
}
