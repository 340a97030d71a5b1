//! Which header lines the one-profile read needs: the test every header of the file goes
//! through (10,000 of them at 10,000 profiles), so it is built to say "no" cheaply.

use crate::config::header::split_header;

/// The section names wanted, with what the quick test needs of them.
pub(super) struct Wanted<'a> {
    names: &'a [String],
    /// Whether some wanted name ends in this byte.
    last_bytes: [bool; 256],
    /// An empty name ends in no byte: every header may then name it.
    any_empty: bool,
}

impl<'a> Wanted<'a> {
    pub(super) fn new(names: &'a [String]) -> Self {
        let mut last_bytes = [false; 256];
        for last in names.iter().filter_map(|name| name.as_bytes().last()) {
            last_bytes[usize::from(*last)] = true;
        }
        Wanted {
            names,
            last_bytes,
            any_empty: names.iter().any(String::is_empty),
        }
    }

    /// Whether the header line at the start of `text` names one of these. `closer`, when the
    /// caller knows it, is where the first `]` or newline of `text` is.
    ///
    /// Most headers name none, so a byte test comes first: a name the full read splits out
    /// ends just before `]`, but for whitespace this test does not trim (a multi-byte
    /// character, a vertical tab). The last byte is looked up before any name is compared:
    /// nearly every header ends in a byte no wanted name ends in, and a call into `memcmp` per
    /// header and wanted name was 8 % of a cached call at 10,000 profiles.
    pub(super) fn named_by(&self, text: &[u8], closer: Option<usize>) -> bool {
        let Some(close) = closer.or_else(|| memchr::memchr2(b']', b'\n', text)) else {
            // A header without `]` is broken and names nothing.
            return false;
        };
        if text.get(close) != Some(&b']') {
            return false;
        }
        let before_bracket = text[..close].trim_ascii_end();
        // A vertical tab is the one ASCII character `str::trim` removes and `trim_ascii_end`
        // keeps.
        let certain_last = before_bracket
            .last()
            .filter(|&&byte| byte.is_ascii() && byte != 0x0b);
        if let Some(&last) = certain_last {
            let may_name = self.any_empty
                || (self.last_bytes[usize::from(last)]
                    && (self.names.iter()).any(|name| before_bracket.ends_with(name.as_bytes())));
            if !may_name {
                return false;
            }
        }
        header_name(text).is_some_and(|name| self.names.iter().any(|wanted| wanted == name))
    }
}

/// Whether the text before a `[` on its line may be indentation: anything but whitespace (a
/// value, a comment) makes the `[` no header. Bytes of a multi-byte character count as
/// possible (Unicode) whitespace.
pub(super) fn maybe_header(lead: &[u8]) -> bool {
    lead.iter()
        .all(|&byte| matches!(byte, b' ' | b'\t' | b'\r' | 0x0b | 0x0c) || !byte.is_ascii())
}

/// The name the header line at the start of `text` gives, split as the full read splits it.
fn header_name(text: &[u8]) -> Option<&str> {
    let end = memchr::memchr(b'\n', text).unwrap_or(text.len());
    let line = std::str::from_utf8(&text[..end]).ok()?;
    split_header(line.trim()).ok().map(|(_, name, _)| name)
}
