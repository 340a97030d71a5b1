//! STS faults through the real binary: an STS endpoint where nothing listens, and a session
//! longer than the role allows. Each ends in a message that names what failed and what to do.
//! (An expired ID token is covered by tests/cli_abuse.rs.)

#![cfg(unix)]

mod common;

use std::time::Duration;

use common::cli::public_client_id_token;
use common::fault_server::closed_port;
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

    let down = home
        .run(&["credential-process", "workload"])
        .failed("STS on a closed port");
    eprintln!("STS down:\n{}", down.stderr);
    assert!(down.stderr.contains(&endpoint), "{}", down.stderr);
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
