//! Trusted identity propagation and S3 Access Grants through the real binary against the
//! peers (strict STS, Identity Center on): the full chain AssumeRoleWithWebIdentity →
//! CreateTokenWithIAM → AssumeRole with ProvidedContexts, `runas s3ag` for a matching grant
//! (cached: a second call asks nobody), a target no grant matches, an untrusted issuer, an
//! expired identity-enhanced session renewed on the next call, `s3ag list` / `s3ag clear`,
//! secret hygiene at RUST_LOG=trace, and the proof that GetDataAccess reaches the configured
//! endpoint without a DNS lookup (strace where it works; in any case the loopback-only network
//! namespace of scripts/test.sh, where a lookup could not succeed, and the peer's count).
//! The TUI's side: tui_identity_center.rs.

#![cfg(unix)]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::access_grants::{GRANT_SCOPE, TARGET, analyst_home, calls, grant_files, tip_peers};
use common::{PeerOptions, Peers, RunasHome, read_json};
use serde_json::Value;

/// The peers' AWS CLI v1 when installed, else the Debian AWS CLI v2.
fn aws_cli() -> Option<std::path::PathBuf> {
    [common::peers::aws_cli_v1(), "/usr/bin/aws".into()]
        .into_iter()
        .find(|path| path.exists())
}

#[test]
fn the_full_chain_hands_out_identity_enhanced_credentials() {
    let peers = tip_peers(PeerOptions::default());
    let home = analyst_home(&peers);

    let process = home.run_ok(&["credential-process", "analyst"]);
    let json = process.json();
    assert_eq!(json["Version"], 1, "{json}");
    let entry = home.credentials_entry("analyst");
    assert_eq!(entry["identity_enhanced"], true, "{entry}");
    assert_eq!(
        entry["assumed_role_arn"],
        "arn:aws:sts::123456789012:assumed-role/analyst/alice@example.test",
        "{entry}"
    );
    assert_eq!(
        json["AccessKeyId"], entry["credentials"]["access_key_id"],
        "credential-process hands out the identity-enhanced credentials"
    );
    assert_eq!(calls(&peers, "sts:AssumeRoleWithWebIdentity"), 1);
    assert_eq!(calls(&peers, "sso-oidc:CreateTokenWithIAM"), 1);
    assert_eq!(calls(&peers, "sts:AssumeRole"), 1);
    assert_eq!(home.status()["analyst"]["identity_enhanced"], true);

    // Cached like any other profile's credentials: nobody is asked again.
    let again = home.run_ok(&["credential-process", "analyst"]).json();
    assert_eq!(again["AccessKeyId"], json["AccessKeyId"]);
    assert_eq!(calls(&peers, "sso-oidc:CreateTokenWithIAM"), 1);
    assert_eq!(calls(&peers, "sts:AssumeRole"), 1);
}

#[test]
fn s3ag_prints_grant_credentials_once_and_then_from_the_cache() {
    let peers = tip_peers(PeerOptions::default().access_grant(GRANT_SCOPE, "READ"));
    let mut home = analyst_home(&peers);
    home.set("RUST_LOG", "trace");
    // Logged in first, so the traced run below is s3ag's own AWS traffic.
    let login = home.run_ok(&["login", "analyst"]);

    let first = run_s3ag_without_dns(&home, &peers, &["s3ag", "analyst", "--format", "json"]);
    let grant = first.json();
    assert_eq!(grant["MatchedGrantTarget"], GRANT_SCOPE, "{grant}");
    assert_eq!(grant["Target"], TARGET, "{grant}");
    assert_eq!(grant["Permission"], "READ", "{grant}");
    assert_eq!(grant["RUNAS_PROFILE"], "analyst", "{grant}");
    let session = home.credentials_entry("analyst");
    assert_ne!(
        grant["AWS_ACCESS_KEY_ID"], session["credentials"]["access_key_id"],
        "the grant's own credentials, not the session's"
    );
    assert_eq!(calls(&peers, "s3control:GetDataAccess"), 1);

    let started = std::time::Instant::now();
    let second = home.run_ok(&["s3ag", "analyst", TARGET, "--format", "sh"]);
    eprintln!("s3ag from the cache took {:?}", started.elapsed());
    let access_key = grant["AWS_ACCESS_KEY_ID"].as_str().expect("a key id");
    assert!(
        second
            .stdout
            .contains(&format!("export AWS_ACCESS_KEY_ID='{access_key}'")),
        "{}",
        second.stdout
    );
    assert!(second.stderr.contains("cached"), "{}", second.stderr);
    assert_eq!(
        calls(&peers, "s3control:GetDataAccess"),
        1,
        "the second s3ag must come from the cache"
    );

    // The grant's credentials are a real session at the peer: the AWS CLI can use them.
    match aws_cli() {
        Some(aws) => {
            let caller = home
                .program(
                    aws,
                    &[
                        "sts",
                        "get-caller-identity",
                        "--output",
                        "json",
                        "--endpoint-url",
                        &peers.aws_endpoint(),
                    ],
                )
                .env("AWS_ACCESS_KEY_ID", access_key)
                .env(
                    "AWS_SECRET_ACCESS_KEY",
                    grant["AWS_SECRET_ACCESS_KEY"].as_str().unwrap_or_default(),
                )
                .env(
                    "AWS_SESSION_TOKEN",
                    grant["AWS_SESSION_TOKEN"].as_str().unwrap_or_default(),
                )
                .env("AWS_DEFAULT_REGION", "us-east-1")
                .output()
                .expect("run the AWS CLI");
            assert!(
                caller.status.success(),
                "aws sts get-caller-identity with the grant's credentials: {}",
                String::from_utf8_lossy(&caller.stderr)
            );
        }
        None => eprintln!("no AWS CLI here; the grant's credentials are not tried"),
    }

    let listed = home.run_ok(&["s3ag", "list", "--json"]);
    let rows = listed.json();
    assert_eq!(rows[0]["profile"], "analyst", "{rows}");
    assert_eq!(rows[0]["target"], TARGET, "{rows}");
    assert_eq!(rows[0]["permission"], "READ", "{rows}");
    assert_eq!(rows[0]["matched_grant_target"], GRANT_SCOPE, "{rows}");
    assert_eq!(rows[0]["fresh"], true, "{rows}");
    let table = home.run_ok(&["s3ag", "list"]);
    assert!(table.stdout.contains(GRANT_SCOPE), "{}", table.stdout);

    // Secret hygiene: the grant's and the session's secrets appear only where asked for.
    let secrets = [
        grant["AWS_SECRET_ACCESS_KEY"]
            .as_str()
            .expect("a secret key"),
        grant["AWS_SESSION_TOKEN"]
            .as_str()
            .expect("a session token"),
        session["credentials"]["secret_access_key"]
            .as_str()
            .expect("a secret key"),
        session["credentials"]["session_token"]
            .as_str()
            .expect("a session token"),
    ];
    let logged = [
        login.stderr.as_str(),
        first.stderr.as_str(),
        second.stderr.as_str(),
        listed.stdout.as_str(),
        listed.stderr.as_str(),
        table.stdout.as_str(),
        table.stderr.as_str(),
    ]
    .concat();
    assert!(
        logged.contains("TRACE") || logged.contains("DEBUG"),
        "RUST_LOG=trace logged nothing, so the hygiene check proves nothing"
    );
    for secret in secrets {
        assert!(secret.len() >= 16, "too short to search for");
        let tail = &secret[secret.len() - 16..];
        assert!(
            !logged.contains(secret) && !logged.contains(tail),
            "a secret ending {:?} reached stderr or s3ag list",
            &secret[secret.len() - 4..]
        );
    }

    home.run_ok(&["s3ag", "clear", "analyst"]);
    assert!(grant_files(&home).is_empty(), "{:?}", grant_files(&home));
    let empty = home.run_ok(&["s3ag", "list", "--json"]).json();
    assert_eq!(empty, Value::Array(Vec::new()));
}

#[test]
fn no_matching_grant_is_access_denied_naming_profile_and_target() {
    let peers = tip_peers(PeerOptions::default().access_grant(GRANT_SCOPE, "READ"));
    let home = analyst_home(&peers);

    let denied = home
        .run(&["s3ag", "analyst", "s3://reports/team-b/"])
        .failed("a target no grant covers");
    assert!(
        denied.stderr.contains("profile analyst")
            && denied.stderr.contains("s3://reports/team-b/")
            && denied.stderr.contains("AccessDenied"),
        "{}",
        denied.stderr
    );
    assert!(denied.stderr.contains("hint:"), "{}", denied.stderr);
    assert!(denied.stdout.is_empty(), "{}", denied.stdout);
    // A WRITE on the READ grant's own target is refused too.
    let write = home
        .run(&["s3ag", "analyst", TARGET, "--permission", "write"])
        .failed("WRITE on a READ grant");
    assert!(write.stderr.contains("WRITE"), "{}", write.stderr);
    assert!(grant_files(&home).is_empty());
}

#[test]
fn an_untrusted_issuer_says_what_the_application_must_trust() {
    let peers = tip_peers(PeerOptions::default().untrusted_issuer());
    let home = analyst_home(&peers);

    let refused = home
        .run(&["credential-process", "analyst"])
        .failed("an IdP the application does not trust");
    let expected = format!(
        "trusted token issuer must be {} with audience runas-cli",
        peers.issuer()
    );
    assert!(
        refused.stderr.contains("profile analyst")
            && refused.stderr.contains("InvalidGrantException")
            && refused.stderr.contains(&expected),
        "{}",
        refused.stderr
    );
    assert!(refused.stdout.is_empty(), "{}", refused.stdout);
    assert_eq!(calls(&peers, "sts:AssumeRole"), 0);
}

#[test]
fn an_expired_identity_enhanced_session_is_renewed_through_the_same_chain() {
    let peers = tip_peers(
        PeerOptions::default()
            .always_refresh_token()
            .id_token_ttl(2),
    );
    let home = analyst_home(&peers);
    let first = home.run_ok(&["credential-process", "analyst"]).json();
    assert_eq!(calls(&peers, "sso-oidc:CreateTokenWithIAM"), 1);

    // STS grants at least 900 s (runas refuses less in the config), so the session is aged
    // in the cache file instead of waiting; the 2 s ID token has expired by then too.
    std::thread::sleep(Duration::from_secs(3));
    expire_cached_credentials(&home.credentials_file("analyst"));

    let renewed = home.run_ok(&["credential-process", "analyst"]).json();
    assert_ne!(renewed["AccessKeyId"], first["AccessKeyId"]);
    assert_eq!(calls(&peers, "sso-oidc:CreateTokenWithIAM"), 2);
    assert_eq!(calls(&peers, "sts:AssumeRole"), 2);
    assert_eq!(calls(&peers, "sts:AssumeRoleWithWebIdentity"), 2);
    let entry = home.credentials_entry("analyst");
    assert_eq!(entry["identity_enhanced"], true, "{entry}");
}

/// Moves a cached credentials entry's lifetime an hour into the past.
fn expire_cached_credentials(path: &Path) {
    let mut file = read_json(path);
    let entry = &mut file["entry"];
    let hour_ago = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let two_hours_ago = (chrono::Utc::now() - chrono::Duration::hours(2)).to_rfc3339();
    entry["credentials"]["expiration"] = Value::String(hour_ago);
    entry["obtained_at"] = Value::String(two_hours_ago);
    std::fs::write(path, serde_json::to_vec(&file).expect("JSON")).expect("rewrite the entry");
}

/// Runs `runas ARGS` under `strace -f -e trace=connect,sendto` when strace can trace here, and
/// asserts that no DNS server was contacted and nothing but 127.0.0.1 was connected to. Where
/// strace is missing or not allowed, the run goes on plainly: scripts/test.sh runs the tests
/// in a network namespace with only loopback, where a lookup of `123456789012.127.0.0.1`
/// could not have succeeded, and the peer's count below shows the request arrived.
fn run_s3ag_without_dns(home: &RunasHome, peers: &Peers, args: &[&str]) -> common::RunOutput {
    let before = calls(peers, "s3control:GetDataAccess");
    let trace = home.path().join("strace.log");
    let strace_works = Path::new("/usr/bin/strace").exists()
        && Command::new("/usr/bin/strace")
            .args(["-f", "-o", "/dev/null", "true"])
            .status()
            .is_ok_and(|status| status.success());
    let output = if strace_works {
        let mut strace_args = vec![
            "-f",
            "-e",
            "trace=connect,sendto",
            "-o",
            trace.to_str().expect("a UTF-8 temp path"),
            common::cli::runas_binary(),
        ];
        strace_args.extend_from_slice(args);
        common::cli::run_to_end(
            home.program("/usr/bin/strace", &strace_args),
            common::cli::RUN_DEADLINE,
        )
    } else {
        eprintln!("strace cannot trace here; relying on the loopback-only namespace");
        home.run(args)
    }
    .succeeded(&format!("runas {}", args.join(" ")));
    assert_eq!(
        calls(peers, "s3control:GetDataAccess"),
        before + 1,
        "GetDataAccess did not reach the configured endpoint"
    );
    if strace_works {
        let log = std::fs::read_to_string(&trace).expect("the strace log");
        let connects: Vec<&str> = log
            .lines()
            .filter(|line| line.contains("connect(") && line.contains("AF_INET"))
            .collect();
        assert!(!connects.is_empty(), "strace saw no connect at all:\n{log}");
        for line in &connects {
            assert!(
                !line.contains("htons(53)") && line.contains("127.0.0.1"),
                "a connection other than to the loopback peers (a DNS lookup?): {line}"
            );
        }
        assert!(!log.contains("htons(53)"), "a DNS query:\n{log}");
    }
    output
}

#[test]
fn concurrent_s3ag_calls_share_one_get_data_access() {
    let peers = tip_peers(PeerOptions::default().access_grant(GRANT_SCOPE, "READ"));
    let home = analyst_home(&peers);
    home.run_ok(&["login", "analyst"]);

    let running: Vec<common::Running> = (0..4)
        .map(|_| common::Running::spawn(home.command(&["s3ag", "analyst", "--format", "json"])))
        .collect();
    let keys: Vec<Value> = running
        .into_iter()
        .map(|run| {
            run.finish(common::cli::RUN_DEADLINE)
                .succeeded("a concurrent s3ag")
                .json()["AWS_ACCESS_KEY_ID"]
                .clone()
        })
        .collect();
    assert!(keys.windows(2).all(|pair| pair[0] == pair[1]), "{keys:?}");
    assert_eq!(calls(&peers, "s3control:GetDataAccess"), 1);
    assert_eq!(grant_files(&home).len(), 1);
}
