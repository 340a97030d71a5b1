//! Test-only code: compiled solely under its parent module's `#[cfg(test)]`.
//!
//! The `S` key driven through `update`: it obtains the profile's credentials like `s`, and
//! hands them to a server-mode shell instead of a shell with fixed keys.

use super::msg::{Effect, LoginMode, Msg};
use super::state::After;
use super::test_fixtures::{CONFIG, app_from, char_key};
use super::update::update;
use crate::creds::{Credentials, Secret};
use crate::shell::Handoff;

#[test]
fn capital_s_obtains_then_opens_a_server_shell() {
    let mut app = app_from(CONFIG);
    let effects = update(&mut app, char_key('S'));
    let [
        Effect::Obtain {
            profile,
            task,
            mode: LoginMode::Normal,
            then: After::ServerShell,
            grant: None,
        },
    ] = effects.as_slice()
    else {
        panic!("S should obtain credentials for a server shell: {effects:?}")
    };
    let handoff = Handoff {
        profile: profile.clone(),
        region: None,
        credentials: Credentials {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: Secret::new("secret"),
            session_token: Secret::new("token"),
            expiration: super::test_fixtures::now(),
        },
    };
    let effects = update(
        &mut app,
        Msg::Finished {
            profile: profile.clone(),
            task: *task,
            then: After::ServerShell,
            result: Ok(handoff),
        },
    );
    assert!(
        effects
            .iter()
            .any(|effect| matches!(effect, Effect::ServerShell(h) if &h.profile == profile)),
        "{effects:?}"
    );
    assert!(
        !effects
            .iter()
            .any(|effect| matches!(effect, Effect::Shell(_))),
        "S must not open a shell with fixed keys: {effects:?}"
    );
}
