//! `runas sso populate` through the real binary against the AWS peer's portal: the printed
//! sections, `--write` leaving the rest of a config with comments and odd spacing byte for
//! byte and changing nothing the second time, `--prune` after an assignment is removed at the
//! peer, two sso-sessions with the same account names, and the AWS CLI v2 using a populated
//! profile against the peer.

#![cfg(unix)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::cli::{RUN_DEADLINE, run_to_end};
use common::identity_center::aws_data_path_to;
use common::peers::{SSO_REGION, SSO_START_URL};
use common::{ACCOUNT_ID, PeerOptions, Peers, RunasHome};

const OTHER: &str = "210987654321";

/// What the person wrote: comments, odd spacing, no trailing newline; and a profile of their
/// own for prod's Admin, which populate must leave to them.
fn hand_written() -> String {
    format!(
        "# my config\n[sso-session corp]\nsso_start_url={SSO_START_URL}\nsso_region =   {SSO_REGION}   \n\
         sso_registration_scopes = sso:account:access\n\n\
         [profile  mine ]\nsso_session = corp\nsso_account_id = {ACCOUNT_ID}\nsso_role_name = Admin\n\n\
         ; trailing comment\n[profile plain]\nregion=eu-west-1 ; inline"
    )
}

fn setup() -> (Peers, RunasHome) {
    let peers = Peers::start(
        PeerOptions::default()
            .account_assignment(ACCOUNT_ID, "Admin")
            .account_assignment(ACCOUNT_ID, "ReadOnly")
            .account_assignment(OTHER, "Admin")
            .account_name(ACCOUNT_ID, "prod")
            .account_name(OTHER, "My Dev (sandbox)"),
    );
    let mut home = RunasHome::new(&peers);
    home.set("AWS_ENDPOINT_URL", &peers.aws_endpoint());
    let follow = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/follow.sh");
    home.set("BROWSER", &follow.display().to_string());
    home.write_config(&hand_written());
    (peers, home)
}

fn config_text(home: &RunasHome) -> String {
    std::fs::read_to_string(home.config_path()).expect("the config")
}

#[test]
fn populate_prints_the_roles_the_config_lacks_and_needs_a_login() {
    let (_peers, home) = setup();
    let refused = home
        .run(&["sso", "populate"])
        .failed("populate without a login");
    assert!(
        refused.stderr.contains("runas login corp"),
        "{}",
        refused.stderr
    );
    assert_eq!(config_text(&home), hand_written());

    home.run_ok(&["login", "corp"]);
    let printed = home
        .run_ok(&["sso", "populate", "--region", "eu-central-1"])
        .stdout;
    assert!(
        printed.contains(&format!(
            "[profile prod.ReadOnly]\nsso_session = corp\nsso_account_id = {ACCOUNT_ID}\n\
             sso_role_name = ReadOnly\nregion = eu-central-1\n"
        )),
        "{printed}"
    );
    assert!(
        printed.contains("[profile My-Dev-sandbox-.Admin]"),
        "{printed}"
    );
    assert!(
        !printed.contains("prod.Admin"),
        "mine stands for it: {printed}"
    );
    assert_eq!(
        config_text(&home),
        hand_written(),
        "printing writes nothing"
    );
}

#[test]
fn write_keeps_the_rest_byte_for_byte_is_idempotent_and_prune_drops_only_gone_roles() {
    let (peers, home) = setup();
    home.run_ok(&["login", "corp"]);
    let path = home.config_path();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    home.run_ok(&["sso", "populate", "--write"]);
    let once = config_text(&home);
    assert!(once.starts_with(&hand_written()), "{once}");
    assert!(once.contains("# BEGIN runas sso populate"), "{once}");
    assert!(once.contains("[profile prod.ReadOnly]"), "{once}");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o640, "the file's mode is kept");
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let backup = path.with_file_name(format!("{name}.runas-backup"));
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), hand_written());

    let again = home.run_ok(&["sso", "populate", "--write"]);
    assert!(again.stderr.contains("up to date"), "{}", again.stderr);
    assert_eq!(config_text(&home), once, "a second --write changes nothing");

    // The administrator takes ReadOnly away; --write alone keeps it, --prune removes it.
    peers.unassign(ACCOUNT_ID, "ReadOnly");
    home.run_ok(&["sso", "list", "--refresh"]);
    home.run_ok(&["sso", "populate", "--write"]);
    assert_eq!(config_text(&home), once);
    home.run_ok(&["sso", "populate", "--write", "--prune"]);
    let pruned = config_text(&home);
    assert!(!pruned.contains("prod.ReadOnly"), "{pruned}");
    assert!(
        pruned.contains("[profile My-Dev-sandbox-.Admin]"),
        "{pruned}"
    );
    assert!(pruned.starts_with(&hand_written()), "{pruned}");
    assert!(
        pruned.contains("[profile  mine ]"),
        "the person's own profile stays"
    );
}

#[test]
fn two_sessions_with_the_same_account_names_get_distinct_profiles() {
    let (_peers, home) = setup();
    let second = format!(
        "\n\n[sso-session corp2]\nsso_start_url = {SSO_START_URL}\nsso_region = {SSO_REGION}\n"
    );
    home.write_config(&format!("{}{second}", hand_written()));
    home.run_ok(&["login", "corp"]);
    home.run_ok(&["login", "corp2"]);
    home.run_ok(&["sso", "populate", "--write"]);
    let text = config_text(&home);
    assert!(text.contains("[profile prod.ReadOnly]"), "{text}");
    assert!(
        text.contains(&format!("[profile prod.ReadOnly-{ACCOUNT_ID}]")),
        "{text}"
    );
    assert!(
        text.contains("[profile prod.Admin]\nsso_session = corp2"),
        "{text}"
    );
    let listed = home.run_ok(&["list", "--json"]).json();
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "{names:?}");
}

#[test]
fn the_aws_cli_uses_a_populated_profile_against_the_peer() {
    const AWS_CLI_V2: &str = "/usr/bin/aws";
    if !Path::new(AWS_CLI_V2).exists() {
        eprintln!("skipped: {AWS_CLI_V2} (the awscli package, AWS CLI v2) is not installed");
        return;
    }
    let (peers, home) = setup();
    home.run_ok(&["login", "corp"]);
    home.run_ok(&["sso", "populate", "--write", "--region", "us-east-1"]);
    // AWS CLI 2.9 predates AWS_ENDPOINT_URL: the portal is redirected through its data path,
    // STS with --endpoint-url.
    let data = aws_data_path_to(&peers, &home, &[("sso", "2019-06-10")]);
    let endpoint = peers.aws_endpoint();
    let mut cli = home.program(
        AWS_CLI_V2,
        &[
            "sts",
            "get-caller-identity",
            "--profile",
            "prod.ReadOnly",
            "--endpoint-url",
            &endpoint,
        ],
    );
    cli.env("AWS_DATA_PATH", &data);
    let caller = run_to_end(cli, RUN_DEADLINE).succeeded("aws sts get-caller-identity");
    let arn = caller.json()["Arn"].as_str().unwrap_or_default().to_owned();
    assert!(
        arn.contains(&format!("{ACCOUNT_ID}:assumed-role/ReadOnly/")),
        "{}",
        caller.stdout
    );
}
