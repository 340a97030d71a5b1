//! The tolerant line pre-scan. It classifies every line of the file (header, key, nested
//! continuation, comment, blank, malformed) with its 1-based number, so each problem can be
//! tied to its line and its section, and it reads each key's value the way the AWS CLI does
//! (escapes and quotes kept verbatim, inline comments cut, indented lines after `key =` joined
//! into a nested value). Its values are checked against rust-ini's in the tests of `read`.
//! It does not interpret values or decide what a section means beyond its header shape.

use std::borrow::Cow;

use super::types::Severity;

/// The shape of a section header line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Header {
    /// `[default]` or `[profile default]`.
    Default,
    Profile(String),
    SsoSession(String),
    Services(String),
    /// `[NAME]` without the `profile ` prefix: the AWS CLI ignores it in the config file.
    Bare(String),
}

#[derive(Debug, Clone)]
/// Borrowed from the text unless lowercasing or joining nested lines needed a copy.
pub(super) struct ScannedKey<'t> {
    pub key: Cow<'t, str>,
    pub value: Cow<'t, str>,
    pub line: usize,
}

#[derive(Debug, Clone)]
pub(super) struct LineProblem {
    pub line: usize,
    pub severity: Severity,
    pub message: String,
}

#[derive(Debug, Clone)]
pub(super) struct ScannedSection<'t> {
    pub header: Header,
    pub line: usize,
    pub keys: Vec<ScannedKey<'t>>,
    /// Malformed or undecodable lines inside this section.
    pub problems: Vec<LineProblem>,
}

#[derive(Debug, Default)]
pub(super) struct Scan<'t> {
    pub sections: Vec<ScannedSection<'t>>,
    /// Problems that belong to no section.
    pub file_problems: Vec<LineProblem>,
}

/// What the line before decided about the lines that follow.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    /// Before the first header: keys here belong to nothing.
    NoSection,
    /// After a broken header, whose issue already says its keys are ignored.
    BrokenSection,
    InSection,
    /// After `key =` with an empty value: indented lines are that key's nested value
    /// (the AWS CLI's `s3 =\n  max_concurrent_requests = 10`).
    Nested,
}

/// `non_utf8_lines` are 1-based line numbers (sorted) whose bytes were lossily decoded.
pub(super) fn scan<'t>(text: &'t str, non_utf8_lines: &[usize]) -> Scan<'t> {
    let mut out = Scan::default();
    let mut context = Context::NoSection;

    for (index, raw_line) in text.split('\n').enumerate() {
        let number = index + 1;
        let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        let trimmed = line.trim();
        let not_utf8 = non_utf8_lines.binary_search(&number).is_ok();

        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            if not_utf8 {
                out.file_problems.push(warning(number, NOT_UTF8_COMMENT));
            }
            continue;
        }

        let indented = line.starts_with([' ', '\t']);
        if indented && context == Context::Nested {
            if let Some(key) = out.sections.last_mut().and_then(|s| s.keys.last_mut()) {
                let nested = strip_inline_comment(trimmed);
                let joined = key.value.to_mut();
                if !joined.is_empty() {
                    joined.push('\n');
                }
                joined.push_str(nested);
            }
            continue;
        }

        if trimmed.starts_with('[') {
            match parse_header(trimmed) {
                Ok(header) => {
                    out.sections.push(ScannedSection {
                        header,
                        line: number,
                        keys: Vec::new(),
                        problems: Vec::new(),
                    });
                    context = Context::InSection;
                }
                Err(message) => {
                    out.file_problems.push(error(number, message));
                    context = Context::BrokenSection;
                }
            }
            continue;
        }

        if context == Context::BrokenSection {
            continue;
        }
        let Some((key, value)) = split_key_value(trimmed) else {
            let problem = error(
                number,
                "line is not `key = value`, a [section] header or a comment; \
                 it was ignored"
                    .to_string(),
            );
            match (context, out.sections.last_mut()) {
                (Context::NoSection, _) | (_, None) => out.file_problems.push(problem),
                (_, Some(section)) => section.problems.push(problem),
            }
            if context == Context::Nested {
                context = Context::InSection;
            }
            continue;
        };

        let section = match (context, out.sections.last_mut()) {
            (Context::NoSection, _) | (_, None) => {
                out.file_problems.push(error(
                    number,
                    format!(
                        "key {key} is outside any section; \
                         put it under [profile NAME] or [default]"
                    ),
                ));
                continue;
            }
            (_, Some(section)) => section,
        };
        if not_utf8 {
            section.problems.push(error(
                number,
                format!(
                    "the value of {key} contains bytes that are not UTF-8; \
                     they were replaced with U+FFFD, so the value is probably wrong"
                ),
            ));
        }
        context = if value.is_empty() {
            Context::Nested
        } else {
            Context::InSection
        };
        section.keys.push(ScannedKey {
            key,
            value: Cow::Borrowed(value),
            line: number,
        });
    }
    out
}

const NOT_UTF8_COMMENT: &str = "line contains bytes that are not UTF-8 (replaced with U+FFFD)";

fn error(line: usize, message: String) -> LineProblem {
    LineProblem {
        line,
        severity: Severity::Error,
        message,
    }
}

fn warning(line: usize, message: &str) -> LineProblem {
    LineProblem {
        line,
        severity: Severity::Warning,
        message: message.to_string(),
    }
}

/// Splits at the first `=` or `:` (the delimiters the AWS CLI's parser accepts); the key is
/// lowercased and trimmed, the value trimmed and cut at an inline comment.
fn split_key_value(trimmed: &str) -> Option<(Cow<'_, str>, &str)> {
    // Both delimiters are ASCII, so a byte search finds the same place as a char search,
    // at a fraction of the cost over 10,000 profiles.
    let at = trimmed
        .bytes()
        .position(|byte| byte == b'=' || byte == b':')?;
    let key = trimmed[..at].trim();
    if key.is_empty() {
        return None;
    }
    let value = strip_inline_comment(&trimmed[at + 1..]);
    let key = if key.bytes().any(|byte| byte.is_ascii_uppercase()) {
        Cow::Owned(key.to_ascii_lowercase())
    } else {
        Cow::Borrowed(key)
    };
    Some((key, value))
}

/// A `;` or `#` preceded by whitespace starts a comment (so `okta ; note` is `okta`, while
/// `https://host/#frag` and `C:\a;b` keep theirs). Returns the trimmed value.
fn strip_inline_comment(value: &str) -> &str {
    // `;` and `#` are ASCII, so every byte match is a char boundary; only the char before a
    // match needs decoding, which keeps this a byte scan for the usual value without either.
    let marks = value
        .bytes()
        .enumerate()
        .filter(|&(_, byte)| byte == b';' || byte == b'#');
    for (at, _) in marks {
        let after_space = value[..at]
            .chars()
            .next_back()
            .is_some_and(char::is_whitespace);
        if after_space {
            return value[..at].trim();
        }
    }
    value.trim()
}

fn parse_header(trimmed: &str) -> Result<Header, String> {
    let Some(close) = trimmed.find(']') else {
        return Err(
            "section header is missing its closing `]`; the keys below it up to the next \
             section are ignored"
                .to_string(),
        );
    };
    let after = trimmed[close + 1..].trim_start();
    if !(after.is_empty() || after.starts_with('#') || after.starts_with(';')) {
        return Err(
            "unexpected text after the section header's `]`; expected only a comment; \
             the keys below it up to the next section are ignored"
                .to_string(),
        );
    }
    let inner = trimmed[1..close].trim();
    let (word, rest) = match inner.split_once(char::is_whitespace) {
        Some((word, rest)) => (word, rest.trim()),
        None => (inner, ""),
    };
    let named = |kind: &str, make: fn(String) -> Header| {
        if rest.is_empty() {
            Err(format!(
                "section [{kind}] has no name; expected [{kind} NAME]; \
                 the keys below it up to the next section are ignored"
            ))
        } else {
            Ok(make(rest.to_string()))
        }
    };
    match word {
        "" => Err("empty section header []; expected [profile NAME] or [default]".to_string()),
        "default" if rest.is_empty() => Ok(Header::Default),
        "profile" if rest == "default" => Ok(Header::Default),
        "profile" => named("profile", Header::Profile),
        "sso-session" => named("sso-session", Header::SsoSession),
        "services" => named("services", Header::Services),
        _ => Ok(Header::Bare(inner.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_classified() {
        assert_eq!(parse_header("[default]"), Ok(Header::Default));
        assert_eq!(parse_header("[profile default]"), Ok(Header::Default));
        assert_eq!(
            parse_header("[ profile  dev-admin ] ; note"),
            Ok(Header::Profile("dev-admin".into()))
        );
        assert_eq!(
            parse_header("[sso-session corp]"),
            Ok(Header::SsoSession("corp".into()))
        );
        assert_eq!(
            parse_header("[services local]"),
            Ok(Header::Services("local".into()))
        );
        assert_eq!(parse_header("[dev]"), Ok(Header::Bare("dev".into())));
        assert!(parse_header("[profile dev").is_err());
        assert!(parse_header("[profile]").unwrap_err().contains("no name"));
        assert!(parse_header("[profile dev] junk").is_err());
    }

    #[test]
    fn inline_comments_need_whitespace_before_them() {
        assert_eq!(strip_inline_comment(" okta            ; optional"), "okta");
        assert_eq!(strip_inline_comment(" okta # note"), "okta");
        assert_eq!(
            strip_inline_comment(" https://h/p#frag"),
            "https://h/p#frag"
        );
        assert_eq!(strip_inline_comment(" a;b"), "a;b");
        assert_eq!(strip_inline_comment(" ; all comment"), "");
        assert_eq!(strip_inline_comment(" a\u{3000}; wide space"), "a");
        assert_eq!(strip_inline_comment(" é;x é #y"), "é;x é");
    }

    #[test]
    fn keys_split_at_the_first_delimiter_and_are_lowercased() {
        let (key, value) = split_key_value("Role_ARN = arn:aws:iam::1:role/x").unwrap();
        assert_eq!((&*key, value), ("role_arn", "arn:aws:iam::1:role/x"));
        let (key, value) = split_key_value("region: eu-west-1").unwrap();
        assert_eq!((&*key, value), ("region", "eu-west-1"));
        assert!(split_key_value("= value").is_none());
        assert!(split_key_value("just words").is_none());
    }

    #[test]
    fn problems_and_keys_keep_their_line_numbers() {
        let text = "stray = 1\n[profile a]\n  # indented comment\nnot a pair\nk = v ; c\r\n";
        let scan = scan(text, &[]);
        let keys: Vec<_> = scan.sections[0]
            .keys
            .iter()
            .map(|k| (&*k.key, &*k.value))
            .collect();
        assert_eq!(keys, [("k", "v")]);
        assert_eq!(scan.file_problems.len(), 1);
        assert_eq!(scan.file_problems[0].line, 1);
        assert_eq!(scan.sections[0].problems[0].line, 4);
        assert_eq!(scan.sections[0].keys[0].line, 5);
    }

    #[test]
    fn nested_values_belong_to_the_key_with_the_empty_value() {
        let text = "[profile a]\ns3 =\n  max_concurrent_requests = 10\n\n  multipart = 1\n  region = x\nregion = y\n";
        let scan = scan(text, &[]);
        let keys = &scan.sections[0].keys;
        assert_eq!(keys.len(), 2, "{keys:?}");
        assert_eq!(
            keys[0].value,
            "max_concurrent_requests = 10\nmultipart = 1\nregion = x"
        );
        assert_eq!((&*keys[1].key, &*keys[1].value), ("region", "y"));
        assert!(scan.sections[0].problems.is_empty());
    }

    #[test]
    fn indented_keys_after_a_value_are_keys_of_their_own() {
        let scan = scan("[profile a]\n  region = x\n  output = json\n", &[]);
        let keys: Vec<_> = scan.sections[0].keys.iter().map(|k| &*k.key).collect();
        assert_eq!(keys, ["region", "output"]);
    }
}
