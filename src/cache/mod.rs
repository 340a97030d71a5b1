//! runas's on-disk cache (docs/ARCHITECTURE.md "Cache"): where it lives ([`dir`]), the file primitives every
//! cached thing is written with ([`fs`]: 0700 directory, 0600 files, atomic replace), and the
//! caches built on them ([`detection`], [`provider_metadata`] for discovery documents and key
//! sets, and [`store`] for tokens and credentials).
//!
//! The cache owns files under its directory only; it never reads or writes the user's AWS
//! config and never talks to the network. The clock is always passed in, so freshness is
//! testable.

pub mod aws_sso_cache;
pub mod detection;
pub mod fs;
pub mod provider_metadata;
pub mod sso_discovery;
pub mod store;

use std::ffi::OsString;
use std::io;
use std::path::PathBuf;

pub use detection::DetectionCache;

/// Overrides the cache directory (tests, sandboxes, several isolated setups).
pub const CACHE_DIR_ENV: &str = "RUNAS_CACHE_DIR";

/// A cache operation that failed. Messages name the path in lowercase context, as in
/// "cannot write /x/y: permission denied".
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cannot find a cache directory (no home directory); set {CACHE_DIR_ENV}")]
    NoCacheDir,
    #[error("cannot {action} {}: {}", path.display(), describe_io(io))]
    Io {
        action: &'static str,
        path: PathBuf,
        io: io::Error,
    },
    #[error("cannot encode {}: {message}", path.display())]
    Encode { path: PathBuf, message: String },
}

impl CacheError {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, io: io::Error) -> Self {
        CacheError::Io {
            action,
            path: path.into(),
            io,
        }
    }

    /// The underlying I/O error kind, for callers that treat some kinds specially.
    pub fn io_kind(&self) -> Option<io::ErrorKind> {
        match self {
            CacheError::Io { io, .. } => Some(io.kind()),
            _ => None,
        }
    }
}

/// "Permission denied (os error 13)" → "permission denied": the os error number helps nobody
/// reading a one-line message.
fn describe_io(error: &io::Error) -> String {
    let text = error.to_string();
    let text = match text.rfind(" (os error ") {
        Some(index) if text.ends_with(')') => &text[..index],
        _ => text.as_str(),
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The cache directory: `$RUNAS_CACHE_DIR` if set and non-empty, else the platform cache
/// directory (`~/.cache/runas` on Linux, `~/Library/Caches/runas` on macOS). Not created here;
/// writers call [`fs::ensure_dir`].
pub fn dir() -> Result<PathBuf, CacheError> {
    dir_from(std::env::var_os(CACHE_DIR_ENV))
}

fn dir_from(override_dir: Option<OsString>) -> Result<PathBuf, CacheError> {
    match override_dir {
        Some(path) if !path.is_empty() => Ok(PathBuf::from(path)),
        _ => directories::ProjectDirs::from("", "", "runas")
            .map(|dirs| dirs.cache_dir().to_path_buf())
            .ok_or(CacheError::NoCacheDir),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_override_wins_when_set() {
        assert_eq!(
            dir_from(Some("/tmp/runas-cache".into())).unwrap(),
            PathBuf::from("/tmp/runas-cache")
        );
    }

    #[test]
    fn an_empty_override_is_ignored() {
        let platform = dir_from(None);
        let empty = dir_from(Some(OsString::new()));
        assert_eq!(format!("{platform:?}"), format!("{empty:?}"));
        if let Ok(path) = platform {
            assert!(path.ends_with("runas"), "{}", path.display());
        }
    }

    #[test]
    fn io_errors_read_as_lowercase_context() {
        let error = CacheError::io(
            "write",
            "/x/y",
            io::Error::from_raw_os_error(13), // EACCES on every unix
        );
        #[cfg(unix)]
        assert_eq!(error.to_string(), "cannot write /x/y: permission denied");
        assert_eq!(error.io_kind(), Some(io::ErrorKind::PermissionDenied));
    }
}
