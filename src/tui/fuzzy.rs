//! The `/` filter's matcher: ranks candidates against a query with nucleo-matcher (the matcher
//! of helix and television), so the closest match comes first, and says which characters of a
//! candidate's name matched so the list can highlight them. A query is words separated by
//! spaces, all of which must match one field; fzf's syntax works within a word (`^dev` at the
//! start, `admin$` at the end, `'exact`, `!not`). Pure; knows nothing about profiles.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

/// One candidate the query matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked {
    /// Its position among the candidates given.
    pub index: usize,
    /// Higher is better: the best score among its fields.
    pub score: u32,
    /// Character positions in its name that matched (empty when only another field did).
    pub name_positions: Vec<u32>,
}

/// The candidates (`name`, searchable fields) that `query` matches, best first; equal scores
/// keep the order they were given in. An empty query matches nothing here: the caller shows
/// everything unranked instead.
pub fn rank<'a, Fields: IntoIterator<Item = &'a str>>(
    query: &str,
    candidates: impl IntoIterator<Item = (&'a str, Fields)>,
) -> Vec<Ranked> {
    let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
    if pattern.atoms.is_empty() {
        return Vec::new();
    }
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut buffer = Vec::new();
    let mut ranked: Vec<Ranked> = candidates
        .into_iter()
        .enumerate()
        .filter_map(|(index, (name, fields))| {
            let score = fields
                .into_iter()
                .filter_map(|field| pattern.score(Utf32Str::new(field, &mut buffer), &mut matcher))
                .max()?;
            let mut name_positions = Vec::new();
            if pattern
                .indices(
                    Utf32Str::new(name, &mut buffer),
                    &mut matcher,
                    &mut name_positions,
                )
                .is_some()
            {
                name_positions.sort_unstable();
                name_positions.dedup();
            } else {
                name_positions.clear();
            }
            Some(Ranked {
                index,
                score,
                name_positions,
            })
        })
        .collect();
    // Stable: ties keep the grouped order.
    ranked.sort_by_key(|ranked| std::cmp::Reverse(ranked.score));
    ranked
}

#[cfg(test)]
mod tests {
    use super::rank;

    fn names(query: &str, candidates: &[&str]) -> Vec<String> {
        rank(query, candidates.iter().map(|name| (*name, [*name])))
            .into_iter()
            .map(|ranked| candidates[ranked.index].to_string())
            .collect()
    }

    #[test]
    fn characters_in_order_match_and_out_of_order_do_not() {
        assert_eq!(names("dadm", &["dev-admin", "prod"]), ["dev-admin"]);
        assert!(names("mda", &["dev-admin"]).is_empty());
        assert!(names("", &["anything"]).is_empty());
    }

    #[test]
    fn the_closest_match_comes_first_whatever_the_given_order() {
        // The complaint that started this: `p0999` listed p09919 before p09990.
        let ranked = names("p0999", &["p09919", "p09990", "p00999"]);
        assert_eq!(ranked.len(), 3, "{ranked:?}");
        assert_eq!(ranked[0], "p09990", "{ranked:?}");
        assert_eq!(names("adm", &["a-d-m", "admin"]), ["admin", "a-d-m"]);
    }

    #[test]
    fn equal_scores_keep_the_given_order() {
        assert_eq!(names("dev", &["dev-b", "dev-a"]), ["dev-b", "dev-a"]);
    }

    #[test]
    fn matched_characters_of_the_name_are_reported() {
        let ranked = rank("dadm", [("Dev-Admin", ["Dev-Admin"])]);
        assert_eq!(ranked[0].name_positions, [0, 4, 5, 6]);
    }

    #[test]
    fn a_match_in_another_field_ranks_without_name_positions() {
        let ranked = rank("1234", [("dev", ["dev", "123456789012"])]);
        assert_eq!(ranked.len(), 1);
        assert!(ranked[0].name_positions.is_empty());
    }
}
