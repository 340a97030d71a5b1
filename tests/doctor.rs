//! `runas doctor` against the peers: every link ✓ for a good profile (exit 0), and each link
//! broken on purpose — issuer mismatch, IdP down, JWKS empty, callback port taken, STS down, a
//! role trusting another audience — gives exactly that ✗ with its fix (exit 1).

#![cfg(unix)]

mod common;

use std::net::TcpListener;
use std::time::Duration;

use common::fault_server::closed_port;
use common::stack::{aws, deploy};
use common::{PeerOptions, Peers, RunOutput, RunasHome, free_callback_uri, idp_defaults};

const ALL_LINKS: [&str; 8] = [
    "config",
    "detection",
    "discovery",
    "issuer",
    "jwks",
    "callback",
    "cache",
    "sts",
];

fn web_profile(callback: &str, role_arn: &str) -> String {
    format!(
        "[profile web]\nweb_identity_callback_uri = {callback}\nrole_arn = {role_arn}\n\
         region = us-east-1\n\n"
    )
}

/// The report line of link `name` (`✓ name …` or `✗ name …`) and its fix line, if any.
fn link<'a>(report: &'a RunOutput, name: &str) -> (&'a str, Option<&'a str>) {
    let lines: Vec<&str> = report.stdout.lines().collect();
    let index = lines
        .iter()
        .position(|line| line.split_whitespace().nth(1) == Some(name))
        .unwrap_or_else(|| panic!("no {name} link in:\n{}", report.stdout));
    let fix = lines
        .get(index + 1)
        .and_then(|line| line.trim_start().strip_prefix("fix: "));
    (lines[index], fix)
}

/// Asserts that exactly the links in `broken` are ✗ (each with a fix) and returns their fixes.
fn only_broken<'a>(report: &'a RunOutput, broken: &[&str]) -> Vec<&'a str> {
    let failed: Vec<&str> = report
        .stdout
        .lines()
        .filter(|line| line.starts_with('✗'))
        .filter_map(|line| line.split_whitespace().nth(1))
        .collect();
    assert_eq!(failed, broken, "{}", report.stdout);
    assert_eq!(
        report.status.success(),
        broken.is_empty(),
        "{}",
        report.stdout
    );
    broken
        .iter()
        .map(|name| {
            link(report, name)
                .1
                .unwrap_or_else(|| panic!("✗ {name} has no fix:\n{}", report.stdout))
        })
        .collect()
}

fn good_home(peers: &Peers) -> RunasHome {
    let role = peers.create_role("web", Duration::from_secs(3600));
    let home = RunasHome::new(peers);
    home.write_config(&(idp_defaults(peers) + &web_profile(&free_callback_uri(), &role)));
    home
}

#[test]
fn a_good_profile_is_all_ticks_and_exits_zero() {
    let peers = Peers::start(PeerOptions::default());
    let home = good_home(&peers);
    let report = home.run(&["doctor", "web"]);
    only_broken(&report, &[]);
    for name in ALL_LINKS {
        assert!(link(&report, name).0.starts_with('✓'), "{}", report.stdout);
    }
    assert!(
        link(&report, "config")
            .0
            .contains("aws-config:6 profile web"),
        "{}",
        report.stdout
    );
    assert!(
        link(&report, "issuer").0.contains(&peers.issuer()),
        "{}",
        report.stdout
    );
}

#[test]
fn an_issuer_that_discovery_spells_otherwise_is_the_issuer_link() {
    let peers = Peers::start(PeerOptions::default());
    let role = peers.create_role("web", Duration::from_secs(3600));
    let home = RunasHome::new(&peers);
    let localhost = peers.issuer().replace("127.0.0.1", "localhost");
    home.write_config(&format!(
        "[default]\nweb_identity_auth_url = {localhost}\nweb_identity_client_id = runas-cli\n\
         web_identity_provider = oidc\n\n{}",
        web_profile(&free_callback_uri(), &role)
    ));
    let report = home.run(&["doctor", "web"]);
    let fixes = only_broken(&report, &["issuer"]);
    assert!(
        fixes[0].contains(&format!("aws-config:2) to {}", peers.issuer())),
        "{}",
        report.stdout
    );
}

#[test]
fn an_idp_that_is_down_is_the_discovery_link() {
    let mut peers = Peers::start(PeerOptions::default());
    let home = good_home(&peers);
    peers.stop_idp();
    let report = home.run(&["doctor", "web"]);
    let fixes = only_broken(&report, &["discovery"]);
    assert!(
        fixes[0].contains("check that the IdP is up"),
        "{}",
        report.stdout
    );
    // The links after the IdP are still checked.
    assert!(link(&report, "sts").0.starts_with('✓'), "{}", report.stdout);
}

#[test]
fn an_empty_key_set_is_the_jwks_link() {
    let peers = Peers::start(PeerOptions::default());
    let home = good_home(&peers);
    let idp_port: u16 = peers
        .issuer()
        .rsplit(':')
        .next()
        .and_then(|port| port.parse().ok())
        .expect("the issuer has a port");
    let rotated =
        common::raw_http::post_json(idp_port, "/runas-peer/rotate-keys?publish=none", "{}")
            .expect("rotate the IdP's keys");
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let report = home.run(&["doctor", "web"]);
    let fixes = only_broken(&report, &["jwks"]);
    assert!(
        link(&report, "jwks").0.contains("has no signing key"),
        "{}",
        report.stdout
    );
    assert!(fixes[0].contains("signing key"), "{}", report.stdout);
}

#[test]
fn a_callback_port_held_by_another_process_is_the_callback_link_naming_it() {
    let peers = Peers::start(PeerOptions::default());
    let role = peers.create_role("web", Duration::from_secs(3600));
    let home = RunasHome::new(&peers);
    let holder = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let port = holder.local_addr().expect("bound address").port();
    let callback = format!("http://127.0.0.1:{port}/callback");
    home.write_config(&(idp_defaults(&peers) + &web_profile(&callback, &role)));
    let report = home.run(&["doctor", "web"]);
    let fixes = only_broken(&report, &["callback"]);
    let line = link(&report, "callback").0;
    assert!(line.contains(&format!("port {port} is taken")), "{line}");
    assert!(
        line.contains(&format!("by pid {}", std::process::id())),
        "{line}"
    );
    assert!(
        fixes[0].contains("web_identity_callback_uri"),
        "{}",
        report.stdout
    );
    drop(holder);
}

#[test]
fn an_sts_endpoint_nobody_answers_is_the_sts_link() {
    let peers = Peers::start(PeerOptions::default());
    let mut home = good_home(&peers);
    let endpoint = format!("http://127.0.0.1:{}", closed_port());
    home.set("AWS_ENDPOINT_URL_STS", &endpoint);
    let report = home.run(&["doctor", "web"]);
    let fixes = only_broken(&report, &["sts"]);
    assert!(
        link(&report, "sts").0.contains(&endpoint),
        "{}",
        report.stdout
    );
    assert!(
        fixes[0].contains("AWS_ENDPOINT_URL_STS"),
        "{}",
        report.stdout
    );
}

#[test]
fn a_role_trusting_another_audience_is_the_exchange_link_naming_both() {
    let peers = Peers::start(
        PeerOptions::default()
            .strict_sts()
            .aws_env("PEER_TRUST_POLICIES", "1"),
    );
    let home = RunasHome::new(&peers);
    let role = "arn:aws:iam::123456789012:role/runas-web";
    home.write_config(&format!(
        "{}{}[profile other-app]\nweb_identity_client_id = connect-content\nrole_arn = {role}\n",
        idp_defaults(&peers),
        web_profile(&free_callback_uri(), role)
    ));
    let template = home.path().join("web.yaml");
    std::fs::write(&template, home.run_ok(&["setup", "web"]).stdout).expect("write template");
    deploy(&home, &peers, "runas-web", &template);

    let good = home.run(&["doctor", "web", "--login"]);
    only_broken(&good, &[]);
    assert!(
        link(&good, "exchange")
            .0
            .contains("assumed-role/runas-web/"),
        "{}",
        good.stdout
    );

    // Someone gives the role the trust another app's profile needs.
    let other = home
        .run_ok(&["setup", "other-app", "--format", "json"])
        .json();
    let trust = home.path().join("other-trust.json");
    std::fs::write(&trust, other["roles"][0]["trust_policy"].to_string()).expect("write trust");
    aws(
        &home,
        &peers,
        &[
            "iam",
            "update-assume-role-policy",
            "--role-name",
            "runas-web",
            "--policy-document",
            &format!("file://{}", trust.display()),
        ],
    )
    .succeeded("update-assume-role-policy");

    let report = home.run(&["doctor", "web", "--login"]);
    let fixes = only_broken(&report, &["exchange"]);
    assert!(
        link(&report, "exchange").0.contains("AccessDenied"),
        "{}",
        report.stdout
    );
    assert!(
        fixes[0].contains(":aud = runas-cli, your client id"),
        "{}",
        report.stdout
    );
}
