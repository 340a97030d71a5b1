//! File primitives for everything runas caches: a private directory, atomic private writes,
//! and reads that treat "absent" as a normal answer. Secrets pass through these bytes, so
//! files are created 0600 from the start (never chmod-ed after the fact) and a symlink
//! planted at a target path is replaced, never followed.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::CacheError;

/// Creates `dir` (and its parents) with mode 0700 on unix, and tightens an existing directory
/// that is readable or writable by group or others.
pub fn ensure_dir(dir: &Path) -> Result<(), CacheError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|error| CacheError::io("create", dir, error))?;
    tighten_dir(dir)
}

#[cfg(unix)]
fn tighten_dir(dir: &Path) -> Result<(), CacheError> {
    use std::os::unix::fs::PermissionsExt;

    let metadata = fs::metadata(dir).map_err(|error| CacheError::io("inspect", dir, error))?;
    if metadata.permissions().mode() & 0o077 != 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(|error| CacheError::io("set permissions on", dir, error))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn tighten_dir(_dir: &Path) -> Result<(), CacheError> {
    // Windows ACLs of the user's local app-data directory are already per-user.
    Ok(())
}

/// `path` decoded as JSON, for a cache the caller can rebuild: absent reads as `None`, and so
/// does a file that cannot be read or decoded, logged as `what`.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> Option<T> {
    let bytes = match read_if_present(path) {
        Ok(bytes) => bytes?,
        Err(err) => {
            tracing::warn!("{what} not read: {err}");
            return None;
        }
    };
    serde_json::from_slice(&bytes)
        .map_err(|err| tracing::warn!(path = %path.display(), "corrupt {what} ignored: {err}"))
        .ok()
}

/// `value` as JSON at `path` in `dir`, written as [`write_atomic`] writes, `dir` made as
/// [`ensure_dir`] makes it: the one way runas's own cache files are put.
pub fn write_json(
    dir: &Path,
    path: &Path,
    value: &impl serde::Serialize,
) -> Result<(), CacheError> {
    let bytes = serde_json::to_vec(value).map_err(|err| CacheError::Encode {
        path: path.to_path_buf(),
        message: err.to_string(),
    })?;
    ensure_dir(dir)?;
    write_atomic(path, &bytes)
}

/// Replaces `path` with `bytes` atomically: readers see the old file or the new one, never a
/// torn one. The data goes to a new 0600 temp file in the same directory (same filesystem, so
/// the rename is atomic), is synced, then renamed over `path`. A symlink at `path` is replaced
/// by the file, so a planted link cannot redirect the write.
///
/// The directory is not synced after the rename: a crash before the filesystem commits it
/// (seconds) leaves the previous entry or none, never a torn one, and every file written here
/// is a cache runas rebuilds (a new exchange or login). The directory fsync was one of the two
/// fsyncs per file on a cold login's critical path (docs/ARCHITECTURE.md "Invariants").
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CacheError> {
    let (temp_path, mut temp_file) = create_temp_beside(path)?;
    let written = temp_file
        .write_all(bytes)
        .and_then(|()| temp_file.sync_all())
        .map_err(|error| CacheError::io("write", &temp_path, error))
        .and_then(|()| {
            drop(temp_file);
            fs::rename(&temp_path, path).map_err(|error| CacheError::io("replace", path, error))
        });
    if written.is_err() {
        // Best effort: the write already failed, and a leftover temp file is only clutter.
        let _ = fs::remove_file(&temp_path);
    }
    written
}

/// Names temp files uniquely per process and call, so concurrent writers never share one.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

fn create_temp_beside(path: &Path) -> Result<(PathBuf, File), CacheError> {
    let dir = parent_dir(path);
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut attempts = 0;
    loop {
        let counter = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp_path = dir.join(format!(".{file_name}.{}.{counter}.tmp", std::process::id()));
        let mut options = OpenOptions::new();
        // `create_new` refuses an existing path, a symlink included, so nothing planted at
        // the temp name can be followed either.
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&temp_path) {
            Ok(file) => return Ok((temp_path, file)),
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists && attempts < 16 => {
                // A stale temp file from a crashed process that had the same pid.
                attempts += 1;
            }
            Err(error) => return Err(CacheError::io("create", temp_path, error)),
        }
    }
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// The file's bytes, or `None` when it does not exist.
pub fn read_if_present(path: &Path) -> Result<Option<Vec<u8>>, CacheError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(CacheError::io("read", path, error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_then_read_round_trips_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        assert_eq!(read_if_present(&path).unwrap(), None);
        write_atomic(&path, b"first").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(
            read_if_present(&path).unwrap().as_deref(),
            Some(&b"second"[..])
        );
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("tokens.json")]);
    }

    #[test]
    fn write_into_a_missing_directory_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("x.json");
        let message = write_atomic(&path, b"x").unwrap_err().to_string();
        assert!(message.starts_with("cannot create "), "{message}");
        assert!(message.contains("missing"), "{message}");
        assert!(message.ends_with("no such file or directory"), "{message}");
    }

    #[cfg(unix)]
    mod unix {
        use std::os::unix::fs::{PermissionsExt, symlink};

        use super::*;

        fn mode(path: &Path) -> u32 {
            fs::symlink_metadata(path).unwrap().permissions().mode() & 0o777
        }

        #[test]
        fn files_are_0600() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("creds.json");
            write_atomic(&path, b"secret").unwrap();
            assert_eq!(mode(&path), 0o600);
        }

        #[test]
        fn new_directories_are_0700() {
            let dir = tempfile::tempdir().unwrap();
            let cache = dir.path().join("a").join("runas");
            ensure_dir(&cache).unwrap();
            assert_eq!(mode(&cache), 0o700);
            ensure_dir(&cache).unwrap();
            assert_eq!(mode(&cache), 0o700);
        }

        #[test]
        fn a_wide_existing_directory_is_tightened() {
            let dir = tempfile::tempdir().unwrap();
            let cache = dir.path().join("runas");
            fs::create_dir(&cache).unwrap();
            fs::set_permissions(&cache, fs::Permissions::from_mode(0o755)).unwrap();
            ensure_dir(&cache).unwrap();
            assert_eq!(mode(&cache), 0o700);
        }

        #[test]
        fn a_symlink_at_the_target_is_replaced_not_followed() {
            let dir = tempfile::tempdir().unwrap();
            let victim = dir.path().join("victim");
            fs::write(&victim, b"precious").unwrap();
            let path = dir.path().join("detect.json");
            symlink(&victim, &path).unwrap();

            write_atomic(&path, b"cache").unwrap();

            assert_eq!(fs::read(&victim).unwrap(), b"precious");
            let metadata = fs::symlink_metadata(&path).unwrap();
            assert!(metadata.file_type().is_file(), "{metadata:?}");
            assert_eq!(fs::read(&path).unwrap(), b"cache");
            assert_eq!(mode(&path), 0o600);
        }
    }
}
