//! Values through rust-ini: the sanitised text of the pre-scan is handed to rust-ini (escapes
//! and quotes off, indented multi-line values on, as the AWS CLI reads them) and its values are
//! paired with the pre-scan's keys and line numbers. The pre-scan guarantees rust-ini cannot
//! fail; if it ever did, or disagreed about a key, the pre-scan's own reading is used and the
//! disagreement logged, so a parser surprise can never cost the person their profiles.
//! This module only turns scanned sections into [`Entry`] lists; meaning comes later.

use ini::{Ini, ParseOption};

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

/// The entries of every scanned section, index for index.
pub(super) fn section_entries(scan: &Scan) -> Vec<Vec<Entry>> {
    let options = ParseOption {
        enabled_quote: false,
        enabled_escape: false,
        enabled_indented_mutiline_value: true,
        enabled_preserve_key_leading_whitespace: false,
    };
    let parsed = match Ini::load_from_str_opt(&scan.sanitised, options) {
        Ok(parsed) => Some(parsed),
        Err(error) => {
            // Only the line/column: the message may quote a secret value.
            tracing::warn!(
                line = error.line,
                col = error.col,
                "rust-ini rejected the sanitised config; using the pre-scan's values"
            );
            None
        }
    };

    // Headers are unique (`[sN]`), so rust-ini yields them in file order, after its implicit
    // general section (always empty here: the pre-scan blanks stray keys). Owned iteration
    // moves its strings into our entries instead of copying them.
    let mut ini_sections = parsed.map(|ini| {
        ini.into_iter()
            .filter(|(name, _)| name.is_some())
            .map(|(_, properties)| properties)
    });
    scan.sections
        .iter()
        .map(|section| {
            let properties = ini_sections.as_mut().and_then(Iterator::next);
            let mut from_ini = properties.map(IntoIterator::into_iter);
            section
                .keys
                .iter()
                .map(|scanned| {
                    let (key, value) = match from_ini.as_mut().and_then(Iterator::next) {
                        Some((key, value)) if key == *scanned.key => (key, normalise_nested(value)),
                        other => {
                            tracing::warn!(
                                line = scanned.line,
                                ini_key = other.as_ref().map(|(key, _)| key.as_str()),
                                "rust-ini disagrees with the pre-scan; using the pre-scan's value"
                            );
                            (scanned.key.to_string(), scanned.value.to_string())
                        }
                    };
                    Entry {
                        secret: is_secret_key(&key),
                        key,
                        value,
                        line: scanned.line,
                    }
                })
                .collect()
        })
        .collect()
}

/// rust-ini keeps the blank (and blanked comment) lines inside a nested value as empty lines;
/// the pre-scan does not, and a nested value has no use for them.
fn normalise_nested(value: String) -> String {
    if value.contains('\n') {
        value
            .split('\n')
            .filter(|line| !line.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::scan::scan;

    fn entries(text: &str) -> Vec<Vec<Entry>> {
        section_entries(&scan(text, &[]))
    }

    #[test]
    fn values_agree_with_the_pre_scan_including_awkward_ones() {
        let text = "[profile a]\n\
                    credential_process = C:\\tools\\x.exe --flag\n\
                    dir = C:\\tools\\\n\
                    next = kept\n\
                    quoted = \"as written\"\n\
                    s3 =\n  max_concurrent_requests = 10\n  # note\n\n  multipart = 2\n\
                    region = eu-west-1\n";
        let scanned = scan(text, &[]);
        let read = section_entries(&scanned);
        let values: Vec<_> = read[0].iter().map(|e| e.value.as_str()).collect();
        assert_eq!(
            values,
            [
                "C:\\tools\\x.exe --flag",
                "C:\\tools\\",
                "kept",
                "\"as written\"",
                "max_concurrent_requests = 10\nmultipart = 2",
                "eu-west-1"
            ]
        );
        let scanned_values: Vec<_> = scanned.sections[0].keys.iter().map(|k| &*k.value).collect();
        assert_eq!(
            values, scanned_values,
            "rust-ini and the pre-scan must agree"
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
