//! Turns the pre-scan's keys into [`Entry`] lists, one per scanned section, moving the values
//! instead of copying them where the scan already owns them. The pre-scan is the only reader
//! at run time: it reads values exactly as rust-ini does with escapes and quotes off (the
//! tests below hold it to that on awkward values), and handing the text to rust-ini as well
//! cost 40 % of `runas list` at 10,000 profiles for values it never changed.
//! This module only turns scanned sections into [`Entry`] lists; meaning comes later.

use std::borrow::Cow;

use super::scan::Scan;
use super::types::Entry;

/// Keys whose values must never be shown or logged.
const SECRET_KEYS: [&str; 3] = [
    "web_identity_client_secret",
    "aws_secret_access_key",
    "aws_session_token",
];

pub(super) fn is_secret_key(key: &str) -> bool {
    SECRET_KEYS.contains(&key)
}

/// The keys most profiles write, kept as one static copy each rather than one allocation per
/// line: at 10,000 profiles the key copies were a sixth of the config read's allocations.
/// Anything else is copied; the list only saves work, it never changes what is read.
const COMMON_KEYS: [&str; 26] = [
    "region",
    "output",
    "role_arn",
    "source_profile",
    "role_session_name",
    "duration_seconds",
    "external_id",
    "mfa_serial",
    "credential_process",
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "endpoint_url",
    "sso_session",
    "sso_account_id",
    "sso_role_name",
    "sso_start_url",
    "sso_region",
    "sso_registration_scopes",
    "web_identity_auth_url",
    "web_identity_client_id",
    "web_identity_callback_uri",
    "web_identity_provider",
    "web_identity_scopes",
    "web_identity_token_file",
    "identity_enhanced_role_arn",
];

fn key_of(key: Cow<'_, str>) -> Cow<'static, str> {
    match COMMON_KEYS.iter().find(|common| **common == key) {
        Some(common) => Cow::Borrowed(common),
        None => Cow::Owned(key.into_owned()),
    }
}

/// The entries of every scanned section, index for index. The keys are taken out of `scan`;
/// its headers, lines and problems stay for grouping.
pub(super) fn section_entries(scan: &mut Scan) -> Vec<Vec<Entry>> {
    scan.sections
        .iter_mut()
        .map(|section| {
            std::mem::take(&mut section.keys)
                .into_iter()
                .map(|scanned| {
                    let key = key_of(scanned.key);
                    Entry {
                        secret: is_secret_key(&key),
                        key,
                        value: scanned.value.into_owned(),
                        line: scanned.line,
                        in_credentials_file: false,
                    }
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::scan::scan;
    use ini::{Ini, ParseOption};

    fn entries(text: &str) -> Vec<Vec<Entry>> {
        section_entries(&mut scan(text, &[]))
    }

    /// The scanned keys written back as plain INI that rust-ini reads without surprises:
    /// unique `[sN]` headers keep sections apart and in order, nested values are indented
    /// under their key, and a value ending in `\` gets a trailing space, because rust-ini
    /// (escapes off) still reads a final `\` as a line continuation and trims the space again.
    fn as_plain_ini(scan: &Scan) -> String {
        let mut text = String::new();
        for (index, section) in scan.sections.iter().enumerate() {
            text.push_str(&format!("[s{index}]\n"));
            for key in &section.keys {
                // A sub-property block starts with a newline, which rust-ini does not keep.
                let value = key.value.strip_prefix('\n').unwrap_or(&key.value);
                let mut lines = value.split('\n');
                let first = if key.value.contains('\n') {
                    ""
                } else {
                    lines.next().unwrap_or_default()
                };
                text.push_str(&format!("{}={first}", key.key));
                if first.ends_with('\\') {
                    text.push(' ');
                }
                text.push('\n');
                for nested in lines {
                    text.push_str(&format!("  {nested}\n"));
                }
            }
        }
        text
    }

    /// What rust-ini reads, section by section, with the AWS CLI's options.
    fn rust_ini_values(text: &str) -> Vec<Vec<(String, String)>> {
        let options = ParseOption {
            enabled_quote: false,
            enabled_escape: false,
            enabled_indented_mutiline_value: true,
            enabled_preserve_key_leading_whitespace: false,
        };
        let parsed = Ini::load_from_str_opt(text, options).unwrap();
        parsed
            .iter()
            .filter(|(name, _)| name.is_some())
            .map(|(_, properties)| {
                properties
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn values_agree_with_rust_ini_including_awkward_ones() {
        let text = "[profile a]\n\
                    credential_process = C:\\tools\\x.exe --flag\n\
                    dir = C:\\tools\\\n\
                    next = kept\n\
                    quoted = \"as written\"\n\
                    single = 'as written'\n\
                    escaped = a\\tb\\nc\\;d\\=e\n\
                    url = https://h/p#frag?a=b;c=d\n\
                    colon: x:y=z\n\
                    s3 =\n  max_concurrent_requests = 10\n  # note\n\n  multipart = 2\n\
                    region = eu-west-1 ; comment\n\
                    [profile b]\n\
                    k = 1\n\
                    k = 2\n";
        let scanned = scan(text, &[]);
        let from_rust_ini = rust_ini_values(&as_plain_ini(&scanned));
        let read: Vec<Vec<(String, String)>> = section_entries(&mut scan(text, &[]))
            .into_iter()
            .map(|section| {
                section
                    .into_iter()
                    .map(|e| {
                        (
                            e.key.into_owned(),
                            e.value.trim_start_matches('\n').to_string(),
                        )
                    })
                    .collect()
            })
            .collect();
        assert_eq!(
            read, from_rust_ini,
            "the pre-scan must read what rust-ini reads"
        );
        let values: Vec<_> = read[0].iter().map(|(_, v)| v.as_str()).collect();
        assert_eq!(
            values,
            [
                "C:\\tools\\x.exe --flag",
                "C:\\tools\\",
                "kept",
                "\"as written\"",
                "'as written'",
                "a\\tb\\nc\\;d\\=e",
                "https://h/p#frag?a=b;c=d",
                "x:y=z",
                "max_concurrent_requests = 10\nmultipart = 2",
                "eu-west-1"
            ]
        );
    }

    #[test]
    fn duplicate_keys_and_sections_stay_separate_and_in_order() {
        let read = entries("[profile a]\nk = 1\nk = 2\n[profile a]\nk = 3\n");
        assert_eq!(read.len(), 2);
        let first: Vec<_> = read[0].iter().map(|e| (e.value.as_str(), e.line)).collect();
        assert_eq!(first, [("1", 2), ("2", 3)]);
        assert_eq!(read[1][0].value, "3");
    }

    #[test]
    fn secrets_are_flagged_and_redacted_in_debug() {
        let read = entries("[profile a]\naws_secret_access_key = hunter2\nregion = x\n");
        assert!(read[0][0].secret);
        assert!(!read[0][1].secret);
        let shown = format!("{:?}", read[0]);
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
