//! Test-only code: compiled solely under its parent module's `#[cfg(test)]`.
//!
//! Overlays and statuses a newcomer meets first: the question before forgetting, the help
//! overlay, the "ready" state of a profile whose IdP login is cached, and the note after a
//! shell.

use chrono::Duration;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::msg::{Effect, Msg, Outcome};
use super::rows::{CacheView, TokenView};
use super::state::{Activity, Overlay, Stage, Status};
use super::test_fixtures::{CONFIG, app_from, char_key, draw, key, now, select};
use super::update::update;

#[test]
fn x_asks_first_and_only_y_or_enter_forget() {
    let mut app = app_from(CONFIG);
    select(&mut app, "dev-admin");
    assert!(update(&mut app, char_key('x')).is_empty());
    assert_eq!(
        app.overlay,
        Overlay::ConfirmForget {
            profile: "dev-admin".into()
        }
    );
    let screen = draw(&mut app, 100, 30);
    assert!(screen.contains("Forget dev-admin?"), "{screen}");
    // Keys other than the answers do nothing while the question is open.
    assert!(update(&mut app, char_key('j')).is_empty());
    assert!(update(&mut app, char_key('n')).is_empty());
    assert_eq!(app.overlay, Overlay::None);
    assert_eq!(app.note.as_deref(), Some("dev-admin: kept"));

    update(&mut app, char_key('x'));
    assert!(update(&mut app, key(KeyCode::Esc)).is_empty());
    assert_eq!(app.overlay, Overlay::None);

    for answer in [char_key('y'), key(KeyCode::Enter)] {
        update(&mut app, char_key('x'));
        let effects = update(&mut app, answer);
        assert!(
            matches!(effects.as_slice(), [Effect::Forget { profile }] if profile == "dev-admin"),
            "{effects:?}"
        );
        assert_eq!(app.overlay, Overlay::None);
    }
}

#[test]
fn x_on_a_running_login_says_to_cancel_it_instead() {
    let mut app = app_from(CONFIG);
    select(&mut app, "dev-admin");
    app.row_mut("dev-admin").unwrap().activity = Activity::Running {
        task: 1,
        stage: Stage::WaitingForBrowser,
    };
    assert!(update(&mut app, char_key('x')).is_empty());
    assert_eq!(app.overlay, Overlay::None);
    assert!(app.note.as_deref().unwrap().contains("Esc cancels it"));
}

#[test]
fn q_quits_and_ctrl_c_quits_from_anywhere() {
    let mut app = app_from(CONFIG);
    let effects = update(&mut app, char_key('q'));
    assert!(matches!(effects.as_slice(), [Effect::Quit(Outcome::Quit)]));
    update(&mut app, char_key('/'));
    let effects = update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert!(matches!(effects.as_slice(), [Effect::Quit(Outcome::Quit)]));
}

#[test]
fn help_opens_and_closes_and_swallows_other_keys() {
    let mut app = app_from(CONFIG);
    update(&mut app, char_key('?'));
    assert_eq!(app.overlay, Overlay::Help);
    assert!(update(&mut app, char_key('x')).is_empty());
    update(&mut app, key(KeyCode::Esc));
    assert_eq!(app.overlay, Overlay::None);
}

fn tokens(expires_in: Duration, refresh_token: bool) -> Box<TokenView> {
    Box::new(TokenView {
        subject: Some("00u1abcd".into()),
        email: None,
        expires_at: now() + expires_in,
        refresh_token,
    })
}

#[test]
fn a_cached_idp_login_without_role_credentials_is_ready() {
    let mut app = app_from(CONFIG);
    let view = |tokens| CacheView {
        credentials: None,
        tokens,
        grants: Vec::new(),
    };
    update(
        &mut app,
        Msg::CacheRead(vec![
            (
                "dev-admin".into(),
                view(Some(tokens(Duration::minutes(30), false))),
            ),
            // Expired ID token but a refresh token: still silent.
            (
                "dev-readonly".into(),
                view(Some(tokens(Duration::minutes(-5), true))),
            ),
            // Expired and nothing to renew it with: a login is needed.
            (
                "kc-ops".into(),
                view(Some(tokens(Duration::minutes(-5), false))),
            ),
        ]),
    );
    let status = |app: &super::state::App, name: &str| app.status_of(app.row(name).unwrap(), now());
    assert_eq!(status(&app, "dev-admin"), Status::Ready);
    assert_eq!(status(&app, "dev-readonly"), Status::Ready);
    assert_eq!(status(&app, "kc-ops"), Status::NeverLoggedIn);
    assert_eq!(status(&app, "kc-audit"), Status::NeverLoggedIn);
    select(&mut app, "dev-admin");
    let screen = draw(&mut app, 140, 30);
    assert!(
        screen
            .lines()
            .any(|line| line.contains("│◌ dev-admin ") && line.contains("ready: signed in")),
        "{screen}"
    );
    assert!(
        screen.contains("signed in to example.okta.com, role not assumed"),
        "{screen}"
    );
}

#[test]
fn a_shell_that_exits_non_zero_is_not_reported_as_an_error() {
    let mut app = app_from(CONFIG);
    let exited = |result| Msg::ShellExited {
        profile: "dev-admin".into(),
        result,
    };
    update(&mut app, exited(Ok(0)));
    assert_eq!(app.note.as_deref(), Some("dev-admin: back from the shell"));
    update(&mut app, exited(Ok(1)));
    let note = app.note.clone().unwrap();
    assert_eq!(
        note,
        "dev-admin: back from the shell (its last command exited with 1)"
    );
    assert!(!note.contains("error"), "{note}");
    update(&mut app, exited(Err("cannot start /bin/nope".into())));
    assert_eq!(
        app.note.as_deref(),
        Some("dev-admin: cannot start /bin/nope")
    );
}
