//! Section headers and names: the `[prefix name]` shape of a header line, and which names the
//! AWS SDKs accept for profiles, sso-sessions and keys. It decides nothing about what a section
//! means in which file (that is `sections`'s job) and never looks past the header line.

use std::borrow::Cow;

use super::trim::trim;

/// A header line split into its optional prefix word and the rest, both trimmed, as the AWS
/// SDKs split it: `[profile  dev ]` is (`profile`, `dev`), `[default]` is (none, `default`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Header {
    /// Borrowed for the prefixes the AWS config file knows, which nearly every header has.
    pub prefix: Option<Cow<'static, str>>,
    pub name: String,
}

/// A header that can be read, possibly with a remark worth a warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ParsedHeader {
    pub header: Header,
    /// Text after `]` that is not a comment: the AWS CLI ignores it, the other SDKs reject
    /// the whole file.
    pub trailing: Option<String>,
}

/// The names the AWS SDKs accept for profiles, sso-sessions and keys; any other is ignored by
/// them (with a log line), so runas ignores it too and says so.
pub(super) fn is_valid_identifier(name: &str) -> bool {
    // Bytes, not chars: every allowed character is ASCII, so a byte of a multi-byte character
    // fails as the character would, without decoding every name of a large config.
    !name.is_empty()
        && name.bytes().all(|byte| {
            byte.is_ascii_alphanumeric()
                || matches!(byte, b'_' | b'-' | b'/' | b'.' | b'%' | b'@' | b':' | b'+')
        })
}

/// What the characters allowed in a name are, for messages.
pub(super) const IDENTIFIER_CHARACTERS: &str = "letters, digits and - _ / . % @ : +";

/// `trimmed` is the header line without surrounding whitespace, starting with `[`.
pub(super) fn parse_header(trimmed: &str) -> Result<ParsedHeader, String> {
    let (prefix, name, after) = split_header(trimmed).map_err(str::to_string)?;
    let trailing = (!(after.is_empty() || after.starts_with('#') || after.starts_with(';')))
        .then(|| after.to_string());
    let header = Header {
        prefix: prefix.map(|prefix| match prefix {
            "profile" => Cow::Borrowed("profile"),
            "sso-session" => Cow::Borrowed("sso-session"),
            "services" => Cow::Borrowed("services"),
            other => Cow::Owned(other.to_owned()),
        }),
        name: name.to_string(),
    };
    Ok(ParsedHeader { header, trailing })
}

/// The prefix, name and trimmed text after `]` of a header line, borrowed: [`parse_header`]
/// is built on it, so the fast path (`focus`), which only compares names across thousands of
/// headers without allocating, splits every header exactly as the full read does.
pub(super) fn split_header(trimmed: &str) -> Result<(Option<&str>, &str, &str), &'static str> {
    let Some(close) = trimmed.find(']') else {
        return Err(
            "section header is missing its closing `]`; the keys below it up to the next \
             section are ignored",
        );
    };
    let after = trim(&trimmed[close + 1..]);
    let inner = trim(&trimmed[1..close]);
    if inner.is_empty() {
        return Err("empty section header []; expected [profile NAME] or [default]");
    }
    // A byte search: both separators are ASCII, and a search for a set of chars decodes
    // every character of every header.
    Ok(
        match inner.bytes().position(|byte| byte == b' ' || byte == b'\t') {
            Some(at) => (Some(&inner[..at]), trim(&inner[at + 1..]), after),
            None => (None, inner, after),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(prefix: Option<&str>, name: &str) -> Header {
        Header {
            prefix: prefix.map(|prefix| Cow::Owned(prefix.to_owned())),
            name: name.to_string(),
        }
    }

    #[test]
    fn headers_split_into_prefix_and_name() {
        let parsed = |text: &str| parse_header(text).map(|p| p.header);
        assert_eq!(parsed("[default]"), Ok(header(None, "default")));
        assert_eq!(
            parsed("[profile default]"),
            Ok(header(Some("profile"), "default"))
        );
        assert_eq!(
            parsed("[ profile \t dev-admin ] ; note"),
            Ok(header(Some("profile"), "dev-admin"))
        );
        assert_eq!(parsed("[profile\tfoo]"), Ok(header(Some("profile"), "foo")));
        assert_eq!(parsed("[profilefoo]"), Ok(header(None, "profilefoo")));
        assert_eq!(
            parsed("[profile in valid]"),
            Ok(header(Some("profile"), "in valid"))
        );
        assert!(parse_header("[profile dev").is_err());
        assert!(parse_header("[ ]").is_err());
    }

    #[test]
    fn trailing_words_are_kept_for_a_warning_and_comments_are_not() {
        let parsed = parse_header("[profile x] trailing words").unwrap();
        assert_eq!(parsed.header, header(Some("profile"), "x"));
        assert_eq!(parsed.trailing.as_deref(), Some("trailing words"));
        assert_eq!(parse_header("[profile x]# note").unwrap().trailing, None);
        assert_eq!(parse_header("[profile x] ;").unwrap().trailing, None);
    }

    #[test]
    fn identifiers_are_those_the_sdks_accept() {
        assert!(is_valid_identifier("some-thing:long/the_one%only.foo@bar+"));
        assert!(!is_valid_identifier("foo!bar"));
        assert!(!is_valid_identifier("in valid"));
        assert!(!is_valid_identifier(""));
    }
}
