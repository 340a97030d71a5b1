//! STS faults through the real binary: an STS endpoint where nothing listens, a session longer
//! than the role allows, throttling and 500s (retried with backoff, at most 3 attempts). Each
//! ends in credentials or in a message that names what failed and what to do. (An expired ID
//! token: tests/cli_abuse.rs and tests/fault_jwks_clock.rs.)

#![cfg(unix)]

mod common;

use std::time::Duration;

use common::cli::public_client_id_token;
use common::fault_server::{Behaviour, LoopbackServer, closed_port};
use common::{PeerOptions, Peers, RunasHome};

/// A home with a `workload` profile that reads a fresh ID token from a file, so only STS is
/// involved; `extra` goes into the profile section.
async fn token_file_home(peers: &Peers, role: &str, extra: &str) -> (RunasHome, String) {
    let (token, _) = public_client_id_token(peers).await;
    let home = RunasHome::new(peers);
    let token_file = home.path().join("token");
    std::fs::write(&token_file, &token).expect("write the token file");
    home.write_config(&format!(
        "[profile workload]\nweb_identity_token_file = {}\nrole_arn = {role}\n\
         region = us-east-1\n{extra}",
        token_file.display()
    ));
    (home, token)
}

#[tokio::test]
async fn sts_on_a_closed_port_is_named_with_advice() {
    let peers = Peers::start(PeerOptions::default().auto_login("alice").strict_sts());
    let role = peers.create_role("workload", Duration::from_secs(3600));
    let (mut home, token) = token_file_home(&peers, &role, "").await;
    let endpoint = format!("http://127.0.0.1:{}", closed_port());
    home.set("AWS_ENDPOINT_URL_STS", &endpoint);
    // What a person sees by default: the suite may run with RUST_LOG set.
    home.remove("RUST_LOG");

    let down = home
        .run(&["credential-process", "workload"])
        .failed("STS on a closed port");
    eprintln!("STS down:\n{}", down.stderr);
    assert_eq!(
        down.stderr.lines().count(),
        2,
        "the message and its hint, no log lines without RUST_LOG:\n{}",
        down.stderr
    );
    assert!(down.stderr.contains(&endpoint), "{}", down.stderr);
    assert!(
        down.stderr.contains(&format!(
            "{endpoint} for AssumeRoleWithWebIdentity: connection refused"
        )),
        "not one clear sentence:\n{}",
        down.stderr
    );
    assert!(!down.stderr.contains("DispatchFailure"), "{}", down.stderr);
    assert_eq!(
        down.stderr.matches("hint:").count(),
        1,
        "no advice, or the failure is said twice:\n{}",
        down.stderr
    );
    assert!(down.stdout.is_empty(), "{}", down.stdout);
    assert!(!down.stderr.contains(&token), "the token leaked");
    assert!(home.cache_files("credentials").is_empty());
}

#[tokio::test]
async fn sts_that_never_answers_times_out_with_advice() {
    let peers = Peers::start(PeerOptions::default().auto_login("alice").strict_sts());
    let role = peers.create_role("workload", Duration::from_secs(3600));
    let (mut home, token) = token_file_home(&peers, &role, "").await;
    let hanging = LoopbackServer::start(Behaviour::Hang);
    home.set("AWS_ENDPOINT_URL_STS", &hanging.url());

    // Each attempt has 10 s and the whole call 30 s (src/aws/sdk.rs); the rest is slack.
    let hung = common::cli::run_to_end(
        home.command(&["credential-process", "workload"]),
        Duration::from_secs(55),
    )
    .failed("STS accepting connections and never answering");
    eprintln!("STS hanging:\n{}", hung.stderr);
    assert!(hanging.connections() >= 1, "runas never connected");
    assert!(
        hung.stderr.contains(&format!(
            "STS AssumeRoleWithWebIdentity timed out ({})",
            hanging.url()
        )),
        "{}",
        hung.stderr
    );
    assert_eq!(hung.stderr.matches("hint:").count(), 1, "{}", hung.stderr);
    assert!(!hung.stderr.contains(&token), "the token leaked");
}

#[tokio::test]
async fn a_session_longer_than_the_role_allows_explains_max_session_duration() {
    let peers = Peers::start(PeerOptions::default().auto_login("alice").strict_sts());
    let role = peers.create_role("workload", Duration::from_secs(3600));
    let (home, _) = token_file_home(&peers, &role, "duration_seconds = 7200\n").await;

    let refused = home
        .run(&["credential-process", "workload"])
        .failed("a 2 h session on a role with a 1 h maximum");
    eprintln!("DurationSeconds too long:\n{}", refused.stderr);
    assert!(
        refused.stderr.contains("MaxSessionDuration"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("hint:") && refused.stderr.contains("duration_seconds"),
        "no advice naming the setting:\n{}",
        refused.stderr
    );
    assert_eq!(
        refused
            .stderr
            .matches("MaxSessionDuration set for this role")
            .count(),
        1,
        "the refusal is said more than once:\n{}",
        refused.stderr
    );
    assert!(refused.stdout.is_empty(), "{}", refused.stdout);
    let aws = peers.aws_stats();
    assert_eq!(
        aws.get("sts:AssumeRoleWithWebIdentity"),
        Some(&1),
        "one refused call, no retry: {aws:?}"
    );
}

const WEB_IDENTITY: &str = "sts:AssumeRoleWithWebIdentity";

/// Peers, a token-file profile, and `faults` queued for its first STS calls.
async fn faulted_sts(faults: &[(u16, &str)]) -> (Peers, RunasHome) {
    let peers = Peers::start(PeerOptions::default().auto_login("alice").strict_sts());
    let role = peers.create_role("workload", Duration::from_secs(3600));
    let (home, _) = token_file_home(&peers, &role, "").await;
    peers.inject_aws_faults(WEB_IDENTITY, faults);
    (peers, home)
}

#[tokio::test]
async fn two_throttles_are_retried_and_the_third_attempt_succeeds() {
    let (peers, home) = faulted_sts(&[(400, "Throttling"), (400, "Throttling")]).await;

    let process = home.run_ok(&["credential-process", "workload"]);
    assert_eq!(process.json()["Version"], 1, "{}", process.stdout);
    let aws = peers.aws_stats();
    assert_eq!(aws.get(WEB_IDENTITY), Some(&3), "{aws:?}");
}

#[tokio::test]
async fn throttling_on_every_attempt_says_so_after_three() {
    let throttles = [(400, "Throttling"); 5];
    let (peers, home) = faulted_sts(&throttles).await;

    let throttled = home
        .run(&["credential-process", "workload"])
        .failed("STS throttling every attempt");
    eprintln!("STS throttled:\n{}", throttled.stderr);
    assert!(
        throttled
            .stderr
            .contains("STS throttled AssumeRoleWithWebIdentity on all 3 attempts"),
        "{}",
        throttled.stderr
    );
    assert_eq!(
        throttled.stderr.matches("hint:").count(),
        1,
        "{}",
        throttled.stderr
    );
    assert!(throttled.stdout.is_empty(), "{}", throttled.stdout);
    let aws = peers.aws_stats();
    assert_eq!(
        aws.get(WEB_IDENTITY),
        Some(&3),
        "3 attempts, no more: {aws:?}"
    );
}

#[tokio::test]
async fn a_500_from_sts_is_retried() {
    let (peers, home) = faulted_sts(&[(500, "InternalFailure")]).await;

    let process = home.run_ok(&["credential-process", "workload"]);
    assert_eq!(process.json()["Version"], 1, "{}", process.stdout);
    let aws = peers.aws_stats();
    assert_eq!(aws.get(WEB_IDENTITY), Some(&2), "{aws:?}");
}
