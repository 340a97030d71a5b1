//! The AWS CLI's IAM Identity Center cache (`~/.aws/sso/cache/`), read and written in exactly
//! the format the AWS CLI v2 and botocore use, so `aws sso login` and runas share one login:
//! - the token file is `sha1(sso-session name).json` (legacy profiles without a session:
//!   `sha1(sso_start_url).json`) holding `startUrl`, `region`, `accessToken`, `expiresAt`
//!   (`YYYY-MM-DDTHH:MM:SSZ`) and, for sso-session tokens, `clientId`, `clientSecret`,
//!   `registrationExpiresAt` and `refreshToken`;
//! - the client registration file is `sha1(json.dumps(args, sort_keys=True)).json` over
//!   `{"region", "scopes", "session_name", "startUrl", "tool": "botocore"}` (Python's default
//!   separators and ASCII escaping), holding `clientId`, `clientSecret`, `expiresAt` and,
//!   when the session names them, `scopes`.
//!
//! Files are written atomically and 0600 ([`super::fs::write_atomic`]); the directory is
//! created 0700 when missing and otherwise left as the AWS CLI made it. A file that cannot be
//! decoded reads as absent. This module never logs a token and knows nothing of the network.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{CacheError, fs as cache_fs};
use crate::creds::Secret;

/// Which token file: the AWS CLI keys sso-session tokens by the session's name, legacy ones by
/// the start URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKey<'a> {
    Session(&'a str),
    StartUrl(&'a str),
}

/// What a client registration is keyed by (botocore's `_registration_cache_key` arguments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationKey {
    pub start_url: String,
    pub region: String,
    /// The sso-session's `sso_registration_scopes`, `None` when it has no such key.
    pub scopes: Option<Vec<String>>,
    /// `None` for legacy profiles.
    pub session_name: Option<String>,
}

/// A token file as the AWS CLI writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SsoTokenFile {
    #[serde(default)]
    pub start_url: String,
    #[serde(default)]
    pub region: String,
    pub access_token: Secret,
    #[serde(with = "aws_time")]
    pub expires_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<Secret>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "aws_time_option"
    )]
    pub registration_expires_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
}

/// A client registration file as the AWS CLI writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationFile {
    pub client_id: String,
    pub client_secret: Secret,
    #[serde(with = "aws_time")]
    pub expires_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
}

/// The `~/.aws/sso/cache` directory of one home.
#[derive(Debug, Clone)]
pub struct AwsSsoCache {
    dir: PathBuf,
}

impl AwsSsoCache {
    /// `HOME/.aws/sso/cache`, where the AWS CLI looks.
    pub fn under_home(home: &Path) -> Self {
        AwsSsoCache {
            dir: home.join(".aws").join("sso").join("cache"),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn token_path(&self, key: TokenKey<'_>) -> PathBuf {
        self.dir.join(token_file_name(key))
    }

    pub fn registration_path(&self, key: &RegistrationKey) -> PathBuf {
        self.dir.join(registration_file_name(key))
    }

    pub fn token(&self, key: TokenKey<'_>) -> Result<Option<SsoTokenFile>, CacheError> {
        read_json(&self.token_path(key))
    }

    pub fn put_token(&self, key: TokenKey<'_>, token: &SsoTokenFile) -> Result<(), CacheError> {
        self.write(&self.token_path(key), token)
    }

    pub fn remove_token(&self, key: TokenKey<'_>) -> Result<bool, CacheError> {
        let path = self.token_path(key);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(err) => Err(CacheError::io("remove", path, err)),
        }
    }

    pub fn registration(
        &self,
        key: &RegistrationKey,
    ) -> Result<Option<RegistrationFile>, CacheError> {
        read_json(&self.registration_path(key))
    }

    pub fn put_registration(
        &self,
        key: &RegistrationKey,
        registration: &RegistrationFile,
    ) -> Result<(), CacheError> {
        self.write(&self.registration_path(key), registration)
    }

    fn write<T: Serialize>(&self, path: &Path, value: &T) -> Result<(), CacheError> {
        let bytes = serde_json::to_vec(value).map_err(|err| CacheError::Encode {
            path: path.to_path_buf(),
            message: err.to_string(),
        })?;
        // The AWS CLI owns this directory: create it private when missing, never re-mode it.
        if !self.dir.is_dir() {
            cache_fs::ensure_dir(&self.dir)?;
        }
        cache_fs::write_atomic(path, &bytes)
    }
}

/// `sha1(name).json` for a session, `sha1(start URL).json` for a legacy profile.
pub fn token_file_name(key: TokenKey<'_>) -> String {
    let input = match key {
        TokenKey::Session(name) => name,
        TokenKey::StartUrl(url) => url,
    };
    format!("{}.json", sha1_hex(input.as_bytes()))
}

/// botocore's registration file name: SHA-1 of `json.dumps(args, sort_keys=True)`.
pub fn registration_file_name(key: &RegistrationKey) -> String {
    let scopes = match &key.scopes {
        None => "null".to_owned(),
        Some(scopes) => format!(
            "[{}]",
            scopes
                .iter()
                .map(|scope| python_json_string(scope))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let session = key
        .session_name
        .as_deref()
        .map_or_else(|| "null".to_owned(), python_json_string);
    // Keys in sorted order, with Python's default ", " and ": " separators.
    let json = format!(
        "{{\"region\": {}, \"scopes\": {scopes}, \"session_name\": {session}, \"startUrl\": {}, \"tool\": \"botocore\"}}",
        python_json_string(&key.region),
        python_json_string(&key.start_url),
    );
    format!("{}.json", sha1_hex(json.as_bytes()))
}

/// A JSON string as Python's `json.dumps` writes it by default (`ensure_ascii=True`): only
/// printable ASCII stays literal; everything else is a lowercase `\uXXXX` UTF-16 escape.
fn python_json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
    out
}

fn sha1_hex(bytes: &[u8]) -> String {
    // SHA-1 is what the AWS CLI names its files with; it is a file name here, not a security
    // measure. ring is already built for rustls.
    let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, bytes);
    digest
        .as_ref()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>, CacheError> {
    let Some(bytes) = cache_fs::read_if_present(path)? else {
        return Ok(None);
    };
    match serde_json::from_slice(&bytes) {
        Ok(value) => Ok(Some(value)),
        Err(err) => {
            // serde_json's message names a position and the expected type, never the data.
            tracing::warn!(path = %path.display(), "unreadable AWS SSO cache file ignored: {err}");
            Ok(None)
        }
    }
}

/// The AWS CLI's timestamps: written `YYYY-MM-DDTHH:MM:SSZ`; read as any RFC 3339 time, or the
/// `…UTC` suffix older AWS CLI v2 releases wrote.
mod aws_time {
    use super::*;

    pub const FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";

    pub fn serialize<S: serde::Serializer>(
        time: &DateTime<Utc>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&time.format(FORMAT).to_string())
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse(&text).ok_or_else(|| serde::de::Error::custom("not an AWS CLI timestamp"))
    }

    pub fn parse(text: &str) -> Option<DateTime<Utc>> {
        if let Ok(time) = DateTime::parse_from_rfc3339(text) {
            return Some(time.with_timezone(&Utc));
        }
        let bare = text.strip_suffix("UTC").unwrap_or(text);
        NaiveDateTime::parse_from_str(bare, "%Y-%m-%dT%H:%M:%S")
            .ok()
            .map(|naive| naive.and_utc())
    }
}

mod aws_time_option {
    use super::*;

    pub fn serialize<S: serde::Serializer>(
        time: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match time {
            Some(time) => aws_time::serialize(time, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        let text = Option::<String>::deserialize(deserializer)?;
        text.map(|text| {
            aws_time::parse(&text)
                .ok_or_else(|| serde::de::Error::custom("not an AWS CLI timestamp"))
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests;
