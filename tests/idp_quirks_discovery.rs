//! Discovery documents that are not quite right, and workload tokens from the environment, run
//! as the real binary against the IdP peer (`tests/peers/idp/quirks.mjs`): an issuer that
//! differs from the tokens' `iss` by a trailing slash (refused, naming both), an issuer that
//! consistently ends in a slash (used), discovery served as text/plain (used) or as an HTML
//! page (refused, naming the Content-Type), a `jwks_uri` on another host (used); and
//! `web_identity_token_env` as Posit Connect content uses it (`runas exec` a Python app).

#![cfg(unix)]

mod common;

use std::time::Duration;

use common::cli::{id_token_for_client, python};
use common::device::run_device_login;
use common::{PeerOptions, Peers, RunasHome, count, free_callback_uri, idp_defaults, raw_http};

const DISCOVERY: &str = "GET /.well-known/openid-configuration";
const CODE: &str = "token grant_type=authorization_code";
const DEVICE: &str = "token grant_type=urn:ietf:params:oauth:grant-type:device_code";

/// Discovery requests beyond the harness's readiness probe (which asks for it once).
fn discoveries(peers: &Peers) -> u64 {
    count(&peers.idp_stats(), DISCOVERY) - 1
}

fn start(options: PeerOptions, quirks: &[&str]) -> (Peers, RunasHome) {
    let peers = Peers::start(options.auto_login("alice"));
    let port: u16 = peers.issuer().rsplit(':').next().unwrap().parse().unwrap();
    let path = format!("/runas-peer/quirks?set={}", quirks.join(","));
    let answer = raw_http::post_form(port, &path, &[], &[]).expect("POST quirks");
    assert_eq!(answer.status, 200, "{}", answer.body);
    let role = peers.create_role("web", Duration::from_secs(3600));
    let home = RunasHome::new(&peers);
    home.write_config(&format!(
        "{}[profile web]\nweb_identity_callback_uri = {}\nrole_arn = {role}\nregion = us-east-1\n",
        idp_defaults(&peers),
        free_callback_uri()
    ));
    (peers, home)
}

fn sts_calls(peers: &Peers) -> u64 {
    count(&peers.aws_stats(), "sts:AssumeRoleWithWebIdentity")
}

#[test]
fn an_issuer_whose_trailing_slash_the_tokens_lack_is_refused_naming_both() {
    let (peers, mut home) = start(PeerOptions::default(), &["issuer_trailing_slash"]);
    let issuer = peers.issuer();
    let slash = format!("they differ only by the trailing slash of {issuer}/");

    // Browser: the authorization response's `iss` (RFC 9207) already disagrees.
    let refused = home
        .run(&["login", "web"])
        .failed("a response from another issuer");
    for expected in [
        format!("came from issuer {issuer}, not {issuer}/"),
        slash.clone(),
    ] {
        assert!(
            refused.stderr.contains(&expected),
            "{expected:?} in:\n{}",
            refused.stderr
        );
    }
    assert_eq!(
        count(&peers.idp_stats(), CODE),
        0,
        "the code was not exchanged"
    );

    // Device: no `iss` parameter, so the ID token's `iss` claim is where it shows.
    home.remove("BROWSER");
    let run = run_device_login(&home, &["login", "web", "--device"]);
    assert!(!run.status.success(), "{}", run.stderr);
    for expected in [
        format!("its `iss` is {issuer}, but the discovery document's `issuer` is {issuer}/"),
        slash,
        "the IdP administrator must make".to_owned(),
    ] {
        assert!(
            run.stderr.contains(&expected),
            "{expected:?} in:\n{}",
            run.stderr
        );
    }
    assert_eq!(count(&peers.idp_stats(), DEVICE), 1);
    assert_eq!(sts_calls(&peers), 0);
    assert!(
        home.cache_files("tokens").is_empty(),
        "an unverified token was cached"
    );
}

#[test]
fn an_issuer_that_ends_in_a_slash_everywhere_is_used_as_discovery_spells_it() {
    // The profile says http://127.0.0.1:PORT, without the slash: discovery has the last word.
    let (peers, home) = start(
        PeerOptions::default().idp_env("IDP_ISSUER_TRAILING_SLASH", "1"),
        &[],
    );
    home.run_ok(&["login", "web"]);
    assert_eq!(discoveries(&peers), 1);
    assert_eq!(home.status()["web"]["credentials_fresh"], true);
    assert_eq!(sts_calls(&peers), 1);
}

#[test]
fn discovery_served_as_text_plain_is_used_since_the_body_is_json() {
    // Stock STS: a strict one reads discovery too and blurs the count.
    let (peers, home) = start(PeerOptions::default(), &["discovery_text_plain"]);
    home.run_ok(&["login", "web"]);
    assert_eq!(discoveries(&peers), 1);
    assert_eq!(count(&peers.idp_stats(), CODE), 1);
    assert_eq!(sts_calls(&peers), 1);
}

#[test]
fn discovery_answered_with_an_html_page_is_refused_naming_the_content_type() {
    let (peers, home) = start(PeerOptions::default(), &["discovery_html"]);
    let refused = home
        .run(&["login", "web"])
        .failed("HTML instead of discovery");
    for expected in [
        "answered Content-Type `text/html; charset=utf-8`, not application/json",
        "an HTML page",
    ] {
        assert!(
            refused.stderr.contains(expected),
            "{expected:?} in:\n{}",
            refused.stderr
        );
    }
    let idp = peers.idp_stats();
    assert_eq!(count(&idp, "GET /auth"), 0, "no login started: {idp:?}");
    assert_eq!(sts_calls(&peers), 0);
}

#[test]
fn a_jwks_uri_on_another_host_is_used() {
    // Stock STS: a strict one would fetch the keys too and blur the count.
    let (peers, home) = start(PeerOptions::default(), &["jwks_elsewhere"]);
    home.run_ok(&["login", "web"]);
    let idp = peers.idp_stats();
    assert_eq!(count(&idp, "GET /keys-elsewhere"), 1, "{idp:?}");
    assert_eq!(count(&idp, "GET /jwks"), 0, "{idp:?}");
    assert_eq!(sts_calls(&peers), 1);
}

/// What Posit Connect content runs: boto3 with the environment runas exec gives it.
const APP: &str = "import boto3\nprint(boto3.client('sts', region_name='us-east-1').get_caller_identity()['Arn'])\n";

#[tokio::test]
async fn a_token_from_the_environment_runs_a_python_app_like_connect_content() {
    // STS checks the token as AWS would, for Connect's audience.
    let peers = Peers::start(
        PeerOptions::default()
            .auto_login("alice")
            .strict_sts()
            .aws_env("PEER_OIDC_AUDIENCE", "connect-content"),
    );
    let role = peers.create_role("connect-content", Duration::from_secs(3600));
    let (token, _) = id_token_for_client(&peers, "connect-content").await;
    let mut home = RunasHome::new(&peers);
    home.write_config(&format!(
        "[profile connect-content]\nweb_identity_token_env = CONNECT_CONTENT_SESSION_TOKEN\n\
         role_arn = {role}\nregion = us-east-1\n"
    ));
    let app = home.path().join("app.py");
    std::fs::write(&app, APP).expect("write app.py");
    let python = python().display().to_string();
    let app = app.display().to_string();
    let exec = ["exec", "connect-content", "--", &python, &app];

    let missing = home.run(&exec).failed("no token variable");
    assert!(
        missing.stderr.contains("profile connect-content")
            && missing.stderr.contains("CONNECT_CONTENT_SESSION_TOKEN")
            && missing.stderr.contains("web_identity_token_env"),
        "{}",
        missing.stderr
    );
    home.set("CONNECT_CONTENT_SESSION_TOKEN", " ");
    let empty = home.run(&exec).failed("an empty token variable");
    assert!(
        empty.stderr.contains("not set or empty"),
        "{}",
        empty.stderr
    );
    assert_eq!(sts_calls(&peers), 0);

    home.set("CONNECT_CONTENT_SESSION_TOKEN", &token);
    let before = peers.idp_stats();
    let ran = home.run_ok(&exec);
    assert_eq!(
        ran.stdout.trim(),
        "arn:aws:sts::123456789012:assumed-role/connect-content/alice@example.test"
    );
    let signature = token.rsplit('.').next().unwrap();
    for output in [&ran.stdout, &ran.stderr, &missing.stderr, &empty.stderr] {
        assert!(!output.contains(signature), "the token was printed");
    }
    assert_eq!(sts_calls(&peers), 1);
    let after = peers.idp_stats();
    // The strict AWS peer reads discovery and keys itself; runas asks the IdP nothing.
    assert_eq!(count(&after, "POST /token"), count(&before, "POST /token"));
    assert_eq!(count(&after, "GET /auth"), count(&before, "GET /auth"));
    assert!(
        home.cache_files("tokens").is_empty(),
        "a workload token is never cached"
    );
    let listed = home.run_ok(&["list", "--json"]).json();
    assert_eq!(
        listed[0]["web_identity_token_env"],
        "CONNECT_CONTENT_SESSION_TOKEN"
    );
    assert_eq!(listed[0]["kind"], "token_file");
}
