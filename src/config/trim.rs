//! `str::trim`, `trim_start` and `trim_end` for the reading of a config, with the same answers
//! but ASCII edges decided byte by byte. The standard ones decode every character they look
//! at and consult Unicode's whitespace table; a config's lines are nearly all ASCII, and at
//! 10,000 profiles trimming each line, key and value was a tenth of the scan (callgrind). An
//! edge that is not ASCII is left to the standard function, so any Unicode whitespace (a
//! no-break space, U+3000) is trimmed exactly as before.

/// The ASCII characters `char::is_whitespace` accepts: U+0009 to U+000D and the space.
/// (`u8::is_ascii_whitespace` leaves out U+000B, the vertical tab, which `str::trim` removes.)
pub(super) fn is_ascii_space(byte: u8) -> bool {
    matches!(byte, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ')
}

/// `text.trim()`.
pub(super) fn trim(text: &str) -> &str {
    trim_end(trim_start(text))
}

/// `text.trim_start()`.
pub(super) fn trim_start(text: &str) -> &str {
    let start = text
        .bytes()
        .position(|byte| !is_ascii_space(byte))
        .unwrap_or(text.len());
    // Every byte before `start` is ASCII, so it is a character boundary.
    let rest = &text[start..];
    match rest.as_bytes().first() {
        Some(byte) if !byte.is_ascii() => rest.trim_start(),
        _ => rest,
    }
}

/// `text.trim_end()`.
pub(super) fn trim_end(text: &str) -> &str {
    let end = text
        .bytes()
        .rposition(|byte| !is_ascii_space(byte))
        .map_or(0, |last| last + 1);
    // Every byte from `end` on is ASCII, so it is a character boundary.
    let rest = &text[..end];
    match rest.as_bytes().last() {
        Some(byte) if !byte.is_ascii() => rest.trim_end(),
        _ => rest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every string of up to four pieces drawn from ASCII and Unicode whitespace, characters
    /// that are whitespace in other tables but not in Rust's (U+001C, U+200B) and plain text.
    #[test]
    fn trims_exactly_as_the_standard_functions_do() {
        let pieces = [
            " ", "\t", "\n", "\r", "\u{b}", "\u{c}", "\u{1c}", "\u{85}", "\u{a0}", "\u{3000}",
            "\u{2028}", "\u{200b}", "a", "é", "= x", "日本",
        ];
        let mut texts = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = texts
                .iter()
                .flat_map(|text| pieces.iter().map(move |piece| format!("{text}{piece}")))
                .collect();
            texts.extend(longer);
        }
        texts.sort();
        texts.dedup();
        assert!(texts.len() > 60_000, "{} texts", texts.len());
        for text in &texts {
            assert_eq!(trim(text), text.trim(), "{text:?}");
            assert_eq!(trim_start(text), text.trim_start(), "{text:?}");
            assert_eq!(trim_end(text), text.trim_end(), "{text:?}");
        }
    }
}
