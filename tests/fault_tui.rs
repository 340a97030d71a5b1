//! A hanging identity provider under the TUI, as the real binary in tmux: while one profile's
//! login waits on an IdP that accepts connections and never answers, the TUI keeps answering
//! keys, another profile (of a healthy IdP) logs in, and the hung login ends in a specific
//! error within runas's request timeout instead of spinning forever.

#![cfg(unix)]

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::fault_server::{Behaviour, LoopbackServer};
use common::tmux::Tmux;
use common::{PUBLIC_CLIENT_ID, PeerOptions, Peers, free_callback_uri};

/// Long enough for a login against the peers on a loaded machine.
const STEP: Duration = Duration::from_secs(60);
/// The IdP request timeout is 15 s (src/http.rs); this leaves room for a slow machine.
const HANG_DEADLINE: Duration = Duration::from_secs(45);

/// Writes the config (`hung` at `hung_issuer`, `fine` at the peers) and the script that runs
/// the TUI in tmux; returns the script.
fn tui_script(dir: &Path, peers: &Peers, hung_issuer: &str, role: &str) -> PathBuf {
    let mut config = String::new();
    for (name, issuer) in [("hung", hung_issuer), ("fine", peers.issuer().as_str())] {
        config.push_str(&format!(
            "[profile {name}]\nweb_identity_auth_url = {issuer}\n\
             web_identity_client_id = {PUBLIC_CLIENT_ID}\nweb_identity_callback_uri = {}\n\
             web_identity_provider = oidc\nrole_arn = {role}\nregion = us-east-1\n\n",
            free_callback_uri()
        ));
    }
    std::fs::write(dir.join("config"), config).expect("write the config");
    std::fs::write(dir.join("empty"), "").expect("write an empty file");
    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/follow.sh");
    let script = format!(
        "export AWS_CONFIG_FILE='{config}' RUNAS_CACHE_DIR='{cache}' \
         AWS_SHARED_CREDENTIALS_FILE='{empty}' AWS_ENDPOINT_URL_STS='{endpoint}' \
         AWS_EC2_METADATA_DISABLED=true BROWSER='{browser}' SHELL=/bin/sh NO_COLOR=1 \
         NO_PROXY='*' TERM=xterm-256color\n\
         unset AWS_PROFILE RUNAS_PROFILE\n\
         '{binary}' 2>> '{status}.err'\n\
         echo $? > '{status}'\n",
        config = dir.join("config").display(),
        cache = dir.join("cache").display(),
        empty = dir.join("empty").display(),
        endpoint = peers.aws_endpoint(),
        browser = browser.display(),
        binary = env!("CARGO_BIN_EXE_runas"),
        status = dir.join("status").display(),
    );
    let path = dir.join("run.sh");
    std::fs::write(&path, script).expect("write the TUI script");
    path
}

/// The list line of `profile`, if shown.
fn line_of<'a>(screen: &'a str, profile: &str) -> Option<&'a str> {
    screen
        .lines()
        .find(|line| line.contains(&format!(" {profile} ")))
}

const PROFILES: [&str; 2] = ["hung", "fine"];

/// Moves the selection to `profile` one key at a time from the top of the list, waiting for
/// each move to show (its detail pane title) before the next key.
fn select(tmux: &Tmux, profile: &str, context: &dyn Fn() -> String) {
    let screen = tmux.screen();
    let mut listed: Vec<(usize, &str)> = PROFILES
        .iter()
        .filter_map(|name| {
            let line = screen
                .lines()
                .position(|l| l.contains(&format!(" {name} ")))?;
            Some((line, *name))
        })
        .collect();
    listed.sort();
    let target = listed
        .iter()
        .position(|(_, name)| *name == profile)
        .unwrap_or_else(|| panic!("{profile} is not listed:\n{screen}"));
    for (step, (_, name)) in listed.iter().enumerate().take(target + 1) {
        tmux.keys(&[if step == 0 { "g" } else { "j" }]);
        let title = format!("{name} · web_identity");
        tmux.wait_screen(
            &format!("{name} selected"),
            STEP,
            |s| s.contains(&title),
            context,
        );
    }
}

#[test]
fn a_hanging_idp_leaves_the_tui_responsive_and_other_profiles_working() {
    let peers = Peers::start(PeerOptions::default().auto_login("alice"));
    let role = peers.create_role("tui-fault", Duration::from_secs(3600));
    let hanging = LoopbackServer::start(Behaviour::Hang);
    let dir = tempfile::tempdir().expect("temp dir");
    let script = tui_script(dir.path(), &peers, &hanging.url(), &role);
    let tmux = Tmux::start(dir.path(), &script);
    let context = || {
        let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap_or_default();
        format!("status: {}\nstderr: {}", read("status"), read("status.err"))
    };

    tmux.wait_screen(
        "both profiles listed",
        STEP,
        |s| {
            line_of(s, "hung").is_some()
                && line_of(s, "fine").is_some_and(|l| l.contains("never logged in"))
        },
        context,
    );
    select(&tmux, "hung", &context);
    tmux.keys(&["Enter"]);
    tmux.wait_screen(
        "the hung login discovering its IdP",
        STEP,
        |s| line_of(s, "hung").is_some_and(|l| l.contains("discovering")),
        context,
    );
    common::wait_until("runas connects to the hanging IdP", STEP, || {
        hanging.connections() >= 1
    });

    // The login's modal can be hidden (Enter), and then the TUI answers keys while the login
    // hangs: the help overlay opens and closes.
    tmux.wait_screen(
        "the login modal",
        STEP,
        |s| s.contains("Log in · hung"),
        context,
    );
    tmux.keys(&["Enter"]);
    tmux.wait_screen(
        "the login modal hidden",
        STEP,
        |s| !s.contains("Log in · hung"),
        context,
    );
    tmux.keys(&["?"]);
    tmux.wait_screen("the help overlay", STEP, |s| s.contains(" Keys "), context);
    tmux.keys(&["Escape"]);
    tmux.wait_screen(
        "the help overlay closed",
        STEP,
        |s| !s.contains(" Keys "),
        context,
    );

    // Another profile logs in meanwhile.
    select(&tmux, "fine", &context);
    tmux.keys(&["Enter"]);
    tmux.wait_screen(
        "the fine profile logged in",
        STEP,
        |s| line_of(s, "fine").is_some_and(|l| l.contains('●')),
        context,
    );

    // The hung login ends in a specific error within the IdP request timeout.
    select(&tmux, "hung", &context);
    let screen = tmux.wait_screen(
        "the hung login's error",
        HANG_DEADLINE,
        |s| line_of(s, "hung").is_some_and(|l| l.contains("error")),
        context,
    );
    let lowered = screen.to_lowercase();
    assert!(
        lowered.contains("timed out") || lowered.contains("timeout"),
        "no timeout named:\n{screen}"
    );
    assert!(
        line_of(&screen, "fine").is_some_and(|l| l.contains('●')),
        "{screen}"
    );

    tmux.keys(&["q"]);
    let status_file = dir.path().join("status");
    common::wait_until("the TUI to exit", STEP, || {
        std::fs::read_to_string(&status_file).is_ok_and(|s| s.ends_with('\n'))
    });
    let status = std::fs::read_to_string(&status_file).unwrap_or_default();
    assert_eq!(status.trim(), "0", "{}", context());
}
