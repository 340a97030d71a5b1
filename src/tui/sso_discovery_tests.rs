//! Test-only code: compiled solely under its parent module's `#[cfg(test)]`.
//!
//! IAM Identity Center discovery in the TUI: the session row and its keys, accounts arriving
//! one by one under their headings, a config profile shown in place of its discovered role,
//! the filter finding accounts and roles, and a finished discovery dropping vanished roles.

use std::path::Path;

use crossterm::event::KeyCode;

use super::msg::{Effect, Msg};
use super::sso_keys::{SsoEffect, SsoMsg};
use super::sso_rows::{account_rows, session_row_name};
use super::state::{Activity, App, Overlay};
use super::test_fixtures::{app_from, char_key, draw, key, select};
use super::update::update;
use crate::cache::sso_discovery::{DiscoveredAccount, Discovery};
use crate::config::{self, Config};

const CONFIG: &str = "\
[sso-session corp]
sso_start_url = https://d-9067c0ffee.awsapps.com/start
sso_region = us-east-1

[profile prod-admin]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Admin
";

fn config() -> Config {
    config::parse(Path::new("/home/me/.aws/config"), CONFIG)
}

fn account(id: &str, name: &str, roles: &[&str]) -> DiscoveredAccount {
    DiscoveredAccount {
        id: id.into(),
        name: name.into(),
        email: format!("aws+{name}@example.test"),
        roles: roles.iter().map(|role| (*role).to_owned()).collect(),
    }
}

fn arrive(app: &mut App, account: DiscoveredAccount) {
    let rows = account_rows(&config(), "corp", &account);
    update(
        app,
        Msg::Sso(SsoMsg::Account {
            session: "corp".into(),
            account,
            rows,
        }),
    );
}

#[test]
fn the_session_row_logs_in_with_enter_and_discovers_again_with_r() {
    let mut app = app_from(CONFIG);
    let row = session_row_name("corp");
    select(&mut app, &row);
    let effects = update(&mut app, key(KeyCode::Enter));
    assert!(
        matches!(effects.as_slice(), [Effect::Sso(SsoEffect::Login { session, .. })] if session == "corp"),
        "{effects:?}"
    );
    assert_eq!(
        app.overlay,
        Overlay::Login {
            profile: row.clone()
        }
    );
    app.overlay = Overlay::None;
    let effects = update(&mut app, char_key('r'));
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Sso(SsoEffect::Discover { session, refresh: true, .. })] if session == "corp"
        ),
        "{effects:?}"
    );
    // A hand-off key on the session row explains instead of failing.
    assert!(update(&mut app, char_key('s')).is_empty());
    assert!(
        app.note
            .as_deref()
            .unwrap_or_default()
            .contains("choose one of its roles")
    );
}

#[test]
fn accounts_fill_in_under_their_headings_and_a_config_profile_takes_its_roles_place() {
    let mut app = app_from(CONFIG);
    arrive(
        &mut app,
        account("111122223333", "prod", &["Admin", "ReadOnly"]),
    );
    arrive(&mut app, account("444455556666", "dev", &["Admin"]));
    // prod's Admin is the config's prod-admin, not a second row.
    assert!(app.row("corp/111122223333/Admin").is_none());
    let moved = app.row("prod-admin").unwrap();
    assert!(
        moved.group.contains("prod · 111122223333"),
        "{}",
        moved.group
    );
    assert!(app.row("corp/111122223333/ReadOnly").is_some());
    let screen = draw(&mut app, 140, 24);
    assert!(
        screen.contains("sso-session corp › dev · 444455556666 · aws+dev@example.test"),
        "{screen}"
    );
    assert!(screen.contains("corp/444455556666/Admin"), "{screen}");

    app.filter.query = "dev".into();
    app.refilter();
    assert_eq!(
        app.selected_row().map(|row| row.name.as_str()),
        Some("corp/444455556666/Admin")
    );
    app.filter.query = "readonly".into();
    app.refilter();
    assert_eq!(
        app.selected_row().map(|row| row.name.as_str()),
        Some("corp/111122223333/ReadOnly")
    );
}

#[test]
fn a_finished_discovery_drops_vanished_roles_and_hands_its_roles_to_the_runner() {
    let mut app = app_from(CONFIG);
    select(&mut app, &session_row_name("corp"));
    let Effect::Sso(SsoEffect::Discover { task, .. }) = update(&mut app, char_key('r')).remove(0)
    else {
        panic!("a discovery starts");
    };
    arrive(&mut app, account("444455556666", "dev", &["Admin", "Old"]));
    let discovery = Discovery {
        session: "corp".into(),
        start_url: "https://d-9067c0ffee.awsapps.com/start".into(),
        region: "us-east-1".into(),
        fetched_at: chrono::Utc::now(),
        accounts: vec![account("444455556666", "dev", &["Admin"])],
    };
    let effects = update(
        &mut app,
        Msg::Sso(SsoMsg::Discovered {
            session: "corp".into(),
            task,
            result: Ok(Box::new(discovery)),
            stale: None,
        }),
    );
    assert!(
        matches!(effects.first(), Some(Effect::Sso(SsoEffect::Use(_)))),
        "{effects:?}"
    );
    assert!(app.row("corp/444455556666/Old").is_none());
    assert!(app.row("corp/444455556666/Admin").is_some());
    assert_eq!(
        app.row(&session_row_name("corp")).unwrap().activity,
        Activity::Idle
    );
    assert!(
        app.note
            .as_deref()
            .unwrap_or_default()
            .contains("1 accounts, 1 roles")
    );
}

#[test]
fn a_failed_discovery_keeps_the_last_one_usable_and_says_why_on_the_session_row() {
    let mut app = app_from(CONFIG);
    let effects = super::sso_keys::discover_all(&mut app);
    let [
        Effect::Sso(SsoEffect::Discover {
            task,
            refresh: false,
            ..
        }),
    ] = effects.as_slice()
    else {
        panic!("one discovery at start: {effects:?}");
    };
    assert_eq!(app.summary.running, 1, "the header counts the discovery");
    let old = Discovery {
        session: "corp".into(),
        start_url: "https://d-9067c0ffee.awsapps.com/start".into(),
        region: "us-east-1".into(),
        fetched_at: chrono::Utc::now() - chrono::Duration::days(2),
        accounts: vec![account("444455556666", "dev", &["Admin"])],
    };
    let error =
        "sso-session corp: no live IAM Identity Center token; log in first: runas login corp";
    let effects = update(
        &mut app,
        Msg::Sso(SsoMsg::Discovered {
            session: "corp".into(),
            task: *task,
            result: Err(error.into()),
            stale: Some(Box::new(old)),
        }),
    );
    assert!(
        matches!(effects.as_slice(), [Effect::Sso(SsoEffect::Use(_))]),
        "{effects:?}"
    );
    let row = app.row(&session_row_name("corp")).unwrap();
    assert!(matches!(&row.activity, Activity::Failed { error: e } if e == error));
    assert_eq!(app.note.as_deref(), Some(error));
}

#[test]
fn a_role_shown_while_its_discovery_runs_waits_for_the_listing_to_end() {
    let mut app = app_from(CONFIG);
    super::sso_keys::discover_all(&mut app);
    arrive(&mut app, account("444455556666", "dev", &["Admin"]));
    select(&mut app, "corp/444455556666/Admin");
    assert!(update(&mut app, key(KeyCode::Enter)).is_empty());
    assert!(
        app.note
            .as_deref()
            .unwrap_or_default()
            .contains("still listing"),
        "{:?}",
        app.note
    );
    // A config profile moved under its account is the person's own: it works at once.
    arrive(&mut app, account("111122223333", "prod", &["Admin"]));
    select(&mut app, "prod-admin");
    assert!(matches!(
        update(&mut app, key(KeyCode::Enter)).as_slice(),
        [Effect::Obtain { .. }]
    ));
}
