//! Test-only code: compiled solely under its parent module's `#[cfg(test)]`.
//!
//! Why a login was needed although a refresh token was cached (the IdP's refresh answers
//! carry no ID token): the sentence reaches the login modal while the browser step runs, stays
//! in the detail pane after the login, and is cleared by the next one. Also a failure from an
//! IdP that answers the device grant without an ID token, shown whole in the detail pane.

use crossterm::event::KeyCode;

use super::msg::Msg;
use super::state::{After, Stage};
use super::test_fixtures::{CONFIG, app_from, draw, key, select};
use super::update::update;

const WHY: &str = "logging in again: the IdP answered the refresh without a new ID token";

fn progress(stage: Stage) -> Msg {
    Msg::Progress {
        profile: "dev-admin".into(),
        stage,
    }
}

#[test]
fn the_reason_for_a_login_shows_in_the_modal_and_then_in_the_detail_pane() {
    let mut app = app_from(CONFIG);
    select(&mut app, "dev-admin");
    update(&mut app, key(KeyCode::Enter));
    update(&mut app, progress(Stage::LoginNeeded(WHY.into())));
    update(
        &mut app,
        progress(Stage::OpenBrowser {
            url: "http://127.0.0.1:1/auth".into(),
        }),
    );
    let modal = draw(&mut app, 120, 30);
    assert!(
        modal.contains("logging in again: the IdP answered"),
        "{modal}"
    );
    assert!(modal.contains("http://127.0.0.1:1/auth"), "{modal}");

    update(&mut app, key(KeyCode::Esc));
    let detail = draw(&mut app, 160, 30);
    assert!(detail.contains("Login"), "{detail}");
    assert!(detail.contains("logging in again"), "{detail}");

    update(&mut app, key(KeyCode::Enter));
    assert_eq!(
        app.row("dev-admin").unwrap().login_note,
        None,
        "a new login starts clean"
    );
}

#[test]
fn a_device_grant_without_an_id_token_is_shown_whole_in_the_detail_pane() {
    let mut app = app_from(CONFIG);
    select(&mut app, "dev-admin");
    update(&mut app, key(KeyCode::Char('d')));
    let task = match &app.row("dev-admin").unwrap().activity {
        super::state::Activity::Running { task, .. } => *task,
        other => panic!("{other:?}"),
    };
    let error = "profile dev-admin: the IdP answered the device-code grant with an access \
                 token but no ID token: the IdP administrator must enable OpenID Connect ID \
                 tokens for the device-code grant";
    update(
        &mut app,
        Msg::Finished {
            profile: "dev-admin".into(),
            task,
            then: After::Nothing,
            result: Err(error.into()),
        },
    );
    update(&mut app, key(KeyCode::Esc));
    let detail = draw(&mut app, 200, 40);
    assert!(detail.contains("IdP administrator must enable"), "{detail}");
}
