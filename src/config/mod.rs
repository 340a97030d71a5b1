//! The AWS config file (`$AWS_CONFIG_FILE` or `~/.aws/config`) read into typed profiles.
//! It owns the text-to-[`Profile`] step: a tolerant line pre-scan that keeps line numbers and
//! reads values (`scan`, checked against rust-ini in `read`'s tests), its keys turned into
//! entries (`read`), sections grouped and merged (`sections`),
//! the `source_profile` graph and inheritance (`inherit`), and per-profile typing and
//! validation (`profile`, `web_identity`, `values`). Every problem becomes a [`ConfigIssue`]
//! on the profile it concerns, so one broken profile never hides the others. It must not touch
//! the network, the cache or the config file's contents on disk (reading only).

/// The maps of one config read: keyed by names and URLs from the person's own files, so the
/// hash needs speed rather than resistance to crafted keys; still seeded per process (from
/// the address-space layout, as foldhash does without its `std` feature).
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub(crate) type FastSet<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;

mod brackets;
mod definition;
mod discovered;
mod example;
mod focus;
mod halves;
mod header;
pub mod identity_center;
mod inherit;
pub mod location;
mod memo;
pub mod populate;
mod profile;
pub mod provider;
mod read;
mod scan;
mod sections;
mod trim;
mod types;
mod values;
mod web_identity;

use std::path::{Path, PathBuf};

pub use discovered::discovered_name;
pub use example::{EXAMPLE_PROFILE, getting_started_text};
pub use focus::{load_profile, parse_profile};
use sections::FileKind;

pub use identity_center::{AccessGrants, GrantPermission, IdentityCenter, UnknownPermission};
pub use provider::{ProviderKind, UnknownProvider};
pub use types::{
    Config, ConfigIssue, Entry, Profile, ProfileKind, Severity, SsoProfile, SsoSession,
};
pub use values::{arn_fields, last_path_segment};
pub use web_identity::{
    Callback, ClientSecret, DEFAULT_SCOPES, Flow, TokenAuthMethod, WebIdentity,
};

/// The file cannot be read at all; anything wrong inside it is a [`ConfigIssue`] instead.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the AWS config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Nothing at the path: a person who has not written a config yet, so the message says
    /// how to start.
    #[error("there is no AWS config file at {}\n{}", path.display(), example::getting_started_text().trim_end())]
    Missing { path: PathBuf },
    #[error("cannot read the AWS config file {}: it is a directory", path.display())]
    IsDirectory { path: PathBuf },
    #[error("cannot find the home directory to locate ~/.aws/config; set AWS_CONFIG_FILE")]
    NoHome,
}

/// `$AWS_SHARED_CREDENTIALS_FILE` when set and not empty, else `<home>/.aws/credentials`;
/// `None` when there is no home directory either (then there is simply no credentials file).
pub fn default_credentials_path() -> Option<PathBuf> {
    location::current_shared_files().credentials
}

/// The config file at `config_path` with the credentials file merged in. A missing
/// credentials file is normal (most people have none); one that cannot be read becomes a
/// warning on the config, so the config's own profiles stay usable.
pub fn load_with_credentials(
    config_path: &Path,
    credentials_path: Option<&Path>,
) -> Result<Config, ConfigError> {
    let (config_text, config_bad_lines) = read_text(config_path)?;
    let Some(credentials_path) = credentials_path else {
        return Ok(parse_inner(
            config_path,
            &config_text,
            &config_bad_lines,
            None,
        ));
    };
    match read_text(credentials_path) {
        Ok((text, bad_lines)) => Ok(parse_inner(
            config_path,
            &config_text,
            &config_bad_lines,
            Some((credentials_path, &text, &bad_lines)),
        )),
        Err(error) => {
            let mut config = parse_inner(config_path, &config_text, &config_bad_lines, None);
            // No credentials file is the normal case.
            let not_found = matches!(&error, ConfigError::Missing { .. });
            if !not_found {
                config.issues.push(ConfigIssue {
                    file: credentials_path.to_path_buf(),
                    line: 0,
                    profile: None,
                    severity: Severity::Warning,
                    message: format!(
                        "{}; the profiles written only there are not available",
                        error
                            .to_string()
                            .replace("AWS config file", "AWS credentials file")
                    ),
                });
            }
            Ok(config)
        }
    }
}

/// Both texts parsed and merged; what [`load_with_credentials`] does after reading.
pub fn parse_with_credentials(
    config_path: &Path,
    config_text: &str,
    credentials_path: &Path,
    credentials_text: &str,
) -> Config {
    parse_inner(
        config_path,
        config_text,
        &[],
        Some((credentials_path, credentials_text, &[])),
    )
}

/// A duration given on the command line (`--duration`), in the spellings and range of
/// `duration_seconds`: `3600`, `1h`, `90m`, 900 to 43200 seconds.
pub fn parse_duration_flag(value: &str) -> Result<std::time::Duration, String> {
    values::parse_duration("--duration", value)
}

/// The profile names of a config file's text, in file order, from its section headers alone:
/// for shell completion, which runs at every TAB and must not pay for reading every key.
/// Names are the ones [`parse`] gives (`[default]` and `[profile default]` are `default`).
pub fn profile_names(text: &str) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    text.lines()
        .map(str::trim_start)
        .filter(|line| line.starts_with('['))
        .filter_map(|line| {
            let header = header::parse_header(line.trim_end()).ok()?.header;
            match header.prefix.as_deref() {
                None if header.name == "default" => Some(header.name),
                Some("profile") => Some(header.name),
                _ => None,
            }
        })
        .filter(|name| seen.insert(name.clone()))
        .collect()
}

/// `$AWS_CONFIG_FILE` when set and not empty, else `<home>/.aws/config`.
pub fn default_path() -> Result<PathBuf, ConfigError> {
    choose_path(
        std::env::var_os("AWS_CONFIG_FILE"),
        directories::BaseDirs::new().map(|dirs| dirs.home_dir().to_path_buf()),
    )
}

/// The decision of [`default_path`], apart from the process environment so tests can reach it.
fn choose_path(
    env_value: Option<std::ffi::OsString>,
    home: Option<PathBuf>,
) -> Result<PathBuf, ConfigError> {
    if let Some(path) = env_value.filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    let home = home.ok_or(ConfigError::NoHome)?;
    Ok(home.join(".aws").join("config"))
}

/// Reads and parses the config file alone. Fails only when it cannot be read; bytes that are
/// not UTF-8 are replaced and their lines reported.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let (text, bad_lines) = read_text(path)?;
    Ok(parse_inner(path, &text, &bad_lines, None))
}

/// The file's bytes, or why they cannot be read.
fn read_bytes(path: &Path) -> Result<Vec<u8>, ConfigError> {
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut open_file(path)?, &mut bytes).map_err(|source| {
        ConfigError::Read {
            path: path.to_path_buf(),
            source,
        }
    })?;
    Ok(bytes)
}

/// The file opened for reading, or why it cannot be.
fn open_file(path: &Path) -> Result<std::fs::File, ConfigError> {
    if path.is_dir() {
        return Err(ConfigError::IsDirectory {
            path: path.to_path_buf(),
        });
    }
    std::fs::File::open(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => ConfigError::Missing {
            path: path.to_path_buf(),
        },
        _ => ConfigError::Read {
            path: path.to_path_buf(),
            source,
        },
    })
}

/// The file's text, with the (1-based) numbers of the lines that were not UTF-8.
fn read_text(path: &Path) -> Result<(String, Vec<usize>), ConfigError> {
    match String::from_utf8(read_bytes(path)?) {
        Ok(text) => Ok((text, Vec::new())),
        Err(not_utf8) => {
            let bytes = not_utf8.into_bytes();
            let bad_lines: Vec<usize> = bytes
                .split(|&byte| byte == b'\n')
                .enumerate()
                .filter(|(_, line)| std::str::from_utf8(line).is_err())
                .map(|(index, _)| index + 1)
                .collect();
            Ok((String::from_utf8_lossy(&bytes).into_owned(), bad_lines))
        }
    }
}

/// Never fails: every problem becomes a [`ConfigIssue`] on its profile or on the file.
pub fn parse(path: &Path, text: &str) -> Config {
    parse_inner(path, text, &[], None)
}

/// The credentials file's path, text and non-UTF-8 lines.
type CredentialsText<'t> = (&'t Path, &'t str, &'t [usize]);

fn parse_inner(
    path: &Path,
    text: &str,
    non_utf8_lines: &[usize],
    credentials: Option<CredentialsText<'_>>,
) -> Config {
    let config = halves::scan_and_read(text, non_utf8_lines);
    let credentials = credentials.map(|(credentials_path, credentials_text, bad_lines)| {
        let scanned = halves::scan_and_read(credentials_text, bad_lines);
        (credentials_path, scanned)
    });
    assemble(path, config, credentials)
}

/// The scanned config (and credentials) file turned into a [`Config`]: what the full read and
/// the one-profile read (`focus`) share after scanning, so both type profiles alike.
fn assemble(
    path: &Path,
    config: halves::Scanned<'_>,
    credentials: Option<(&Path, halves::Scanned<'_>)>,
) -> Config {
    let mut grouped = sections::group(path, FileKind::Config, &config.scan, config.entries);
    let credentials_path = credentials.as_ref().map(|(path, _)| path.to_path_buf());
    if let Some((credentials_path, scanned)) = credentials {
        let from_credentials = sections::group(
            credentials_path,
            FileKind::Credentials,
            &scanned.scan,
            scanned.entries,
        );
        sections::merge_credentials(&mut grouped, from_credentials);
    }
    let sso_sessions = profile::build_sso_sessions(grouped.sso_sessions);
    let profiles = profile::build_profiles(grouped.profiles, &sso_sessions);
    Config {
        path: path.to_path_buf(),
        credentials_path,
        profiles,
        sso_sessions,
        issues: grouped.file_issues,
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod profile_names_tests {
    use super::*;

    /// The header-only scan names exactly the profiles the full parse finds, over every
    /// fixture config (broken headers, bare sections, duplicates, sso-sessions).
    #[test]
    fn header_scan_agrees_with_the_full_parse_on_every_fixture() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config");
        let mut checked = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let parsed: Vec<String> = parse(&path, &text)
                .profiles
                .into_iter()
                .map(|profile| profile.name)
                .collect();
            assert_eq!(profile_names(&text), parsed, "{}", path.display());
            checked += 1;
        }
        assert!(checked > 10, "only {checked} fixtures read");
        assert_eq!(
            profile_names(
                "[default]\n[profile a]\n  [ profile b ] ; c\n[sso-session s]\n[x]\n[profile a]\n"
            ),
            vec!["default", "a", "b"]
        );
    }
}
