//! The TUI's `S` end to end: the real binary in tmux against the loopback peers. `S` logs in
//! (the browser played by `tests/browser/follow.sh` against the IdP's auto-login) and opens a
//! shell whose credentials come from a loopback endpoint instead of fixed keys; the AWS CLI v2
//! works in it; `exit` brings the TUI back. Everything talks to 127.0.0.1 only.

#![cfg(unix)]

mod common;

use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

use common::tmux::Tmux;
use common::{PUBLIC_CLIENT_ID, PeerOptions, Peers, wait_until};

const DEADLINE: Duration = Duration::from_secs(60);
const AWS_CLI: &str = "/usr/bin/aws";

#[test]
fn capital_s_opens_a_shell_with_a_credentials_endpoint_and_the_tui_comes_back() {
    if !Path::new(AWS_CLI).exists() {
        eprintln!("skipped: {AWS_CLI} (the AWS CLI v2) is not installed");
        return;
    }
    let callback = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        format!(
            "http://127.0.0.1:{}/callback",
            listener.local_addr().unwrap().port()
        )
    };
    let peers = Peers::start(
        PeerOptions::default()
            .auto_login("alice")
            .extra_redirect_uri(&callback),
    );
    let role_arn = peers.create_role("tui-server", Duration::from_secs(3600));
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    std::fs::write(
        path("config"),
        format!(
            "[profile served]\nweb_identity_auth_url = {}\nweb_identity_client_id = {PUBLIC_CLIENT_ID}\n\
             web_identity_callback_uri = {callback}\nweb_identity_provider = oidc\n\
             role_arn = {role_arn}\nregion = us-east-1\n",
            peers.issuer()
        ),
    )
    .unwrap();
    std::fs::write(path("empty"), "").unwrap();
    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/follow.sh");
    let script = format!(
        "export AWS_CONFIG_FILE='{config}' RUNAS_CACHE_DIR='{cache}' HOME='{home}' \
         AWS_SHARED_CREDENTIALS_FILE='{empty}' AWS_ENDPOINT_URL_STS='{endpoint}' \
         AWS_EC2_METADATA_DISABLED=true BROWSER='{browser}' SHELL=/bin/sh NO_COLOR=1 \
         TERM=xterm-256color AWS_ACCESS_KEY_ID=AKIAINHERITEDSTALE01\n\
         unset AWS_PROFILE RUNAS_PROFILE\n\
         '{binary}' 2>> '{status}.err'\n\
         echo $? > '{status}'\n",
        config = path("config").display(),
        cache = path("cache").display(),
        home = dir.path().display(),
        empty = path("empty").display(),
        endpoint = peers.aws_endpoint(),
        browser = browser.display(),
        binary = env!("CARGO_BIN_EXE_runas"),
        status = path("status").display(),
    );
    std::fs::write(path("run.sh"), script).unwrap();
    let tmux = Tmux::start(dir.path(), &path("run.sh"));
    let context = || {
        format!(
            "stderr: {}",
            std::fs::read_to_string(path("status.err")).unwrap_or_default()
        )
    };
    tmux.wait_screen(
        "the list",
        DEADLINE,
        |screen| screen.contains("served"),
        context,
    );
    tmux.keys(&["S"]);
    tmux.wait_screen(
        "the shell",
        DEADLINE,
        |screen| !screen.contains("Profiles ("),
        context,
    );
    let seen = path("seen");
    tmux.keys(&[
        &format!(
            "echo \"$AWS_CONTAINER_CREDENTIALS_FULL_URI ${{AWS_ACCESS_KEY_ID:-no-key}} \
             $RUNAS_PROFILE\" > '{seen}.tmp'; {AWS_CLI} sts get-caller-identity --endpoint-url \
             \"$AWS_ENDPOINT_URL_STS\" --output text >> '{seen}.tmp' 2>&1; echo \"status $?\" >> '{seen}.tmp'; mv '{seen}.tmp' '{seen}'",
            seen = seen.display()
        ),
        "Enter",
    ]);
    wait_until("the shell to report", DEADLINE, || seen.exists());
    let report = std::fs::read_to_string(&seen).unwrap();
    let first: Vec<&str> = report.lines().next().unwrap().split_whitespace().collect();
    assert!(
        first[0].starts_with("http://127.0.0.1:"),
        "the shell sees the endpoint: {report}"
    );
    assert_eq!(first[1..], ["no-key", "served"], "{report}");
    assert!(
        report.contains("assumed-role/tui-server/"),
        "the AWS CLI got the role from the endpoint: {report}"
    );
    assert!(report.trim_end().ends_with("status 0"), "{report}");
    tmux.keys(&["exit", "Enter"]);
    tmux.wait_screen(
        "the TUI back after the shell",
        DEADLINE,
        |screen| screen.contains("Profiles (") && screen.contains("back from the shell"),
        context,
    );
    tmux.keys(&["q"]);
    wait_until("the TUI to exit", DEADLINE, || {
        std::fs::read_to_string(path("status")).is_ok_and(|status| status.trim() == "0")
    });
}
