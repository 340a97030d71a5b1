//! The TUI end to end: the real binary in tmux against the loopback peers. A login from the
//! list (`Enter`, the browser played by `tests/browser/follow.sh` against the IdP's auto-login)
//! shows a live countdown; `e` quits and prints export lines that make the AWS CLI v2 return the
//! role; `s` opens a shell with the credentials and the TUI comes back intact afterwards.
//!
//! The binary is `runas` with no arguments (`RUNAS_TUI_BIN` may name another that opens the TUI
//! the same way). Everything talks to 127.0.0.1 only.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::tmux::Tmux;
use common::{PUBLIC_CLIENT_ID, PeerOptions, Peers};

const DEADLINE: Duration = Duration::from_secs(60);
const AWS_CLI: &str = "/usr/bin/aws";

fn tui_binary() -> PathBuf {
    std::env::var_os("RUNAS_TUI_BIN")
        .filter(|value| !value.is_empty())
        .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_runas")), PathBuf::from)
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Polls `check` every 100 ms until it gives a value or the deadline passes.
fn wait_for<T>(
    what: &str,
    mut check: impl FnMut() -> Option<T>,
    context: impl Fn() -> String,
) -> T {
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}\n{}",
            context()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits (up to [`DEADLINE`]) until the TUI's screen satisfies `check`.
fn wait_screen(tmux: &Tmux, what: &str, check: impl Fn(&str) -> bool) -> String {
    tmux.wait_screen(what, DEADLINE, check, String::new)
}

/// Peers, a config with two profiles of one IdP app, and the script that runs the TUI in tmux.
struct Setup {
    peers: Peers,
    dir: tempfile::TempDir,
    role_arn: String,
}

impl Setup {
    fn new() -> Setup {
        let callback = format!("http://127.0.0.1:{}/callback", free_port());
        let peers = Peers::start(
            PeerOptions::default()
                .auto_login("alice")
                .extra_redirect_uri(&callback),
        );
        let role_arn = peers.create_role("tui-e2e", Duration::from_secs(3600));
        let dir = tempfile::tempdir().unwrap();
        let mut config = String::new();
        for name in ["e2e-first", "e2e-second"] {
            config.push_str(&format!(
                "[profile {name}]\n\
                 web_identity_auth_url = {issuer}\n\
                 web_identity_client_id = {PUBLIC_CLIENT_ID}\n\
                 web_identity_callback_uri = {callback}\n\
                 web_identity_provider = oidc\n\
                 role_arn = {role_arn}\n\
                 region = us-east-1\n\n",
                issuer = peers.issuer(),
            ));
        }
        std::fs::write(dir.path().join("config"), config).unwrap();
        std::fs::write(dir.path().join("empty"), "").unwrap();
        Setup {
            peers,
            dir,
            role_arn,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A script that runs the TUI with the test environment, stdout to `stdout_to` if given,
    /// and writes the exit status to `status` when it ends.
    fn script(&self, stdout_to: Option<&Path>) -> PathBuf {
        let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/follow.sh");
        let redirect = stdout_to
            .map(|path| format!(" > '{}'", path.display()))
            .unwrap_or_default();
        let script = format!(
            "export AWS_CONFIG_FILE='{config}' RUNAS_CACHE_DIR='{cache}' \
             AWS_SHARED_CREDENTIALS_FILE='{empty}' AWS_ENDPOINT_URL_STS='{endpoint}' \
             AWS_EC2_METADATA_DISABLED=true BROWSER='{browser}' SHELL=/bin/sh NO_COLOR=1 \
             TERM=xterm-256color\n\
             unset AWS_PROFILE RUNAS_PROFILE\n\
             '{binary}'{redirect} 2>> '{status}.err'\n\
             echo $? > '{status}'\n",
            config = self.path("config").display(),
            cache = self.path("cache").display(),
            empty = self.path("empty").display(),
            endpoint = self.peers.aws_endpoint(),
            browser = browser.display(),
            binary = tui_binary().display(),
            status = self.path("status").display(),
        );
        let path = self.path("run.sh");
        std::fs::write(&path, script).unwrap();
        path
    }

    /// The TUI's stderr and exit status so far, for failure messages.
    fn diagnostics(&self) -> String {
        let read = |name: &str| std::fs::read_to_string(self.path(name)).unwrap_or_default();
        format!(
            "exit status: {}\nstderr: {}",
            read("status"),
            read("status.err")
        )
    }

    fn wait_exit(&self, tmux: &Tmux) -> String {
        wait_for(
            "the TUI to exit",
            || {
                std::fs::read_to_string(self.path("status"))
                    .ok()
                    .filter(|s| s.ends_with('\n'))
            },
            || tmux.screen(),
        )
    }
}

/// The list line of `profile` on `screen`, if shown.
fn line_of<'a>(screen: &'a str, profile: &str) -> Option<&'a str> {
    screen
        .lines()
        .find(|line| line.contains(&format!(" {profile} ")))
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

/// Moves to the second profile and logs in there; returns once its countdown shows.
fn log_in_to_second(tmux: &Tmux) {
    wait_screen(tmux, "the list with the cache read", |screen| {
        line_of(screen, "e2e-second").is_some_and(|line| line.contains("never logged in"))
    });
    tmux.keys(&["j"]);
    wait_screen(tmux, "the second profile selected", |screen| {
        screen.contains("e2e-second · web_identity")
    });
    tmux.keys(&["Enter"]);
    wait_screen(tmux, "a countdown on the second profile", |screen| {
        line_of(screen, "e2e-second").is_some_and(has_countdown)
    });
}

#[test]
fn enter_logs_in_and_e_prints_exports_the_aws_cli_accepts() {
    let setup = Setup::new();
    let out = setup.path("out.txt");
    let tmux = Tmux::start(setup.dir.path(), &setup.script(Some(&out)));
    log_in_to_second(&tmux);
    // The first profile shares the IdP app: its ID token is now cached too.
    tmux.keys(&["k"]);
    wait_screen(
        &tmux,
        "the first profile's detail with the shared login",
        |screen| screen.contains("e2e-first · web_identity") && screen.contains("refresh token"),
    );
    tmux.keys(&["j"]);
    wait_screen(&tmux, "the second profile selected again", |screen| {
        screen.contains("e2e-second · web_identity")
    });
    tmux.keys(&["e"]);
    assert_eq!(setup.wait_exit(&tmux).trim(), "0", "{}", tmux.screen());

    let exports = std::fs::read_to_string(&out).unwrap();
    assert!(exports.contains("export AWS_ACCESS_KEY_ID="), "{exports}");
    assert!(
        !exports.contains('\x1b'),
        "no terminal output on stdout: {exports:?}"
    );
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!(
            ". '{}' && exec {AWS_CLI} sts get-caller-identity --endpoint-url {} --output json",
            out.display(),
            setup.peers.aws_endpoint()
        ))
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", setup.dir.path())
        .env("AWS_CONFIG_FILE", setup.path("empty"))
        .env("AWS_SHARED_CREDENTIALS_FILE", setup.path("empty"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let role_name = setup.role_arn.rsplit('/').next().unwrap();
    assert!(
        stdout.contains(&format!("assumed-role/{role_name}/")),
        "{stdout}"
    );
}

#[test]
fn s_opens_a_shell_with_the_credentials_and_the_tui_comes_back() {
    let setup = Setup::new();
    // runas's stdout is a file, as it is a pipe under `eval "$(runas)"`: the shell must still
    // talk to the terminal, or what it prints would be captured and evaluated.
    let out = setup.path("stdout");
    let tmux = Tmux::start(setup.dir.path(), &setup.script(Some(&out)));
    log_in_to_second(&tmux);
    tmux.keys(&["s"]);
    // The alternate screen is left: the list is gone once the shell has the terminal.
    wait_screen(&tmux, "the shell", |screen| !screen.contains("Profiles ("));
    // One line says where the person is before the prompt.
    wait_screen(&tmux, "the shell's banner", |screen| {
        screen.contains("runas: a shell for e2e-second as ")
            && screen.contains("exit returns to runas")
    });
    let seen = setup.path("seen-key");
    tmux.keys(&["echo shell-says-$((6*7))", "Enter"]);
    wait_screen(&tmux, "the shell's output on the terminal", |screen| {
        screen.contains("shell-says-42")
    });
    tmux.keys(&[
        &format!(
            "echo \"$AWS_ACCESS_KEY_ID $RUNAS_PROFILE\" > '{}'",
            seen.display()
        ),
        "Enter",
    ]);
    let line = wait_for(
        "the shell to write the key",
        || {
            std::fs::read_to_string(&seen)
                .ok()
                .filter(|text| text.ends_with('\n'))
        },
        || tmux.screen(),
    );
    let mut words = line.split_whitespace();
    let key = words.next().unwrap_or_default();
    assert!(key.len() >= 16, "an access key id in the shell: {line:?}");
    assert_eq!(words.next(), Some("e2e-second"));
    // The person's last command failed: the shell exits with its status, which is theirs,
    // not a runas error.
    tmux.keys(&["sh -c 'exit 3'", "Enter"]);
    tmux.keys(&["exit", "Enter"]);
    let screen = wait_for(
        "the TUI back after the shell",
        || {
            Some(tmux.screen()).filter(|screen| {
                screen.contains("Profiles (")
                    && screen.contains("back from the shell (its last command exited with 3)")
            })
        },
        || format!("{}\n{}", tmux.screen(), setup.diagnostics()),
    );
    assert!(
        line_of(&screen, "e2e-second").is_some_and(has_countdown),
        "{screen}"
    );
    tmux.keys(&["q"]);
    assert_eq!(setup.wait_exit(&tmux).trim(), "0");
    let captured = std::fs::read_to_string(&out).unwrap_or_default();
    assert!(
        !captured.contains("shell-says"),
        "the shell wrote into runas's stdout: {captured:?}"
    );
}
