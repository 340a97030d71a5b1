//! A device-flow login run as the real binary, with the person played by the scripted browser
//! in device mode: runas prints the code on stderr, the browser confirms it at the IdP, and
//! runas's own poll picks the result up. Loopback only.

use std::io::{BufRead, BufReader};
use std::process::{ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::RunasHome;
use super::cli::{RUN_DEADLINE, browser_script, python, run_to_end};

/// How a device login ended: runas's exit status and every stderr line it printed.
pub struct DeviceRun {
    pub status: ExitStatus,
    pub stderr: String,
}

/// Runs `runas ARGS` (a command that logs in with the device flow), confirms the code it
/// prints, and waits for it to exit. When runas exits before printing a code (it refused to
/// start the flow), that is returned as it is.
pub fn run_device_login(home: &RunasHome, args: &[&str]) -> DeviceRun {
    let mut runas = home
        .command(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn runas");
    let (lines_tx, lines) = mpsc::channel();
    let stderr = runas.stderr.take().expect("piped stderr");
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    let mut seen = Vec::new();
    let mut complete_uri = None;
    // Until the code appears or stderr closes (runas exited without starting the flow).
    while complete_uri.is_none() {
        match lines.recv_timeout(RUN_DEADLINE) {
            Ok(line) => {
                if let Some((_, uri)) = line.split_once("or open ") {
                    complete_uri = Some(uri.trim().to_owned());
                }
                seen.push(line);
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                panic!("no device prompt on stderr; so far: {seen:?}")
            }
        }
    }
    if let Some(uri) = complete_uri {
        let mut browser = std::process::Command::new(python());
        browser
            .arg(browser_script())
            .arg(&uri)
            .env("BROWSER_MODE", "device")
            .env("BROWSER_REPORT", home.browser_report());
        run_to_end(browser, RUN_DEADLINE).succeeded("the device verification");
    }
    let give_up = Instant::now() + RUN_DEADLINE;
    let status = loop {
        if let Some(status) = runas.try_wait().expect("wait for runas") {
            break status;
        }
        assert!(Instant::now() < give_up, "runas never finished: {seen:?}");
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = reader.join();
    seen.extend(lines.try_iter());
    DeviceRun {
        status,
        stderr: seen.join("\n"),
    }
}
