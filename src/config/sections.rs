//! Groups the scanned sections by what they are, as the AWS CLI and SDKs read each file: in
//! the config file `[profile NAME]` and `[default]` are profiles (`[profile default]` wins over
//! `[default]`), `[sso-session NAME]` sessions, `[services NAME]` and the AWS CLI's own
//! `[plugins]` / `[preview]` are recorded and ignored; in the credentials file `[NAME]` is a
//! profile and a prefixed section is ignored. Repeated sections are merged (later keys win),
//! names the SDKs reject are ignored with a warning, and the credentials file's profiles are
//! merged into the config's (its keys win). It does not interpret keys.

use std::path::Path;

use super::FastMap;
use super::header::{Header, IDENTIFIER_CHARACTERS, is_valid_identifier};
use super::scan::{LineProblem, Scan};
use super::types::{ConfigIssue, Entry, IssueSink, Severity};

/// Which of the two shared files a text came from: they name profiles differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FileKind {
    Config,
    Credentials,
}

/// Sections the AWS CLI itself reads from the config file that are not profiles.
const AWS_CLI_SECTIONS: [&str; 2] = ["plugins", "preview"];

/// A profile or sso-session section, merged over its repetitions.
pub(super) struct RawSection<'a> {
    pub name: String,
    /// The file of its first section header, and the line there.
    pub file: &'a Path,
    pub line: usize,
    pub entries: Vec<Entry>,
    pub sink: IssueSink<'a>,
}

pub(super) struct Grouped<'a> {
    pub profiles: Vec<RawSection<'a>>,
    pub sso_sessions: Vec<RawSection<'a>>,
    pub file_issues: Vec<ConfigIssue>,
}

/// What one section header makes of its section in a file of `kind`.
enum Role {
    Profile(String),
    SsoSession(String),
    /// Read by the AWS CLI for something else, or ignored by it; nothing for runas.
    Ignored,
    /// Ignored, with this warning.
    IgnoredWithWarning(String),
}

fn role(header: &Header, kind: FileKind) -> Role {
    let name = header.name.as_str();
    let invalid_name = |what: &str| {
        Role::IgnoredWithWarning(format!(
            "{what} name `{name}` is not valid (only {IDENTIFIER_CHARACTERS}); the section is \
             ignored, as the AWS SDKs ignore it"
        ))
    };
    match (kind, header.prefix.as_deref()) {
        (FileKind::Config, Some("profile")) if is_valid_identifier(name) => {
            Role::Profile(name.to_string())
        }
        (FileKind::Config, Some("profile")) => invalid_name("profile"),
        (FileKind::Config, Some("sso-session")) if is_valid_identifier(name) => {
            Role::SsoSession(name.to_string())
        }
        (FileKind::Config, Some("sso-session")) => invalid_name("sso-session"),
        (FileKind::Config, Some("services")) => Role::Ignored,
        (FileKind::Config, Some(prefix)) => Role::IgnoredWithWarning(format!(
            "section [{prefix} {name}] is not one the AWS CLI knows ([profile NAME], \
             [sso-session NAME], [services NAME]); it is ignored"
        )),
        (FileKind::Config, None) if name == "default" => Role::Profile(name.to_string()),
        (FileKind::Config, None) if ["profile", "sso-session", "services"].contains(&name) => {
            Role::IgnoredWithWarning(format!(
                "section [{name}] has no name; expected [{name} NAME]; the keys below it up to \
                 the next section are ignored"
            ))
        }
        (FileKind::Config, None) if AWS_CLI_SECTIONS.contains(&name) => Role::Ignored,
        (FileKind::Config, None) if is_valid_identifier(name) => Role::IgnoredWithWarning(format!(
            "section [{name}] is not a profile in the AWS config file and is ignored (the \
                 AWS CLI ignores it too); write [profile {name}]"
        )),
        (FileKind::Config, None) => Role::IgnoredWithWarning(format!(
            "section [{name}] is not a profile in the AWS config file and is ignored (the AWS \
             CLI ignores it too)"
        )),
        (FileKind::Credentials, None) if is_valid_identifier(name) => {
            Role::Profile(name.to_string())
        }
        (FileKind::Credentials, None) => invalid_name("profile"),
        (FileKind::Credentials, Some("profile")) => Role::IgnoredWithWarning(format!(
            "the credentials file names a profile [{name}], without `profile `; this section \
             is ignored, as the AWS CLI ignores it"
        )),
        (FileKind::Credentials, Some(prefix)) => Role::IgnoredWithWarning(format!(
            "section [{prefix} {name}] belongs in the AWS config file; the credentials file \
             holds only [NAME] profiles, so it is ignored"
        )),
    }
}

pub(super) fn group<'a, 's>(
    file: &'a Path,
    kind: FileKind,
    scan: &'s Scan<'_>,
    entries: Vec<Vec<Entry>>,
) -> Grouped<'a> {
    // Nearly every section is a profile: room for all of them at once, where growing the list
    // and its index by doubling wrote them again at each step (page faults at 10,000).
    let sections = scan.sections.len();
    let mut grouped = Grouped {
        profiles: Vec::with_capacity(sections),
        sso_sessions: Vec::new(),
        file_issues: Vec::new(),
    };
    let mut file_sink = IssueSink::new(file);
    for problem in &scan.file_problems {
        route(&mut file_sink, problem, None);
    }
    // Keyed by the names in the scanned headers, which outlive the grouping: no copy of each.
    let mut profile_index: FastMap<&'s str, usize> =
        FastMap::with_capacity_and_hasher(sections, Default::default());
    let mut session_index: FastMap<&'s str, usize> = FastMap::default();
    // The AWS CLI and SDKs read `[profile default]` and ignore `[default]` beside it in the
    // config file (the credentials file has only `[default]`).
    let prefixed_default = scan
        .sections
        .iter()
        .find(|section| {
            kind == FileKind::Config
                && section.header.prefix.as_deref() == Some("profile")
                && section.header.name == "default"
        })
        .map(|section| section.line);

    for (section, section_entries) in scan.sections.iter().zip(entries) {
        let (target, index, label, name) = match role(&section.header, kind) {
            Role::Profile(name) => {
                if let Some(winner) = prefixed_default
                    && section.header.prefix.is_none()
                    && name == "default"
                {
                    file_sink.warn(
                        section.line,
                        format!(
                            "[default] is ignored because [profile default] (line {winner}) \
                             is in the same file; the AWS CLI and SDKs read only that one"
                        ),
                    );
                    continue;
                }
                (&mut grouped.profiles, &mut profile_index, "profile", name)
            }
            Role::SsoSession(name) => (
                &mut grouped.sso_sessions,
                &mut session_index,
                "sso-session",
                name,
            ),
            Role::Ignored => {
                for problem in &section.problems {
                    route(&mut file_sink, problem, None);
                }
                continue;
            }
            Role::IgnoredWithWarning(message) => {
                file_sink.warn(section.line, message);
                continue;
            }
        };

        let position = match index.get(name.as_str()) {
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
                // The role's name is the header's (`role`).
                index.insert(section.header.name.as_str(), target.len());
                target.push(RawSection {
                    sink: IssueSink::new(file),
                    name,
                    file,
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

/// The credentials file's profiles merged into the config's, as the AWS SDKs merge them: a
/// profile in both gets the keys of both, the credentials file's winning where both have one
/// (its entries come last, and the last entry of a key wins); a profile only there is added
/// after the config's. Its file-level issues join the config's.
pub(super) fn merge_credentials<'a>(config: &mut Grouped<'a>, credentials: Grouped<'a>) {
    let index: FastMap<String, usize> = config
        .profiles
        .iter()
        .enumerate()
        .map(|(position, raw)| (raw.name.clone(), position))
        .collect();
    for mut raw in credentials.profiles {
        for entry in &mut raw.entries {
            entry.in_credentials_file = true;
        }
        match index.get(&raw.name) {
            Some(&position) => {
                let target = &mut config.profiles[position];
                target.entries.append(&mut raw.entries);
                target.sink.errors.append(&mut raw.sink.errors);
                target.sink.warnings.append(&mut raw.sink.warnings);
                target.sink.credentials_file = Some(raw.file);
            }
            None => {
                raw.sink.credentials_file = Some(raw.file);
                config.profiles.push(raw);
            }
        }
    }
    config.file_issues.extend(credentials.file_issues);
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
