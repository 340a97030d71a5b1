//! The typed result of reading an AWS config file: [`Config`], its profiles and sso-sessions,
//! and the issues found on the way. Pure data with a few lookups; the parsing lives in the
//! sibling modules and nothing here touches the file system or the network.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::identity_center::IdentityCenter;
use super::web_identity::WebIdentity;

/// Everything read from one config file.
#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    /// The credentials file read with it, when one was (`$AWS_SHARED_CREDENTIALS_FILE`, else
    /// `~/.aws/credentials`); its profiles are merged into `profiles`.
    pub credentials_path: Option<PathBuf>,
    /// In the order of their first section header in the file.
    pub profiles: Vec<Profile>,
    pub sso_sessions: Vec<SsoSession>,
    /// File-level problems: lines outside any section, broken section headers, sections the
    /// AWS CLI would ignore, bytes that are not UTF-8 outside a profile.
    pub issues: Vec<ConfigIssue>,
}

impl Config {
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles.iter().find(|profile| profile.name == name)
    }

    pub fn sso_session(&self, name: &str) -> Option<&SsoSession> {
        self.sso_sessions
            .iter()
            .find(|session| session.name == name)
    }
}

/// How bad an issue is. Profile issues are also split into `errors` and `warnings`; this field
/// lets file-level issues and flattened lists keep the distinction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem, pointing at the line that causes it. Never carries a secret value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigIssue {
    pub file: PathBuf,
    /// 1-based; 0 when the issue is about the whole file.
    pub line: usize,
    pub profile: Option<String>,
    pub severity: Severity,
    pub message: String,
}

impl fmt::Display for ConfigIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Line 0 is about the file as a whole (e.g. it cannot be read).
        match self.line {
            0 => write!(f, "{}: ", self.file.display())?,
            line => write!(f, "{}:{line}: ", self.file.display())?,
        }
        if let Some(profile) = &self.profile {
            write!(f, "profile {profile}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// What a profile is for, decided in the order of docs/ARCHITECTURE.md "Profile keys".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileKind {
    /// `role_arn` plus an (inherited or own) `web_identity_auth_url`: runas logs in.
    WebIdentity,
    /// `web_identity_token_file` plus `role_arn`: a workload token, no login.
    TokenFile,
    /// `source_profile` without web-identity keys of its own: AssumeRole from the source.
    Chained,
    /// AWS IAM Identity Center; runas shows it but the AWS CLI owns its login.
    Sso,
    /// Long-term keys written in the config or credentials file.
    Static,
    /// `credential_process`: a command that prints credentials, run as the AWS CLI runs it.
    Process,
    /// Anything else, e.g. only `region`.
    Other,
}

impl ProfileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileKind::WebIdentity => "web_identity",
            ProfileKind::TokenFile => "token_file",
            ProfileKind::Chained => "chained",
            ProfileKind::Sso => "sso",
            ProfileKind::Static => "static",
            ProfileKind::Process => "process",
            ProfileKind::Other => "other",
        }
    }
}

impl fmt::Display for ProfileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `key = value` line as written (key lowercased and trimmed, value trimmed and without
/// its inline comment; nested continuation lines joined with `\n`).
#[derive(Clone, PartialEq, Eq)]
pub struct Entry {
    /// Borrowed for the keys the AWS tools and runas know (`config::read`): a generated
    /// config repeats the same few keys in every profile.
    pub key: Cow<'static, str>,
    pub value: String,
    pub line: usize,
    /// Client secrets and AWS secret keys: shown masked, never logged.
    pub secret: bool,
    /// Read from the credentials file, whose line numbers `line` then counts.
    pub in_credentials_file: bool,
}

impl Entry {
    /// The value for display: masked when it is a secret.
    pub fn shown_value(&self) -> &str {
        if self.secret { "********" } else { &self.value }
    }
}

// Hand-written so a `{:?}` of a profile can never print a client secret or a secret key.
impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entry")
            .field("key", &self.key)
            .field("value", &self.shown_value())
            .field("line", &self.line)
            .field("secret", &self.secret)
            .field("in_credentials_file", &self.in_credentials_file)
            .finish()
    }
}

/// A profile section (`[default]` or `[profile NAME]`), typed.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    /// The file of its (first) section header: the config file, or the credentials file for
    /// a profile written only there.
    pub file: PathBuf,
    /// Line of its (first) section header in `file`.
    pub line: usize,
    pub kind: ProfileKind,
    /// Every key of the section as written, unknown keys and duplicates too, in file order.
    /// Shared with the TUI's row, which shows them. The section's `Vec` moves in as it is: an
    /// `Arc<[Entry]>` copied every list into a new allocation, which made `list --json` at
    /// 10,000 profiles slower than before the sharing.
    pub entries: Arc<Vec<Entry>>,
    pub role_arn: Option<String>,
    pub role_session_name: Option<String>,
    /// `duration_seconds`, or its aws-runas alias `credentials_duration`.
    pub duration: Option<Duration>,
    pub region: Option<String>,
    pub source_profile: Option<String>,
    pub external_id: Option<String>,
    pub endpoint_url: Option<String>,
    pub jump_role_arn: Option<String>,
    /// Own or inherited (aws-runas shares it like the `web_identity_*` keys).
    pub federated_username: Option<String>,
    /// Effective settings after inheritance; `Some` only for a [`ProfileKind::WebIdentity`]
    /// profile whose settings are complete enough to log in. Shared by the profiles whose
    /// settings are equal (`config::memo`).
    pub web_identity: Option<Arc<WebIdentity>>,
    pub token_file: Option<PathBuf>,
    /// `web_identity_token_env`: the environment variable holding the workload token (read at
    /// each exchange, like the file). Wins over `token_file` when both are set.
    pub token_env: Option<String>,
    pub credential_process: Option<String>,
    /// Boxed, like `identity_center`: most profiles have neither, and inline the two were 230
    /// of a profile's 1,072 bytes (2.3 MB of the TUI's memory at 10,000 profiles).
    pub sso: Option<Box<SsoProfile>>,
    /// Trusted identity propagation (docs/ARCHITECTURE.md): the profile's credentials come from
    /// `identity_enhanced_role_arn` assumed with the Identity Center context.
    pub identity_center: Option<Box<IdentityCenter>>,
    /// The profile is unusable (or partly) for these reasons.
    pub errors: Vec<ConfigIssue>,
    /// Usable, but the person should know.
    pub warnings: Vec<ConfigIssue>,
}

impl Profile {
    /// The last entry with this key (the one that wins), own keys only.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().rev().find(|entry| entry.key == key)
    }

    pub fn is_usable(&self) -> bool {
        self.errors.is_empty()
    }
}

/// The `sso_*` keys of a profile, with the start URL and region taken from its
/// `[sso-session NAME]` when it names one (else the legacy `sso_start_url` / `sso_region`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoProfile {
    pub session: Option<String>,
    pub start_url: Option<String>,
    pub region: Option<String>,
    pub account_id: Option<String>,
    pub role_name: Option<String>,
}

/// An `[sso-session NAME]` section.
#[derive(Debug, Clone)]
pub struct SsoSession {
    pub name: String,
    pub line: usize,
    pub entries: Vec<Entry>,
    pub start_url: Option<String>,
    pub region: Option<String>,
    pub registration_scopes: Option<String>,
    /// Issues of this section; their `profile` is `None` and the message names the session.
    pub errors: Vec<ConfigIssue>,
}

/// Collects the issues of one section, filling in the file. A profile's issues get its name
/// when they merge into the profile (`profile::build_profiles`): a copy of the name per issue
/// rather than one per section up front.
pub(super) struct IssueSink<'a> {
    pub file: &'a Path,
    /// Where entries marked `in_credentials_file` come from, for issues about them.
    pub credentials_file: Option<&'a Path>,
    pub errors: Vec<ConfigIssue>,
    pub warnings: Vec<ConfigIssue>,
}

impl<'a> IssueSink<'a> {
    pub fn new(file: &'a Path) -> Self {
        IssueSink {
            file,
            credentials_file: None,
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn issue(&self, line: usize, severity: Severity, message: String) -> ConfigIssue {
        ConfigIssue {
            file: self.file.to_path_buf(),
            line,
            profile: None,
            severity,
            message,
        }
    }

    pub fn error(&mut self, line: usize, message: impl Into<String>) {
        let issue = self.issue(line, Severity::Error, message.into());
        self.errors.push(issue);
    }

    pub fn warn(&mut self, line: usize, message: impl Into<String>) {
        let issue = self.issue(line, Severity::Warning, message.into());
        self.warnings.push(issue);
    }

    /// An error about `entry`, pointing at its own file and line (the credentials file's
    /// for a key written there).
    pub fn error_at(&mut self, entry: &Entry, message: impl Into<String>) {
        let mut issue = self.issue(entry.line, Severity::Error, message.into());
        if entry.in_credentials_file
            && let Some(file) = self.credentials_file
        {
            issue.file = file.to_path_buf();
        }
        self.errors.push(issue);
    }
}
