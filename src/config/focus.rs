//! Reading one profile without reading the whole file: the fast path of the commands that
//! hand out one profile's credentials (`credential-process`, `env`, `exec`, `login`), whose
//! cost must not grow with a config of 10,000 profiles (ARCHITECTURE.md: Scale).
//!
//! A line that starts with `[` at column 0 is always a section header, whatever came before
//! it, and the scanner forgets everything at such a line. So the file is cut there into
//! pieces with one byte search, and only the pieces a profile can depend on are scanned and
//! typed, by the very code the full read uses (`scan`, `read`, `sections`, `profile`):
//! every section named like the profile, `default`, each `source_profile` of the chain and
//! each `sso_session` (in both files), plus any piece holding an indented `[` line, which may
//! hide a header of its own. Naming is checked by name only, so a piece read without need
//! (an `[sso-session P]` beside `[profile P]`) costs time, never a different answer.
//!
//! It returns `None` whenever it cannot vouch for giving what the full read gives: no such
//! profile (the full read names similar ones), bytes that are not UTF-8 in a piece it needs,
//! or a profile of kind `other` with `web_identity_*` keys and no `role_arn`, whose warning
//! depends on whether any profile anywhere names it as its source. The tests hold it to the
//! full read on every fixture and on the AWS SDKs' parser suite. It never touches the
//! network or the cache.

use std::path::Path;

use super::header::split_header;
use super::scan::{self, Scan};
use super::{Config, ConfigError, ProfileKind};

/// One stretch of a file from a column-0 `[` line (or the file's start) up to the next.
struct Piece<'t> {
    text: &'t [u8],
    /// 1-based number of its first line.
    line: usize,
    /// The name in its header; `None` before the first header or for a broken header.
    name: Option<&'t str>,
    /// It holds an indented line starting with `[`, which may be a header too: such a piece
    /// is always read.
    hidden_headers: bool,
}

/// The config file at `config_path` read for profile `name` alone, with the credentials file
/// when one is given; `Ok(None)` when the caller must read everything instead (see the module
/// documentation). Fails as [`super::load`] fails when the config cannot be read.
pub fn load_profile(
    config_path: &Path,
    credentials_path: Option<&Path>,
    name: &str,
) -> Result<Option<Config>, ConfigError> {
    let config = super::read_bytes(config_path)?;
    let credentials = match credentials_path {
        None => None,
        Some(path) => match super::read_bytes(path) {
            Ok(bytes) => Some((path, bytes)),
            // No credentials file is the normal case: the full read ignores it too.
            Err(ConfigError::Missing { .. }) => None,
            // Anything else becomes a warning that only the full read gives.
            Err(_) => return Ok(None),
        },
    };
    let credentials = credentials
        .as_ref()
        .map(|(path, bytes)| (*path, bytes.as_slice()));
    Ok(parse_profile(config_path, &config, credentials, name))
}

/// [`load_profile`] on texts already read: what the full read
/// ([`super::parse_with_credentials`]) gives for `name`, its `source_profile` chain, `default`
/// and their sso-sessions, or `None`.
pub fn parse_profile(
    config_path: &Path,
    config_text: &[u8],
    credentials: Option<(&Path, &[u8])>,
    name: &str,
) -> Option<Config> {
    let config_pieces = pieces(config_text);
    let credentials_pieces = credentials.map(|(path, text)| (path, pieces(text)));
    let mut wanted = vec![name.to_owned(), "default".to_owned()];
    loop {
        let config_scan = scan_wanted(&config_pieces, &wanted)?;
        let credentials_scan = match &credentials_pieces {
            Some((path, pieces)) => Some((*path, scan_wanted(pieces, &wanted)?)),
            None => None,
        };
        let config = super::assemble(config_path, config_scan, credentials_scan);
        let known = wanted.len();
        let depended_on = config
            .profiles
            .iter()
            .filter(|profile| wanted.contains(&profile.name))
            .flat_map(|profile| {
                let session = profile.get("sso_session").map(|entry| &entry.value);
                [profile.source_profile.as_ref(), session]
            })
            .flatten()
            .cloned()
            .collect::<Vec<String>>();
        for dependency in depended_on {
            if !wanted.contains(&dependency) {
                wanted.push(dependency);
            }
        }
        if wanted.len() == known {
            let profile = config.profile(name)?;
            // Its one warning ("web_identity_* keys but no role_arn") is left out when any
            // profile anywhere names it as its source, which only the full read can know.
            let warning_may_differ = profile.kind == ProfileKind::Other
                && profile.get("role_arn").is_none()
                && (profile.entries.iter()).any(|entry| entry.key.starts_with("web_identity_"));
            return (!warning_may_differ).then_some(config);
        }
    }
}

/// The pieces of a file, in order.
fn pieces(text: &[u8]) -> Vec<Piece<'_>> {
    // The scanner skips a byte-order mark; line 1 then starts after it.
    let text = text.strip_prefix("\u{feff}".as_bytes()).unwrap_or(text);
    let mut starts: Vec<(usize, bool)> = vec![(0, false)];
    for at in memchr::memchr_iter(b'[', text) {
        let line_start = memchr::memrchr(b'\n', &text[..at]).map_or(0, |newline| newline + 1);
        if line_start == at {
            if at > 0 {
                starts.push((at, false));
            }
            continue;
        }
        // Anything but whitespace before the `[` (a value, a comment) makes it no header.
        // Bytes of a multi-byte character count as possible (Unicode) whitespace.
        let lead = &text[line_start..at];
        let maybe_header = lead
            .iter()
            .all(|&byte| matches!(byte, b' ' | b'\t' | b'\r' | 0x0b | 0x0c) || !byte.is_ascii());
        if maybe_header && let Some(current) = starts.last_mut() {
            current.1 = true;
        }
    }
    let mut line = 1;
    let mut pieces = Vec::with_capacity(starts.len());
    for (index, &(start, hidden_headers)) in starts.iter().enumerate() {
        let end = starts.get(index + 1).map_or(text.len(), |next| next.0);
        let piece = &text[start..end];
        pieces.push(Piece {
            text: piece,
            line,
            name: header_name(piece),
            hidden_headers,
        });
        line += count_newlines(piece);
    }
    pieces
}

/// The name the header line opening `piece` gives, split as the full read splits it.
fn header_name(piece: &[u8]) -> Option<&str> {
    if piece.first() != Some(&b'[') {
        return None;
    }
    let end = memchr::memchr(b'\n', piece).unwrap_or(piece.len());
    let line = std::str::from_utf8(&piece[..end]).ok()?;
    split_header(line.trim()).ok().map(|(_, name, _)| name)
}

fn count_newlines(bytes: &[u8]) -> usize {
    // A plain filter-count: the compiler vectorises it, so a 2 MB file costs tens of µs.
    bytes.iter().filter(|&&byte| byte == b'\n').count()
}

/// The wanted pieces scanned as the full read scans them, with their own line numbers.
/// `None` when one of them is not UTF-8 (the full read then reports the lines).
fn scan_wanted<'t>(pieces: &[Piece<'t>], wanted: &[String]) -> Option<Scan<'t>> {
    let mut out = Scan::default();
    let needed = pieces.iter().filter(|piece| {
        piece.hidden_headers
            || piece
                .name
                .is_some_and(|name| wanted.iter().any(|w| w == name))
    });
    for piece in needed {
        let text = std::str::from_utf8(piece.text).ok()?;
        let scanned = scan::scan_from(text, piece.line, &[]);
        out.sections.extend(scanned.sections);
        out.file_problems.extend(scanned.file_problems);
    }
    Some(out)
}

#[cfg(test)]
#[path = "focus_tests.rs"]
mod tests;
