//! Children of a test, run to the end with a deadline and their output collected on threads,
//! and polling waits: every wait has a deadline and a condition, never a fixed sleep.

use std::collections::BTreeMap;
use std::io::Read;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Longer than any login the peers need (a device flow polls every 5 s).
pub const RUN_DEADLINE: Duration = Duration::from_secs(60);

/// What a finished run of runas (or any child) left behind.
#[derive(Debug)]
pub struct RunOutput {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl RunOutput {
    /// Panics with both streams unless the run exited 0.
    pub fn succeeded(self, what: &str) -> RunOutput {
        assert!(
            self.status.success(),
            "{what} failed ({}):\nstdout: {}\nstderr: {}",
            self.status,
            self.stdout,
            self.stderr
        );
        self
    }

    /// Panics unless the run exited non-zero.
    pub fn failed(self, what: &str) -> RunOutput {
        assert!(
            !self.status.success(),
            "{what} should have failed:\nstdout: {}\nstderr: {}",
            self.stdout,
            self.stderr
        );
        self
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }
}

/// The sum of the counters whose key starts with `prefix` (e.g. `"GET /auth"`).
pub fn count(stats: &BTreeMap<String, u64>, prefix: &str) -> u64 {
    stats
        .iter()
        .filter(|(key, _)| key.starts_with(prefix))
        .map(|(_, n)| n)
        .sum()
}

/// Polls `condition` every 20 ms until it holds; panics with `what` after `deadline`.
pub fn wait_until(what: &str, deadline: Duration, mut condition: impl FnMut() -> bool) {
    let give_up = Instant::now() + deadline;
    while !condition() {
        assert!(
            Instant::now() < give_up,
            "gave up after {deadline:?} waiting until {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A spawned child whose output is collected on threads, so neither pipe can fill up.
pub struct Running {
    child: Child,
    stdout: std::thread::JoinHandle<String>,
    stderr: std::thread::JoinHandle<String>,
}

impl Running {
    pub fn spawn(mut command: Command) -> Running {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {command:?}: {e}"));
        let stdout = drain(child.stdout.take().expect("piped stdout"));
        let stderr = drain(child.stderr.take().expect("piped stderr"));
        Running {
            child,
            stdout,
            stderr,
        }
    }

    /// Waits for the exit; kills the child (by its PID) and panics when `deadline` passes first.
    pub fn finish(mut self, deadline: Duration) -> RunOutput {
        let give_up = Instant::now() + deadline;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait for a child") {
                break status;
            }
            if Instant::now() > give_up {
                let _ = self.child.kill();
                let _ = self.child.wait();
                let stderr = self.stderr.join().unwrap_or_default();
                panic!("still running after {deadline:?}, killed; stderr:\n{stderr}");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        RunOutput {
            status,
            stdout: self.stdout.join().expect("stdout reader"),
            stderr: self.stderr.join().expect("stderr reader"),
        }
    }
}

fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

pub fn run_to_end(command: Command, deadline: Duration) -> RunOutput {
    Running::spawn(command).finish(deadline)
}
