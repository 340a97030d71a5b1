//! The real TUI in a tmux server of the test's own (its own socket, killed on drop): keys in,
//! screen text out, and waits that poll the screen until a condition holds or a deadline
//! passes. It knows nothing of runas beyond the script it is given to run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub const TMUX: &str = "/usr/bin/tmux";

/// A tmux server running one session, `sh SCRIPT`.
pub struct Tmux {
    socket: PathBuf,
}

impl Tmux {
    /// A 100×30 terminal.
    pub fn start(dir: &Path, script: &Path) -> Tmux {
        Tmux::start_sized(dir, script, 100, 30)
    }

    pub fn start_sized(dir: &Path, script: &Path, columns: u16, rows: u16) -> Tmux {
        let tmux = Tmux {
            socket: dir.join("tmux.sock"),
        };
        let (columns, rows) = (columns.to_string(), rows.to_string());
        let status = tmux
            .command()
            .args([
                "new-session",
                "-d",
                "-x",
                &columns,
                "-y",
                &rows,
                "-s",
                "t",
                "sh",
            ])
            .arg(script)
            .status()
            .expect("run tmux");
        assert!(status.success(), "tmux new-session failed");
        tmux
    }

    fn command(&self) -> Command {
        let mut command = Command::new(TMUX);
        command.arg("-S").arg(&self.socket).env_remove("TMUX");
        command
    }

    pub fn screen(&self) -> String {
        let output = self
            .command()
            .args(["capture-pane", "-p", "-t", "t"])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        let status = self
            .command()
            .args(["send-keys", "-t", "t"])
            .args(keys)
            .status()
            .expect("tmux send-keys");
        assert!(status.success(), "tmux send-keys {keys:?}");
    }

    /// Polls the screen every 100 ms until `check` holds; panics with the screen and
    /// `context()` after `deadline`.
    pub fn wait_screen(
        &self,
        what: &str,
        deadline: Duration,
        check: impl Fn(&str) -> bool,
        context: impl Fn() -> String,
    ) -> String {
        let give_up = Instant::now() + deadline;
        loop {
            let screen = self.screen();
            if check(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < give_up,
                "gave up after {deadline:?} waiting for {what}\n{screen}\n{}",
                context()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        // The server is usually gone already (it exits with its session's last process).
        let _ = self
            .command()
            .arg("kill-server")
            .stderr(std::process::Stdio::null())
            .status();
    }
}
