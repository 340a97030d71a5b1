//! The credentials endpoint (`runas serve`) as a running value for tests: started as the real
//! binary, its export lines read from stdout as they come, requests sent as raw bytes over
//! loopback (so a test can send exactly the malformed or hostile request it means), and a
//! SIGTERM to stop it. It owns no runas code and talks to 127.0.0.1 only.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::cli::{RUN_DEADLINE, RunOutput, RunasHome};

/// A `runas serve PROFILE --format dotenv` that has printed its export lines.
pub struct Serving {
    child: Option<Child>,
    pub url: String,
    pub port: u16,
    pub token: String,
    /// Every export line printed.
    pub lines: Vec<String>,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Serving {
    pub fn start(home: &RunasHome, profile: &str) -> Serving {
        let mut command = home.command(&["serve", profile, "--format", "dotenv"]);
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().expect("spawn runas serve");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut stderr_pipe = child.stderr.take().expect("piped stderr");
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr_pipe.read_to_string(&mut text);
            text
        });
        let (lines_tx, lines_rx) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let give_up = Instant::now() + RUN_DEADLINE;
        let mut lines = Vec::new();
        let mut serving = Serving {
            child: Some(child),
            url: String::new(),
            port: 0,
            token: String::new(),
            lines: Vec::new(),
            stderr: Some(stderr),
        };
        while serving.url.is_empty() || serving.token.is_empty() {
            let left = give_up.saturating_duration_since(Instant::now());
            let Ok(line) = lines_rx.recv_timeout(left) else {
                let output = serving.stop();
                panic!("runas serve printed no endpoint: {output:?}");
            };
            if let Some((name, value)) = line.split_once('=') {
                let value = value.trim_matches(['\'', '"']).to_owned();
                match name {
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI" => serving.url = value,
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN" => serving.token = value,
                    _ => {}
                }
            }
            lines.push(line);
        }
        // The last lines (RUNAS_PROFILE) may still be on their way; they are not needed.
        serving.lines = lines;
        serving.port = serving
            .url
            .trim_start_matches("http://127.0.0.1:")
            .split('/')
            .next()
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("not a loopback endpoint URL: {}", serving.url));
        serving
    }

    /// The request an SDK sends: GET with Host and the token.
    pub fn sdk_request(&self, token: &str) -> String {
        format!(
            "GET /runas/credentials HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAuthorization: {token}\r\n\
             User-Agent: test\r\nAccept: */*\r\n\r\n",
            self.port
        )
    }

    /// `(status, body as JSON)` for the SDK's request with this endpoint's token.
    pub fn credentials(&self) -> (u16, Value) {
        let (status, body) = ask(
            self.port,
            &self.sdk_request(&self.token),
            Duration::from_secs(5),
        )
        .expect("the endpoint answers");
        let json = serde_json::from_str(&body)
            .unwrap_or_else(|error| panic!("the endpoint's answer is not JSON ({error}): {body}"));
        (status, json)
    }

    /// SIGTERM, then the exit status and what was printed.
    pub fn stop(&mut self) -> RunOutput {
        let mut child = self.child.take().expect("serve still running");
        let status = std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM runas serve");
        let give_up = Instant::now() + RUN_DEADLINE;
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for serve") {
                break status;
            }
            if Instant::now() > give_up {
                let _ = child.kill();
                let _ = child.wait();
                panic!("runas serve did not stop on SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let stderr = self
            .stderr
            .take()
            .map(|reader| reader.join().unwrap_or_default())
            .unwrap_or_default();
        RunOutput {
            status,
            stdout: self.lines.join("\n"),
            stderr,
        }
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // kill() signals exactly this PID.
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Sends `raw` to 127.0.0.1:`port` and reads the answer to EOF: `(status, body)`.
pub fn ask(port: u16, raw: &str, timeout: Duration) -> std::io::Result<(u16, String)> {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&address, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    stream.write_all(raw.as_bytes())?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP answer: {head:?}")))?;
    Ok((status, body.to_owned()))
}
