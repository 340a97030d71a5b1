//! Test-only code: compiled solely under its parent module's `#[cfg(test)]`.
//!
//! IAM Identity Center profiles in the TUI: their row (badge, account, role, status), their
//! detail pane, and Enter starting a login for them like for any other profile.

use chrono::Duration;
use crossterm::event::KeyCode;

use super::msg::{Effect, LoginMode, Msg};
use super::rows::{CacheView, TokenView};
use super::state::{Overlay, Status};
use super::test_fixtures::{app_from, draw, key, now, select};
use super::update::update;

const SSO_CONFIG: &str = "\
[sso-session corp]
sso_start_url = https://d-9067c0ffee.awsapps.com/start
sso_region = us-east-1

[profile corp-admin]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = AdministratorAccess
";

#[test]
fn an_sso_row_shows_badge_account_role_and_status() {
    let mut app = app_from(SSO_CONFIG);
    let row = app.row("corp-admin").unwrap();
    assert_eq!(row.account_id.as_deref(), Some("111122223333"));
    assert_eq!(row.role_name.as_deref(), Some("AdministratorAccess"));
    assert_eq!(
        &*row.group,
        "IAM Identity Center · d-9067c0ffee.awsapps.com"
    );
    let mut filtered = app.clone();
    filtered.filter.query = "identity center".into();
    filtered.refilter();
    assert_eq!(
        filtered.selected_row().map(|row| row.name.as_str()),
        Some("corp-admin")
    );
    update(&mut app, Msg::CacheRead(Vec::new()));
    assert_eq!(
        app.row("corp-admin").unwrap().status(now(), true),
        Status::NeverLoggedIn
    );
    update(
        &mut app,
        Msg::CacheRead(vec![(
            "corp-admin".into(),
            CacheView {
                credentials: None,
                tokens: Some(Box::new(TokenView {
                    subject: None,
                    email: None,
                    expires_at: now() + Duration::hours(7),
                    refresh_token: true,
                })),
                grants: Vec::new(),
            },
        )]),
    );
    select(&mut app, "corp-admin");
    let screen = draw(&mut app, 120, 20);
    // The name column is as wide as the longest name, the session's row included.
    assert!(
        screen.contains("corp-admin ") && screen.contains("sso      111122223333 ready: signed in"),
        "{screen}"
    );
    assert!(screen.contains("sso-session corp"), "{screen}");
    assert!(screen.contains("SSO token expires in 7h 00m"), "{screen}");
    assert!(
        screen.contains("arn:aws:iam::111122223333:role/AdministratorAccess"),
        "{screen}"
    );
}

#[test]
fn enter_logs_an_sso_profile_in() {
    let mut app = app_from(SSO_CONFIG);
    select(&mut app, "corp-admin");
    let effects = update(&mut app, key(KeyCode::Enter));
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Obtain { profile, mode: LoginMode::Normal, .. }] if profile == "corp-admin"
        ),
        "{effects:?}"
    );
    assert_eq!(
        app.overlay,
        Overlay::Login {
            profile: "corp-admin".into()
        }
    );
}
