//! What runas does when things go wrong or someone tries something, run as the real binary
//! against the peers: STS refusing a token (wrong audience, expired) with advice, forged and
//! replayed callbacks during a login, and secrets that must never reach stderr even at
//! `RUST_LOG=trace`.

#![cfg(unix)]

mod common;

use std::time::Duration;

use common::cli::public_client_id_token;
use common::{
    BrowserMode, PeerOptions, Peers, RunasHome, count, free_callback_uri, idp_defaults, wait_until,
};

#[test]
fn sts_refusing_the_audience_is_explained() {
    let callback = free_callback_uri();
    let peers = Peers::start(
        PeerOptions::default()
            .auto_login("alice")
            .strict_sts()
            .extra_redirect_uri(&callback),
    );
    let role = peers.create_role("web", Duration::from_secs(3600));
    let secret = "runas-confidential-secret";
    let mut home = RunasHome::new(&peers);
    home.set("RUNAS_TEST_SECRET", secret);
    home.write_config(&format!(
        "[profile other-app]\nweb_identity_auth_url = {}\n\
         web_identity_client_id = runas-confidential\nweb_identity_provider = oidc\n\
         web_identity_client_secret_env = RUNAS_TEST_SECRET\n\
         web_identity_callback_uri = {callback}\nrole_arn = {role}\nregion = us-east-1\n",
        peers.issuer()
    ));
    let refused = home
        .run(&["credential-process", "other-app"])
        .failed("an ID token for another audience");
    assert!(
        refused.stderr.contains("InvalidIdentityToken"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("audience"), "{}", refused.stderr);
    assert!(refused.stdout.is_empty(), "{}", refused.stdout);
    assert!(!refused.stderr.contains(secret), "{}", refused.stderr);
    let token = home.token_entry()["id_token"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    if !token.is_empty() {
        assert!(!refused.stderr.contains(&token), "the token leaked");
    }
}

#[tokio::test]
async fn sts_refusing_an_expired_token_says_to_log_in_again() {
    let peers = Peers::start(
        PeerOptions::default()
            .auto_login("alice")
            .strict_sts()
            .id_token_ttl(1),
    );
    let role = peers.create_role("workload", Duration::from_secs(3600));
    let (token, expires_at) = public_client_id_token(&peers).await;
    wait_until(
        "the 1 s ID token has expired",
        Duration::from_secs(10),
        || chrono::Utc::now() > expires_at,
    );
    let home = RunasHome::new(&peers);
    let token_file = home.path().join("token");
    std::fs::write(&token_file, &token).expect("write the token file");
    home.write_config(&format!(
        "[profile workload]\nweb_identity_token_file = {}\nrole_arn = {role}\nregion = us-east-1\n",
        token_file.display()
    ));
    let refused = home
        .run(&["credential-process", "workload"])
        .failed("an expired ID token");
    assert!(
        refused.stderr.contains("ExpiredTokenException"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("log in again"),
        "{}",
        refused.stderr
    );
    assert!(!refused.stderr.contains(&token), "the token leaked");
    let aws = peers.aws_stats();
    assert_eq!(
        aws.get("sts:AssumeRoleWithWebIdentity"),
        Some(&1),
        "{aws:?}"
    );
}

#[test]
fn forged_and_replayed_callbacks_are_turned_away_and_the_login_still_succeeds() {
    let peers = Peers::start(PeerOptions::default().auto_login("alice").strict_sts());
    let role = peers.create_role("web", Duration::from_secs(3600));
    let mut home = RunasHome::new(&peers);
    home.use_browser(BrowserMode::Forge);
    home.write_config(&format!(
        "{}[profile web]\nweb_identity_callback_uri = {}\nrole_arn = {role}\nregion = us-east-1\n",
        idp_defaults(&peers),
        free_callback_uri()
    ));
    let login = home.run_ok(&["login", "web"]);
    assert!(login.stderr.contains("logged in as"), "{}", login.stderr);

    // The browser reports after its replay, which may come after runas has exited.
    let report_path = home.browser_report();
    wait_until("the browser has reported", Duration::from_secs(20), || {
        std::fs::read_to_string(&report_path).is_ok_and(|text| text.ends_with('\n'))
    });
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report_path).expect("the report"))
            .expect("a JSON report");
    eprintln!("what the forged callbacks got: {report}");
    for forged in ["wrong_state", "wrong_path", "missing_code", "foreign_host"] {
        let status = report[forged].as_u64();
        assert!(
            status.is_some_and(|s| (400..500).contains(&s)),
            "{forged} answered {}: {report}",
            report[forged]
        );
    }
    assert_eq!(report["callback"], 200, "{report}");
    let replay = &report["replay"];
    assert!(
        replay == "refused" || replay.as_u64().is_some_and(|s| s >= 400),
        "a replayed callback was answered {replay}"
    );
    let idp = peers.idp_stats();
    assert_eq!(
        count(&idp, "POST /token"),
        1,
        "exactly one code exchange: {idp:?}"
    );
    assert_eq!(home.status()["web"]["credentials_fresh"], true);
}

#[test]
fn no_secret_reaches_stderr_even_at_trace_level() {
    let peers = Peers::start(
        PeerOptions::default()
            .auto_login("alice")
            .always_refresh_token()
            .id_token_ttl(2)
            .strict_sts(),
    );
    let role = peers.create_role("web", Duration::from_secs(3600));
    let mut home = RunasHome::new(&peers);
    home.set("RUST_LOG", "trace");
    home.write_config(&format!(
        "{}[profile web]\nweb_identity_callback_uri = {}\nrole_arn = {role}\nregion = us-east-1\n",
        idp_defaults(&peers),
        free_callback_uri()
    ));
    let mut stderr = Vec::new();
    let mut secrets = Vec::new();
    let mut remember = |home: &RunasHome| {
        let tokens = home.token_entry();
        let credentials = &home.credentials_entry("web")["credentials"];
        for secret in [
            &tokens["id_token"],
            &tokens["refresh_token"],
            &credentials["secret_access_key"],
            &credentials["session_token"],
        ] {
            secrets.push(secret.as_str().expect("a cached secret").to_owned());
        }
    };

    stderr.push(home.run_ok(&["login", "web"]).stderr);
    remember(&home);
    let expires_at = home.token_entry()["id_token_expires_at"].clone();
    let expires_at = chrono::DateTime::parse_from_rfc3339(expires_at.as_str().expect("a time"))
        .expect("RFC 3339");
    wait_until(
        "the 2 s ID token has expired",
        Duration::from_secs(10),
        || chrono::Utc::now() > expires_at,
    );
    // With the credentials gone, the next run refreshes: the old refresh token goes out and
    // new tokens and credentials come back, all at trace level.
    std::fs::remove_file(home.credentials_file("web")).expect("remove the credentials");
    let process = home.run_ok(&["credential-process", "web"]);
    stderr.push(process.stderr);
    remember(&home);
    stderr.push(home.run_ok(&["env", "web", "--format", "sh"]).stderr);
    let status = home.run_ok(&["status", "--json"]);
    stderr.push(status.stderr);
    stderr.push(status.stdout);
    stderr.push(home.run_ok(&["status"]).stdout);

    let logged = stderr.concat();
    eprintln!(
        "{} bytes of trace output searched for {} secrets",
        logged.len(),
        secrets.len()
    );
    assert!(
        logged.contains("TRACE") || logged.contains("DEBUG"),
        "RUST_LOG=trace logged nothing, so this test proves nothing:\n{logged}"
    );
    assert!(
        count(&peers.idp_stats(), "POST /token") >= 2,
        "no refresh happened"
    );
    for secret in &secrets {
        assert!(secret.len() >= 24, "too short to search for: {secret:?}");
        // The tail also catches a secret logged cut short at the front, and for a JWT it is
        // the signature, which no other token shares (every header starts `eyJhbGci`).
        let tail = &secret[secret.len() - 24..];
        assert!(
            !logged.contains(secret.as_str()) && !logged.contains(tail),
            "a secret ending {:?} reached stderr/status output",
            &secret[secret.len() - 4..]
        );
    }
}
