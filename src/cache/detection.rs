//! The detection cache: `detect.json` in the cache directory, mapping an auth URL to the last
//! [`Detection`] for it and when it was made, so a probe (up to a few seconds against an
//! unreachable IdP) runs at most once a day per URL.
//!
//! A corrupt file, a file written by a future format, or an entry that no longer parses is
//! treated as absent and replaced on the next save: losing this cache only costs a probe.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeDelta, Utc};
use openidconnect::url::Url;
use serde::{Deserialize, Serialize};

use super::{CacheError, fs};
use crate::config::{ProviderKind, WebIdentity};
use crate::idp::{self, Detection, without_secrets};

pub const FILE_NAME: &str = "detect.json";
/// Bumped when the layout changes; other versions are ignored, not misread.
const FORMAT_VERSION: u32 = 1;
/// IdPs are rarely replaced, but a day bounds how long a wrong guess sticks.
pub const MAX_AGE: TimeDelta = TimeDelta::hours(24);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    detection: Detection,
    checked_at: DateTime<Utc>,
}

#[derive(Serialize)]
struct FileOut<'a> {
    version: u32,
    entries: &'a BTreeMap<String, Entry>,
}

/// Read leniently: entries stay raw JSON so one bad entry costs only itself.
#[derive(Deserialize)]
struct FileIn {
    version: u32,
    #[serde(default)]
    entries: BTreeMap<String, serde_json::Value>,
}

/// What is known about a profile's identity provider without any request: the config key or
/// hostname rule, else a cached probe; the issuer a cached discovery confirmed. Shared by
/// `runas list` and the TUI so both show the same provider.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnownProvider {
    pub provider: Option<ProviderKind>,
    /// How the provider was decided: the config key, the hostname rule, or a cached probe.
    pub provider_source: Option<String>,
    pub issuer: Option<String>,
}

impl KnownProvider {
    pub fn of(web: &WebIdentity, cache: Option<&DetectionCache>, now: DateTime<Utc>) -> Self {
        let mut known = KnownProvider::default();
        if let Some((kind, method)) = idp::detect_offline(&web.auth_url, web.provider) {
            known.provider = Some(kind);
            known.provider_source = Some(method.to_string());
            known.issuer = Some(idp::issuer_text(&idp::normalize_issuer(
                kind,
                &web.auth_url,
            )));
        }
        let cached = cache.and_then(|cache| cache.get(&web.auth_url, now));
        if let Some(detection) = cached {
            // A cached probe knows the provider; a cached discovery knows the real issuer. A
            // cached answer that contradicts the config or the hostname rule is not shown.
            if known.provider.is_none() || known.provider == Some(detection.provider) {
                if known.provider.is_none() {
                    known.provider = Some(detection.provider);
                    known.provider_source = Some(format!("{} (cached)", detection.method));
                }
                known.issuer = Some(detection.issuer_exact.clone());
            }
        }
        known
    }
}

#[derive(Debug)]
pub struct DetectionCache {
    path: PathBuf,
    entries: BTreeMap<String, Entry>,
}

impl DetectionCache {
    /// Loads `dir/detect.json`. A missing, corrupt or foreign file gives an empty cache; only
    /// an unreadable one (permissions, I/O) is an error.
    pub fn load(dir: &Path) -> Result<Self, CacheError> {
        let path = dir.join(FILE_NAME);
        let entries = match fs::read_if_present(&path)? {
            Some(bytes) => parse_entries(&bytes),
            None => BTreeMap::new(),
        };
        Ok(DetectionCache { path, entries })
    }

    /// The cached detection for `auth_url`, unless older than [`MAX_AGE`] at `now` (or dated
    /// in the future, which only a wrong clock produces).
    pub fn get(&self, auth_url: &Url, now: DateTime<Utc>) -> Option<&Detection> {
        self.entries
            .get(&key(auth_url))
            .filter(|entry| is_fresh(entry.checked_at, now))
            .map(|entry| &entry.detection)
    }

    /// Records `detection` for `auth_url` as checked at `now`, and forgets stale entries so the
    /// file does not grow without bound.
    pub fn put(&mut self, auth_url: &Url, detection: Detection, now: DateTime<Utc>) {
        self.entries
            .retain(|_, entry| is_fresh(entry.checked_at, now));
        self.entries.insert(
            key(auth_url),
            Entry {
                detection,
                checked_at: now,
            },
        );
    }

    /// Writes the cache atomically, creating the directory (0700) if needed.
    pub fn save(&self) -> Result<(), CacheError> {
        if let Some(dir) = self.path.parent() {
            fs::ensure_dir(dir)?;
        }
        let file = FileOut {
            version: FORMAT_VERSION,
            entries: &self.entries,
        };
        let bytes = serde_json::to_vec_pretty(&file).map_err(|error| CacheError::Encode {
            path: self.path.clone(),
            message: error.to_string(),
        })?;
        fs::write_atomic(&self.path, &bytes)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Keys never hold a credential (the aws-runas OneLogin `token`), since the file is plain JSON
/// and the key is also what an inspecting person sees.
fn key(auth_url: &Url) -> String {
    without_secrets(auth_url).to_string()
}

fn is_fresh(checked_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    checked_at <= now && now - checked_at < MAX_AGE
}

fn parse_entries(bytes: &[u8]) -> BTreeMap<String, Entry> {
    match serde_json::from_slice::<FileIn>(bytes) {
        Ok(file) if file.version == FORMAT_VERSION => file
            .entries
            .into_iter()
            .filter_map(|(url, raw)| Some((url, serde_json::from_value(raw).ok()?)))
            .collect(),
        _ => BTreeMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ProviderKind;
    use crate::idp::{DetectionMethod, IssuerSource, ProbeEvidence};

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    fn keycloak() -> Detection {
        Detection {
            provider: ProviderKind::Keycloak,
            issuer: url("https://sso.example.org/realms/dev"),
            issuer_exact: "https://sso.example.org/realms/dev".to_string(),
            method: DetectionMethod::Probe(ProbeEvidence::KeycloakCookie),
            issuer_source: IssuerSource::Discovery {
                corrected_from: None,
            },
        }
    }

    #[test]
    fn a_saved_detection_loads_back() {
        let dir = tempfile::tempdir().unwrap();
        let auth_url = url("https://sso.example.org/realms/dev/protocol/openid-connect/auth");
        let mut cache = DetectionCache::load(dir.path()).unwrap();
        assert!(cache.is_empty());
        cache.put(&auth_url, keycloak(), at(0));
        cache.save().unwrap();

        let loaded = DetectionCache::load(dir.path()).unwrap();
        assert_eq!(loaded.get(&auth_url, at(60)), Some(&keycloak()));
        assert_eq!(loaded.get(&url("https://other.example.org/"), at(60)), None);
        assert_eq!(loaded.path(), dir.path().join(FILE_NAME));
    }

    #[test]
    fn entries_go_stale_after_a_day() {
        let dir = tempfile::tempdir().unwrap();
        let auth_url = url("https://sso.example.org/realms/dev");
        let mut cache = DetectionCache::load(dir.path()).unwrap();
        cache.put(&auth_url, keycloak(), at(0));
        let day = MAX_AGE.num_seconds();
        assert!(cache.get(&auth_url, at(day - 1)).is_some());
        assert!(cache.get(&auth_url, at(day)).is_none());
        assert!(
            cache.get(&auth_url, at(-1)).is_none(),
            "dated in the future"
        );
    }

    #[test]
    fn put_forgets_stale_entries() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = DetectionCache::load(dir.path()).unwrap();
        cache.put(&url("https://a.example.org/"), keycloak(), at(0));
        cache.put(
            &url("https://b.example.org/"),
            keycloak(),
            at(MAX_AGE.num_seconds()),
        );
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn corrupt_and_foreign_files_are_treated_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        for content in [
            &b"{not json"[..],
            br#"["a list"]"#,
            br#"{"version": 2, "entries": {}}"#,
            b"",
        ] {
            std::fs::write(&path, content).unwrap();
            let cache = DetectionCache::load(dir.path()).unwrap();
            assert!(cache.is_empty(), "{}", String::from_utf8_lossy(content));
        }
    }

    #[test]
    fn a_bad_entry_costs_only_itself() {
        let dir = tempfile::tempdir().unwrap();
        let auth_url = url("https://sso.example.org/realms/dev");
        let mut cache = DetectionCache::load(dir.path()).unwrap();
        cache.put(&auth_url, keycloak(), at(0));
        cache.save().unwrap();
        let path = dir.path().join(FILE_NAME);
        let mut json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        json["entries"]["https://broken.example.org/"] = serde_json::json!({"detection": 7});
        std::fs::write(&path, serde_json::to_vec(&json).unwrap()).unwrap();

        let loaded = DetectionCache::load(dir.path()).unwrap();
        assert_eq!(loaded.len(), 1);
        assert!(loaded.get(&auth_url, at(1)).is_some());
    }

    #[test]
    fn the_onelogin_token_never_reaches_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let with_token = url("https://idp.example.org/oidc/2?token=c2VjcmV0");
        let mut cache = DetectionCache::load(dir.path()).unwrap();
        cache.put(&with_token, keycloak(), at(0));
        cache.save().unwrap();
        let text = std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap();
        assert!(!text.contains("c2VjcmV0"), "{text}");
        let loaded = DetectionCache::load(dir.path()).unwrap();
        assert!(loaded.get(&with_token, at(1)).is_some());
    }

    #[cfg(unix)]
    #[test]
    fn save_creates_a_private_directory_and_file() {
        use std::os::unix::fs::PermissionsExt;

        let base = tempfile::tempdir().unwrap();
        let dir = base.path().join("runas");
        let mut cache = DetectionCache::load(&dir).unwrap();
        cache.put(&url("https://a.example.org/"), keycloak(), at(0));
        cache.save().unwrap();
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join(FILE_NAME)), 0o600);
    }
}
