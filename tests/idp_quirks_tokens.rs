//! IdPs whose token answers differ from the reference, run as the real binary against the IdP
//! peer with its quirks switched on (`tests/peers/idp/quirks.mjs`): a refresh answered without
//! an ID token (the cached one used while it lasts, else one login with a line saying why, and
//! remembered so the next renewal wastes no refresh), a device grant answered without one (one
//! refresh, else an error naming what the IdP must enable, and never an STS call), and a device
//! endpoint discovery does not advertise (`web_identity_device_authorization_url`).

#![cfg(unix)]

mod common;

use std::time::Duration;

use common::device::run_device_login;
use common::{PeerOptions, Peers, RunasHome, count, free_callback_uri, idp_defaults, raw_http};

const REFRESH: &str = "token grant_type=refresh_token";
const CODE: &str = "token grant_type=authorization_code";
const DEVICE: &str = "token grant_type=urn:ietf:params:oauth:grant-type:device_code";

fn idp_port(peers: &Peers) -> u16 {
    peers
        .issuer()
        .rsplit(':')
        .next()
        .and_then(|port| port.parse().ok())
        .expect("the issuer's port")
}

/// Exactly these IdP quirks from now on.
fn set_quirks(peers: &Peers, quirks: &[&str]) {
    let path = format!("/runas-peer/quirks?set={}", quirks.join(","));
    let answer = raw_http::post_form(idp_port(peers), &path, &[], &[]).expect("POST quirks");
    assert_eq!(answer.status, 200, "{}", answer.body);
}

fn web_home(peers: &Peers, role: &str, extra_defaults: &str) -> RunasHome {
    let home = RunasHome::new(peers);
    home.write_config(&format!(
        "{}{extra_defaults}[profile web]\nweb_identity_callback_uri = {}\nrole_arn = {role}\n\
         region = us-east-1\n",
        idp_defaults(peers).trim_end(),
        free_callback_uri()
    ));
    home
}

fn sts_calls(peers: &Peers) -> u64 {
    count(&peers.aws_stats(), "sts:AssumeRoleWithWebIdentity")
}

#[test]
fn a_refresh_without_an_id_token_logs_in_once_and_the_next_renewal_skips_the_refresh() {
    // A 2 s ID token is below the exchange margin as soon as it exists, so every renewal
    // needs a new one; stock STS, since a strict one could call it expired on arrival.
    let peers = Peers::start(
        PeerOptions::default()
            .auto_login("alice")
            .always_refresh_token()
            .id_token_ttl(2),
    );
    let role = peers.create_role("web", Duration::from_secs(3600));
    let home = web_home(&peers, &role, "\n");
    home.run_ok(&["login", "web"]);
    set_quirks(&peers, &["refresh_without_id_token"]);

    std::fs::remove_file(home.credentials_file("web")).expect("remove the credentials");
    let before = peers.idp_stats();
    let first = home.run_ok(&["credential-process", "web"]);
    let after = peers.idp_stats();
    assert!(first.json()["AccessKeyId"].is_string(), "{}", first.stdout);
    assert_eq!(
        count(&after, REFRESH) - count(&before, REFRESH),
        1,
        "{after:?}"
    );
    assert_eq!(
        count(&after, CODE) - count(&before, CODE),
        1,
        "one login: {after:?}"
    );
    let why = "logging in again: the IdP answered the refresh without a new ID token";
    assert_eq!(first.stderr.matches(why).count(), 1, "{}", first.stderr);
    assert!(
        !first.stderr.contains("is `openid` among the scopes"),
        "{}",
        first.stderr
    );
    let remembered = home.cache_files("idp-behaviour");
    assert_eq!(remembered.len(), 1, "{remembered:?}");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&remembered[0]).unwrap().permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);

    std::fs::remove_file(home.credentials_file("web")).expect("remove the credentials");
    let second = home.run_ok(&["credential-process", "web"]);
    let last = peers.idp_stats();
    assert_eq!(
        count(&last, REFRESH),
        count(&after, REFRESH),
        "no wasted refresh: {last:?}"
    );
    assert_eq!(
        count(&last, CODE) - count(&after, CODE),
        1,
        "a login: {last:?}"
    );
    assert!(
        second
            .stderr
            .contains("refresh answers carry no ID token (remembered"),
        "{}",
        second.stderr
    );
    assert_eq!(sts_calls(&peers), 3, "one exchange per run");
}

#[test]
fn a_refresh_without_an_id_token_uses_the_cached_one_while_it_has_life_for_the_exchange() {
    // 59 s: under the 60 s runas wants for reuse, so it refreshes; over the 15 s one exchange
    // needs for 44 s, far longer than the two runs below take.
    let peers = Peers::start(
        PeerOptions::default()
            .auto_login("alice")
            .always_refresh_token()
            .id_token_ttl(59)
            .strict_sts(),
    );
    let role = peers.create_role("web", Duration::from_secs(3600));
    let home = web_home(&peers, &role, "\n");
    let started = std::time::Instant::now();
    home.run_ok(&["login", "web"]);
    let cached = home.token_entry();
    set_quirks(&peers, &["refresh_without_id_token"]);
    std::fs::remove_file(home.credentials_file("web")).expect("remove the credentials");
    let before = peers.idp_stats();

    let output = home.run_ok(&["credential-process", "web"]);
    assert!(
        started.elapsed() < Duration::from_secs(40),
        "too slow for this test's premise"
    );
    let after = peers.idp_stats();
    assert_eq!(
        count(&after, REFRESH) - count(&before, REFRESH),
        1,
        "{after:?}"
    );
    assert_eq!(
        count(&after, CODE),
        count(&before, CODE),
        "no login: {after:?}"
    );
    assert!(
        !output.stderr.contains("logging in again"),
        "{}",
        output.stderr
    );
    let kept = home.token_entry();
    assert_eq!(
        kept["id_token"], cached["id_token"],
        "the cached ID token served"
    );
    assert_ne!(
        kept["refresh_token"], cached["refresh_token"],
        "the rotated refresh token was stored"
    );
    assert_eq!(home.cache_files("idp-behaviour").len(), 1);
    assert_eq!(sts_calls(&peers), 2);
}

#[test]
fn a_device_grant_without_an_id_token_gets_one_by_refresh() {
    let peers = Peers::start(PeerOptions::default().strict_sts());
    let role = peers.create_role("web", Duration::from_secs(3600));
    let mut home = web_home(&peers, &role, "\n");
    home.remove("BROWSER");
    set_quirks(&peers, &["device_without_id_token"]);

    let run = run_device_login(&home, &["login", "web", "--device"]);
    assert!(run.status.success(), "{}", run.stderr);
    let idp = peers.idp_stats();
    assert_eq!(count(&idp, DEVICE), 1, "{idp:?}");
    assert_eq!(
        count(&idp, REFRESH),
        1,
        "one refresh for the ID token: {idp:?}"
    );
    assert_eq!(
        home.status()["web"]["id_token_subject"],
        "alice@example.test"
    );
    assert_eq!(sts_calls(&peers), 1);
}

#[test]
fn a_device_grant_whose_refresh_has_no_id_token_either_names_what_the_idp_must_enable() {
    let peers = Peers::start(PeerOptions::default());
    let role = peers.create_role("web", Duration::from_secs(3600));
    let mut home = web_home(&peers, &role, "\n");
    home.remove("BROWSER");
    set_quirks(
        &peers,
        &["device_without_id_token", "refresh_without_id_token"],
    );

    let run = run_device_login(&home, &["login", "web", "--device"]);
    assert!(!run.status.success(), "{}", run.stderr);
    for expected in [
        "profile web",
        "device-code grant with an access token but no ID token",
        "the refresh grant runas tried next returned none either",
        "IdP administrator must enable OpenID Connect ID tokens",
        "client `runas-cli`",
    ] {
        assert!(
            run.stderr.contains(expected),
            "{expected:?} in:\n{}",
            run.stderr
        );
    }
    assert!(!run.stderr.contains("is `openid` among"), "{}", run.stderr);
    let idp = peers.idp_stats();
    assert_eq!(
        (count(&idp, DEVICE), count(&idp, REFRESH)),
        (1, 1),
        "{idp:?}"
    );
    assert_eq!(sts_calls(&peers), 0, "no access token went to STS");
    assert!(home.cache_files("tokens").is_empty());
    assert!(home.cache_files("credentials").is_empty());
}

#[test]
fn a_device_endpoint_missing_from_discovery_is_named_and_the_profile_key_supplies_it() {
    let peers = Peers::start(PeerOptions::default().strict_sts());
    let role = peers.create_role("web", Duration::from_secs(3600));
    set_quirks(&peers, &["no_device_endpoint"]);

    let mut without = web_home(&peers, &role, "\n");
    without.remove("BROWSER");
    let refused = without
        .run(&["login", "web", "--device"])
        .failed("a device login without an endpoint");
    assert!(
        refused
            .stderr
            .contains("names no device_authorization_endpoint")
            && refused
                .stderr
                .contains("set web_identity_device_authorization_url"),
        "{}",
        refused.stderr
    );
    assert_eq!(count(&peers.idp_stats(), "POST /device/auth"), 0);

    // Set in [default], inherited by web like every other web_identity_* key.
    let key = format!(
        "\nweb_identity_device_authorization_url = {}/device/auth\n\n",
        peers.issuer()
    );
    let mut with = web_home(&peers, &role, &key);
    with.remove("BROWSER");
    let listed = with.run_ok(&["list", "--json"]).json();
    let row = listed
        .as_array()
        .and_then(|rows| rows.iter().find(|row| row["name"] == "web"))
        .cloned()
        .expect("web in list --json");
    assert_eq!(
        row["device_authorization_url"],
        format!("{}/device/auth", peers.issuer()),
        "{row}"
    );
    let run = run_device_login(&with, &["login", "web", "--device"]);
    assert!(run.status.success(), "{}", run.stderr);
    assert_eq!(count(&peers.idp_stats(), "POST /device/auth"), 1);
    assert_eq!(sts_calls(&peers), 1);

    // http off loopback is refused with the key and line named; the profile stays listed.
    with.write_config(&format!(
        "{}\nweb_identity_device_authorization_url = http://idp.example.com/device\n\n\
         [profile web]\nrole_arn = {role}\n",
        idp_defaults(&peers).trim_end()
    ));
    let listed = with.run_ok(&["list", "--json"]).json();
    let errors = listed.to_string();
    assert!(
        errors.contains("web_identity_device_authorization_url")
            && errors.contains("must use https"),
        "{listed}"
    );
}
