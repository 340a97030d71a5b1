//! The TUI logs in a role whose chain starts from long-term keys in the credentials file (the
//! real binary in tmux, the AWS peer on loopback with a moto IAM user's keys), and its export
//! key prints credentials the AWS CLI accepts.

#![cfg(unix)]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::tmux::Tmux;
use common::{PeerOptions, Peers};

const DEADLINE: Duration = Duration::from_secs(60);
const AWS_CLI: &str = "/usr/bin/aws";

#[test]
fn enter_logs_in_a_role_rooted_in_static_keys_and_e_exports_it() {
    if !Path::new(AWS_CLI).exists() || !Path::new(common::tmux::TMUX).exists() {
        eprintln!("note: the AWS CLI or tmux is not installed; skipping");
        return;
    }
    let peers = Peers::start(PeerOptions::default());
    let role = peers.create_role("tui-from-keys", Duration::from_secs(3600));
    let (key_id, secret) = peers.create_access_key("tui-ci");
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    std::fs::write(
        path("config"),
        format!("[profile deploy]\nrole_arn = {role}\nsource_profile = ci\nregion = us-east-1\n"),
    )
    .unwrap();
    std::fs::write(
        path("credentials"),
        format!("[ci]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n"),
    )
    .unwrap();
    std::fs::write(path("empty"), "").unwrap();
    let script = format!(
        "export AWS_CONFIG_FILE='{config}' AWS_SHARED_CREDENTIALS_FILE='{credentials}' \
         RUNAS_CACHE_DIR='{cache}' AWS_ENDPOINT_URL_STS='{endpoint}' \
         AWS_EC2_METADATA_DISABLED=true SHELL=/bin/sh NO_COLOR=1 TERM=xterm-256color\n\
         unset AWS_PROFILE RUNAS_PROFILE\n\
         '{binary}' > '{out}' 2>> '{status}.err'\n\
         echo $? > '{status}'\n",
        config = path("config").display(),
        credentials = path("credentials").display(),
        cache = path("cache").display(),
        endpoint = peers.aws_endpoint(),
        binary = env!("CARGO_BIN_EXE_runas"),
        out = path("out.txt").display(),
        status = path("status").display(),
    );
    std::fs::write(path("run.sh"), script).unwrap();
    let tmux = Tmux::start(dir.path(), &path("run.sh"));
    let context = || std::fs::read_to_string(path("status.err")).unwrap_or_default();

    tmux.wait_screen(
        "deploy selected, its root in the list",
        DEADLINE,
        |screen| screen.contains("deploy · chained") && screen.contains(" ci "),
        context,
    );
    tmux.keys(&["Enter"]);
    tmux.wait_screen(
        "deploy's assumed role",
        DEADLINE,
        |screen| screen.contains("assumed-role/tui-from-keys/"),
        context,
    );
    tmux.keys(&["e"]);
    let give_up = Instant::now() + DEADLINE;
    let status = loop {
        if let Ok(status) = std::fs::read_to_string(path("status"))
            && status.ends_with('\n')
        {
            break status;
        }
        assert!(
            Instant::now() < give_up,
            "the TUI did not exit\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(status.trim(), "0", "{}", context());

    let output = Command::new("sh")
        .arg("-c")
        .arg(format!(
            ". '{}' && exec {AWS_CLI} sts get-caller-identity --endpoint-url {} --output json",
            path("out.txt").display(),
            peers.aws_endpoint()
        ))
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", dir.path())
        .env("AWS_CONFIG_FILE", path("empty"))
        .env("AWS_SHARED_CREDENTIALS_FILE", path("empty"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("assumed-role/tui-from-keys/"), "{stdout}");
    assert!(!stdout.contains(&secret));
}
