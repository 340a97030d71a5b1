//! An identity provider that is down, hangs, or answers discovery with garbage, run as the real
//! binary: each ends in a message a person can act on within a bounded time, and a broken IdP
//! in one profile does not stop another profile of the same config from logging in.

#![cfg(unix)]

mod common;

use std::time::Duration;

use common::cli::RunOutput;
use common::fault_server::{Behaviour, LoopbackServer, closed_port};
use common::{PeerOptions, Peers, RunasHome, free_callback_uri, idp_defaults};

/// The connect timeout is 3 s and the request timeout 15 s (src/http.rs); this leaves room for
/// a slow machine while still failing a run that never ends.
const HANG_DEADLINE: Duration = Duration::from_secs(40);

/// A config whose `[default]` reaches the peers and whose `broken` profile logs in at `issuer`.
fn config_with_broken_issuer(peers: &Peers, issuer: &str, role: &str) -> String {
    format!(
        "{}[profile broken]\nweb_identity_auth_url = {issuer}\n\
         web_identity_callback_uri = {}\nrole_arn = {role}\nregion = us-east-1\n\n\
         [profile healthy]\nweb_identity_callback_uri = {}\nrole_arn = {role}\n\
         region = us-east-1\n",
        idp_defaults(peers),
        free_callback_uri(),
        free_callback_uri()
    )
}

/// Asserts `needle` is on stderr, and the failure is told once, not repeated by the cause chain.
/// Log lines (present when the suite runs with `RUNAS_TEST_RUST_LOG`) are not the message and
/// are left out of the count.
fn assert_mentions(run: &RunOutput, needle: &str) {
    let told: String = run
        .stderr
        .lines()
        .filter(|line| !is_log_line(line))
        .flat_map(|line| [line, "\n"])
        .collect();
    assert!(
        told.contains(needle),
        "stderr does not mention {needle:?}:\n{}",
        run.stderr
    );
    assert_eq!(told.matches("runas: profile").count(), 1, "{told}");
    let first = told.find(needle).unwrap_or_default();
    let repeated = told[first + needle.len()..].contains("cannot discover");
    assert!(!repeated, "the message is said twice:\n{told}");
}

/// A line of tracing's output: `2026-11-23T18:31:14.183533Z TRACE target: …`.
fn is_log_line(line: &str) -> bool {
    let bytes = line.as_bytes();
    bytes.len() > 20
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[10] == b'T'
}

/// The healthy profile of the same config still logs in against the real peers.
fn healthy_profile_still_works(home: &RunasHome) {
    let process = home.run_ok(&["credential-process", "healthy"]);
    assert_eq!(process.json()["Version"], 1, "{}", process.stdout);
}

#[test]
fn an_idp_that_refuses_connections_is_named() {
    let peers = Peers::start(PeerOptions::default().auto_login("alice").strict_sts());
    let role = peers.create_role("web", Duration::from_secs(3600));
    let home = RunasHome::new(&peers);
    let issuer = format!("http://127.0.0.1:{}", closed_port());
    home.write_config(&config_with_broken_issuer(&peers, &issuer, &role));

    let refused = home
        .run(&["credential-process", "broken"])
        .failed("an IdP on a closed port");
    eprintln!("IdP down:\n{}", refused.stderr);
    assert_mentions(&refused, &issuer);
    assert!(refused.stdout.is_empty(), "{}", refused.stdout);
    healthy_profile_still_works(&home);
}

#[test]
fn an_idp_that_never_answers_times_out() {
    let peers = Peers::start(PeerOptions::default().auto_login("alice").strict_sts());
    let role = peers.create_role("web", Duration::from_secs(3600));
    let home = RunasHome::new(&peers);
    let hanging = LoopbackServer::start(Behaviour::Hang);
    home.write_config(&config_with_broken_issuer(&peers, &hanging.url(), &role));

    let hung = common::cli::run_to_end(home.command(&["login", "broken"]), HANG_DEADLINE)
        .failed("an IdP that accepts and never answers");
    eprintln!("IdP hanging:\n{}", hung.stderr);
    assert!(hanging.connections() >= 1, "runas never connected");
    assert_mentions(&hung, &hanging.url());
    assert!(
        hung.stderr.to_lowercase().contains("timed out")
            || hung.stderr.to_lowercase().contains("timeout"),
        "no timeout in:\n{}",
        hung.stderr
    );
    healthy_profile_still_works(&home);
}

fn discovery_failure(behaviour: Behaviour) -> RunOutput {
    let peers = Peers::start(PeerOptions::default().auto_login("alice").strict_sts());
    let role = peers.create_role("web", Duration::from_secs(3600));
    let home = RunasHome::new(&peers);
    let server = LoopbackServer::start(behaviour);
    home.write_config(&config_with_broken_issuer(&peers, &server.url(), &role));
    let failed = home
        .run(&["credential-process", "broken"])
        .failed("a broken discovery document");
    assert!(server.connections() >= 1, "runas never asked for discovery");
    assert_mentions(&failed, &server.url());
    assert!(failed.stdout.is_empty(), "{}", failed.stdout);
    healthy_profile_still_works(&home);
    failed
}

#[test]
fn discovery_answering_500_is_reported_with_the_status() {
    let failed = discovery_failure(Behaviour::Answer {
        status: 500,
        body: r#"{"error":"boom"}"#.to_owned(),
    });
    eprintln!("discovery 500:\n{}", failed.stderr);
    assert_mentions(&failed, "500");
}

#[test]
fn discovery_answering_malformed_json_is_reported() {
    let failed = discovery_failure(Behaviour::Answer {
        status: 200,
        body: r#"{"issuer": "http://127.0.0.1:1", "authorization_endpoint": "#.to_owned(),
    });
    eprintln!("discovery malformed:\n{}", failed.stderr);
    let lowered = failed.stderr.to_lowercase();
    assert!(
        ["json", "parse", "malformed", "invalid", "decode"]
            .iter()
            .any(|word| lowered.contains(word)),
        "no word about the broken document in:\n{}",
        failed.stderr
    );
}
