//! The TUI against an IdP whose refresh answers carry no ID token, end to end: the real binary
//! in tmux, the browser played by `tests/browser/follow.sh` against the IdP's auto-login. Two
//! profiles share one IdP app; the second one's `Enter` finds the shared ID token expiring,
//! refreshes, gets no ID token back, logs in again, and its detail pane says why.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::tmux::Tmux;
use common::{PUBLIC_CLIENT_ID, PeerOptions, Peers, count, free_callback_uri, raw_http};

const DEADLINE: Duration = Duration::from_secs(60);
const REFRESH: &str = "token grant_type=refresh_token";
const CODE: &str = "token grant_type=authorization_code";

/// The list line of `profile` on `screen`, if shown (not the detail pane's title, which names
/// the selected profile as `NAME · KIND`).
fn line_of<'a>(screen: &'a str, profile: &str) -> Option<&'a str> {
    screen.lines().find(|line| {
        line.contains(&format!(" {profile} ")) && !line.contains(&format!("{profile} ·"))
    })
}

/// `42m 10s`-style countdown somewhere in `line`.
fn has_countdown(line: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    words.windows(2).any(|pair| {
        let minutes = pair[0]
            .strip_suffix('m')
            .is_some_and(|m| m.parse::<u32>().is_ok());
        let seconds = pair[1]
            .strip_suffix('s')
            .is_some_and(|s| s.len() == 2 && s.parse::<u32>().is_ok());
        minutes && seconds
    })
}

fn script(dir: &Path, peers: &Peers) -> PathBuf {
    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/follow.sh");
    let text = format!(
        "export AWS_CONFIG_FILE='{dir}/config' RUNAS_CACHE_DIR='{dir}/cache' \
         AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_ENDPOINT_URL_STS='{endpoint}' \
         AWS_EC2_METADATA_DISABLED=true BROWSER='{browser}' SHELL=/bin/sh NO_COLOR=1 \
         TERM=xterm-256color\n\
         unset AWS_PROFILE RUNAS_PROFILE\n\
         '{binary}' 2>> '{dir}/stderr'\n",
        dir = dir.display(),
        endpoint = peers.aws_endpoint(),
        browser = browser.display(),
        binary = env!("CARGO_BIN_EXE_runas"),
    );
    let path = dir.join("run.sh");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn the_detail_pane_says_why_a_login_followed_a_refresh_without_an_id_token() {
    let callback = free_callback_uri();
    // A 2 s ID token: the second profile always finds the shared one expiring.
    let peers = Peers::start(
        PeerOptions::default()
            .auto_login("alice")
            .always_refresh_token()
            .id_token_ttl(2)
            .extra_redirect_uri(&callback),
    );
    let role = peers.create_role("tui-quirks", Duration::from_secs(3600));
    let dir = tempfile::tempdir().unwrap();
    let mut config = String::new();
    for name in ["quirk-first", "quirk-second"] {
        config.push_str(&format!(
            "[profile {name}]\nweb_identity_auth_url = {}\nweb_identity_client_id = \
             {PUBLIC_CLIENT_ID}\nweb_identity_callback_uri = {callback}\n\
             web_identity_provider = oidc\nrole_arn = {role}\nregion = us-east-1\n\n",
            peers.issuer()
        ));
    }
    std::fs::write(dir.path().join("config"), config).unwrap();
    let tmux = Tmux::start_sized(dir.path(), &script(dir.path(), &peers), 160, 40);
    let stderr = || std::fs::read_to_string(dir.path().join("stderr")).unwrap_or_default();

    tmux.wait_screen(
        "the list",
        DEADLINE,
        |s| s.contains("never logged in"),
        stderr,
    );
    tmux.keys(&["Enter"]);
    tmux.wait_screen(
        "a countdown on the first profile",
        DEADLINE,
        |s| line_of(s, "quirk-first").is_some_and(has_countdown),
        stderr,
    );
    let port: u16 = peers.issuer().rsplit(':').next().unwrap().parse().unwrap();
    let quirk = "/runas-peer/quirks?set=refresh_without_id_token";
    let answer = raw_http::post_form(port, quirk, &[], &[]).expect("POST quirks");
    assert_eq!(answer.status, 200, "{}", answer.body);
    let before = peers.idp_stats();

    tmux.keys(&["j"]);
    tmux.wait_screen(
        "the second profile selected",
        DEADLINE,
        |s| s.contains("quirk-second · web_identity"),
        stderr,
    );
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_screen(
        "a countdown on the second profile and the reason in its detail",
        DEADLINE,
        |s| {
            line_of(s, "quirk-second").is_some_and(has_countdown)
                && s.contains("logging in again: the IdP answered the refresh")
        },
        stderr,
    );
    assert!(screen.contains("Login"), "{screen}");
    let after = peers.idp_stats();
    assert_eq!(
        count(&after, REFRESH) - count(&before, REFRESH),
        1,
        "{after:?}"
    );
    assert_eq!(count(&after, CODE) - count(&before, CODE), 1, "{after:?}");
    tmux.keys(&["q"]);
}
