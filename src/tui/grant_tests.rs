//! Test-only code: compiled solely under its parent module's `#[cfg(test)]`.
//!
//! S3 Access Grants in the TUI: a profile's cached grants as child rows with their own
//! countdowns, `a` to get the configured grant, and `e` on a grant row exporting the grant's
//! credentials. `update` is called directly; one `TestBackend` snapshot.

use chrono::Duration;
use crossterm::event::KeyCode;

use super::msg::{Effect, GrantRequest, LoginMode, Msg, Outcome};
use super::rows::{CacheView, GrantView};
use super::state::{Activity, After, App, ListItem};
use super::test_fixtures::{app_from, char_key, draw, key, now, select};
use super::update::update;
use crate::config::GrantPermission;
use crate::creds::{Credentials, Secret};
use crate::shell::Handoff;

const TIP_CONFIG: &str = "\
[profile analyst]
web_identity_auth_url = http://127.0.0.1:8080/realms/ops
web_identity_client_id = runas-cli
web_identity_provider = keycloak
role_arn = arn:aws:iam::123456789012:role/web
identity_center_application_arn = arn:aws:sso::123456789012:application/ssoins-7223a1b2c3d4e5f6/apl-0a1b2c3d4e5f6a7b
identity_enhanced_role_arn = arn:aws:iam::123456789012:role/enhanced
s3_access_grants_target = s3://reports/team-a/

[profile plain]
web_identity_auth_url = http://127.0.0.1:8080/realms/ops
web_identity_client_id = runas-cli
web_identity_provider = keycloak
role_arn = arn:aws:iam::123456789012:role/plain
";

fn grant(target: &str, permission: GrantPermission, left: Duration) -> GrantView {
    GrantView {
        target: target.into(),
        permission,
        matched_grant_target: Some("s3://reports/team-a/*".into()),
        expiration: now() + left,
    }
}

/// `analyst` with two cached grants: one valid for 42 minutes, one expired.
fn app_with_grants() -> App {
    let mut app = app_from(TIP_CONFIG);
    let view = CacheView {
        grants: vec![
            grant(
                "s3://reports/team-a/",
                GrantPermission::Read,
                Duration::seconds(42 * 60 + 10),
            ),
            grant(
                "s3://reports/team-b/",
                GrantPermission::ReadWrite,
                Duration::minutes(-3),
            ),
        ],
        ..CacheView::default()
    };
    update(&mut app, Msg::CacheRead(vec![("analyst".into(), view)]));
    app
}

fn select_grant(app: &mut App, index: usize) {
    app.selected = app
        .items
        .iter()
        .position(|item| matches!(item, ListItem::Grant { grant, .. } if *grant == index));
}

#[test]
fn cached_grants_sit_under_their_profile_and_can_be_selected() {
    let mut app = app_with_grants();
    let kinds: Vec<String> = app
        .items
        .iter()
        .map(|item| match item {
            ListItem::Group(_) => "group".to_owned(),
            ListItem::Profile(row) => app.rows[*row].name.clone(),
            ListItem::Grant { grant, .. } => format!("grant {grant}"),
        })
        .collect();
    assert_eq!(kinds, ["group", "analyst", "grant 0", "grant 1", "plain"]);
    select(&mut app, "analyst");
    update(&mut app, key(KeyCode::Down));
    let (row, grant) = app.selected_grant().expect("the grant row is selectable");
    assert_eq!(
        (row.name.as_str(), grant.target.as_str()),
        ("analyst", "s3://reports/team-a/")
    );
    assert_eq!(app.selected_row().unwrap().name, "analyst");
}

#[test]
fn a_cache_read_keeps_the_selected_grant() {
    let mut app = app_with_grants();
    select_grant(&mut app, 1);
    // Another cache read, the first grant gone: the selection follows team-b.
    let view = CacheView {
        grants: vec![grant(
            "s3://reports/team-b/",
            GrantPermission::ReadWrite,
            Duration::minutes(50),
        )],
        ..CacheView::default()
    };
    update(&mut app, Msg::CacheRead(vec![("analyst".into(), view)]));
    let (_, grant) = app.selected_grant().unwrap();
    assert_eq!(grant.target, "s3://reports/team-b/");
}

#[test]
fn a_fetches_the_configured_grant_and_only_where_one_is_configured() {
    let mut app = app_with_grants();
    select(&mut app, "analyst");
    let effects = update(&mut app, char_key('a'));
    let [
        Effect::Obtain {
            profile,
            mode: LoginMode::Normal,
            then: After::Nothing,
            grant: Some(request),
            ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}");
    };
    assert_eq!(profile, "analyst");
    assert_eq!(
        request,
        &GrantRequest {
            target: "s3://reports/team-a/".into(),
            permission: GrantPermission::Read
        }
    );
    assert!(matches!(
        app.row("analyst").unwrap().activity,
        Activity::Running { .. }
    ));

    select(&mut app, "plain");
    assert!(update(&mut app, char_key('a')).is_empty());
    assert!(
        app.note
            .as_deref()
            .unwrap()
            .contains("no S3 Access Grant configured"),
        "{:?}",
        app.note
    );
}

#[test]
fn e_on_a_grant_row_exports_the_grant_credentials() {
    let mut app = app_with_grants();
    select_grant(&mut app, 1);
    let effects = update(&mut app, char_key('e'));
    let [
        Effect::Obtain {
            task,
            then: After::Export,
            grant: Some(request),
            ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}");
    };
    assert_eq!(request.target, "s3://reports/team-b/");
    assert_eq!(request.permission, GrantPermission::ReadWrite);
    let handoff = Handoff {
        profile: "analyst".into(),
        region: None,
        credentials: Credentials {
            access_key_id: "ASIAGRANT".into(),
            secret_access_key: Secret::new("grant-secret"),
            session_token: Secret::new("grant-token"),
            expiration: now() + Duration::hours(1),
        },
    };
    let effects = update(
        &mut app,
        Msg::Finished {
            profile: "analyst".into(),
            task: *task,
            then: After::Export,
            result: Ok(handoff),
        },
    );
    let exported = effects.iter().find_map(|effect| match effect {
        Effect::Quit(Outcome::Export { handoff, .. }) => Some(handoff),
        _ => None,
    });
    assert_eq!(exported.unwrap().credentials.access_key_id, "ASIAGRANT");
}

#[test]
fn grant_rows_with_their_own_countdowns() {
    let mut app = app_with_grants();
    select_grant(&mut app, 0);
    let screen = draw(&mut app, 120, 20);
    assert!(screen.contains("└ s3://reports/team-a/ READ"), "{screen}");
    assert!(screen.contains("42m 10s"), "{screen}");
    assert!(
        screen.contains("└ s3://reports/team-b/ READWRITE"),
        "{screen}"
    );
    assert!(screen.contains("expired"), "{screen}");
    assert!(screen.contains("export grant"), "the key bar: {screen}");
    insta::assert_snapshot!(screen);
}
