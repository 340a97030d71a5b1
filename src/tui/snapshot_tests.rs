//! Test-only code: compiled solely under its parent module's `#[cfg(test)]`.
//!
//! `TestBackend` snapshots of the view at a fixed clock (stored in `snapshots/`). Colour is
//! off so the text alone is compared.

use chrono::Duration;
use crossterm::event::KeyCode;

use super::msg::Msg;
use super::state::{Activity, Overlay, Stage};
use super::test_fixtures::{app_from, char_key, draw, key, mixed_app, now, select};
use super::update::update;

#[test]
fn empty_config_shows_how_to_add_a_profile() {
    let mut app = app_from("");
    let screen = draw(&mut app, 80, 24);
    assert!(screen.contains("No profiles in"));
    insta::assert_snapshot!(screen);
}

#[test]
fn mixed_statuses_wide() {
    let mut app = mixed_app();
    select(&mut app, "dev-admin");
    insta::assert_snapshot!(draw(&mut app, 120, 30));
}

#[test]
fn mixed_statuses_at_80x24() {
    let mut app = mixed_app();
    select(&mut app, "dev-readonly");
    let screen = draw(&mut app, 80, 24);
    assert!(screen.contains("42m 10s"), "{screen}");
    assert!(screen.contains("expiring 9m 05s"), "{screen}");
    assert!(screen.contains("9m 05s left"), "the gauge: {screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn narrow_60x20_hides_the_detail_pane() {
    let mut app = mixed_app();
    let screen = draw(&mut app, 60, 20);
    assert!(!screen.contains("Provider"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn tiny_terminal_does_not_panic() {
    let mut app = mixed_app();
    for (width, height) in [(1, 1), (10, 3), (20, 5), (200, 2)] {
        draw(&mut app, width, height);
    }
    app.overlay = Overlay::Help;
    draw(&mut app, 12, 4);
}

#[test]
fn filter_active() {
    let mut app = mixed_app();
    update(&mut app, char_key('/'));
    for c in "kc".chars() {
        update(&mut app, char_key(c));
    }
    let screen = draw(&mut app, 100, 24);
    assert!(!screen.contains("dev-admin"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn detail_with_an_error() {
    let mut app = mixed_app();
    select(&mut app, "prod-admin");
    let screen = draw(&mut app, 120, 30);
    assert!(screen.contains("trust policy"), "{screen}");
    assert!(
        !screen.contains("hunter2"),
        "the client secret must be masked"
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn device_code_modal() {
    let mut app = mixed_app();
    select(&mut app, "dev-admin");
    let _ = update(&mut app, char_key('d'));
    let _ = update(
        &mut app,
        Msg::Progress {
            profile: "dev-admin".into(),
            stage: Stage::DeviceCode {
                user_code: "WDJB-MJHT".into(),
                verification_uri: "http://127.0.0.1:9000/device".into(),
                verification_uri_complete: Some(
                    "http://127.0.0.1:9000/device?user_code=WDJB-MJHT".into(),
                ),
            },
        },
    );
    let screen = draw(&mut app, 100, 40);
    assert!(screen.contains("WDJB-MJHT"));
    assert!(
        screen.contains('▀') || screen.contains('▄'),
        "a QR code: {screen}"
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn device_code_modal_without_room_for_the_qr_code() {
    let mut app = mixed_app();
    select(&mut app, "dev-admin");
    let _ = update(&mut app, char_key('d'));
    let _ = update(
        &mut app,
        Msg::Progress {
            profile: "dev-admin".into(),
            stage: Stage::DeviceCode {
                user_code: "WDJB-MJHT".into(),
                verification_uri: "http://127.0.0.1:9000/device".into(),
                verification_uri_complete: Some(
                    "http://127.0.0.1:9000/device?user_code=WDJB-MJHT&client_id=runas-cli".into(),
                ),
            },
        },
    );
    let screen = draw(&mut app, 80, 24);
    assert!(screen.contains("WDJB-MJHT"));
    assert!(screen.contains("larger terminal"), "{screen}");
}

#[test]
fn help_overlay() {
    let mut app = mixed_app();
    update(&mut app, char_key('?'));
    insta::assert_snapshot!(draw(&mut app, 80, 24));
}

#[test]
fn countdown_follows_the_clock() {
    let mut app = mixed_app();
    select(&mut app, "dev-admin");
    update(&mut app, key(KeyCode::Down));
    let row = app.row("dev-admin").unwrap();
    let later = now() + Duration::seconds(30);
    assert_eq!(
        row.status(later, true),
        super::state::Status::Valid {
            remaining: Duration::seconds(41 * 60 + 40)
        }
    );
    assert!(matches!(
        app.row("kc-ops").unwrap().activity,
        Activity::Running { .. }
    ));
}
