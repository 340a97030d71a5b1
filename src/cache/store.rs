//! Cached tokens and credentials (docs/ARCHITECTURE.md "Cache"). Tokens are keyed by (issuer, client id), so one
//! login serves every profile of the same IdP app; credentials are keyed by profile. Each
//! entry is one JSON file written with [`super::fs::write_atomic`] (0600, atomic), and a
//! per-key advisory lock ([`Store::lock`]) lets concurrent callers — twenty `credential_process`
//! runs, or the TUI's tasks — share one refresh. S3 Access Grants credentials are keyed by
//! (profile, target, permission) in [`grants`].
//!
//! A file that cannot be decoded, names another key, or comes from another format version is
//! treated as absent and replaced by the next write: the cache is a convenience, never a
//! reason to fail. This module knows nothing about IdPs or STS.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{CacheError, fs as cache_fs};
use crate::creds::{Credentials, Secret};

/// The format version written into every entry; other versions are ignored.
pub const FORMAT_VERSION: u32 = 1;

/// Credentials count as fresh while more than this remains (the AWS SDKs' advisory window)...
pub const FRESH_MARGIN: Duration = Duration::minutes(15);
/// ...or, for sessions shorter than this, while more than half their lifetime remains, since a
/// 900-second session would otherwise never be fresh.
pub const SHORT_SESSION: Duration = Duration::minutes(30);

/// Whether credentials obtained at `obtained_at` and expiring at `expiration` can still be
/// handed out at `now`.
pub fn is_fresh(obtained_at: DateTime<Utc>, expiration: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now < fresh_until(obtained_at, expiration)
}

/// The moment credentials obtained at `obtained_at` and expiring at `expiration` stop being
/// fresh: when a renewal ahead of expiry is due.
pub fn fresh_until(obtained_at: DateTime<Utc>, expiration: DateTime<Utc>) -> DateTime<Utc> {
    let lifetime = expiration - obtained_at;
    let margin = if lifetime < SHORT_SESSION {
        lifetime / 2
    } else {
        FRESH_MARGIN
    };
    expiration - margin
}

/// The ID token (and refresh token) of one IdP app.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TokenEntry {
    pub issuer: String,
    pub client_id: String,
    pub id_token: Secret,
    pub refresh_token: Option<Secret>,
    pub id_token_expires_at: DateTime<Utc>,
    pub subject: Option<String>,
    pub email: Option<String>,
    pub preferred_username: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl TokenEntry {
    /// An ID token STS would still accept, with `leeway` to spare for the exchange itself.
    pub fn id_token_valid(&self, now: DateTime<Utc>, leeway: Duration) -> bool {
        self.id_token_expires_at - now > leeway
    }
}

/// A profile's role credentials and what they are.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CredentialEntry {
    pub profile: String,
    pub credentials: Credentials,
    pub obtained_at: DateTime<Utc>,
    pub role_arn: Option<String>,
    pub assumed_role_arn: Option<String>,
    pub session_name: Option<String>,
    /// Obtained with the Identity Center context (trusted identity propagation): the session
    /// carries the user's identity. Absent in files written before it existed.
    #[serde(default)]
    pub identity_enhanced: bool,
    /// The fingerprint of the profile's definition these credentials were obtained for
    /// (a hash, never the keys themselves); an entry served under another definition would be
    /// the old role's. Absent in files written before it existed, which then never serve.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
}

impl CredentialEntry {
    pub fn is_fresh(&self, now: DateTime<Utc>) -> bool {
        is_fresh(self.obtained_at, self.credentials.expiration, now)
    }
}

/// The on-disk envelope: a version and the key, so a file renamed or written by another
/// format is recognised instead of misread.
#[derive(Debug, Serialize, Deserialize)]
pub struct Envelope<T> {
    pub version: u32,
    pub key: String,
    pub entry: T,
}

/// The bytes of one cache file as the store writes them. Public, with [`decode`], so the
/// fuzz target and tests reach the exact format without a file system.
pub fn encode<T: Serialize>(key: &str, entry: &T) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec_pretty(&Envelope {
        version: FORMAT_VERSION,
        key: key.to_string(),
        entry,
    })
}

/// One cache file's bytes read back. The caller decides what a version or key other than the
/// one it expects means (the store treats both as absent).
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<Envelope<T>, serde_json::Error> {
    serde_json::from_slice(bytes)
}

/// A held advisory lock; released when dropped (the OS also releases it if the process dies).
#[derive(Debug)]
pub struct StoreLock {
    _file: File,
}

/// The subdirectories of the cache holding token and credential entries.
const TOKENS_DIR: &str = "tokens";
const CREDENTIALS_DIR: &str = "credentials";

/// The token and credential cache under one directory.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

impl Store {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Store { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn tokens(&self, issuer: &str, client_id: &str) -> Result<Option<TokenEntry>, CacheError> {
        self.read(
            &self.token_path(issuer, client_id),
            &token_key(issuer, client_id),
        )
    }

    pub fn put_tokens(&self, entry: &TokenEntry) -> Result<(), CacheError> {
        let key = token_key(&entry.issuer, &entry.client_id);
        self.write(
            &self.token_path(&entry.issuer, &entry.client_id),
            &key,
            entry,
        )
    }

    pub fn remove_tokens(&self, issuer: &str, client_id: &str) -> Result<bool, CacheError> {
        remove(&self.token_path(issuer, client_id))
    }

    pub fn credentials(&self, profile: &str) -> Result<Option<CredentialEntry>, CacheError> {
        self.read(&self.credential_path(profile), &credential_key(profile))
    }

    pub fn put_credentials(&self, entry: &CredentialEntry) -> Result<(), CacheError> {
        let key = credential_key(&entry.profile);
        self.write(&self.credential_path(&entry.profile), &key, entry)
    }

    pub fn remove_credentials(&self, profile: &str) -> Result<bool, CacheError> {
        remove(&self.credential_path(profile))
    }

    /// Every readable token entry (for `status` and `logout --all`).
    pub fn all_tokens(&self) -> Vec<TokenEntry> {
        self.read_all(&self.dir.join(TOKENS_DIR))
    }

    /// Every readable credential entry.
    pub fn all_credentials(&self) -> Vec<CredentialEntry> {
        self.read_all(&self.dir.join(CREDENTIALS_DIR))
    }

    /// Removes every cached token and credential; returns how many files went.
    pub fn clear(&self) -> Result<usize, CacheError> {
        let mut removed = 0;
        for sub in [TOKENS_DIR, CREDENTIALS_DIR, GRANTS_DIR] {
            let dir = self.dir.join(sub);
            let entries = match fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
                Err(err) => return Err(CacheError::io("list", dir, err)),
            };
            for entry in entries.flatten() {
                if remove(&entry.path())? {
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }

    /// Blocks until this process holds the lock named `name` (e.g. `credentials:dev`). Call it
    /// from a blocking thread; it may wait for another process's whole login.
    pub fn lock(&self, name: &str) -> Result<StoreLock, CacheError> {
        let (path, file) = self.lock_file(name)?;
        file.lock()
            .map_err(|err| CacheError::io("lock", &path, err))?;
        Ok(StoreLock { _file: file })
    }

    /// Takes the lock named `name` if nobody holds it; `None` when it is held elsewhere.
    pub fn try_lock(&self, name: &str) -> Result<Option<StoreLock>, CacheError> {
        let (path, file) = self.lock_file(name)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(StoreLock { _file: file })),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(err)) => Err(CacheError::io("lock", &path, err)),
        }
    }

    fn lock_file(&self, name: &str) -> Result<(PathBuf, File), CacheError> {
        let dir = self.dir.join("locks");
        cache_fs::ensure_dir(&dir)?;
        let path = dir.join(format!("{}.lock", file_stem(name)));
        let mut options = OpenOptions::new();
        options.create(true).truncate(false).write(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options
            .open(&path)
            .map_err(|err| CacheError::io("open", &path, err))?;
        Ok((path, file))
    }

    fn token_path(&self, issuer: &str, client_id: &str) -> PathBuf {
        self.dir
            .join(TOKENS_DIR)
            .join(format!("{}.json", file_stem(&token_key(issuer, client_id))))
    }

    fn credential_path(&self, profile: &str) -> PathBuf {
        self.dir
            .join(CREDENTIALS_DIR)
            .join(format!("{}.json", file_stem(&credential_key(profile))))
    }

    fn read<T: DeserializeOwned>(&self, path: &Path, key: &str) -> Result<Option<T>, CacheError> {
        let Some(bytes) = cache_fs::read_if_present(path)? else {
            return Ok(None);
        };
        tighten_file(path);
        match decode::<T>(&bytes) {
            Ok(envelope) if envelope.version == FORMAT_VERSION && envelope.key == key => {
                Ok(Some(envelope.entry))
            }
            Ok(envelope) => {
                tracing::warn!(path = %path.display(), version = envelope.version, "cache entry of another version or key ignored");
                Ok(None)
            }
            Err(err) => {
                // serde_json's message names a position and the expected type, never the data.
                tracing::warn!(path = %path.display(), "corrupt cache entry ignored: {err}");
                Ok(None)
            }
        }
    }

    fn read_all<T: DeserializeOwned>(&self, dir: &Path) -> Vec<T> {
        json_files(dir)
            .filter_map(|(_, bytes)| {
                let envelope = decode::<T>(&bytes).ok()?;
                (envelope.version == FORMAT_VERSION).then_some(envelope.entry)
            })
            .collect()
    }

    fn write<T: Serialize>(&self, path: &Path, key: &str, entry: &T) -> Result<(), CacheError> {
        let bytes = encode(key, entry).map_err(|err| CacheError::Encode {
            path: path.to_path_buf(),
            message: err.to_string(),
        })?;
        if let Some(parent) = path.parent() {
            cache_fs::ensure_dir(parent)?;
        }
        cache_fs::write_atomic(path, &bytes)
    }
}

/// Each `.json` file of `dir` with its bytes; a missing directory or unreadable file gives none.
fn json_files(dir: &Path) -> impl Iterator<Item = (PathBuf, Vec<u8>)> {
    fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .filter_map(|path| {
            let bytes = fs::read(&path).ok()?;
            Some((path, bytes))
        })
}

/// The prefix of a credential key; the rest is the profile name.
const CREDENTIAL_KEY_PREFIX: &str = "credentials:";

fn token_key(issuer: &str, client_id: &str) -> String {
    format!("token:{issuer}\u{0}{client_id}")
}

fn credential_key(profile: &str) -> String {
    format!("{CREDENTIAL_KEY_PREFIX}{profile}")
}

/// A file name for any key: a readable, filesystem-safe prefix plus a stable 64-bit FNV-1a
/// hash of the whole key (stable across Rust versions, unlike `DefaultHasher`). The full key
/// is stored inside the file, so a hash collision reads as "absent", never as a wrong entry.
pub(super) fn file_stem(key: &str) -> String {
    let readable: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(48)
        .collect();
    let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("{readable}-{hash:016x}")
}

fn remove(path: &Path) -> Result<bool, CacheError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(err) => Err(CacheError::io("remove", path, err)),
    }
}

/// A cache file readable by others (copied in, restored from a backup) holds secrets: tighten
/// it to 0600 and say so, rather than refuse the entry.
fn tighten_file(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // `symlink_metadata` and the `is_file` check: a symlink planted at a cache path must not
        // get its target chmod-ed (set_permissions follows links); the next write replaces it.
        if let Ok(metadata) = fs::symlink_metadata(path)
            && metadata.is_file()
            && metadata.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(path = %path.display(), "cache file was readable by others; permissions set to 0600");
            let _ = fs::set_permissions(path, fs::Permissions::from_mode(0o600));
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

mod grants;
mod idp_behaviour;
mod snapshot;
pub use grants::{GRANTS_DIR, GrantEntry};
pub use idp_behaviour::{IDP_BEHAVIOUR_DIR, IdpBehaviour, REMEMBERED_FOR};
pub use snapshot::Snapshot;

#[cfg(test)]
mod tests;
