//! A large file scanned and read into entries as two halves at once: the TUI's first frame at
//! 10,000 profiles waits for the whole config, and the line scan with its entries was the
//! larger half of reading it (callgrind). The cut is at a line starting with `[` at column 0,
//! where the scanner forgets everything the lines before decided (`scan::scan_from`), so each
//! half scans exactly as it does inside the whole file, with its own line numbers; the halves'
//! sections and problems are put back in file order. Small files are read on one thread:
//! starting a second costs more than it saves.

use std::thread;

use super::read;
use super::scan::{self, Scan};
use super::types::Entry;

/// Below this many bytes one thread reads the file (a 10,000-profile config is about 2 MB).
const TWO_THREADS_FROM: usize = 256 * 1024;

/// A file scanned, with each section's keys read into entries (`read::section_entries`).
pub(super) struct Scanned<'t> {
    pub scan: Scan<'t>,
    pub entries: Vec<Vec<Entry>>,
}

/// The whole file (after a byte-order mark) scanned from line 1 and read into entries, on two
/// threads when `text` is large.
pub(super) fn scan_and_read<'t>(text: &'t str, non_utf8_lines: &[usize]) -> Scanned<'t> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let cut = (text.len() >= TWO_THREADS_FROM)
        .then(|| cut_near_middle(text))
        .flatten();
    match cut {
        Some(cut) => scan_halves(text, cut, non_utf8_lines),
        None => scan_whole(text, 1, non_utf8_lines),
    }
}

impl<'t> Scanned<'t> {
    /// Each section's keys of `scan` read into entries.
    pub(super) fn new(mut scan: Scan<'t>) -> Self {
        let entries = read::section_entries(&mut scan);
        Scanned { scan, entries }
    }
}

fn scan_whole<'t>(text: &'t str, first_line: usize, non_utf8_lines: &[usize]) -> Scanned<'t> {
    Scanned::new(scan::scan_from(text, first_line, non_utf8_lines))
}

/// The start of the first line at or after the middle that begins with `[`.
fn cut_near_middle(text: &str) -> Option<usize> {
    let middle = text.len() / 2;
    memchr::memmem::find(&text.as_bytes()[middle..], b"\n[").map(|at| middle + at + 1)
}

/// `text` (without a byte-order mark) read as two halves, the second starting at byte `cut`,
/// which starts a line beginning with `[`.
fn scan_halves<'t>(text: &'t str, cut: usize, non_utf8_lines: &[usize]) -> Scanned<'t> {
    // The first half ends before the newline that ends its last line: with the newline, the
    // scanner would see one more, empty line, numbered like the second half's first line (and
    // warn about it if that line holds bytes that are not UTF-8).
    let first = &text[..cut - 1];
    let second = &text[cut..];
    let second_line = 1 + memchr::memchr_iter(b'\n', &text.as_bytes()[..cut]).count();
    let (mut whole, later) = thread::scope(|scope| {
        let later = thread::Builder::new()
            .spawn_scoped(scope, || scan_whole(second, second_line, non_utf8_lines));
        let earlier = scan_whole(first, 1, non_utf8_lines);
        let later = match later {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            // No thread to be had (a process limit): read the second half here.
            Err(_) => scan_whole(second, second_line, non_utf8_lines),
        };
        (earlier, later)
    });
    whole.scan.sections.extend(later.scan.sections);
    whole.scan.file_problems.extend(later.scan.file_problems);
    whole.entries.extend(later.entries);
    whole
}

#[cfg(test)]
#[path = "halves_tests.rs"]
mod tests;
