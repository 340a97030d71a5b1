//! Test-only code: compiled solely under its parent module's `#[cfg(test)]`.
//!
//! The console key in `update`: `o` obtains the selected profile's credentials (a login if
//! needed) and, once they are ready, asks for the console sign-in; the result becomes the note.

use super::msg::{Effect, LoginMode, Msg};
use super::state::After;
use super::test_fixtures::{char_key, mixed_app, now, select};
use super::update::update;
use crate::creds::{Credentials, Secret};
use crate::shell::Handoff;

#[test]
fn o_obtains_credentials_then_opens_the_console_and_reports_it() {
    let mut app = mixed_app();
    select(&mut app, "dev-admin");
    let effects = update(&mut app, char_key('o'));
    let task = effects
        .iter()
        .find_map(|effect| match effect {
            Effect::Obtain {
                profile,
                task,
                mode: LoginMode::Normal,
                then: After::Console,
                grant: None,
            } if profile == "dev-admin" => Some(*task),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no console login task in {effects:?}"));
    let handoff = Handoff {
        profile: "dev-admin".into(),
        region: Some("eu-west-1".into()),
        credentials: Credentials {
            access_key_id: "ASIA".into(),
            secret_access_key: Secret::new("s"),
            session_token: Secret::new("t"),
            expiration: now() + chrono::Duration::hours(1),
        },
    };
    let effects = update(
        &mut app,
        Msg::Finished {
            profile: "dev-admin".into(),
            task,
            then: After::Console,
            result: Ok(handoff),
        },
    );
    assert!(
        effects.iter().any(|effect| matches!(
            effect,
            Effect::OpenConsole { profile } if profile == "dev-admin"
        )),
        "{effects:?}"
    );
    update(
        &mut app,
        Msg::ConsoleOpened(Err("dev-admin: cannot start firefox".into())),
    );
    assert_eq!(app.note.as_deref(), Some("dev-admin: cannot start firefox"));
}
