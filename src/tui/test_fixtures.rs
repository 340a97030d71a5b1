//! Test-only code: compiled solely under its parent module's `#[cfg(test)]`.
//!
//! Shared fixtures for the TUI's unit and snapshot tests: a config with profiles of every
//! status, a fixed clock, and helpers to draw on a `TestBackend`.

use std::path::Path;

use chrono::{DateTime, Duration, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::msg::Msg;
use super::rows::{CacheView, CredentialView, TokenView, rows_from_config};
use super::state::{Activity, App, Stage};
use super::view::view;
use crate::config;

pub const CONFIG: &str = "\
[profile dev-admin]
web_identity_auth_url = https://example.okta.com/oauth2/default
web_identity_client_id = 0oa1b2c3d4
web_identity_callback_uri = http://127.0.0.1:8090/callback
role_arn = arn:aws:iam::123456789012:role/dev-admin
region = eu-west-1

[profile dev-readonly]
web_identity_auth_url = https://example.okta.com/oauth2/default
web_identity_client_id = 0oa1b2c3d4
web_identity_callback_uri = http://127.0.0.1:8090/callback
role_arn = arn:aws:iam::123456789012:role/dev-readonly

[profile prod-admin]
web_identity_auth_url = https://login.microsoftonline.com/tenant-id/oauth2/v2.0
web_identity_client_id = 11111111-2222
web_identity_client_secret = hunter2
web_identity_callback_uri = http://localhost:8400/callback
role_arn = arn:aws:iam::210987654321:role/prod-admin

[profile kc-ops]
web_identity_auth_url = http://127.0.0.1:8080/realms/ops
web_identity_client_id = runas-cli
web_identity_callback_uri = http://127.0.0.1:8091/callback
web_identity_provider = keycloak
role_arn = arn:aws:iam::333333333333:role/ops

[profile kc-audit]
web_identity_auth_url = http://127.0.0.1:8080/realms/ops
web_identity_client_id = runas-cli
web_identity_callback_uri = http://127.0.0.1:8091/callback
web_identity_provider = keycloak
role_arn = arn:aws:iam::333333333333:role/audit

[profile broken]
web_identity_auth_url = https://example.okta.com/oauth2/default
role_arn = not-an-arn
";

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 2, 12, 0, 0).single().unwrap()
}

pub fn app_from(text: &str) -> App {
    let config = config::parse(Path::new("/home/me/.aws/config"), text);
    let mut app = App::new(
        config.path.clone(),
        rows_from_config(&config, None, chrono::Utc::now()),
        Vec::new(),
    );
    app.color = false;
    app
}

fn credentials(role: &str, obtained_minutes_ago: i64, left: Duration) -> Box<CredentialView> {
    Box::new(CredentialView {
        obtained_at: now() - Duration::minutes(obtained_minutes_ago),
        expiration: now() + left,
        assumed_role_arn: Some(format!(
            "arn:aws:sts::123456789012:assumed-role/{role}/alice@example.com"
        )),
        session_name: Some("alice@example.com".into()),
    })
}

/// Every status at once: valid, expiring, expired, never, in progress, error, invalid.
pub fn mixed_app() -> App {
    let mut app = app_from(CONFIG);
    let tokens = TokenView {
        subject: Some("00u1abcd".into()),
        email: Some("alice@example.com".into()),
        expires_at: now() + Duration::minutes(50),
        refresh_token: true,
    };
    let views = vec![
        (
            "dev-admin".to_owned(),
            CacheView {
                credentials: Some(credentials(
                    "dev-admin",
                    17,
                    Duration::seconds(42 * 60 + 10),
                )),
                tokens: Some(Box::new(tokens.clone())),
                grants: Vec::new(),
            },
        ),
        (
            "dev-readonly".to_owned(),
            CacheView {
                credentials: Some(credentials(
                    "dev-readonly",
                    50,
                    Duration::seconds(9 * 60 + 5),
                )),
                tokens: Some(Box::new(tokens)),
                grants: Vec::new(),
            },
        ),
        (
            "kc-audit".to_owned(),
            CacheView {
                credentials: Some(credentials("audit", 70, Duration::minutes(-10))),
                tokens: None,
                grants: Vec::new(),
            },
        ),
    ];
    super::update::update(&mut app, Msg::CacheRead(views));
    app.row_mut("kc-ops").unwrap().activity = Activity::Running {
        task: 1,
        stage: Stage::WaitingForBrowser,
    };
    app.row_mut("prod-admin").unwrap().activity = Activity::Failed {
        error: "profile prod-admin: assuming arn:aws:iam::210987654321:role/prod-admin: AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity\n  hint: the role's trust policy does not accept this token: check its aud and sub conditions".into(),
    };
    // Set here directly, not through `update`, so the view's summary is worked out by hand.
    app.summarize();
    app
}

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn char_key(c: char) -> Msg {
    key(KeyCode::Char(c))
}

/// The screen as text, one quoted line per row (TestBackend's Display).
pub fn draw(app: &mut App, width: u16, height: u16) -> String {
    super::update::update(app, Msg::Resize { width, height });
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| view(app, now(), frame)).unwrap();
    terminal.backend().to_string()
}

pub fn select(app: &mut App, name: &str) {
    let index = app
        .items
        .iter()
        .position(|item| {
            matches!(item, super::state::ListItem::Profile(row) if app.rows[*row].name == name)
        })
        .unwrap();
    app.selected = Some(index);
    app.scroll_into_view();
}
