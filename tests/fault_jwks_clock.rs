//! The IdP's keys and clock going wrong under a real login, run as the real binary against the
//! peers: a signing key rotated while the person is at the login page (one JWKS re-fetch, then
//! success), a key the IdP never publishes (refused, naming the issuer and the kid, no second
//! re-fetch), an IdP clock ahead or behind by more or less than runas's 60 s leeway, and STS
//! calling the ID token expired (renewed once, then either success or a message about clocks).

#![cfg(unix)]

mod common;

use std::time::Duration;

use common::cli::{python, write_executable};
use common::{PeerOptions, Peers, RunasHome, count, free_callback_uri, idp_defaults, raw_http};

/// An hour: the IdP's default ID-token lifetime, which the clock shifts below are measured from.
const ID_TOKEN_TTL: i64 = 3600;

fn idp_port(peers: &Peers) -> u16 {
    peers
        .issuer()
        .rsplit(':')
        .next()
        .and_then(|port| port.parse().ok())
        .expect("the issuer's port")
}

/// Sets the IdP's clock `seconds` off from now on.
fn shift_idp_clock(peers: &Peers, seconds: i64) {
    let answer = raw_http::post_form(
        idp_port(peers),
        &format!("/runas-peer/clock?skew={seconds}"),
        &[],
        &[],
    )
    .expect("POST /runas-peer/clock");
    assert_eq!(answer.status, 200, "{}", answer.body);
}

/// A home whose `web` profile logs in at the peers' IdP and assumes `role`.
fn web_home(peers: &Peers, role: &str) -> RunasHome {
    let home = RunasHome::new(peers);
    home.write_config(&format!(
        "{}[profile web]\nweb_identity_callback_uri = {}\nrole_arn = {role}\nregion = us-east-1\n",
        idp_defaults(peers),
        free_callback_uri()
    ));
    home
}

/// Makes `$BROWSER` rotate the IdP's signing key first (`rotate_query` is passed on to
/// `/runas-peer/rotate-keys`), then log in as usual: runas has discovered the IdP and fetched
/// its keys by the time it opens the browser, so the token it gets back is signed by a key it
/// has not seen.
fn rotate_keys_when_the_browser_opens(home: &mut RunasHome, peers: &Peers, rotate_query: &str) {
    let login_browser = home.path().join("browser-login");
    assert!(login_browser.exists(), "RunasHome writes the login browser");
    let wrapper = home.path().join("browser-rotate");
    write_executable(
        &wrapper,
        &format!(
            "#!/bin/sh\n'{}' -c \"import urllib.request as u; \
             u.urlopen(u.Request('{}/runas-peer/rotate-keys{rotate_query}', method='POST'))\" \
             || exit 1\nexec '{}' \"$@\"\n",
            python().display(),
            peers.issuer(),
            login_browser.display()
        ),
    );
    home.set("BROWSER", &wrapper.display().to_string());
}

/// The number in `"… N s in the future …"`-style text just before `marker`.
fn seconds_before(text: &str, marker: &str) -> u64 {
    let end = text
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker:?} in:\n{text}"));
    text[..end]
        .split_whitespace()
        .last()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number before {marker:?} in:\n{text}"))
}

#[test]
fn a_key_rotated_during_the_login_costs_one_jwks_refetch_and_succeeds() {
    // Stock STS: the strict one fetches the IdP's JWKS itself and would blur the count.
    let peers = Peers::start(PeerOptions::default().auto_login("alice"));
    let role = peers.create_role("web", Duration::from_secs(3600));
    let mut home = web_home(&peers, &role);
    rotate_keys_when_the_browser_opens(&mut home, &peers, "");

    home.run_ok(&["login", "web"]);
    let idp = peers.idp_stats();
    assert_eq!(
        count(&idp, "GET /jwks"),
        2,
        "discovery's fetch and one re-fetch: {idp:?}"
    );
    assert_eq!(home.cache_files("credentials").len(), 1);
}

#[test]
fn a_key_the_idp_never_publishes_is_refused_naming_issuer_and_kid() {
    let peers = Peers::start(PeerOptions::default().auto_login("alice"));
    let role = peers.create_role("web", Duration::from_secs(3600));
    let mut home = web_home(&peers, &role);
    rotate_keys_when_the_browser_opens(&mut home, &peers, "?publish=old");

    let refused = home
        .run(&["login", "web"])
        .failed("an ID token signed by an unpublished key");
    eprintln!("unpublished key:\n{}", refused.stderr);
    assert!(
        refused.stderr.contains(&peers.issuer()),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("`runas-peer-rotated-1`"),
        "the kid is not named:\n{}",
        refused.stderr
    );
    assert_eq!(
        refused.stderr.matches("runas: profile web").count(),
        1,
        "{}",
        refused.stderr
    );
    let idp = peers.idp_stats();
    assert_eq!(
        count(&idp, "GET /jwks"),
        2,
        "one re-fetch, not a second: {idp:?}"
    );
    assert!(home.cache_files("credentials").is_empty());
    assert!(
        home.cache_files("tokens").is_empty(),
        "an unverified token was cached"
    );
}

#[test]
fn an_idp_clock_three_minutes_ahead_is_refused_naming_the_skew() {
    let peers = Peers::start(PeerOptions::default().auto_login("alice").strict_sts());
    let role = peers.create_role("web", Duration::from_secs(3600));
    let home = web_home(&peers, &role);
    shift_idp_clock(&peers, 180);

    let refused = home
        .run(&["login", "web"])
        .failed("an ID token issued 3 minutes in the future");
    eprintln!("iat ahead:\n{}", refused.stderr);
    let ahead = seconds_before(&refused.stderr, "s in the future");
    assert!(ahead > 60, "{}", refused.stderr);
    for needle in [peers.issuer().as_str(), "60 s clock leeway", "timedatectl"] {
        assert!(refused.stderr.contains(needle), "{}", refused.stderr);
    }
    assert_eq!(count(&peers.aws_stats(), "sts:"), 0, "STS was asked anyway");
}

#[test]
fn an_idp_clock_thirty_seconds_ahead_is_within_the_leeway() {
    let peers = Peers::start(PeerOptions::default().auto_login("alice").strict_sts());
    let role = peers.create_role("web", Duration::from_secs(3600));
    let home = web_home(&peers, &role);
    shift_idp_clock(&peers, 30);

    home.run_ok(&["login", "web"]);
    assert_eq!(home.cache_files("credentials").len(), 1);
}

#[test]
fn an_id_token_expired_beyond_the_leeway_is_refused_naming_the_clocks() {
    let peers = Peers::start(PeerOptions::default().auto_login("alice"));
    let role = peers.create_role("web", Duration::from_secs(3600));
    let home = web_home(&peers, &role);
    // The IdP's clock is behind by its token lifetime and 200 s: its tokens are born expired.
    shift_idp_clock(&peers, -(ID_TOKEN_TTL + 200));

    let refused = home
        .run(&["login", "web"])
        .failed("an ID token that expired 200 s ago");
    eprintln!("exp past:\n{}", refused.stderr);
    let ago = seconds_before(&refused.stderr, "s ago");
    assert!(ago > 60, "{}", refused.stderr);
    for needle in [peers.issuer().as_str(), "60 s clock leeway", "clock"] {
        assert!(refused.stderr.contains(needle), "{}", refused.stderr);
    }
    assert_eq!(count(&peers.aws_stats(), "sts:"), 0, "STS was asked anyway");
}

#[test]
fn an_id_token_just_past_exp_is_accepted_within_the_leeway() {
    // Stock STS, which checks no token: this is about runas's own check.
    let peers = Peers::start(PeerOptions::default().auto_login("alice"));
    let role = peers.create_role("web", Duration::from_secs(3600));
    let home = web_home(&peers, &role);
    shift_idp_clock(&peers, -(ID_TOKEN_TTL + 20));

    home.run_ok(&["login", "web"]);
    assert_eq!(
        count(&peers.aws_stats(), "sts:AssumeRoleWithWebIdentity"),
        1
    );
}

#[test]
fn sts_calling_a_renewed_token_expired_again_is_told_as_a_clock_problem() {
    let peers = Peers::start(
        PeerOptions::default()
            .auto_login("alice")
            .always_refresh_token()
            .strict_sts(),
    );
    let role = peers.create_role("web", Duration::from_secs(3600));
    let home = web_home(&peers, &role);
    // Within runas's leeway, but STS (no leeway in the peer) finds it expired.
    shift_idp_clock(&peers, -(ID_TOKEN_TTL + 20));

    let refused = home
        .run(&["login", "web"])
        .failed("tokens STS finds expired every time");
    eprintln!("expired at STS twice:\n{}", refused.stderr);
    for needle in [
        "ExpiredTokenException",
        "even after runas renewed it once",
        "clock",
    ] {
        assert!(refused.stderr.contains(needle), "{}", refused.stderr);
    }
    assert_eq!(
        refused.stderr.matches("hint:").count(),
        1,
        "{}",
        refused.stderr
    );
    let aws = peers.aws_stats();
    assert_eq!(
        aws.get("sts:AssumeRoleWithWebIdentity"),
        Some(&2),
        "one renewal, not more: {aws:?}"
    );
    let idp = peers.idp_stats();
    assert_eq!(
        count(&idp, "POST /token"),
        2,
        "the code exchange and one refresh: {idp:?}"
    );
}

#[test]
fn a_token_sts_calls_expired_is_renewed_once_and_the_exchange_succeeds() {
    let peers = Peers::start(
        PeerOptions::default()
            .auto_login("alice")
            .always_refresh_token()
            .strict_sts(),
    );
    let role = peers.create_role("web", Duration::from_secs(3600));
    let home = web_home(&peers, &role);
    // A login while the IdP's clock is behind leaves an ID token STS calls expired, and its
    // refresh token, in the cache (the login itself fails, as in the test above).
    shift_idp_clock(&peers, -(ID_TOKEN_TTL + 20));
    home.run(&["login", "web"])
        .failed("tokens STS finds expired");
    shift_idp_clock(&peers, 0);
    // Stands for runas having found the token valid just before the machine slept past its
    // exp: the cached expiry says another hour.
    let token_file = home.cache_files("tokens").pop().expect("a cached ID token");
    let mut cached = common::read_json(&token_file);
    let an_hour_on = chrono::Utc::now() + chrono::Duration::hours(1);
    cached["entry"]["id_token_expires_at"] = serde_json::json!(an_hour_on.to_rfc3339());
    std::fs::write(&token_file, serde_json::to_vec(&cached).expect("JSON"))
        .expect("rewrite the cached token entry");
    let sts_before = count(&peers.aws_stats(), "sts:AssumeRoleWithWebIdentity");
    let tokens_before = count(&peers.idp_stats(), "POST /token");
    let logins_before = count(&peers.idp_stats(), "GET /auth");

    let process = home.run_ok(&["credential-process", "web"]);
    assert_eq!(process.json()["Version"], 1, "{}", process.stdout);
    assert_eq!(
        count(&peers.aws_stats(), "sts:AssumeRoleWithWebIdentity") - sts_before,
        2,
        "refused once, then accepted"
    );
    assert_eq!(
        count(&peers.idp_stats(), "POST /token") - tokens_before,
        1,
        "one silent refresh, no login"
    );
    assert_eq!(
        count(&peers.idp_stats(), "GET /auth"),
        logins_before,
        "no second browser login"
    );
}
