//! Reading one profile without reading the whole file: the fast path of the commands that
//! hand out one profile's credentials (`credential-process`, `env`, `exec`, `login`), whose
//! cost must not grow with a config of 10,000 profiles (ARCHITECTURE.md: Scale).
//!
//! A line that starts with `[` at column 0 is always a section header, whatever came before
//! it, and the scanner forgets everything at such a line. So the file is cut there into
//! pieces in one pass over each block (`brackets`), and only the pieces a profile can depend
//! on are scanned and typed, by the very code the full read uses (`scan`, `read`, `sections`,
//! `profile`):
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

use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use super::brackets;
use super::halves::Scanned;
use super::scan::{self, Scan};
use super::{Config, ConfigError, ProfileKind};

mod wanted;
use wanted::{Wanted, maybe_header};

/// How much of the file one read brings in. The file is streamed through this one buffer, not
/// read whole: at 10,000 profiles a 2.4 MB buffer cost more in page faults (about 600 of
/// them, each expensive in a virtual machine) than everything else on the fast path.
const BLOCK: usize = 64 * 1024;

const BYTE_ORDER_MARK: &[u8] = "\u{feff}".as_bytes();

/// A needed piece: a stretch of the file from a column-0 `[` line (or the file's start) up
/// to the next, that is named in the wanted set or holds an indented `[` line (which may be a
/// header too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: u64,
    end: u64,
    /// 1-based number of its first line.
    line: usize,
}

/// A needed piece's text and first line.
type PieceText = (usize, String);

/// The config file at `config_path` read for profile `name` alone, with the credentials file
/// when one is given; `Ok(None)` when the caller must read everything instead (see the module
/// documentation). Fails as [`super::load`] fails when the config cannot be read.
pub fn load_profile(
    config_path: &Path,
    credentials_path: Option<&Path>,
    name: &str,
) -> Result<Option<Config>, ConfigError> {
    let mut config = super::open_file(config_path)?;
    let mut credentials = match credentials_path {
        None => None,
        Some(path) => match super::open_file(path) {
            Ok(file) => Some((path, file)),
            // No credentials file is the normal case: the full read ignores it too.
            Err(ConfigError::Missing { .. }) => None,
            // Anything else becomes a warning that only the full read gives.
            Err(_) => return Ok(None),
        },
    };
    let credentials = credentials.as_mut().map(|(path, file)| (*path, file));
    Ok(focus(config_path, &mut config, credentials, name, BLOCK))
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
    parse_profile_in_blocks(config_path, config_text, credentials, name, BLOCK)
}

fn parse_profile_in_blocks(
    config_path: &Path,
    config_text: &[u8],
    credentials: Option<(&Path, &[u8])>,
    name: &str,
    block: usize,
) -> Option<Config> {
    let mut config = io::Cursor::new(config_text);
    let mut credentials = credentials.map(|(path, text)| (path, io::Cursor::new(text)));
    let credentials = credentials.as_mut().map(|(path, text)| (*path, text));
    focus(config_path, &mut config, credentials, name, block)
}

fn focus<C: Read + Seek, K: Read + Seek>(
    config_path: &Path,
    config_file: &mut C,
    mut credentials: Option<(&Path, &mut K)>,
    name: &str,
    block: usize,
) -> Option<Config> {
    let mut wanted = vec![name.to_owned(), "default".to_owned()];
    loop {
        let config_pieces = needed_pieces(config_file, block, &wanted)?;
        let credentials_pieces = match &mut credentials {
            Some((path, file)) => Some((*path, needed_pieces(*file, block, &wanted)?)),
            None => None,
        };
        let config = super::assemble(
            config_path,
            Scanned::new(scan_pieces(&config_pieces)),
            credentials_pieces
                .as_ref()
                .map(|(path, pieces)| (*path, Scanned::new(scan_pieces(pieces)))),
        );
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

/// The needed pieces' texts, read from the same open file the spans were found in. `None`
/// when the file cannot be read to the end or a needed piece is not UTF-8 (the full read
/// then reports the lines).
fn needed_pieces<R: Read + Seek>(
    file: &mut R,
    block: usize,
    wanted: &[String],
) -> Option<Vec<PieceText>> {
    let length = file.seek(SeekFrom::End(0)).ok()?;
    file.seek(SeekFrom::Start(0)).ok()?;
    let spans = find_spans(file, length, block, wanted).ok()?;
    spans
        .iter()
        .map(|span| {
            file.seek(SeekFrom::Start(span.start)).ok()?;
            let length = usize::try_from(span.end - span.start).ok()?;
            let mut bytes = vec![0; length];
            file.read_exact(&mut bytes).ok()?;
            Some((span.line, String::from_utf8(bytes).ok()?))
        })
        .collect()
}

/// The pieces scanned as the full read scans them, each with its own line numbers.
fn scan_pieces(pieces: &[PieceText]) -> Scan<'_> {
    let mut out = Scan::default();
    for (line, text) in pieces {
        let scanned = scan::scan_from(text, *line, &[]);
        out.sections.extend(scanned.sections);
        out.file_problems.extend(scanned.file_problems);
    }
    out
}

/// The piece being read: where it starts and whether it is needed so far.
struct Current {
    start: u64,
    /// 1-based number of its first line.
    line: usize,
    named: bool,
    hidden_headers: bool,
}

impl Current {
    fn close(self, end: u64, spans: &mut Vec<Span>) {
        if self.named || self.hidden_headers {
            spans.push(Span {
                start: self.start,
                end,
                line: self.line,
            });
        }
    }
}

/// One pass over the file, of about `length` bytes, through a buffer of at most `block` bytes
/// (more only for a longer line): the spans of the pieces named in `wanted` or holding an
/// indented `[` line. The buffer always starts at a line start, and only complete lines are
/// looked at.
fn find_spans<R: Read>(
    file: &mut R,
    length: u64,
    block: usize,
    wanted: &[String],
) -> io::Result<Vec<Span>> {
    let mut spans = Vec::new();
    // Zeroed once, and no larger than the file: zeroing a whole block for a config of a few
    // hundred bytes was a tenth of a cached call's instructions. `filled` says how much of it
    // holds the file; one `read` fills the rest, so a block costs one system call (reading
    // into spare capacity with `read_to_end` took four, 165 calls for a 2.4 MB config).
    let room = usize::try_from(length.saturating_add(1)).unwrap_or(block);
    let mut buffer: Vec<u8> = vec![0; block.min(room).max(1)];
    let mut filled = 0;
    // The file offset and line number of `buffer[0]`.
    let mut offset: u64 = 0;
    let mut line = 1;
    let wanted = Wanted::new(wanted);
    let mut current = Current {
        start: 0,
        line: 1,
        named: false,
        hidden_headers: false,
    };
    loop {
        if filled == buffer.len() {
            // A line longer than the buffer.
            buffer.resize(buffer.len() + block, 0);
        }
        let read = loop {
            match file.read(&mut buffer[filled..]) {
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                other => break other?,
            }
        };
        let newly = filled;
        filled += read;
        let at_end = read == 0;
        let complete = match memchr::memrchr(b'\n', &buffer[newly..filled]) {
            _ if at_end => filled,
            Some(newline) => newly + newline + 1,
            // No line ends in what was read: read on.
            None => continue,
        };
        // The scanner skips a byte-order mark; line 1 then starts after it.
        let from = if offset == 0 && buffer.starts_with(BYTE_ORDER_MARK) {
            BYTE_ORDER_MARK.len()
        } else {
            0
        };
        if offset == 0 {
            current.start = from as u64;
        }
        let region = &buffer[..complete];
        let lines = &region[from..];
        let newlines = brackets::scan(lines, |bracket| {
            let at = bracket.at;
            if bracket.opens_line {
                let start = offset + (from + at) as u64;
                let next = Current {
                    start,
                    line: line + bracket.newlines_before,
                    named: wanted.named_by(&lines[at..], bracket.closer.map(|closer| closer - at)),
                    hidden_headers: false,
                };
                std::mem::replace(&mut current, next).close(start, &mut spans);
            } else {
                let line_start = memchr::memrchr(b'\n', &lines[..at]).map_or(0, |nl| nl + 1);
                if maybe_header(&lines[line_start..at]) {
                    current.hidden_headers = true;
                }
            }
        });
        line += newlines;
        offset += complete as u64;
        buffer.copy_within(complete..filled, 0);
        filled -= complete;
        if at_end {
            current.close(offset, &mut spans);
            return Ok(spans);
        }
    }
}

#[cfg(test)]
#[path = "focus_tests.rs"]
mod tests;
