//! The keys and messages of IAM Identity Center discovery (part of `update`, kept apart): on
//! an sso-session's row `Enter` logs in (then discovers) and `r` discovers again; accounts
//! arrive one by one while a discovery runs, so the list fills as the pages come. Pure: the
//! state changes, effects go out, nothing else.

use crossterm::event::{KeyCode, KeyEvent};

use super::msg::Effect;
use super::rows::ProfileRow;
use super::sso_rows::{self, selected_session, session_row_name};
use super::state::{Activity, App, Overlay, Stage};
use crate::cache::sso_discovery::{DiscoveredAccount, Discovery};

/// Work on an sso-session for the effect runner.
#[derive(Debug, Clone)]
pub enum SsoEffect {
    /// Log in to the session (device code), then report [`SsoMsg::LoggedIn`].
    Login { session: String, task: u64 },
    /// Discover the session's accounts and roles (`refresh`: even when the cache is fresh).
    Discover {
        session: String,
        task: u64,
        refresh: bool,
    },
    /// The runner's session learns the discovered roles, so they work like profiles.
    Use(Box<Discovery>),
}

#[derive(Debug, Clone)]
pub enum SsoMsg {
    /// One more account, with the rows of its roles (built by the runner, which has the config).
    Account {
        session: String,
        account: DiscoveredAccount,
        rows: Vec<ProfileRow>,
    },
    Discovered {
        session: String,
        task: u64,
        result: Result<Box<Discovery>, String>,
        /// On failure, the last discovery (of any age), whose rows stay usable: a role's
        /// `Enter` logs in as for any sso profile.
        stale: Option<Box<Discovery>>,
    },
    LoggedIn {
        session: String,
        task: u64,
        result: Result<(), String>,
    },
}

/// The keys that mean something else on a session row, or on a role its discovery has just
/// shown; `None` lets the list handle the key.
pub fn on_key(app: &mut App, key: KeyEvent) -> Option<Vec<Effect>> {
    if let Some(session) = still_listing(app)
        && matches!(
            key.code,
            KeyCode::Enter | KeyCode::Char('s' | 'S' | 'e' | 'y' | 'o' | 'r' | 'd')
        )
    {
        // The runner learns the discovered roles when the listing ends, a moment from now.
        app.note = Some(format!(
            "sso-session {session}: still listing accounts and roles; try again in a moment"
        ));
        return Some(Vec::new());
    }
    let session = selected_session(app)?;
    let effects = match key.code {
        KeyCode::Enter => {
            let task = begin(app, &session, Stage::Starting);
            app.overlay = Overlay::Login {
                profile: session_row_name(&session),
            };
            vec![Effect::Sso(SsoEffect::Login { session, task })]
        }
        KeyCode::Char('r') => discover(app, &session, true),
        KeyCode::Char('s' | 'S' | 'e' | 'y' | 'o' | 'a' | 'd' | 'x') => {
            app.note = Some(format!(
                "sso-session {session}: choose one of its roles below; Enter logs in, r \
                 discovers its accounts again"
            ));
            Vec::new()
        }
        _ => return None,
    };
    Some(effects)
}

/// At start: every sso-session's discovery, from the cache while fresh; a session without a
/// login says so on its row and asks nothing of the person.
pub fn discover_all(app: &mut App) -> Vec<Effect> {
    let sessions: Vec<String> = app
        .rows
        .iter()
        .filter_map(|row| match &row.sso {
            Some(sso_rows::SsoRow::Session { session }) => Some(session.clone()),
            _ => None,
        })
        .collect();
    let effects = sessions
        .iter()
        .flat_map(|session| discover(app, session, false))
        .collect();
    // The TUI calls this before its first frame, outside `update`: the sessions now running
    // show in the header.
    app.summarize();
    effects
}

/// The session of the selected discovered role while its discovery is still running.
fn still_listing(app: &App) -> Option<String> {
    let row = app.selected_row()?;
    let Some(sso_rows::SsoRow::Role { session }) = &row.sso else {
        return None;
    };
    let discovered = row.name.starts_with(&format!("{session}/"));
    let listing = app
        .row(&session_row_name(session))
        .is_some_and(|session_row| {
            matches!(
                session_row.activity,
                Activity::Running {
                    stage: Stage::DiscoveringAccounts,
                    ..
                }
            )
        });
    (discovered && listing).then(|| session.clone())
}

/// Starts a discovery of `session` (shown on its row).
pub fn discover(app: &mut App, session: &str, refresh: bool) -> Vec<Effect> {
    let task = begin(app, session, Stage::DiscoveringAccounts);
    vec![Effect::Sso(SsoEffect::Discover {
        session: session.to_owned(),
        task,
        refresh,
    })]
}

fn begin(app: &mut App, session: &str, stage: Stage) -> u64 {
    let task = app.next_task;
    app.next_task += 1;
    if let Some(row) = app.row_mut(&session_row_name(session)) {
        row.activity = Activity::Running { task, stage };
    }
    task
}

/// Whether `task` is still what the session row is running.
fn is_current(app: &App, session: &str, task: u64) -> bool {
    app.row(&session_row_name(session)).is_some_and(
        |row| matches!(row.activity, Activity::Running { task: running, .. } if running == task),
    )
}

pub fn on_msg(app: &mut App, msg: SsoMsg) -> Vec<Effect> {
    match msg {
        SsoMsg::Account {
            session,
            account,
            rows,
        } => {
            sso_rows::add_account(app, &session, &account, rows);
            Vec::new()
        }
        SsoMsg::Discovered {
            session,
            task,
            result,
            stale,
        } => {
            if !is_current(app, &session, task) {
                return Vec::new();
            }
            let name = session_row_name(&session);
            match result {
                Ok(discovery) => {
                    sso_rows::keep_only(app, &discovery);
                    app.note = Some(format!(
                        "sso-session {session}: {} accounts, {} roles",
                        discovery.accounts.len(),
                        discovery.role_count()
                    ));
                    if let Some(row) = app.row_mut(&name) {
                        row.activity = Activity::Idle;
                    }
                    vec![Effect::Sso(SsoEffect::Use(discovery)), Effect::ReadCache]
                }
                Err(error) => {
                    app.note = Some(error.lines().next().unwrap_or_default().to_owned());
                    if let Some(row) = app.row_mut(&name) {
                        row.activity = Activity::Failed { error };
                    }
                    stale
                        .map(|discovery| vec![Effect::Sso(SsoEffect::Use(discovery))])
                        .unwrap_or_default()
                }
            }
        }
        SsoMsg::LoggedIn {
            session,
            task,
            result,
        } => {
            if !is_current(app, &session, task) {
                return Vec::new();
            }
            let name = session_row_name(&session);
            if app.overlay
                == (Overlay::Login {
                    profile: name.clone(),
                })
            {
                app.overlay = Overlay::None;
            }
            match result {
                Ok(()) => {
                    app.note = Some(format!("sso-session {session}: logged in"));
                    let mut effects = discover(app, &session, false);
                    effects.push(Effect::ReadCache);
                    effects
                }
                Err(error) => {
                    app.note = Some(error.lines().next().unwrap_or_default().to_owned());
                    if let Some(row) = app.row_mut(&name) {
                        row.activity = Activity::Failed { error };
                    }
                    Vec::new()
                }
            }
        }
    }
}
