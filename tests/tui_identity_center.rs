//! Trusted identity propagation in the TUI, end to end in tmux against the peers.

#![cfg(unix)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::PeerOptions;
use common::access_grants::{GRANT_SCOPE, TARGET, analyst_home, calls, grant_files, tip_peers};

/// The TUI end to end in tmux: Enter logs the identity-center profile in (browser through the
/// scripted IdP login), `a` fetches its configured grant, and the grant appears under the
/// profile as its own row with a countdown, from one GetDataAccess.
#[test]
fn the_tui_logs_in_and_shows_the_grant_a_fetches_under_the_profile() {
    use common::tmux::{TMUX, Tmux};
    if !Path::new(TMUX).exists() {
        eprintln!("skipped: {TMUX} is not installed");
        return;
    }
    let peers = tip_peers(PeerOptions::default().access_grant(GRANT_SCOPE, "READ"));
    let home = analyst_home(&peers);
    // The TUI runs with exactly the variables of the home's CLI runs.
    let command = home.command(&[]);
    let mut script = String::new();
    for (name, value) in command.get_envs() {
        if let (Some(name), Some(value)) = (name.to_str(), value.and_then(|v| v.to_str())) {
            script.push_str(&format!("export {name}='{value}'\n"));
        }
    }
    script.push_str(&format!(
        "export NO_COLOR=1 TERM=xterm-256color\n'{}' 2> '{}/tui.err'\n",
        common::cli::runas_binary(),
        home.path().display()
    ));
    let script_path = home.path().join("tui.sh");
    std::fs::write(&script_path, script).expect("write the TUI script");
    let tmux = Tmux::start_sized(home.path(), &script_path, 120, 30);
    let deadline = Duration::from_secs(60);
    let stderr = || std::fs::read_to_string(home.path().join("tui.err")).unwrap_or_default();
    tmux.wait_screen(
        "the analyst row",
        deadline,
        |s| s.contains(" analyst "),
        stderr,
    );
    tmux.keys(&["Enter"]);
    tmux.wait_screen(
        "a countdown on the analyst row",
        deadline,
        |screen| {
            screen
                .lines()
                .any(|line| line.contains(" analyst ") && line.contains("m ") && line.contains('s'))
                && !screen.contains("Log in ·")
        },
        stderr,
    );
    assert_eq!(calls(&peers, "sso-oidc:CreateTokenWithIAM"), 1);
    tmux.keys(&["a"]);
    let screen = tmux.wait_screen(
        "the grant row under the profile",
        deadline,
        |screen| screen.contains(&format!("└ {TARGET} READ")),
        stderr,
    );
    assert_eq!(calls(&peers, "s3control:GetDataAccess"), 1, "{screen}");
    assert_eq!(grant_files(&home).len(), 1, "{screen}");
    tmux.keys(&["q"]);
}
