//! Keys while an overlay is open (help, a login modal, the question before forgetting), and
//! opening that question. Part of `update`: it changes the [`App`] and returns effects, with no
//! I/O, so each key can be tested by calling `update` directly.

use crossterm::event::{KeyCode, KeyEvent};

use super::msg::Effect;
use super::state::{Activity, App, Overlay};
use super::update::cancel;

pub(super) fn on_overlay_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    match app.overlay.clone() {
        Overlay::None => Vec::new(),
        Overlay::Help => {
            if matches!(
                key.code,
                KeyCode::Esc | KeyCode::Char('q' | '?') | KeyCode::Enter
            ) {
                app.overlay = Overlay::None;
            }
            Vec::new()
        }
        Overlay::Login { profile } => on_login_modal_key(app, &profile, key),
        Overlay::ConfirmForget { profile } => on_confirm_forget_key(app, &profile, key),
        Overlay::Doctor { .. } => super::doctor_keys::on_key(app, key),
    }
}

/// `x`: forgetting may cost a browser login on the next use, so it is asked first.
pub(super) fn ask_to_forget(app: &mut App) -> Vec<Effect> {
    match app.selected_row() {
        Some(row) if matches!(row.activity, Activity::Running { .. }) => {
            app.note = Some(format!("{}: a login is running; Esc cancels it", row.name));
        }
        Some(row) => {
            app.overlay = Overlay::ConfirmForget {
                profile: row.name.clone(),
            };
        }
        None => {}
    }
    Vec::new()
}

fn on_confirm_forget_key(app: &mut App, profile: &str, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        KeyCode::Char('y' | 'Y') | KeyCode::Enter => {
            app.overlay = Overlay::None;
            vec![Effect::Forget {
                profile: profile.to_owned(),
            }]
        }
        KeyCode::Char('n' | 'N' | 'q') | KeyCode::Esc => {
            app.overlay = Overlay::None;
            app.note = Some(format!("{profile}: kept"));
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn on_login_modal_key(app: &mut App, profile: &str, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        KeyCode::Esc => {
            app.overlay = Overlay::None;
            let running = app
                .row(profile)
                .is_some_and(|row| matches!(row.activity, Activity::Running { .. }));
            if running {
                cancel(app, profile)
            } else {
                Vec::new()
            }
        }
        // The login goes on in the background; the list shows its stage.
        KeyCode::Enter | KeyCode::Char('q' | 'h') => {
            app.overlay = Overlay::None;
            Vec::new()
        }
        _ => Vec::new(),
    }
}
