//! The loopback credentials endpoint, as the real binary against the peers: a boto3 loop
//! under `exec --server` and the AWS CLI v2 under `shell --server` keep working across
//! credential rotations (the AWS peer's `PEER_CREDENTIALS_TTL` test switch makes them
//! short-lived), with one STS call per rotation; a renewal that needs a login answers with the
//! old credentials while they last and then 503 with a message, until the browser finishes;
//! `exec --server` passes the exit status through (the abuse cases are in
//! `credentials_server_abuse.rs`). Everything talks to 127.0.0.1 only.

#![cfg(unix)]

mod common;

use std::collections::BTreeSet;
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use common::cli::{RUN_DEADLINE, python, run_to_end};
use common::endpoint::Serving;
use common::{PeerOptions, Peers, RunasHome, free_callback_uri, idp_defaults, wait_until};

const AWS_CLI: &str = "/usr/bin/aws";
/// Lifetime of every credential the AWS peer issues in the rotation tests; runas renews at
/// half of it (its rule for sessions under 30 minutes).
const CREDENTIALS_TTL: &str = "20";
/// Three access keys = the first one and two rotations.
const KEYS_WANTED: usize = 3;

/// Peers whose credentials live [`CREDENTIALS_TTL`] seconds, with IAM enforcement and expiry
/// checks on (an expired key would fail a call), and a home with profile `web`.
fn short_lived(options: PeerOptions) -> (Peers, RunasHome) {
    let peers = Peers::start(
        options
            .auto_login("alice")
            .strict_sts()
            .aws_env("PEER_CREDENTIALS_TTL", CREDENTIALS_TTL)
            // The CreateRole below is the one request made before enforcement starts.
            .aws_env("INITIAL_NO_AUTH_ACTION_COUNT", "1"),
    );
    let role = peers.create_role("web", Duration::from_secs(12 * 3600));
    let mut home = RunasHome::new(&peers);
    home.write_config(&format!(
        "{}[profile web]\nweb_identity_callback_uri = {}\nrole_arn = {role}\nregion = us-east-1\n",
        idp_defaults(&peers),
        free_callback_uri(),
    ));
    // Inherited static keys must not reach a server-mode child: SDKs would prefer them.
    home.set("AWS_ACCESS_KEY_ID", "AKIAINHERITEDSTALE01");
    home.set("AWS_SECRET_ACCESS_KEY", "inherited-stale-secret");
    (peers, home)
}

fn web_identity_calls(peers: &Peers) -> u64 {
    peers
        .aws_stats()
        .get("sts:AssumeRoleWithWebIdentity")
        .copied()
        .unwrap_or(0)
}

#[test]
fn a_boto3_loop_under_exec_server_keeps_working_across_rotations() {
    let (peers, home) = short_lived(PeerOptions::default());
    let script = home.path().join("loop.py");
    std::fs::write(
        &script,
        format!(
            r#"import json, os, time
import boto3
env = {{name: os.environ.get(name) for name in ["AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION", "RUNAS_PROFILE",
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]}}
sts = boto3.session.Session().client("sts")
keys, calls, failures = [], 0, []
deadline = time.monotonic() + 120
while len(set(keys)) < {KEYS_WANTED} and time.monotonic() < deadline:
    keys.append(sts._request_signer._credentials.get_frozen_credentials().access_key)
    try:
        sts.get_caller_identity()
        calls += 1
    except Exception as error:
        failures.append(repr(error))
    time.sleep(0.25)  # the pace of a busy program, not a synchronisation
print(json.dumps({{"env": env, "calls": calls, "failures": failures,
                  "keys": list(dict.fromkeys(keys))}}))
"#
        ),
    )
    .unwrap();
    let python = python();
    let args = [
        "exec",
        "--server",
        "web",
        "--",
        python.to_str().unwrap(),
        script.to_str().unwrap(),
    ];
    let output = home.run(&args).succeeded("exec --server with a boto3 loop");
    let report: serde_json::Value = serde_json::from_str(output.stdout.trim())
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", output.stdout, output.stderr));
    let env = &report["env"];
    let uri = env["AWS_CONTAINER_CREDENTIALS_FULL_URI"].as_str().unwrap();
    assert!(uri.starts_with("http://127.0.0.1:"), "{uri}");
    let token = env["AWS_CONTAINER_AUTHORIZATION_TOKEN"].as_str().unwrap();
    assert!(
        token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()),
        "256 bits as hex: {} characters",
        token.len()
    );
    assert_eq!(env["AWS_REGION"], "us-east-1");
    assert_eq!(env["AWS_DEFAULT_REGION"], "us-east-1");
    assert_eq!(env["RUNAS_PROFILE"], "web");
    for name in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ] {
        assert!(env[name].is_null(), "{name} reached the child: {env}");
    }
    assert_eq!(report["failures"], serde_json::json!([]), "{report}");
    let keys = report["keys"].as_array().unwrap();
    assert_eq!(keys.len(), KEYS_WANTED, "{report}");
    let calls = report["calls"].as_u64().unwrap();
    assert!(calls > 3 * KEYS_WANTED as u64, "a busy loop: {report}");
    // One STS exchange per key: requests read what the renewal put in place.
    assert_eq!(web_identity_calls(&peers), KEYS_WANTED as u64, "{report}");
    assert_eq!(
        peers.aws_stats().get("sts:GetCallerIdentity").copied(),
        Some(calls),
        "every call reached STS with the endpoint's keys"
    );
    // Served for exactly the child's life: the port is closed once runas has exited.
    let port: u16 = uri
        .trim_start_matches("http://127.0.0.1:")
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], port))).is_err(),
        "the endpoint outlived its child"
    );
}

#[test]
fn the_aws_cli_in_a_server_shell_keeps_working_across_rotations() {
    if !std::path::Path::new(AWS_CLI).exists() {
        eprintln!("skipped: {AWS_CLI} (the AWS CLI v2) is not installed");
        return;
    }
    let (peers, mut home) = short_lived(PeerOptions::default());
    home.set("SHELL", "/bin/sh");
    let log = home.path().join("cli.log");
    // The shell reads its commands from stdin: a person typing the same loop. (AWS CLI 2.9
    // predates AWS_ENDPOINT_URL_STS, hence --endpoint-url.)
    let commands = format!(
        "end=$(( $(date +%s) + 120 ))\n\
         while [ $(date +%s) -lt $end ]; do\n\
           key=$({AWS_CLI} configure export-credentials --format process | tr -d ' \\n' | \
                 sed 's/.*\"AccessKeyId\":\"\\([^\"]*\\)\".*/\\1/') || exit 11\n\
           {AWS_CLI} sts get-caller-identity --endpoint-url \"$AWS_ENDPOINT_URL_STS\" \
             --output text > /dev/null || exit 12\n\
           echo \"$key\" >> '{log}'\n\
           [ $(sort -u '{log}' | wc -l) -ge {KEYS_WANTED} ] && exit 0\n\
         done\n\
         exit 13\n",
        log = log.display()
    );
    let stdin = home.path().join("commands.sh");
    std::fs::write(&stdin, commands).unwrap();
    let mut command = home.command(&["shell", "--server", "web"]);
    command.stdin(std::fs::File::open(&stdin).unwrap());
    let output = run_to_end(command, Duration::from_secs(180));
    let keys_seen = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        output.status.success(),
        "the loop failed ({}): {keys_seen}\n{}",
        output.status,
        output.stderr
    );
    let keys: BTreeSet<&str> = keys_seen.lines().collect();
    assert_eq!(keys.len(), KEYS_WANTED, "{keys_seen}");
    assert!(keys.iter().all(|key| key.starts_with("ASIA")), "{keys:?}");
    assert_eq!(web_identity_calls(&peers), KEYS_WANTED as u64);
    let calls = keys_seen.lines().count() as u64;
    assert_eq!(
        peers.aws_stats().get("sts:GetCallerIdentity").copied(),
        Some(calls)
    );
}

#[test]
fn a_renewal_that_needs_a_login_serves_old_credentials_then_503_until_the_browser_is_done() {
    let (peers, mut home) = short_lived(
        PeerOptions::default()
            .always_refresh_token()
            // Shorter than runas's one-minute minimum: every renewal refreshes the ID token.
            .id_token_ttl(30),
    );
    home.remove("AWS_ACCESS_KEY_ID");
    home.remove("AWS_SECRET_ACCESS_KEY");
    home.run_ok(&["login", "web"]);
    let refresh_token = home.token_entry()["refresh_token"]
        .as_str()
        .expect("a refresh token is cached")
        .to_owned();
    let gate = home.path().join("browser-gate");
    home.set("BROWSER_GATE", gate.to_str().unwrap());
    let mut serving = Serving::start(&home, "web");
    let (status, first) = serving.credentials();
    assert_eq!(status, 200, "{first}");
    let first_key = first["AccessKeyId"].as_str().unwrap().to_owned();

    let revoked = common::raw_http::post_form(
        port_of(&peers.issuer()),
        "/token/revocation",
        &[],
        &[
            ("token", &refresh_token),
            ("token_type_hint", "refresh_token"),
            ("client_id", common::PUBLIC_CLIENT_ID),
        ],
    )
    .unwrap();
    assert_eq!(revoked.status, 200, "revocation: {}", revoked.body);

    let waiting = gate.with_extension("waiting");
    wait_until("the renewal to start a browser login", RUN_DEADLINE, || {
        waiting.exists()
    });
    let (status, during) = serving.credentials();
    assert_eq!(
        status, 200,
        "old credentials while a login is pending: {during}"
    );
    assert_eq!(during["AccessKeyId"], first_key.as_str());

    let mut expired = serde_json::Value::Null;
    wait_until("the old credentials to run out", RUN_DEADLINE, || {
        let (status, body) = serving.credentials();
        if status == 503 {
            expired = body;
        }
        status == 503
    });
    let message = expired["Message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("runas: profile web needs a login: "),
        "{expired}"
    );

    std::fs::File::create(&gate).unwrap().flush().unwrap();
    let mut renewed = serde_json::Value::Null;
    wait_until("new credentials after the login", RUN_DEADLINE, || {
        let (status, body) = serving.credentials();
        renewed = body;
        status == 200
    });
    assert_ne!(renewed["AccessKeyId"], first_key.as_str(), "{renewed}");
    let output = serving.stop();
    assert!(output.status.success(), "{output:?}");
    assert!(
        output
            .stderr
            .contains(" 503 runas: profile web needs a login"),
        "{}",
        output.stderr
    );
}

#[test]
fn exec_server_passes_the_exit_status_through() {
    let (_peers, home) = short_lived(PeerOptions::default());
    let output = home.run(&["exec", "--server", "web", "--", "sh", "-c", "exit 7"]);
    assert_eq!(output.status.code(), Some(7), "{}", output.stderr);
}

fn port_of(url: &str) -> u16 {
    url.rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches('/')
        .parse()
        .unwrap()
}
