//! IAM Identity Center discovery in the list: one group per sso-session, headed by a session
//! row (its login; `Enter` logs in, `r` discovers again), then one heading per account (name,
//! id, email) with its roles beneath. A role the config already has a profile for shows as
//! that profile, moved under its account; the others are discovered rows named
//! `SESSION/ACCOUNT_ID/ROLE` that work like profiles. Pure functions over the state.

use std::sync::Arc;

use chrono::Utc;

use super::rows::{ProfileRow, sort_rows};
use super::state::App;
use crate::cache::sso_discovery::{DiscoveredAccount, Discovery};
use crate::config::{Config, Entry, Profile, SsoSession, discovered_name};

/// What an IAM Identity Center row stands for beyond a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SsoRow {
    /// The sso-session itself: its login and discovery.
    Session { session: String },
    /// A role discovery found (or a profile of the config standing for one).
    Role { session: String },
}

/// The name of an sso-session's own row: brackets, which no profile name of the config has.
pub fn session_row_name(session: &str) -> String {
    format!("[sso-session {session}]")
}

/// The heading of the session's group; account headings extend it, so they sort beneath.
fn session_group(session: &str) -> String {
    format!("sso-session {session}")
}

fn account_group(session: &str, account: &DiscoveredAccount) -> String {
    let mut group = format!("sso-session {session} › {} · {}", account.name, account.id);
    if !account.email.is_empty() {
        group.push_str(&format!(" · {}", account.email));
    }
    group
}

/// One row per sso-session of the config.
pub fn session_rows(config: &Config) -> Vec<ProfileRow> {
    config
        .sso_sessions
        .iter()
        .map(|section| session_row(config, section))
        .collect()
}

fn session_row(config: &Config, section: &SsoSession) -> ProfileRow {
    let stand_in = Profile::discovered_sso_role(
        &session_row_name(&section.name),
        &config.path,
        section,
        "",
        "",
    );
    let mut row = ProfileRow::from_profile(&stand_in, config, None, Utc::now());
    row.group = session_group(&section.name).into();
    row.role_arn = None;
    row.account_id = None;
    row.role_name = None;
    row.entries = Arc::new(section.entries.clone());
    // Its own name is `[sso-session NAME]`: the bare name is a field too, so it ranks well.
    row.extra_search_fields = vec![section.name.clone()];
    row.sso = Some(SsoRow::Session {
        session: section.name.clone(),
    });
    row
}

/// The rows of `account` for the list, built where the config is at hand (the effects).
pub fn account_rows(
    config: &Config,
    session: &str,
    account: &DiscoveredAccount,
) -> Vec<ProfileRow> {
    let Some(section) = config.sso_session(session) else {
        return Vec::new();
    };
    account
        .roles
        .iter()
        .map(|role| {
            let name = discovered_name(session, &account.id, role);
            let profile =
                Profile::discovered_sso_role(&name, &config.path, section, &account.id, role);
            let mut row = ProfileRow::from_profile(&profile, config, None, Utc::now());
            decorate(&mut row, session, account);
            row
        })
        .collect()
}

/// Puts a row under its account's heading and lets the filter find it by account and role.
fn decorate(row: &mut ProfileRow, session: &str, account: &DiscoveredAccount) {
    row.group = account_group(session, account).into();
    let role = row.role_name.clone();
    for field in [
        Some(&account.name),
        Some(&account.id),
        Some(&account.email),
        role.as_ref(),
    ]
    .into_iter()
    .flatten()
    {
        if !field.is_empty() && !row.search_fields().any(|known| known == field) {
            row.extra_search_fields.push(field.clone());
        }
    }
    if !row.entries.iter().any(|entry| entry.key == "account_name") {
        let listed = |key: &'static str, value: &str| Entry {
            key: key.into(),
            value: value.to_owned(),
            // Not a line of any file: the portal's listing said it.
            line: 0,
            secret: false,
            in_credentials_file: false,
        };
        // The row's own copy: the list is shared with the profile it was made from.
        let entries = Arc::make_mut(&mut row.entries);
        entries.push(listed("account_name", &account.name));
        entries.push(listed("account_email", &account.email));
    }
    row.sso = Some(SsoRow::Role {
        session: session.to_owned(),
    });
}

/// Shows one account of `session` (a discovery in progress or done): a config profile standing
/// for a role moves under the account's heading, the other roles get their discovered rows.
pub fn add_account(
    app: &mut App,
    session: &str,
    account: &DiscoveredAccount,
    rows: Vec<ProfileRow>,
) {
    let selection = app.selection_key();
    for row in rows {
        let role = row.role_name.clone().unwrap_or_default();
        if let Some(existing) = standing_profile(app, session, &account.id, &role) {
            decorate(&mut app.rows[existing], session, account);
        } else if app.row(&row.name).is_none() {
            app.rows.push(row);
        }
    }
    sort_rows(&mut app.rows);
    app.rebuild_items_keeping(selection);
}

/// After a whole discovery: drops the discovered rows of roles it no longer found.
pub fn keep_only(app: &mut App, discovery: &Discovery) {
    let session = discovery.session.as_str();
    let found: std::collections::HashSet<String> = discovery
        .accounts
        .iter()
        .flat_map(|account| {
            account
                .roles
                .iter()
                .map(|role| discovered_name(session, &account.id, role))
        })
        .collect();
    let prefix = format!("{session}/");
    let selection = app.selection_key();
    app.rows
        .retain(|row| !row.name.starts_with(&prefix) || found.contains(&row.name));
    app.rebuild_items_keeping(selection);
}

/// The row of a config profile for (session, account, role), if the config has one.
fn standing_profile(app: &App, session: &str, account_id: &str, role: &str) -> Option<usize> {
    app.rows.iter().position(|row| {
        row.sso_session.as_deref() == Some(session)
            && row.account_id.as_deref() == Some(account_id)
            && row.role_name.as_deref() == Some(role)
            && !row.name.starts_with(&format!("{session}/"))
    })
}

/// The sso-session of the selected row, when it is a session row.
pub fn selected_session(app: &App) -> Option<String> {
    match &app.selected_row()?.sso {
        Some(SsoRow::Session { session }) => Some(session.clone()),
        _ => None,
    }
}
