//! Each issuer's discovery document and JWKS, kept for a day under `providers/` in the cache
//! directory so that a new runas process logs in with one token request instead of three
//! requests (docs/ARCHITECTURE.md "Trusted identity propagation"). Only public documents live here, but the files are 0600 like every
//! other cache file.
//!
//! The documents are stored as the IdP sent them (JSON values); this module does not know what
//! they mean, and whoever reads them applies the same checks as to freshly fetched ones. A
//! corrupt file, a file of another format version or one naming another issuer is absent and
//! replaced by the next write: losing it only costs two requests.

use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::store::file_stem;
use super::{CacheError, fs};

const SUBDIRECTORY: &str = "providers";
/// Bumped when the layout changes; other versions are ignored, not misread.
const FORMAT_VERSION: u32 = 1;
/// IdPs rarely move their endpoints; a day bounds how long a moved one is missed.
pub const MAX_AGE: TimeDelta = TimeDelta::hours(24);

/// One issuer's documents and when discovery fetched them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProviderMetadata {
    pub issuer: String,
    /// When the discovery document was fetched; a JWKS re-fetch keeps this date, so a document
    /// is never trusted for more than [`MAX_AGE`] by refreshing its keys.
    pub fetched_at: DateTime<Utc>,
    pub discovery: serde_json::Value,
    pub jwks: serde_json::Value,
}

#[derive(Serialize, Deserialize)]
struct Envelope<T> {
    version: u32,
    key: String,
    entry: T,
}

/// The provider metadata files under one cache directory.
#[derive(Debug, Clone)]
pub struct ProviderMetadataCache {
    dir: PathBuf,
}

impl ProviderMetadataCache {
    /// The cache under `cache_dir/providers`; nothing is created until the first write.
    pub fn new(cache_dir: &Path) -> Self {
        ProviderMetadataCache {
            dir: cache_dir.join(SUBDIRECTORY),
        }
    }

    /// The documents for `issuer` if fetched less than [`MAX_AGE`] before `now`. Anything
    /// unreadable is logged and reads as absent: the caller then simply discovers again.
    pub fn get(&self, issuer: &str, now: DateTime<Utc>) -> Option<ProviderMetadata> {
        let path = self.path(issuer);
        let envelope: Envelope<ProviderMetadata> = fs::read_json(&path, "provider metadata")?;
        if envelope.version != FORMAT_VERSION
            || envelope.key != key(issuer)
            || envelope.entry.issuer != issuer
        {
            tracing::debug!(path = %path.display(), "provider metadata of another version or issuer ignored");
            return None;
        }
        let entry = envelope.entry;
        is_fresh(entry.fetched_at, now).then_some(entry)
    }

    /// Writes `entry` atomically (0600), creating the directories (0700) if needed.
    pub fn put(&self, entry: &ProviderMetadata) -> Result<(), CacheError> {
        let path = self.path(&entry.issuer);
        let envelope = Envelope {
            version: FORMAT_VERSION,
            key: key(&entry.issuer),
            entry,
        };
        fs::write_json(&self.dir, &path, &envelope)
    }

    /// Forgets `issuer`'s documents; `true` if there were any.
    pub fn remove(&self, issuer: &str) -> Result<bool, CacheError> {
        remove_file(&self.path(issuer))
    }

    /// Forgets every issuer's documents; returns how many files went.
    pub fn clear(&self) -> Result<usize, CacheError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(err) => return Err(CacheError::io("list", &self.dir, err)),
        };
        let mut removed = 0;
        for entry in entries.flatten() {
            if remove_file(&entry.path())? {
                removed += 1;
            }
        }
        Ok(removed)
    }

    fn path(&self, issuer: &str) -> PathBuf {
        self.dir.join(format!("{}.json", file_stem(&key(issuer))))
    }
}

fn key(issuer: &str) -> String {
    format!("provider:{issuer}")
}

fn is_fresh(fetched_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    // A date in the future only comes from a wrong clock; trust it no more than an old one.
    fetched_at <= now && now - fetched_at < MAX_AGE
}

fn remove_file(path: &Path) -> Result<bool, CacheError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(err) => Err(CacheError::io("remove", path, err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISSUER: &str = "https://sso.example.org/realms/dev";

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    fn metadata(issuer: &str, fetched_at: DateTime<Utc>) -> ProviderMetadata {
        ProviderMetadata {
            issuer: issuer.to_owned(),
            fetched_at,
            discovery: serde_json::json!({"issuer": issuer, "token_endpoint": format!("{issuer}/token")}),
            jwks: serde_json::json!({"keys": [{"kty": "RSA", "kid": "k1", "n": "AQAB", "e": "AQAB"}]}),
        }
    }

    #[test]
    fn saved_documents_load_back_until_a_day_old() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ProviderMetadataCache::new(dir.path());
        assert_eq!(cache.get(ISSUER, at(0)), None);
        cache.put(&metadata(ISSUER, at(0))).unwrap();

        let reopened = ProviderMetadataCache::new(dir.path());
        let day = MAX_AGE.num_seconds();
        assert_eq!(
            reopened.get(ISSUER, at(day - 1)),
            Some(metadata(ISSUER, at(0)))
        );
        assert_eq!(reopened.get(ISSUER, at(day)), None, "a day old");
        assert_eq!(reopened.get(ISSUER, at(-1)), None, "dated in the future");
        assert_eq!(reopened.get("https://other.example.org", at(1)), None);
    }

    #[test]
    fn corrupt_foreign_and_misplaced_files_read_as_absent_and_are_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ProviderMetadataCache::new(dir.path());
        cache.put(&metadata(ISSUER, at(0))).unwrap();
        let path = cache.path(ISSUER);
        let other_issuer = {
            let mut envelope: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            envelope["entry"]["issuer"] = "https://evil.example.org".into();
            serde_json::to_vec(&envelope).unwrap()
        };
        let other_version = {
            let mut envelope: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            envelope["version"] = 2.into();
            serde_json::to_vec(&envelope).unwrap()
        };
        for content in [
            b"{not json".to_vec(),
            b"".to_vec(),
            br#"{"version": 1, "key": "provider:x", "entry": 7}"#.to_vec(),
            other_issuer,
            other_version,
        ] {
            std::fs::write(&path, &content).unwrap();
            assert_eq!(
                cache.get(ISSUER, at(1)),
                None,
                "{}",
                String::from_utf8_lossy(&content)
            );
            cache.put(&metadata(ISSUER, at(0))).unwrap();
            assert!(cache.get(ISSUER, at(1)).is_some());
        }
    }

    #[test]
    fn remove_and_clear_forget_documents() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ProviderMetadataCache::new(dir.path());
        assert_eq!(cache.clear().unwrap(), 0, "no directory yet");
        cache.put(&metadata(ISSUER, at(0))).unwrap();
        cache
            .put(&metadata("https://b.example.org", at(0)))
            .unwrap();
        assert!(cache.remove(ISSUER).unwrap());
        assert!(!cache.remove(ISSUER).unwrap());
        assert_eq!(cache.get(ISSUER, at(1)), None);
        assert_eq!(cache.clear().unwrap(), 1);
        assert_eq!(cache.get("https://b.example.org", at(1)), None);
    }

    #[cfg(unix)]
    #[test]
    fn put_creates_private_directories_and_files() {
        use std::os::unix::fs::PermissionsExt;

        let base = tempfile::tempdir().unwrap();
        let cache_dir = base.path().join("runas");
        let cache = ProviderMetadataCache::new(&cache_dir);
        cache.put(&metadata(ISSUER, at(0))).unwrap();
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&cache_dir), 0o700);
        assert_eq!(mode(&cache_dir.join(SUBDIRECTORY)), 0o700);
        assert_eq!(mode(&cache.path(ISSUER)), 0o600);
    }
}
