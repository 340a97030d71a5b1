//! Groups the scanned sections by what they are: profiles (`[default]` and `[profile NAME]`,
//! merged when repeated, later keys winning), sso-sessions (likewise), `[services NAME]`
//! (recorded and ignored) and bare `[NAME]` sections (ignored like the AWS CLI does, with a
//! warning). Reports duplicate keys and repeated sections. It does not interpret keys.

use std::collections::HashMap;
use std::path::Path;

use super::scan::{Header, LineProblem, Scan};
use super::types::{ConfigIssue, Entry, IssueSink, Severity};

/// A profile or sso-session section, merged over its repetitions.
pub(super) struct RawSection<'a> {
    pub name: String,
    pub line: usize,
    pub entries: Vec<Entry>,
    pub sink: IssueSink<'a>,
}

pub(super) struct Grouped<'a> {
    pub profiles: Vec<RawSection<'a>>,
    pub sso_sessions: Vec<RawSection<'a>>,
    pub file_issues: Vec<ConfigIssue>,
}

pub(super) fn group<'a>(file: &'a Path, scan: &Scan<'_>, entries: Vec<Vec<Entry>>) -> Grouped<'a> {
    let mut grouped = Grouped {
        profiles: Vec::new(),
        sso_sessions: Vec::new(),
        file_issues: Vec::new(),
    };
    let mut file_sink = IssueSink::new(file, None);
    for problem in &scan.file_problems {
        route(&mut file_sink, problem, None);
    }
    let mut profile_index: HashMap<String, usize> = HashMap::new();
    let mut session_index: HashMap<String, usize> = HashMap::new();

    for (section, section_entries) in scan.sections.iter().zip(entries) {
        let (target, index, label, name) = match &section.header {
            Header::Default => (
                &mut grouped.profiles,
                &mut profile_index,
                "profile",
                "default".to_string(),
            ),
            Header::Profile(name) => (
                &mut grouped.profiles,
                &mut profile_index,
                "profile",
                name.clone(),
            ),
            Header::SsoSession(name) => (
                &mut grouped.sso_sessions,
                &mut session_index,
                "sso-session",
                name.clone(),
            ),
            Header::Services(_) => {
                for problem in &section.problems {
                    route(&mut file_sink, problem, None);
                }
                continue;
            }
            Header::Bare(name) => {
                file_sink.warn(
                    section.line,
                    format!(
                        "section [{name}] is not a profile in the AWS config file and is \
                         ignored (the AWS CLI ignores it too); write [profile {name}]"
                    ),
                );
                continue;
            }
        };

        let position = match index.get(&name) {
            Some(&position) => {
                let first_line = target[position].line;
                let sink = &mut target[position].sink;
                sink.warn(
                    section.line,
                    format!(
                        "section repeats the one at line {first_line}; their keys are merged \
                         and the later ones win"
                    ),
                );
                position
            }
            None => {
                index.insert(name.clone(), target.len());
                let sink_name = if label == "profile" {
                    Some(name.clone())
                } else {
                    None
                };
                target.push(RawSection {
                    sink: IssueSink::new(file, sink_name),
                    name,
                    line: section.line,
                    entries: Vec::new(),
                });
                target.len() - 1
            }
        };
        let raw = &mut target[position];
        let prefix = (label == "sso-session").then(|| format!("sso-session {}: ", raw.name));
        for problem in &section.problems {
            route(&mut raw.sink, problem, prefix.as_deref());
        }
        warn_duplicate_keys(&mut raw.sink, &section_entries, prefix.as_deref());
        if raw.entries.is_empty() {
            raw.entries = section_entries;
        } else {
            raw.entries.extend(section_entries);
        }
    }
    grouped.file_issues = file_sink.errors;
    grouped.file_issues.extend(file_sink.warnings);
    grouped.file_issues.sort_by_key(|issue| issue.line);
    grouped
}

fn route(sink: &mut IssueSink<'_>, problem: &LineProblem, prefix: Option<&str>) {
    let message = format!("{}{}", prefix.unwrap_or_default(), problem.message);
    match problem.severity {
        Severity::Error => sink.error(problem.line, message),
        Severity::Warning => sink.warn(problem.line, message),
    }
}

/// Within one section occurrence: last one wins, as in the AWS CLI.
fn warn_duplicate_keys(sink: &mut IssueSink<'_>, entries: &[Entry], prefix: Option<&str>) {
    // Sections are small: a backwards scan beats hashing, and a huge one is merely slower.
    for (position, entry) in entries.iter().enumerate() {
        let earlier = entries[..position]
            .iter()
            .rev()
            .find(|e| e.key == entry.key);
        if let Some(first) = earlier.map(|e| e.line) {
            sink.warn(
                entry.line,
                format!(
                    "{}{} is set twice (lines {first} and {}); the value on line {} wins",
                    prefix.unwrap_or_default(),
                    entry.key,
                    entry.line,
                    entry.line
                ),
            );
        }
    }
}
