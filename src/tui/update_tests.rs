//! Test-only code: compiled solely under its parent module's `#[cfg(test)]`.
//!
//! `update` driven directly: keys, mouse and task messages, with no terminal.

use crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use super::msg::{Effect, LoginMode, Msg, Outcome};
use super::state::{Activity, After, ListItem, Overlay, Stage};
use super::test_fixtures::{CONFIG, app_from, char_key, key, mixed_app, select};
use super::update::update;
use crate::creds::{Credentials, Secret};
use crate::shell::Handoff;

fn selected_name(app: &super::state::App) -> String {
    app.selected_row().unwrap().name.clone()
}

fn handoff(profile: &str) -> Handoff {
    Handoff {
        profile: profile.into(),
        region: Some("eu-west-1".into()),
        credentials: Credentials {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: Secret::new("secret"),
            session_token: Secret::new("token"),
            expiration: super::test_fixtures::now(),
        },
    }
}

#[test]
fn profiles_are_grouped_by_idp_and_headings_are_never_selected() {
    let app = app_from(CONFIG);
    let groups: Vec<&str> = app
        .items
        .iter()
        .filter_map(|item| match item {
            ListItem::Group(name) => Some(name.as_str()),
            ListItem::Profile(_) | ListItem::Grant { .. } => None,
        })
        .collect();
    assert_eq!(
        groups,
        [
            "Entra ID · login.microsoftonline.com",
            "Keycloak · 127.0.0.1:8080",
            "Okta · example.okta.com",
            "other profiles"
        ]
    );
    assert!(matches!(
        app.items[app.selected.unwrap()],
        ListItem::Profile(_)
    ));
}

#[test]
fn j_and_k_move_over_headings_and_stop_at_the_ends() {
    let mut app = app_from(CONFIG);
    let first = selected_name(&app);
    update(&mut app, char_key('k'));
    assert_eq!(selected_name(&app), first, "k at the top stays");
    update(&mut app, char_key('j'));
    let second = selected_name(&app);
    assert_ne!(second, first);
    update(&mut app, char_key('G'));
    let last = selected_name(&app);
    update(&mut app, key(KeyCode::Down));
    assert_eq!(selected_name(&app), last, "down at the bottom stays");
    update(&mut app, char_key('g'));
    assert_eq!(selected_name(&app), first);
    update(&mut app, key(KeyCode::PageDown));
    assert_eq!(selected_name(&app), last, "a page is longer than this list");
}

#[test]
fn the_filter_matches_fuzzily_and_esc_clears_it() {
    let mut app = app_from(CONFIG);
    update(&mut app, char_key('/'));
    for c in "dvro".chars() {
        update(&mut app, char_key(c));
    }
    assert_eq!(selected_name(&app), "dev-readonly");
    let profiles = app
        .items
        .iter()
        .filter(|i| matches!(i, ListItem::Profile(_)))
        .count();
    assert_eq!(profiles, 1);
    update(&mut app, key(KeyCode::Enter));
    assert!(!app.filter.editing);
    assert_eq!(app.filter.query, "dvro", "Enter keeps the filter");
    update(&mut app, key(KeyCode::Esc));
    assert!(
        app.filter.query.is_empty(),
        "Esc outside the prompt clears the filter"
    );
    assert_eq!(
        app.items
            .iter()
            .filter(|i| matches!(i, ListItem::Profile(_)))
            .count(),
        6
    );
}

#[test]
fn the_filter_matches_account_ids_and_providers() {
    let mut app = app_from(CONFIG);
    update(&mut app, char_key('/'));
    for c in "210987".chars() {
        update(&mut app, char_key(c));
    }
    assert_eq!(selected_name(&app), "prod-admin");
    update(&mut app, key(KeyCode::Esc));
    update(&mut app, char_key('/'));
    for c in "keycloak".chars() {
        update(&mut app, char_key(c));
    }
    let names: Vec<_> = app
        .items
        .iter()
        .filter_map(|i| match i {
            ListItem::Profile(r) => Some(app.rows[*r].name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(names, ["kc-audit", "kc-ops"]);
}

#[test]
fn enter_starts_a_browser_login_with_its_modal_and_esc_cancels_it() {
    let mut app = app_from(CONFIG);
    select(&mut app, "dev-admin");
    let effects = update(&mut app, key(KeyCode::Enter));
    let [
        Effect::Obtain {
            profile,
            task,
            mode,
            then,
            grant: None,
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}");
    };
    assert_eq!(
        (profile.as_str(), *mode, *then),
        ("dev-admin", LoginMode::Normal, After::Nothing)
    );
    assert_eq!(
        app.overlay,
        Overlay::Login {
            profile: "dev-admin".into()
        }
    );
    let task = *task;
    update(
        &mut app,
        Msg::Progress {
            profile: "dev-admin".into(),
            stage: Stage::OpenBrowser {
                url: "http://127.0.0.1:1/auth".into(),
            },
        },
    );
    update(
        &mut app,
        Msg::Progress {
            profile: "dev-admin".into(),
            stage: Stage::WaitingForBrowser,
        },
    );
    assert!(
        matches!(
            &app.row("dev-admin").unwrap().activity,
            Activity::Running {
                stage: Stage::OpenBrowser { .. },
                ..
            }
        ),
        "the URL stays while waiting"
    );
    let effects = update(&mut app, key(KeyCode::Esc));
    assert!(matches!(effects.as_slice(), [Effect::Cancel { profile }] if profile == "dev-admin"));
    assert_eq!(app.overlay, Overlay::None);
    assert_eq!(app.row("dev-admin").unwrap().activity, Activity::Idle);
    // The aborted task's late result is not taken for the current state.
    let effects = update(
        &mut app,
        Msg::Finished {
            profile: "dev-admin".into(),
            task,
            then: After::Nothing,
            result: Err("late".into()),
        },
    );
    assert!(matches!(effects.as_slice(), [Effect::ReadCache]));
    assert_eq!(app.row("dev-admin").unwrap().activity, Activity::Idle);
}

#[test]
fn several_profiles_log_in_at_once() {
    let mut app = app_from(CONFIG);
    select(&mut app, "dev-admin");
    update(&mut app, key(KeyCode::Enter));
    update(&mut app, key(KeyCode::Enter)); // hides the modal; the login goes on
    assert_eq!(app.overlay, Overlay::None);
    select(&mut app, "kc-ops");
    let effects = update(&mut app, char_key('r'));
    assert!(matches!(
        effects.as_slice(),
        [Effect::Obtain {
            mode: LoginMode::Force,
            ..
        }]
    ));
    assert_eq!(app.summary.running, 2);
}

#[test]
fn a_finished_login_rereads_the_cache_and_runs_what_was_asked() {
    let mut app = app_from(CONFIG);
    select(&mut app, "dev-admin");
    let effects = update(&mut app, char_key('e'));
    let [
        Effect::Obtain {
            task,
            then: After::Export,
            ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}");
    };
    assert_eq!(
        app.overlay,
        Overlay::None,
        "no modal unless the login needs the person"
    );
    let effects = update(
        &mut app,
        Msg::Finished {
            profile: "dev-admin".into(),
            task: *task,
            then: After::Export,
            result: Ok(handoff("dev-admin")),
        },
    );
    assert!(matches!(effects[0], Effect::ReadCache));
    assert!(
        matches!(&effects[1], Effect::Quit(Outcome::Export { handoff, .. }) if handoff.profile == "dev-admin")
    );
}

#[test]
fn shell_and_copy_follow_the_login() {
    for (c, check) in [('s', "shell"), ('y', "copy")] {
        let mut app = app_from(CONFIG);
        let effects = update(&mut app, char_key(c));
        let [Effect::Obtain { task, then, .. }] = effects.as_slice() else {
            panic!()
        };
        let name = selected_name(&app);
        let effects = update(
            &mut app,
            Msg::Finished {
                profile: name.clone(),
                task: *task,
                then: *then,
                result: Ok(handoff(&name)),
            },
        );
        let ok = match check {
            "shell" => matches!(effects.last(), Some(Effect::Shell(_))),
            _ => matches!(effects.last(), Some(Effect::Copy(_))),
        };
        assert!(ok, "{check}: {effects:?}");
    }
}

#[test]
fn a_failed_login_keeps_its_error_for_the_detail_pane() {
    let mut app = app_from(CONFIG);
    let effects = update(&mut app, key(KeyCode::Enter));
    let [Effect::Obtain { profile, task, .. }] = effects.as_slice() else {
        panic!()
    };
    update(
        &mut app,
        Msg::Finished {
            profile: profile.clone(),
            task: *task,
            then: After::Nothing,
            result: Err("first\nhint: second".into()),
        },
    );
    assert_eq!(
        app.row(profile).unwrap().activity,
        Activity::Failed {
            error: "first\nhint: second".into()
        }
    );
    assert_eq!(app.note.as_deref(), Some("first"));
    assert_eq!(app.overlay, Overlay::None);
}

#[test]
fn a_device_code_opens_the_modal_even_for_a_background_login() {
    let mut app = app_from(CONFIG);
    let name = selected_name(&app);
    update(&mut app, char_key('s'));
    assert_eq!(app.overlay, Overlay::None);
    update(
        &mut app,
        Msg::Progress {
            profile: name.clone(),
            stage: Stage::DeviceCode {
                user_code: "ABCD".into(),
                verification_uri: "http://127.0.0.1/d".into(),
                verification_uri_complete: None,
            },
        },
    );
    assert_eq!(app.overlay, Overlay::Login { profile: name });
}

#[test]
fn mouse_wheel_moves_and_a_click_selects_the_row_under_it() {
    let mut app = mixed_app();
    super::test_fixtures::draw(&mut app, 120, 30);
    let first = selected_name(&app);
    let scroll = |kind| {
        Msg::Mouse(MouseEvent {
            kind,
            column: 5,
            row: 5,
            modifiers: KeyModifiers::NONE,
        })
    };
    update(&mut app, scroll(MouseEventKind::ScrollDown));
    assert_ne!(selected_name(&app), first);
    update(&mut app, scroll(MouseEventKind::ScrollUp));
    assert_eq!(selected_name(&app), first);
    // The last item is a profile; click on its screen row.
    let last = app.items.len() - 1;
    let row = app.list_viewport.top + (last - app.list_viewport.offset) as u16;
    update(
        &mut app,
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: 5,
            row,
            modifiers: KeyModifiers::NONE,
        }),
    );
    assert_eq!(app.selected, Some(last));
}

#[test]
fn esc_with_nothing_open_quits() {
    let mut app = app_from(CONFIG);
    assert!(matches!(
        update(&mut app, key(KeyCode::Esc)).as_slice(),
        [Effect::Quit(Outcome::Quit)]
    ));
}

#[test]
fn a_cache_read_updates_every_profile_that_shares_the_login() {
    let app = mixed_app();
    assert!(app.cache_loaded);
    assert!(app.row("dev-readonly").unwrap().cache.tokens.is_some());
    assert!(app.row("dev-admin").unwrap().cache.tokens.is_some());
}

#[test]
fn the_selection_scrolls_into_view_on_a_short_list() {
    let text: String = (0..40)
        .map(|i| format!("[profile p{i:02}]\nweb_identity_auth_url = https://x.okta.com/oauth2\nweb_identity_client_id = c\nrole_arn = arn:aws:iam::1:role/r\n"))
        .collect();
    let mut app = app_from(&text);
    super::test_fixtures::draw(&mut app, 60, 20);
    update(&mut app, char_key('G'));
    let viewport = app.list_viewport;
    let selected = app.selected.unwrap();
    assert!(
        selected >= viewport.offset && selected < viewport.offset + usize::from(viewport.height)
    );
    super::test_fixtures::draw(&mut app, 60, 20)
        .contains("p39")
        .then_some(())
        .unwrap();
}
