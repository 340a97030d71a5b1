//! Turns merged profile sections into typed [`Profile`]s: own keys, the `source_profile`
//! graph and the inherited web-identity settings, the kind (in the order the design fixes),
//! and the per-key validation, each problem landing on its own profile only. It reads the
//! grouped sections and sso-sessions; it never touches files or the network.

use std::path::PathBuf;
use std::sync::Arc;

use super::identity_center;
use super::inherit::{slot_suppliers, source_graph};
use super::memo::{Interner, UrlMemo};
use super::sections::RawSection;
use super::types::{Entry, IssueSink, Profile, ProfileKind, SsoProfile, SsoSession};
use super::values::{check_role_arn, parse_duration, parse_http_url_with};
use super::web_identity::WebIdentity;
use super::web_identity::{self, SLOT_COUNT, Slot, Supplied, is_known_web_identity_key};

fn last<'e>(entries: &'e [Entry], key: &str) -> Option<&'e Entry> {
    entries.iter().rev().find(|entry| entry.key == key)
}

fn value(entries: &[Entry], key: &str) -> Option<String> {
    last(entries, key).map(|entry| entry.value.clone())
}

fn writes_slot(entries: &[Entry], slot: Slot) -> bool {
    entries
        .iter()
        .any(|entry| slot.keys().contains(&entry.key.as_ref()))
}

/// The entry filling `slot` in one profile: its preferred key if written, else the alias.
fn slot_entry(entries: &[Entry], slot: Slot) -> Option<&Entry> {
    slot.keys().iter().find_map(|key| last(entries, key))
}

pub(super) fn build_profiles(raw: Vec<RawSection<'_>>, sessions: &[SsoSession]) -> Vec<Profile> {
    let names: Vec<&str> = raw.iter().map(|p| p.name.as_str()).collect();
    let source_entries: Vec<Option<&Entry>> = raw
        .iter()
        .map(|p| last(&p.entries, "source_profile"))
        .collect();
    let sources: Vec<Option<&str>> = source_entries
        .iter()
        .map(|entry| entry.map(|e| e.value.as_str()))
        .collect();
    let self_source_ok: Vec<bool> = raw
        .iter()
        .map(|p| last(&p.entries, "aws_access_key_id").is_some())
        .collect();
    let graph = source_graph(&names, &sources, &self_source_ok);

    let writes: Vec<[bool; SLOT_COUNT]> = raw
        .iter()
        .map(|p| Slot::ALL.map(|slot| writes_slot(&p.entries, slot)))
        .collect();
    let default_index = names.iter().position(|name| *name == "default");
    let suppliers =
        slot_suppliers::<SLOT_COUNT>(&graph, default_index, |node, slot| writes[node][slot]);
    let used_as_source: super::FastSet<usize> = graph.source.iter().flatten().copied().collect();
    let mut memos = Memos::default();

    let typed: Vec<Profile> = raw
        .iter()
        .enumerate()
        .map(|(index, section)| {
            let supplied = |slot: Slot| {
                let supplier = suppliers[index][slot.index()].get()?;
                Some(Supplied {
                    entry: slot_entry(&raw[supplier].entries, slot)?,
                    inherited_from: (supplier != index).then(|| raw[supplier].name.as_str()),
                })
            };
            let mut sink = IssueSink::new(section.file);
            sink.credentials_file = section.sink.credentials_file;
            if let (Some(problem), Some(entry)) = (&graph.problems[index], source_entries[index]) {
                sink.error_at(entry, problem.message());
            }
            let context = Context {
                is_default: Some(index) == default_index,
                is_source_of_others: used_as_source.contains(&index),
                sessions,
            };
            type_profile(section, &supplied, context, sink, &mut memos)
        })
        .collect();

    // The sections' own issues (malformed lines, duplicates) merge in, in file order, and
    // all of them name the profile: a copy of its name per issue, not per profile.
    let mut typed = typed;
    for (profile, section) in typed.iter_mut().zip(raw) {
        profile.name = section.name;
        let mut errors = section.sink.errors;
        errors.append(&mut profile.errors);
        errors.sort_by_key(|issue| issue.line);
        let mut warnings = section.sink.warnings;
        warnings.append(&mut profile.warnings);
        warnings.sort_by_key(|issue| issue.line);
        for issue in errors.iter_mut().chain(warnings.iter_mut()) {
            issue.profile = Some(profile.name.clone());
        }
        profile.errors = errors;
        profile.warnings = warnings;
        profile.entries = Arc::new(section.entries);
    }
    typed
}

/// The shared copies of one read ([`super::memo`]).
#[derive(Default)]
struct Memos {
    urls: UrlMemo,
    web_identities: Interner<WebIdentity>,
    /// What a typed profile holds until its section's entries move in: one empty list for all,
    /// not an allocation per profile that is dropped at once.
    no_entries: Arc<Vec<Entry>>,
}

#[derive(Clone, Copy)]
struct Context<'s> {
    is_default: bool,
    is_source_of_others: bool,
    sessions: &'s [SsoSession],
}

fn type_profile<'a>(
    section: &'a RawSection<'_>,
    supplied: &dyn Fn(Slot) -> Option<Supplied<'a>>,
    context: Context<'_>,
    mut sink: IssueSink<'_>,
    memos: &mut Memos,
) -> Profile {
    let urls = &mut memos.urls;
    let entries = &section.entries;
    let has = |key: &str| last(entries, key).is_some();
    let has_own_web_identity = entries
        .iter()
        .any(|entry| entry.key.starts_with("web_identity_"));

    let kind = if has("sso_session") || has("sso_start_url") {
        ProfileKind::Sso
    } else if (has("web_identity_token_file") || has("web_identity_token_env")) && has("role_arn") {
        ProfileKind::TokenFile
    } else if has("source_profile") && !has_own_web_identity {
        ProfileKind::Chained
    } else if has("role_arn") && supplied(Slot::AuthUrl).is_some() {
        ProfileKind::WebIdentity
    } else if has("aws_access_key_id") {
        ProfileKind::Static
    } else if has("credential_process") {
        ProfileKind::Process
    } else {
        ProfileKind::Other
    };

    for key in ["role_arn", "jump_role_arn"] {
        if let Some(entry) = last(entries, key)
            && let Err(message) = check_role_arn(key, &entry.value)
        {
            sink.error_at(entry, message);
        }
    }
    let duration = duration(entries, &mut sink);
    if let Some(entry) = last(entries, "endpoint_url")
        && let Err(message) = parse_http_url_with(urls, "endpoint_url", &entry.value)
    {
        sink.error(entry.line, message);
    }
    check_own_keys(entries, &mut sink);
    for key in ["web_identity_token_file", "web_identity_token_env"] {
        if let Some(entry) = last(entries, key)
            && !has("role_arn")
        {
            sink.error(
                entry.line,
                format!(
                    "{key} is set but role_arn is missing; expected \
                     role_arn = arn:aws:iam::ACCOUNT:role/NAME to exchange the token for"
                ),
            );
        }
    }
    if let Some(entry) = last(entries, "web_identity_token_env") {
        token_env_issues(entry, last(entries, "web_identity_token_file"), &mut sink);
    }
    if !has("aws_secret_access_key")
        && let Some(entry) = last(entries, "aws_access_key_id")
    {
        sink.error_at(
            entry,
            "aws_access_key_id is set without aws_secret_access_key",
        );
    }
    if kind == ProfileKind::Other
        && has_own_web_identity
        && !context.is_default
        && !context.is_source_of_others
        && !has("role_arn")
    {
        sink.warn(
            section.line,
            "has web_identity_* keys but no role_arn, so it cannot log in; add \
             role_arn = arn:aws:iam::ACCOUNT:role/NAME",
        );
    }

    let web_identity = (kind == ProfileKind::WebIdentity)
        .then(|| web_identity::resolve(supplied, section.line, &mut sink, urls))
        .flatten()
        .map(|resolved| memos.web_identities.share(resolved));
    let sso = (kind == ProfileKind::Sso).then(|| sso_profile(entries, context.sessions, &mut sink));
    let identity_center = identity_center::resolve(entries, kind, section.line, &mut sink);

    Profile {
        // Moved in by `build_profiles` with the entries: a copy per profile is not needed.
        name: String::new(),
        file: section.file.to_path_buf(),
        line: section.line,
        kind,
        // Moved in by `build_profiles` once no other profile borrows them.
        entries: Arc::clone(&memos.no_entries),
        role_arn: value(entries, "role_arn"),
        role_session_name: value(entries, "role_session_name"),
        duration,
        region: value(entries, "region"),
        source_profile: value(entries, "source_profile"),
        external_id: value(entries, "external_id"),
        endpoint_url: value(entries, "endpoint_url"),
        jump_role_arn: value(entries, "jump_role_arn"),
        federated_username: supplied(Slot::FederatedUsername).map(|s| s.entry.value.clone()),
        web_identity,
        token_file: value(entries, "web_identity_token_file").map(PathBuf::from),
        token_env: value(entries, "web_identity_token_env"),
        credential_process: value(entries, "credential_process"),
        sso: sso.map(Box::new),
        identity_center: identity_center.map(Box::new),
        errors: sink.errors,
        warnings: sink.warnings,
    }
}

/// `web_identity_token_env` must name a variable (not hold a token), and says which source wins
/// when `web_identity_token_file` is set too.
fn token_env_issues(entry: &Entry, file: Option<&Entry>, sink: &mut IssueSink<'_>) {
    let name = entry.value.as_str();
    let is_name = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !is_name {
        // Never echo the value: a token pasted here by mistake must not reach the screen.
        sink.error(
            entry.line,
            "web_identity_token_env must name an environment variable (letters, digits and _), \
             e.g. web_identity_token_env = CONNECT_CONTENT_SESSION_TOKEN",
        );
    }
    if let Some(file) = file {
        sink.warn(
            entry.line,
            format!(
                "both web_identity_token_env and web_identity_token_file (line {}) are set; \
                 the environment variable is used",
                file.line
            ),
        );
    }
}

/// `duration_seconds`, or the aws-runas alias `credentials_duration`.
fn duration(entries: &[Entry], sink: &mut IssueSink<'_>) -> Option<std::time::Duration> {
    let seconds = last(entries, "duration_seconds");
    let alias = last(entries, "credentials_duration");
    if let (Some(seconds), Some(alias)) = (seconds, alias) {
        sink.warn(
            alias.line,
            format!(
                "both duration_seconds (line {}) and credentials_duration are set; \
                 duration_seconds wins",
                seconds.line
            ),
        );
    }
    let entry = seconds.or(alias)?;
    parse_duration(&entry.key, &entry.value)
        .map_err(|message| sink.error(entry.line, message))
        .ok()
}

/// Warnings about the profile's own keys: aliases written twice, unknown `web_identity_*`.
fn check_own_keys(entries: &[Entry], sink: &mut IssueSink<'_>) {
    for (preferred, alias) in [
        ("web_identity_callback_uri", "web_identity_redirect_uri"),
        (
            "web_identity_client_secret_env",
            "web_identity_client_secret",
        ),
    ] {
        if let (Some(kept), Some(ignored)) = (last(entries, preferred), last(entries, alias)) {
            sink.warn(
                ignored.line,
                format!(
                    "both {preferred} (line {}) and {alias} are set; {preferred} wins",
                    kept.line
                ),
            );
        }
    }
    for entry in entries {
        if entry.key.starts_with("web_identity_") && !is_known_web_identity_key(&entry.key) {
            sink.warn(
                entry.line,
                format!(
                    "unknown key {}; it is kept but runas does not use it",
                    entry.key
                ),
            );
        }
    }
}

fn sso_profile(entries: &[Entry], sessions: &[SsoSession], sink: &mut IssueSink<'_>) -> SsoProfile {
    let mut profile = SsoProfile {
        session: value(entries, "sso_session"),
        start_url: value(entries, "sso_start_url"),
        region: value(entries, "sso_region"),
        account_id: value(entries, "sso_account_id"),
        role_name: value(entries, "sso_role_name"),
    };
    if let Some(entry) = last(entries, "sso_session") {
        match sessions.iter().find(|session| session.name == entry.value) {
            Some(session) => {
                profile.start_url = session.start_url.clone().or(profile.start_url);
                profile.region = session.region.clone().or(profile.region);
            }
            None => sink.error(
                entry.line,
                format!(
                    "sso_session = {} names no [sso-session {}] section in this file",
                    entry.value, entry.value
                ),
            ),
        }
    }
    profile
}

/// `[sso-session NAME]` sections, typed.
pub(super) fn build_sso_sessions(raw: Vec<RawSection<'_>>) -> Vec<SsoSession> {
    raw.into_iter()
        .map(|mut section| {
            for key in ["sso_start_url", "sso_region"] {
                if last(&section.entries, key).is_none() {
                    section.sink.error(
                        section.line,
                        format!("sso-session {}: missing {key}", section.name),
                    );
                }
            }
            // Warnings (duplicate keys) ride along; their severity tells them apart.
            let mut errors = section.sink.errors;
            errors.append(&mut section.sink.warnings);
            errors.sort_by_key(|issue| issue.line);
            SsoSession {
                start_url: value(&section.entries, "sso_start_url"),
                region: value(&section.entries, "sso_region"),
                registration_scopes: value(&section.entries, "sso_registration_scopes"),
                name: section.name,
                line: section.line,
                entries: section.entries,
                errors,
            }
        })
        .collect()
}
