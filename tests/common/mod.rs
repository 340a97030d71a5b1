//! The integration-test harness every `tests/*.rs` shares through `mod common;`: the loopback
//! peers of `tests/peers/` (an OpenID provider and an AWS peer) started on free ports and
//! stopped by PID ([`Peers`]), a scripted browser login for an IdP in auto-login mode
//! ([`scripted_login`]), and the real `runas` binary run in a clean environment ([`RunasHome`],
//! with `tests/browser/browser.py` as its `$BROWSER`). It owns nothing of runas itself and
//! never talks to anything but 127.0.0.1. Install the peers with `tests/peers/install.sh`
//! (scripts/test.sh does it).

// Each test crate compiles this module on its own and uses only part of it.
#![allow(dead_code, unused_imports)]

pub mod access_grants;
pub mod cli;
pub mod config_fixture;
pub mod device;
pub mod endpoint;
pub mod fault_server;
pub mod identity_center;
pub mod login;
pub mod peers;
pub mod process;
pub mod raw_http;
pub mod sso_home;
pub mod stack;
pub mod tmux;

pub use cli::{
    BrowserMode, RunOutput, RunasHome, Running, count, free_callback_uri, idp_defaults, read_json,
    wait_until,
};
pub use login::{
    REDIRECT_URI, ScriptedLogin, follow_authorization, log_in, log_in_with_expiry, scripted_login,
};
pub use peers::{
    ACCESS_GRANTS_LOCATION_ROLE_ARN, ACCOUNT_ID, IDC_APPLICATION_ARN, IDC_USER_ID,
    PUBLIC_CLIENT_ID, PeerOptions, Peers, SSO_REGION, SSO_START_URL, aws_cli_v1,
};
