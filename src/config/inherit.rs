//! The `source_profile` graph: which profile each one names, which names are missing, which
//! profiles sit on (or lead into) a cycle, and, for the aws-runas inheritance of shared
//! `web_identity_*` keys, which profile supplies each inheritable setting. Most specific wins:
//! the profile's own key, then its source chain nearest first, then `[default]`.
//! Every walk is iterative and memoised, so a chain of 10,000 profiles costs linear time and
//! no stack. It sees only names, indices and a "has this key" predicate; values are not its job.

/// Why a profile's `source_profile` cannot be followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum SourceProblem {
    Missing(String),
    /// The profile is on this cycle, written from its own point of view (`a -> b -> a`).
    Cycle(String),
    /// The chain reaches a cycle it is not part of.
    LeadsIntoCycle(String),
}

impl SourceProblem {
    pub(super) fn message(&self) -> String {
        match self {
            SourceProblem::Missing(name) => format!(
                "source_profile = {name} names a profile that does not exist; \
                 expected the name of a [profile NAME] section in the config file or a \
                 [NAME] section in the credentials file"
            ),
            SourceProblem::Cycle(cycle) => format!(
                "source_profile forms a cycle: {cycle}; a chain must end at a profile \
                 without source_profile"
            ),
            SourceProblem::LeadsIntoCycle(cycle) => format!(
                "source_profile chain leads into the cycle {cycle}, so it never reaches \
                 a profile with credentials"
            ),
        }
    }
}

pub(super) struct SourceGraph {
    /// The profile each one's `source_profile` points at, when it can be followed.
    pub source: Vec<Option<usize>>,
    pub problems: Vec<Option<SourceProblem>>,
}

/// The longest cycle spelled out in full in a message; longer ones are abbreviated.
const CYCLE_NAMES_SHOWN: usize = 8;

/// `names[i]` is profile i; `sources[i]` its `source_profile` value; `self_source_ok[i]` is
/// true when a `source_profile` naming itself is the AWS CLI's "use my own keys" idiom.
pub(super) fn source_graph(
    names: &[&str],
    sources: &[Option<&str>],
    self_source_ok: &[bool],
) -> SourceGraph {
    let count = names.len();
    let index: super::FastMap<&str, usize> =
        names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let mut graph = SourceGraph {
        source: vec![None; count],
        problems: vec![None; count],
    };
    for (profile, wanted) in sources.iter().enumerate() {
        let Some(wanted) = wanted else { continue };
        match index.get(wanted) {
            Some(&target) if target == profile && self_source_ok[profile] => {}
            Some(&target) => graph.source[profile] = Some(target),
            None => graph.problems[profile] = Some(SourceProblem::Missing(wanted.to_string())),
        }
    }

    // Walk each unvisited chain once; `on_path[i]` is i's position on the current walk.
    const UNVISITED: usize = usize::MAX;
    let mut on_path = vec![UNVISITED; count];
    let mut done = vec![false; count];
    let mut cycle_text: Vec<Option<String>> = vec![None; count];
    let mut path = Vec::new();
    for start in 0..count {
        let mut current = start;
        path.clear();
        let mut cycle_start = None;
        while !done[current] && on_path[current] == UNVISITED {
            on_path[current] = path.len();
            path.push(current);
            match graph.source[current] {
                Some(next) if on_path[next] != UNVISITED => {
                    cycle_start = Some(on_path[next]);
                    break;
                }
                Some(next) => current = next,
                None => break,
            }
        }
        if let Some(first) = cycle_start {
            let members = &path[first..];
            for (offset, &member) in members.iter().enumerate() {
                let text = describe_cycle(names, members, offset);
                graph.problems[member] = Some(SourceProblem::Cycle(text.clone()));
                cycle_text[member] = Some(text);
            }
        }
        // Unwind nearest-to-the-end first, so each node's source is settled before it.
        for &node in path.iter().rev() {
            on_path[node] = UNVISITED;
            done[node] = true;
            if cycle_text[node].is_some() {
                continue;
            }
            if let Some(source) = graph.source[node]
                && let Some(text) = cycle_text[source].clone()
            {
                graph.problems[node] = Some(SourceProblem::LeadsIntoCycle(text.clone()));
                cycle_text[node] = Some(text);
            }
        }
    }
    graph
}

fn describe_cycle(names: &[&str], members: &[usize], offset: usize) -> String {
    let len = members.len();
    let name = |step: usize| names[members[(offset + step) % len]];
    if len <= CYCLE_NAMES_SHOWN {
        let mut parts: Vec<&str> = (0..len).map(name).collect();
        parts.push(name(0));
        parts.join(" -> ")
    } else {
        format!(
            "{} -> {} -> ... ({len} profiles) -> {}",
            name(0),
            name(1),
            name(0)
        )
    }
}

/// The profile that fills a slot, if any, in four bytes: the table holds one per slot and
/// profile (12 at each of 10,000 profiles), and as `Option<usize>`, with a second table to
/// build it in, it was about 1,000 page faults of a TUI's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Supplier(u32);

impl Supplier {
    const NONE: Supplier = Supplier(u32::MAX);

    fn of(profile: usize) -> Supplier {
        // Cannot fail for a config held in memory: u32::MAX sections take at least three
        // bytes each in the file ("[a]") and far more in their parsed form.
        Supplier(u32::try_from(profile).expect("fewer than 4 billion profiles"))
    }

    /// The profile's index, `None` when no profile fills the slot.
    pub(super) fn get(self) -> Option<usize> {
        (self != Supplier::NONE).then_some(self.0 as usize)
    }
}

/// For every profile and every slot: the profile whose key fills it, if any.
/// `has(profile, slot)` says whether the profile itself writes that slot.
pub(super) fn slot_suppliers<const SLOTS: usize>(
    graph: &SourceGraph,
    default_profile: Option<usize>,
    has: impl Fn(usize, usize) -> bool,
) -> Vec<[Supplier; SLOTS]> {
    let count = graph.source.len();
    // Filled in place, each chain from its far end; `resolved` says whose row is final.
    let mut table = vec![[Supplier::NONE; SLOTS]; count];
    let mut resolved = vec![false; count];
    let mut path = Vec::new();
    for start in 0..count {
        // Collect the unresolved part of the chain, then fill it from its far end.
        let mut current = Some(start);
        path.clear();
        while let Some(node) = current {
            // A cycle member ends the walk below, so every walk terminates.
            if resolved[node] {
                break;
            }
            path.push(node);
            current = match &graph.problems[node] {
                Some(SourceProblem::Cycle(_)) => None,
                _ => graph.source[node],
            };
        }
        for &node in path.iter().rev() {
            let inherited = match (&graph.problems[node], graph.source[node]) {
                (Some(SourceProblem::Cycle(_)), _) | (_, None) => None,
                (_, Some(source)) => Some(table[source]),
            };
            for slot in 0..SLOTS {
                table[node][slot] = if has(node, slot) {
                    Supplier::of(node)
                } else {
                    inherited.map_or(Supplier::NONE, |up| up[slot])
                };
            }
            resolved[node] = true;
        }
    }
    // `default` fills what a profile's chain leaves open, after every chain is settled: a
    // chain's rows are inherited without it.
    if let Some(default) = default_profile {
        for (node, slots) in table.iter_mut().enumerate() {
            if node == default {
                continue;
            }
            for (slot, supplier) in slots.iter_mut().enumerate() {
                if *supplier == Supplier::NONE && has(default, slot) {
                    *supplier = Supplier::of(default);
                }
            }
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(pairs: &[(&str, Option<&str>)]) -> SourceGraph {
        let names: Vec<&str> = pairs.iter().map(|(n, _)| *n).collect();
        let sources: Vec<Option<&str>> = pairs.iter().map(|(_, s)| *s).collect();
        source_graph(&names, &sources, &vec![false; names.len()])
    }

    #[test]
    fn missing_sources_and_cycles_are_named() {
        let g = graph(&[
            ("a", Some("b")),
            ("b", Some("a")),
            ("c", Some("a")),
            ("d", Some("nope")),
            ("e", Some("e")),
            ("f", None),
        ]);
        assert_eq!(
            g.problems[0],
            Some(SourceProblem::Cycle("a -> b -> a".into()))
        );
        assert_eq!(
            g.problems[1],
            Some(SourceProblem::Cycle("b -> a -> b".into()))
        );
        assert_eq!(
            g.problems[2],
            Some(SourceProblem::LeadsIntoCycle("a -> b -> a".into()))
        );
        assert_eq!(g.problems[3], Some(SourceProblem::Missing("nope".into())));
        assert_eq!(g.problems[4], Some(SourceProblem::Cycle("e -> e".into())));
        assert_eq!(g.problems[5], None);
    }

    #[test]
    fn a_profile_naming_itself_with_its_own_keys_is_not_a_cycle() {
        let g = source_graph(&["a"], &[Some("a")], &[true]);
        assert_eq!(g.problems[0], None);
        assert_eq!(g.source[0], None);
    }

    #[test]
    fn most_specific_supplier_wins() {
        // 0 = default, 1 -> 2 -> 3; slot 0 written by 3 and 1, slot 1 by 3 only,
        // slot 2 only by default.
        let g = graph(&[
            ("default", None),
            ("p1", Some("p2")),
            ("p2", Some("p3")),
            ("p3", None),
        ]);
        let writes =
            |node: usize, slot: usize| matches!((node, slot), (3, 0) | (1, 0) | (3, 1) | (0, 2));
        let suppliers: Vec<_> = slot_suppliers::<3>(&g, Some(0), writes)
            .into_iter()
            .map(|row| row.map(Supplier::get))
            .collect();
        assert_eq!(suppliers[1], [Some(1), Some(3), Some(0)]);
        assert_eq!(suppliers[2], [Some(3), Some(3), Some(0)]);
        assert_eq!(
            suppliers[0],
            [None, None, Some(0)],
            "default inherits nothing"
        );
    }

    #[test]
    fn deep_chains_do_not_recurse() {
        // 20,000 links would overflow a test thread's stack if the walk recursed; how fast it
        // is belongs to the benches, not to a timed assertion here.
        let count = 20_000;
        let names: Vec<String> = (0..count).map(|i| format!("p{i}")).collect();
        let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let sources: Vec<Option<&str>> = (0..count)
            .map(|i| (i + 1 < count).then(|| name_refs[i + 1]))
            .collect();
        let g = source_graph(&name_refs, &sources, &vec![false; count]);
        let suppliers = slot_suppliers::<1>(&g, None, |node, _| node == count - 1);
        assert!(g.problems.iter().all(Option::is_none));
        assert!(suppliers.iter().all(|s| s[0].get() == Some(count - 1)));
    }

    #[test]
    fn long_cycles_are_abbreviated() {
        let count = 100;
        let names: Vec<String> = (0..count).map(|i| format!("p{i}")).collect();
        let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let sources: Vec<Option<&str>> = (0..count)
            .map(|i| Some(name_refs[(i + 1) % count]))
            .collect();
        let g = source_graph(&name_refs, &sources, &vec![false; count]);
        assert_eq!(
            g.problems[5],
            Some(SourceProblem::Cycle(
                "p5 -> p6 -> ... (100 profiles) -> p5".into()
            ))
        );
    }
}
