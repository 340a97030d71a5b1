//! The tolerant line pre-scan. It classifies every line of the file (header, key, nested
//! continuation, comment, blank, malformed) with its 1-based number, so each problem can be
//! tied to its line and its section, and it reads each key's value the way the AWS CLI does
//! (escapes and quotes kept verbatim, inline comments cut, indented lines after `key =` joined
//! into a nested value). Its values are checked against rust-ini's in the tests of `read`.
//! It does not interpret values or decide what a section means beyond its header shape.

use std::borrow::Cow;

use super::header::{Header, IDENTIFIER_CHARACTERS, is_valid_identifier, parse_header};
use super::trim::{is_ascii_space, trim, trim_start};
use super::types::Severity;

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

/// The key whose value indented lines continue: the last key of the section, with the
/// indentation of its line.
#[derive(Clone, Copy)]
struct OpenKey {
    indent: usize,
    line: usize,
    /// `key =` with nothing after it: the indented lines are `name = value` sub-properties.
    nested: bool,
    /// A continuation that looks like a key of its own was already reported.
    warned: bool,
}

/// What the lines before decided about the line that follows.
#[derive(Clone, Copy)]
enum Context {
    /// Before the first header: keys here belong to nothing.
    BeforeAnyHeader,
    /// After a broken header, whose issue already says its keys are ignored.
    AfterBrokenHeader,
    /// In a section, with the key indented lines would continue, if any.
    Inside(Option<OpenKey>),
}

/// `non_utf8_lines` are 1-based line numbers (sorted) whose bytes were lossily decoded.
/// A byte-order mark at the start is skipped, as the AWS CLI skips it. The reading itself
/// goes through `halves::scan_and_read`, which gives the same on two threads when it pays.
#[cfg(test)]
pub(super) fn scan<'t>(text: &'t str, non_utf8_lines: &[usize]) -> Scan<'t> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    scan_from(text, 1, non_utf8_lines)
}

/// Scans `text` as the part of a file that starts on line `first_line`. A line at column 0
/// that starts with `[` resets everything the lines before it decided, so a file cut just
/// before such lines scans, piece by piece, exactly as it scans whole (`focus` relies on it).
pub(super) fn scan_from<'t>(
    text: &'t str,
    first_line: usize,
    non_utf8_lines: &[usize],
) -> Scan<'t> {
    let mut out = Scan::default();
    let mut context = Context::BeforeAnyHeader;

    for (index, raw_line) in lines(text).enumerate() {
        let number = index + first_line;
        let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        let trimmed = trim(line);
        let not_utf8 = non_utf8_lines.binary_search(&number).is_ok();

        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            if not_utf8 {
                out.file_problems
                    .push(warning(number, NOT_UTF8_COMMENT.to_string()));
            }
            continue;
        }

        // A line indented deeper than the key line before it continues that key's value,
        // whatever it looks like (the AWS CLI's and SDKs' rule); one indented no deeper is
        // read on its own, so a file pasted with every line indented alike still reads.
        let indent = line.len() - trim_start(line).len();
        if let Context::Inside(Some(open)) = &mut context
            && indent > open.indent
        {
            if let Some(section) = out.sections.last_mut() {
                continue_value(section, open, trimmed, number);
            }
            continue;
        }

        if trimmed.starts_with('[') {
            match parse_header(trimmed) {
                Ok(parsed) => {
                    let mut problems = Vec::new();
                    if let Some(trailing) = parsed.trailing {
                        problems.push(warning(
                            number,
                            format!(
                                "text `{trailing}` after the section header's `]` is ignored \
                                 (the AWS CLI ignores it too, but the other AWS SDKs reject \
                                 the whole file); remove it or make it a `# comment`"
                            ),
                        ));
                    }
                    out.sections.push(ScannedSection {
                        header: parsed.header,
                        line: number,
                        keys: Vec::new(),
                        problems,
                    });
                    context = Context::Inside(None);
                }
                Err(message) => {
                    out.file_problems.push(error(number, message));
                    context = Context::AfterBrokenHeader;
                }
            }
            continue;
        }

        let section = match (context, out.sections.last_mut()) {
            (Context::AfterBrokenHeader, _) => continue,
            (Context::Inside(_), Some(section)) => section,
            (Context::BeforeAnyHeader, _) | (Context::Inside(_), None) => {
                let message = match split_key_value(trimmed) {
                    Some(pair) => format!(
                        "key {} is outside any section; put it under [profile NAME] or [default]",
                        pair.key
                    ),
                    None => NOT_A_KEY.to_string(),
                };
                out.file_problems.push(error(number, message));
                continue;
            }
        };
        let Some(pair) = split_key_value(trimmed) else {
            section.problems.push(error(number, NOT_A_KEY.to_string()));
            context = Context::Inside(None);
            continue;
        };
        if not_utf8 {
            section.problems.push(error(
                number,
                format!(
                    "the value of {} contains bytes that are not UTF-8; \
                     they were replaced with U+FFFD, so the value is probably wrong",
                    pair.key
                ),
            ));
        }
        if let Some(problem) = reading_differences(&pair, number) {
            section.problems.push(problem);
        }
        if !is_valid_identifier(&pair.key) {
            section.problems.push(warning(
                number,
                format!(
                    "key `{}` is ignored: a key name has only {IDENTIFIER_CHARACTERS} \
                     (the AWS SDKs ignore it too)",
                    pair.key
                ),
            ));
            context = Context::Inside(None);
            continue;
        }
        context = Context::Inside(Some(OpenKey {
            indent,
            line: number,
            nested: pair.value.is_empty(),
            warned: false,
        }));
        section.keys.push(ScannedKey {
            key: pair.key,
            value: Cow::Borrowed(pair.value),
            line: number,
        });
    }
    out
}

/// `text.split('\n')`, by a SIMD byte search: the char search behind `split` cost about 400
/// instructions a line, 6 % of reading a 10,000-profile config (callgrind).
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut start = 0;
    memchr::memchr_iter(b'\n', text.as_bytes())
        .chain(std::iter::once(text.len()))
        .map(move |end| {
            // `\n` is ASCII, so both ends are char boundaries.
            let line = &text[start..end];
            start = end + 1;
            line
        })
}

const NOT_A_KEY: &str =
    "line is not `key = value`, a [section] header or a comment; it was ignored";

/// Adds an indented line to the open key's value: one more `name = value` sub-property for a
/// nested key, one more line of text otherwise. Both keep the line as written (comments too),
/// as the AWS CLI and SDKs do.
fn continue_value(
    section: &mut ScannedSection<'_>,
    open: &mut OpenKey,
    trimmed: &str,
    line: usize,
) {
    let Some(key) = section.keys.last_mut() else {
        return;
    };
    if open.nested {
        let before_comment = strip_inline_comment(trimmed);
        let name = before_comment.split_once('=').map(|(name, _)| name.trim());
        match name {
            Some("") => {
                section.problems.push(error(
                    line,
                    format!(
                        "sub-property of {} has no name before `=`; it was ignored",
                        key.key
                    ),
                ));
                return;
            }
            None => {
                section.problems.push(error(
                    line,
                    format!(
                        "sub-property of {} is not `name = value`; it was ignored",
                        key.key
                    ),
                ));
                return;
            }
            Some(_) => {}
        }
    } else if !open.warned
        && split_key_value(trimmed).is_some_and(|pair| is_valid_identifier(&pair.key))
    {
        open.warned = true;
        section.problems.push(warning(
            line,
            format!(
                "this line is indented deeper than `{}` on line {}, so it continues that \
                 key's value (the AWS CLI and SDKs read it so too) instead of being a key of \
                 its own; indent it like line {} to make it a key",
                key.key, open.line, open.line
            ),
        ));
    }
    let value = key.value.to_mut();
    value.push('\n');
    value.push_str(trimmed);
}

const NOT_UTF8_COMMENT: &str = "line contains bytes that are not UTF-8 (replaced with U+FFFD)";

fn error(line: usize, message: String) -> LineProblem {
    LineProblem {
        line,
        severity: Severity::Error,
        message,
    }
}

fn warning(line: usize, message: String) -> LineProblem {
    LineProblem {
        line,
        severity: Severity::Warning,
        message,
    }
}

/// One `key = value` line, split.
struct KeyValue<'t> {
    key: Cow<'t, str>,
    /// Trimmed and cut at an inline comment, as the AWS SDKs (and runas) read it.
    value: &'t str,
    /// Trimmed only, as the AWS CLI (Python's configparser) reads it.
    as_aws_cli_reads: &'t str,
    /// Written `key: value`: the AWS CLI accepts it, the other AWS SDKs reject the file.
    colon: bool,
}

/// Splits at the first `=` or `:` (the delimiters the AWS CLI's parser accepts); the key is
/// lowercased and trimmed, the value trimmed and cut at an inline comment.
fn split_key_value(trimmed: &str) -> Option<KeyValue<'_>> {
    // Both delimiters are ASCII, so a byte search finds the same place as a char search,
    // at a fraction of the cost over 10,000 profiles.
    let at = trimmed
        .bytes()
        .position(|byte| byte == b'=' || byte == b':')?;
    let key = trim(&trimmed[..at]);
    if key.is_empty() {
        return None;
    }
    let raw_value = &trimmed[at + 1..];
    let key = if key.bytes().any(|byte| byte.is_ascii_uppercase()) {
        Cow::Owned(key.to_ascii_lowercase())
    } else {
        Cow::Borrowed(key)
    };
    Some(KeyValue {
        key,
        value: strip_inline_comment(raw_value),
        as_aws_cli_reads: trim(raw_value),
        colon: trimmed.as_bytes()[at] == b':',
    })
}

/// A warning where the AWS CLI reads this line differently from runas and the other AWS
/// SDKs. `web_identity_*` keys are runas's own, which the AWS CLI never uses, so a different
/// reading there changes nothing; secret values are never repeated.
fn reading_differences(pair: &KeyValue<'_>, line: usize) -> Option<LineProblem> {
    let key = &pair.key;
    if pair.colon {
        return Some(warning(
            line,
            format!(
                "`{key}:` uses `:`; runas and the AWS CLI read it as `{key} =`, but the other \
                 AWS SDKs reject the whole file; write `{key} = ...`"
            ),
        ));
    }
    if pair.value == pair.as_aws_cli_reads || key.starts_with("web_identity_") {
        return None;
    }
    let message = if super::read::is_secret_key(key) {
        format!(
            "the value of {key} has an inline comment: runas and the AWS SDKs cut it, the AWS \
             CLI keeps it as part of the value; put the comment on a line of its own"
        )
    } else {
        format!(
            "{key} reads `{}` in runas and the AWS SDKs but `{}` in the AWS CLI, which keeps \
             inline comments in values; put the comment on a line of its own",
            pair.value, pair.as_aws_cli_reads
        )
    };
    Some(warning(line, message))
}

/// A `;` or `#` preceded by whitespace starts a comment (so `okta ; note` is `okta`, while
/// `https://host/#frag` and `C:\a;b` keep theirs). Returns the trimmed value.
fn strip_inline_comment(value: &str) -> &str {
    // `;` and `#` are ASCII, so every byte match is a char boundary; only the char before a
    // match needs decoding, and only when it is not ASCII.
    for at in memchr::memchr2_iter(b';', b'#', value.as_bytes()) {
        let before = &value[..at];
        let after_space = match before.as_bytes().last() {
            Some(&byte) if byte.is_ascii() => is_ascii_space(byte),
            Some(_) => before.chars().next_back().is_some_and(char::is_whitespace),
            None => false,
        };
        if after_space {
            return trim(before);
        }
    }
    trim(value)
}

#[cfg(test)]
mod tests;
