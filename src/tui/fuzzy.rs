//! The `/` filter's matcher: the query's characters in order, not necessarily adjacent
//! (`dadm` finds `dev-admin`). Pure; knows nothing about profiles.

/// A score (higher is better) when every character of `query` appears in `text` in order,
/// else `None`. Both are expected lowercased. Adjacent matches and an early start score higher.
pub fn score(query: &str, text: &str) -> Option<i64> {
    let mut score = 0i64;
    let mut last_match: Option<usize> = None;
    let mut chars = text.char_indices();
    for wanted in query.chars().filter(|c| !c.is_whitespace()) {
        let (position, _) = chars.by_ref().find(|(_, c)| *c == wanted)?;
        score += match last_match {
            Some(previous) if position == previous + 1 => 5,
            Some(_) => 1,
            None => 10 - (position as i64).min(9),
        };
        last_match = Some(position);
    }
    Some(score)
}

#[cfg(test)]
mod tests {
    use super::score;

    #[test]
    fn characters_in_order_match_and_out_of_order_do_not() {
        assert!(score("dadm", "dev-admin").is_some());
        assert!(score("mda", "dev-admin").is_none());
        assert!(score("", "anything").is_some());
    }

    #[test]
    fn a_contiguous_match_beats_a_scattered_one() {
        let contiguous = score("adm", "admin").unwrap();
        let scattered = score("adm", "a-d-m").unwrap();
        assert!(contiguous > scattered, "{contiguous} vs {scattered}");
    }
}
