//! `runas serve` under abuse, as the real binary against the peers: every request it must
//! refuse (no token, a wrong token, another endpoint's token, a foreign `Host`, an `Origin`,
//! `POST`, another path, an oversized head) gets its refusal and no credentials, 200 idle
//! connections do not keep the real caller from its answer within an SDK's one-second
//! patience, SIGTERM ends it with status 0, and no secret reaches its stderr at any
//! `RUST_LOG`. Everything talks to 127.0.0.1 only.

#![cfg(unix)]

mod common;

use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use common::endpoint::{Serving, ask};
use common::{PeerOptions, Peers, RunasHome, free_callback_uri, idp_defaults};

#[test]
fn serve_refuses_every_abuse_and_still_answers_its_caller() {
    let peers = Peers::start(PeerOptions::default().auto_login("alice").strict_sts());
    let role = peers.create_role("web", Duration::from_secs(3600));
    let home = RunasHome::new(&peers);
    home.write_config(&format!(
        "{}[profile web]\nweb_identity_callback_uri = {}\nrole_arn = {role}\n",
        idp_defaults(&peers),
        free_callback_uri(),
    ));
    home.run_ok(&["login", "web"]);
    let mut serving = Serving::start(&home, "web");
    let mut other = Serving::start(&home, "web");
    assert_ne!(serving.token, other.token, "a new token for every endpoint");
    let (status, good) = serving.credentials();
    assert_eq!(status, 200, "{good}");
    assert_eq!(good["AccountId"], common::ACCOUNT_ID);
    let secret = good["SecretAccessKey"].as_str().unwrap().to_owned();

    let port = serving.port;
    let with = |request: String| ask(port, &request, Duration::from_secs(5)).unwrap();
    let sdk = serving.sdk_request(&serving.token);
    let no_token = sdk.replace(&format!("Authorization: {}\r\n", serving.token), "");
    let oversized = sdk.replace(
        "User-Agent: test",
        &format!("User-Agent: {}", "x".repeat(20_000)),
    );
    let cases = [
        ("no token", no_token, 401),
        ("a wrong token", serving.sdk_request(&"0".repeat(64)), 403),
        (
            "another endpoint's token",
            serving.sdk_request(&other.token),
            403,
        ),
        (
            "a foreign Host",
            sdk.replace(&format!("Host: 127.0.0.1:{port}"), "Host: rebind.example"),
            403,
        ),
        (
            "localhost instead of the bound address",
            sdk.replace("Host: 127.0.0.1", "Host: localhost"),
            403,
        ),
        (
            "an Origin header",
            sdk.replace("Accept:", "Origin: http://evil.example\r\nAccept:"),
            403,
        ),
        ("POST", sdk.replacen("GET", "POST", 1), 405),
        (
            "another path",
            sdk.replacen("/runas/credentials", "/", 1),
            404,
        ),
        ("an oversized request", oversized, 431),
    ];
    for (what, request, expected) in cases {
        let (status, body) = with(request);
        assert_eq!(status, expected, "{what}: {body}");
        assert!(
            !body.contains("AccessKeyId"),
            "{what} got credentials: {body}"
        );
    }

    // 200 connections that send nothing, then the real caller with an SDK's patience.
    let idle: Vec<TcpStream> = (0..200)
        .map(|_| TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], port))).unwrap())
        .collect();
    let started = Instant::now();
    let answer = ask(port, &sdk, Duration::from_secs(1));
    let (status, body) = answer.unwrap_or_else(|error| {
        panic!(
            "the caller got no answer beside 200 idle connections after {:?}: {error}",
            started.elapsed()
        )
    });
    assert_eq!(status, 200, "{body}");
    drop(idle);

    let output = serving.stop();
    assert!(
        output.status.success(),
        "serve exits 0 on SIGTERM: {output:?}"
    );
    other.stop();
    assert!(
        output.stderr.contains(" 200 credentials expire "),
        "{}",
        output.stderr
    );
    assert!(
        output.stderr.contains(" 403 wrong authorization token"),
        "{}",
        output.stderr
    );
    assert!(
        output.stderr.contains(" 401 no authorization token"),
        "{}",
        output.stderr
    );
    // Whatever RUST_LOG says (scripts/test.sh runs with trace), no secret reaches stderr.
    assert!(
        !output.stderr.contains(&serving.token),
        "the token was logged"
    );
    assert!(
        !output.stderr.contains(&secret),
        "the secret key was logged"
    );
    assert!(!output.stderr.contains(&other.token), "a token was logged");
}
