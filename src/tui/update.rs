//! `update`: the only place the TUI state changes. Takes a [`Msg`], changes the [`App`], and
//! returns the [`Effect`]s to run; no I/O, no clock, no terminal, so every key and message can
//! be tested by calling it directly.

use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind,
};

use super::grant_keys::{fetch_configured_grant, selected_grant};
use super::msg::{Effect, GrantRequest, LoginMode, Msg, Outcome};
use super::overlay_keys;
use super::state::{Activity, After, App, ListItem, Overlay, Stage};

/// Re-read the cache this often (in ticks) so logins by other runas processes show up.
const CACHE_POLL_TICKS: u64 = 30;

pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    // A tick changes no row: the frame it brings redraws from the summary as it stands.
    let changes_rows = !matches!(msg, Msg::Tick);
    let effects = handle(app, msg);
    if changes_rows {
        app.summarize();
    }
    effects
}

fn handle(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => on_key(app, key),
        Msg::Mouse(mouse) => {
            on_mouse(app, mouse);
            app.scroll_into_view();
            Vec::new()
        }
        Msg::Resize { width, height } => {
            app.resize(width, height);
            Vec::new()
        }
        Msg::Tick => {
            app.ticks += 1;
            if app.ticks.is_multiple_of(CACHE_POLL_TICKS) {
                vec![Effect::ReadCache]
            } else {
                Vec::new()
            }
        }
        Msg::Progress { profile, stage } => {
            on_progress(app, &profile, stage);
            Vec::new()
        }
        Msg::Finished {
            profile,
            task,
            then,
            result,
        } => on_finished(app, &profile, task, then, result),
        Msg::CacheRead(views) => {
            let selection = app.selection_key();
            super::cache_view::apply_views(&mut app.rows, views);
            app.cache_loaded = true;
            // Grants come and go with the cache; their rows follow.
            app.rebuild_items_keeping(selection);
            Vec::new()
        }
        Msg::Forgotten { profile, result } => {
            app.note = Some(match result {
                Ok(what) => format!("{profile}: {what}"),
                Err(error) => error,
            });
            if let Some(row) = app.row_mut(&profile) {
                row.activity = Activity::Idle;
            }
            vec![Effect::ReadCache]
        }
        Msg::ShellExited { profile, result } => {
            app.note = Some(match result {
                Ok(0) => format!("{profile}: back from the shell"),
                Ok(code) => {
                    format!("{profile}: back from the shell (its last command exited with {code})")
                }
                Err(error) => format!("{profile}: {error}"),
            });
            Vec::new()
        }
        Msg::Doctored {
            profile,
            lines,
            all_ok,
        } => {
            super::doctor_keys::on_report(app, profile, lines, all_ok);
            Vec::new()
        }
        Msg::Sso(msg) => super::sso_keys::on_msg(app, msg),
        Msg::Copied(result) | Msg::ConsoleOpened(result) => {
            app.note = Some(result.unwrap_or_else(|error| error));
            Vec::new()
        }
    }
}

fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return vec![Effect::Quit(Outcome::Quit)];
    }
    if app.overlay != Overlay::None {
        return overlay_keys::on_overlay_key(app, key);
    }
    if app.filter.editing {
        let effects = on_filter_key(app, key);
        app.scroll_into_view();
        return effects;
    }
    app.note = None;
    let effects = on_list_key(app, key);
    app.scroll_into_view();
    effects
}

fn on_list_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if let Some(effects) = super::sso_keys::on_key(app, key) {
        return effects;
    }
    match key.code {
        KeyCode::Char('q') => vec![Effect::Quit(Outcome::Quit)],
        KeyCode::Esc => on_escape(app),
        KeyCode::Char('j') | KeyCode::Down => navigate(app, |app| app.move_selection(1)),
        KeyCode::Char('k') | KeyCode::Up => navigate(app, |app| app.move_selection(-1)),
        KeyCode::PageDown => navigate(app, |app| app.move_selection(page(app))),
        KeyCode::PageUp => navigate(app, |app| app.move_selection(-page(app))),
        KeyCode::Char('g') | KeyCode::Home => navigate(app, App::select_first),
        KeyCode::Char('G') | KeyCode::End => navigate(app, App::select_last),
        KeyCode::Char('/') => {
            app.filter.editing = true;
            Vec::new()
        }
        KeyCode::Char('?') => {
            app.overlay = Overlay::Help;
            Vec::new()
        }
        KeyCode::Enter => start(app, LoginMode::Normal, After::Nothing, true, None),
        KeyCode::Char('d') => start(app, LoginMode::Device, After::Nothing, true, None),
        KeyCode::Char('r') => start(app, LoginMode::Force, After::Nothing, true, None),
        // On a grant row, the hand-off keys use the grant's credentials.
        KeyCode::Char('s') => start(
            app,
            LoginMode::Normal,
            After::Shell,
            false,
            selected_grant(app),
        ),
        KeyCode::Char('S') if selected_grant(app).is_some() => {
            app.note = Some(
                "S serves a profile's own credentials; s opens a shell with the grant's".to_owned(),
            );
            Vec::new()
        }
        KeyCode::Char('S') => start(app, LoginMode::Normal, After::ServerShell, false, None),
        KeyCode::Char('e') => start(
            app,
            LoginMode::Normal,
            After::Export,
            false,
            selected_grant(app),
        ),
        KeyCode::Char('y') => start(
            app,
            LoginMode::Normal,
            After::Copy,
            false,
            selected_grant(app),
        ),
        KeyCode::Char('a') => fetch_configured_grant(app),
        KeyCode::Char('o') => start(app, LoginMode::Normal, After::Console, false, None),
        KeyCode::Char('x') => overlay_keys::ask_to_forget(app),
        KeyCode::Char('D') => super::doctor_keys::open(app),
        _ => Vec::new(),
    }
}

fn navigate(app: &mut App, movement: impl FnOnce(&mut App)) -> Vec<Effect> {
    movement(app);
    Vec::new()
}

fn page(app: &App) -> isize {
    app.list_viewport.height.max(2) as isize - 1
}

/// Esc closes the innermost thing: a running login of the selected profile, then the filter,
/// then the TUI itself.
fn on_escape(app: &mut App) -> Vec<Effect> {
    if let Some(row) = app.selected_row()
        && matches!(row.activity, Activity::Running { .. })
    {
        let profile = row.name.clone();
        return cancel(app, &profile);
    }
    if !app.filter.query.is_empty() {
        app.filter.query.clear();
        app.refilter();
        return Vec::new();
    }
    vec![Effect::Quit(Outcome::Quit)]
}

pub(super) fn cancel(app: &mut App, profile: &str) -> Vec<Effect> {
    if let Some(row) = app.row_mut(profile) {
        row.activity = Activity::Idle;
    }
    app.note = Some(format!("{profile}: login cancelled"));
    vec![Effect::Cancel {
        profile: profile.to_owned(),
    }]
}

fn on_filter_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        KeyCode::Esc => {
            app.filter.query.clear();
            app.filter.editing = false;
        }
        KeyCode::Enter => app.filter.editing = false,
        KeyCode::Backspace => {
            app.filter.query.pop();
        }
        KeyCode::Down => app.move_selection(1),
        KeyCode::Up => app.move_selection(-1),
        KeyCode::Char(c) => app.filter.query.push(c),
        _ => return Vec::new(),
    }
    if matches!(
        key.code,
        KeyCode::Char(_) | KeyCode::Backspace | KeyCode::Esc
    ) {
        app.refilter();
    }
    Vec::new()
}

/// Starts a login task for the selected profile, or reopens the modal of one that runs.
pub(super) fn start(
    app: &mut App,
    mode: LoginMode,
    then: After,
    open_modal: bool,
    grant: Option<GrantRequest>,
) -> Vec<Effect> {
    let Some(row) = app.selected_row() else {
        return Vec::new();
    };
    let profile = row.name.clone();
    if matches!(row.activity, Activity::Running { .. }) {
        app.overlay = Overlay::Login { profile };
        return Vec::new();
    }
    let task = app.next_task;
    app.next_task += 1;
    if let Some(row) = app.row_mut(&profile) {
        row.activity = Activity::Running {
            task,
            stage: Stage::Starting,
        };
        row.login_note = None;
    }
    if open_modal {
        app.overlay = Overlay::Login {
            profile: profile.clone(),
        };
    }
    vec![Effect::Obtain {
        profile,
        task,
        mode,
        then,
        grant,
    }]
}

fn on_progress(app: &mut App, profile: &str, stage: Stage) {
    let needs_person = matches!(
        stage,
        Stage::OpenBrowser { .. } | Stage::BrowserUnavailable { .. } | Stage::DeviceCode { .. }
    );
    let Some(row) = app.row_mut(profile) else {
        return;
    };
    if let Stage::LoginNeeded(reason) = &stage {
        row.login_note = Some(reason.clone());
    }
    let Activity::Running { stage: current, .. } = &mut row.activity else {
        return;
    };
    // The device code and the browser URL must stay on screen while the flow waits.
    let keep_code = (matches!(current, Stage::DeviceCode { .. })
        && matches!(stage, Stage::WaitingForDevice))
        || (matches!(
            current,
            Stage::OpenBrowser { .. } | Stage::BrowserUnavailable { .. }
        ) && matches!(stage, Stage::WaitingForBrowser));
    if !keep_code {
        *current = stage;
    }
    if needs_person && app.overlay == Overlay::None {
        app.overlay = Overlay::Login {
            profile: profile.to_owned(),
        };
    }
}

fn on_finished(
    app: &mut App,
    profile: &str,
    task: u64,
    then: After,
    result: Result<crate::shell::Handoff, String>,
) -> Vec<Effect> {
    let mut effects = vec![Effect::ReadCache];
    let current = app.row(profile).is_some_and(
        |row| matches!(row.activity, Activity::Running { task: running, .. } if running == task),
    );
    if !current {
        return effects; // cancelled meanwhile: its credentials may still be cached
    }
    if app.overlay
        == (Overlay::Login {
            profile: profile.to_owned(),
        })
    {
        app.overlay = Overlay::None;
    }
    let activity = match result {
        Ok(handoff) => {
            app.note = Some(format!("{profile}: credentials ready"));
            match then {
                After::Nothing => {}
                After::Export => effects.push(Effect::Quit(Outcome::Export {
                    handoff,
                    format: app.export_format,
                })),
                After::Shell => effects.push(Effect::Shell(handoff)),
                After::ServerShell => effects.push(Effect::ServerShell(handoff)),
                After::Copy => effects.push(Effect::Copy(handoff)),
                After::Console => effects.push(Effect::OpenConsole {
                    profile: handoff.profile,
                }),
            }
            Activity::Idle
        }
        Err(error) => {
            app.note = Some(error.lines().next().unwrap_or_default().to_owned());
            Activity::Failed { error }
        }
    };
    if let Some(row) = app.row_mut(profile) {
        row.activity = activity;
    }
    effects
}

fn on_mouse(app: &mut App, mouse: crossterm::event::MouseEvent) {
    if app.overlay != Overlay::None {
        return;
    }
    match mouse.kind {
        MouseEventKind::ScrollDown => app.move_selection(1),
        MouseEventKind::ScrollUp => app.move_selection(-1),
        MouseEventKind::Down(MouseButton::Left) => {
            let viewport = app.list_viewport;
            if mouse.row < viewport.top || mouse.row >= viewport.top + viewport.height {
                return;
            }
            let index = viewport.offset + usize::from(mouse.row - viewport.top);
            if app.items.get(index).is_some_and(ListItem::is_selectable) {
                app.selected = Some(index);
            }
        }
        _ => {}
    }
}
