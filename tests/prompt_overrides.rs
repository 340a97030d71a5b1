//! `runas prompt` inside and outside a `runas shell`, and `--region` / `--duration` overriding
//! the profile for one run against the peers: the exported region, the role session's length
//! as STS issued it, and which cached session a run with `--duration` reuses.

#![cfg(unix)]

mod common;

use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

use common::cli::{RUN_DEADLINE, runas_binary};
use common::{PUBLIC_CLIENT_ID, PeerOptions, Peers, RunasHome, Running, count, free_callback_uri};

fn logged_in() -> (Peers, RunasHome) {
    let peers = Peers::start(PeerOptions::default().auto_login("alice").strict_sts());
    let role = peers.create_role("prompt-web", Duration::from_secs(12 * 3600));
    let home = RunasHome::new(&peers);
    home.write_config(&format!(
        "[profile web]\nweb_identity_auth_url = {}\nweb_identity_client_id = {PUBLIC_CLIENT_ID}\n\
         web_identity_provider = oidc\nweb_identity_callback_uri = {}\nrole_arn = {role}\n\
         region = eu-west-1\nduration_seconds = 3600\n",
        peers.issuer(),
        free_callback_uri()
    ));
    home.run_ok(&["login", "web"]);
    (peers, home)
}

/// Seconds between the cached session's issue and its expiry.
fn issued_for(home: &RunasHome) -> i64 {
    let entry = home.credentials_entry("web");
    let time = |field: &str| {
        chrono::DateTime::parse_from_rfc3339(entry[field].as_str().expect(field))
            .expect("an RFC 3339 time")
    };
    (time_of(&entry["credentials"]["expiration"]) - time("obtained_at")).num_seconds()
}

fn time_of(value: &serde_json::Value) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(value.as_str().expect("a time")).expect("RFC 3339")
}

#[test]
fn the_prompt_shows_profile_and_time_left_inside_a_runas_shell_and_nothing_outside() {
    let (_peers, mut home) = logged_in();
    home.set("SHELL", "/bin/sh");
    let outside = home.run_ok(&["prompt"]);
    assert_eq!(outside.stdout, "", "outside a runas shell");

    // The shell reads its commands from stdin, as from a person typing them.
    let typed = home.path().join("typed");
    let mut commands = std::fs::File::create(&typed).unwrap();
    writeln!(
        commands,
        "'{0}' prompt; '{0}' prompt --format '[{{account}} {{role}}] {{profile}}'; exit",
        runas_binary()
    )
    .unwrap();
    let mut command = home.command(&["shell", "web"]);
    command.stdin(Stdio::from(std::fs::File::open(&typed).unwrap()));
    let running = Running::spawn(command);
    let inside = running.finish(RUN_DEADLINE).succeeded("runas shell web");
    let lines: Vec<&str> = inside.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", inside.stdout);
    // A one-hour session, just issued: 59m or 58m left, depending on the second.
    let (profile, left) = lines[0].split_once(' ').expect("profile and time left");
    assert_eq!(profile, "web");
    let minutes: u32 = left
        .strip_suffix('m')
        .and_then(|m| m.parse().ok())
        .unwrap_or_else(|| panic!("minutes left: {left:?}"));
    assert!((55..=59).contains(&minutes), "{left}");
    assert_eq!(lines[1], "[123456789012 prompt-web] web");
}

/// The region lines of dotenv output (the rest are credentials, kept out of messages).
fn region_lines(dotenv: &str) -> Vec<&str> {
    dotenv
        .lines()
        .filter(|line| line.contains("REGION="))
        .collect()
}

#[test]
fn region_overrides_the_profiles_for_one_run() {
    let (peers, home) = logged_in();
    let before = peers.aws_stats();
    let dotenv = home.run_ok(&["env", "web", "--format", "dotenv", "--region", "ap-south-1"]);
    assert_eq!(
        region_lines(&dotenv.stdout),
        [
            "AWS_REGION=\"ap-south-1\"",
            "AWS_DEFAULT_REGION=\"ap-south-1\""
        ]
    );
    let plain = home.run_ok(&["env", "web", "--format", "dotenv"]);
    assert_eq!(
        region_lines(&plain.stdout),
        [
            "AWS_REGION=\"eu-west-1\"",
            "AWS_DEFAULT_REGION=\"eu-west-1\""
        ]
    );
    assert_eq!(
        count(&peers.aws_stats(), "sts:"),
        count(&before, "sts:"),
        "a region of its own needs no new role session"
    );
}

#[test]
fn duration_asks_sts_for_that_length_and_a_longer_cached_session_serves_a_shorter_request() {
    let (peers, home) = logged_in();
    let sessions = || count(&peers.aws_stats(), "sts:AssumeRoleWithWebIdentity");
    let first = sessions();
    assert!(
        (3590..=3600).contains(&issued_for(&home)),
        "the profile's 3600 s"
    );

    home.run_ok(&["credential-process", "web", "--duration", "2h"]);
    assert_eq!(
        sessions(),
        first + 1,
        "a 1 h session cannot serve a 2 h request"
    );
    assert!(
        (7190..=7200).contains(&issued_for(&home)),
        "{}",
        issued_for(&home)
    );

    home.run_ok(&["login", "web", "--duration", "30m"]);
    home.run_ok(&["credential-process", "web"]);
    home.run_ok(&["credential-process", "web", "--duration", "90m"]);
    assert_eq!(
        sessions(),
        first + 1,
        "the 2 h session serves 30 m, the default and 90 m"
    );

    let refused = home
        .run(&["login", "web", "--duration", "13h"])
        .failed("a duration beyond 12 h");
    assert!(refused.stderr.contains("43200"), "{}", refused.stderr);
}
