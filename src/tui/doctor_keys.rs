//! `D`: the doctor report of the selected profile in an overlay (see `crate::doctor`). The key
//! and message handling are part of `update` (pure: they change the [`App`] and return
//! effects); [`spawn`] is the effect, a task that runs the checks and reports back with
//! [`Msg::Doctored`]. The report is plain lines and never holds a secret.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent};
use tokio::sync::mpsc::UnboundedSender;

use super::msg::{Effect, Msg};
use super::state::{App, Overlay};
use crate::session::Session;

/// `D`: opens the overlay (checking…) and asks for the report.
pub(super) fn open(app: &mut App) -> Vec<Effect> {
    let Some(row) = app.selected_row() else {
        return Vec::new();
    };
    let profile = row.name.clone();
    app.overlay = Overlay::Doctor {
        profile: profile.clone(),
        report: None,
    };
    vec![Effect::Doctor { profile }]
}

/// The report arrived: shown if its overlay is still open, else a note.
pub(super) fn on_report(app: &mut App, profile: String, lines: Vec<String>, all_ok: bool) {
    let waiting =
        matches!(&app.overlay, Overlay::Doctor { profile: open, report: None } if *open == profile);
    if waiting {
        app.overlay = Overlay::Doctor {
            profile,
            report: Some(lines),
        };
    } else {
        let verdict = if all_ok {
            "every link ✓"
        } else {
            "a link is broken (D shows it)"
        };
        app.note = Some(format!("{profile}: doctor: {verdict}"));
    }
}

/// Keys while the report is open: Esc, q, Enter or D close it.
pub(super) fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if matches!(
        key.code,
        KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q' | 'D')
    ) {
        app.overlay = Overlay::None;
    }
    Vec::new()
}

/// The effect: runs the checks on a task and sends the report back.
pub(super) fn spawn(session: Arc<Session>, messages: UnboundedSender<Msg>, profile: String) {
    tokio::spawn(async move {
        let report = crate::doctor::diagnose(&session, &profile).await;
        let _ = messages.send(Msg::Doctored {
            all_ok: report.all_ok(),
            lines: report.lines(),
            profile,
        });
    });
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyEvent, KeyModifiers};

    use super::*;
    use crate::tui::test_fixtures;
    use crate::tui::update::update;

    fn key(c: char) -> Msg {
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    fn app() -> App {
        test_fixtures::mixed_app()
    }

    #[test]
    fn d_asks_for_the_report_of_the_selected_profile_and_shows_it_when_it_comes() {
        let mut app = app();
        let profile = app
            .selected_row()
            .map(|row| row.name.clone())
            .unwrap_or_default();
        let effects = update(&mut app, key('D'));
        assert!(
            matches!(&effects[..], [Effect::Doctor { profile: asked }] if *asked == profile),
            "{effects:?}"
        );
        assert_eq!(
            app.overlay,
            Overlay::Doctor {
                profile: profile.clone(),
                report: None
            }
        );
        let lines = vec![
            "✗ discovery  IdP down".to_owned(),
            "    fix: start it".to_owned(),
        ];
        update(
            &mut app,
            Msg::Doctored {
                profile: profile.clone(),
                lines: lines.clone(),
                all_ok: false,
            },
        );
        assert_eq!(
            app.overlay,
            Overlay::Doctor {
                profile,
                report: Some(lines)
            }
        );
        update(&mut app, key('q'));
        assert_eq!(app.overlay, Overlay::None);
    }

    #[test]
    fn the_overlay_draws_each_line_of_the_report() {
        let mut app = app();
        test_fixtures::select(&mut app, "prod-admin");
        update(&mut app, key('D'));
        let checking = test_fixtures::draw(&mut app, 100, 30);
        assert!(checking.contains("Doctor · prod-admin"), "{checking}");
        assert!(checking.contains("checking each link"), "{checking}");
        update(
            &mut app,
            Msg::Doctored {
                profile: "prod-admin".to_owned(),
                lines: vec![
                    "✓ config       ~/.aws/config:17 profile prod-admin".to_owned(),
                    "✗ exchange     AccessDenied".to_owned(),
                    "    fix: the role must trust aud = runas-cli".to_owned(),
                ],
                all_ok: false,
            },
        );
        let screen = test_fixtures::draw(&mut app, 100, 30);
        for expected in ["✓ config", "✗ exchange", "fix: the role must trust aud"] {
            assert!(screen.contains(expected), "{expected}:\n{screen}");
        }
    }

    #[test]
    fn a_report_for_a_closed_overlay_becomes_a_note() {
        let mut app = app();
        update(
            &mut app,
            Msg::Doctored {
                profile: "web".to_owned(),
                lines: Vec::new(),
                all_ok: true,
            },
        );
        assert_eq!(app.overlay, Overlay::None);
        assert_eq!(app.note.as_deref(), Some("web: doctor: every link ✓"));
    }
}
