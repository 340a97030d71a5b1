//! The TUI's `D` end to end: the real binary in tmux against the loopback peers. `D` on a
//! profile opens the doctor report in an overlay: every link ✓ while the peers are up, and the
//! broken link with its fix once the IdP is gone. Everything talks to 127.0.0.1 only.

#![cfg(unix)]

mod common;

use std::time::Duration;

use common::tmux::Tmux;
use common::{PUBLIC_CLIENT_ID, PeerOptions, Peers, free_callback_uri};

const DEADLINE: Duration = Duration::from_secs(30);

#[test]
fn capital_d_shows_the_doctor_report_of_the_selected_profile() {
    let mut peers = Peers::start(PeerOptions::default());
    let role_arn = peers.create_role("tui-doctor", Duration::from_secs(3600));
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    std::fs::write(
        path("config"),
        format!(
            "[profile checked]\nweb_identity_auth_url = {}\nweb_identity_client_id = {PUBLIC_CLIENT_ID}\n\
             web_identity_callback_uri = {}\nweb_identity_provider = oidc\n\
             role_arn = {role_arn}\nregion = us-east-1\n",
            peers.issuer(),
            free_callback_uri()
        ),
    )
    .unwrap();
    std::fs::write(path("empty"), "").unwrap();
    let script = format!(
        "export AWS_CONFIG_FILE='{config}' RUNAS_CACHE_DIR='{cache}' HOME='{home}' \
         AWS_SHARED_CREDENTIALS_FILE='{empty}' AWS_ENDPOINT_URL_STS='{endpoint}' \
         AWS_EC2_METADATA_DISABLED=true NO_COLOR=1 TERM=xterm-256color\n\
         '{binary}' 2>> '{status}.err'\n\
         echo $? > '{status}'\n",
        config = path("config").display(),
        cache = path("cache").display(),
        home = dir.path().display(),
        empty = path("empty").display(),
        endpoint = peers.aws_endpoint(),
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
    tmux.wait_screen("the list", DEADLINE, |s| s.contains("checked"), context);

    tmux.keys(&["D"]);
    let report = tmux.wait_screen(
        "the doctor report",
        DEADLINE,
        |s| s.contains("✓ sts"),
        context,
    );
    assert!(report.contains("Doctor · checked"), "{report}");
    for link in [
        "✓ config",
        "✓ discovery",
        "✓ issuer",
        "✓ jwks",
        "✓ callback",
    ] {
        assert!(report.contains(link), "{link}:\n{report}");
    }
    assert!(!report.contains('✗'), "{report}");

    tmux.keys(&["Escape"]);
    tmux.wait_screen(
        "the overlay closed",
        DEADLINE,
        |s| !s.contains("Doctor · checked"),
        context,
    );
    peers.stop_idp();
    tmux.keys(&["D"]);
    let broken = tmux.wait_screen(
        "the broken discovery link",
        DEADLINE,
        |s| s.contains("✗ discovery") && s.contains("✓ sts"),
        context,
    );
    assert!(broken.contains("fix: check that the IdP is up"), "{broken}");
    // One key at a time: Escape and q together read as Alt-q.
    tmux.keys(&["Escape"]);
    tmux.wait_screen(
        "the overlay closed",
        DEADLINE,
        |s| !s.contains("Doctor · checked"),
        context,
    );
    tmux.keys(&["q"]);
    common::wait_until("the TUI to quit", DEADLINE, || path("status").exists());
}
