//! Role chains whose root is not a runas login, end to end against the AWS peer: long-term
//! keys of a moto IAM user written in the credentials file, and a `credential_process` that
//! prints such keys. Each chained profile's credentials must satisfy the AWS CLI v2
//! (`aws sts get-caller-identity` through `credential_process = runas credential-process P`),
//! and a `credential_process` that runs runas for the same profile again must stop at once.

#![cfg(unix)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::cli::{RUN_DEADLINE, run_to_end, runas_binary, write_executable};
use common::{PeerOptions, Peers, RunasHome, count};
use serde_json::Value;

const AWS_CLI: &str = "/usr/bin/aws";

/// The AWS CLI's caller identity for `profile` of `home`'s config, through the peer.
fn caller_identity(peers: &Peers, home: &RunasHome, profile: &str) -> Value {
    let endpoint = peers.aws_endpoint();
    let mut aws_cli = home.program(
        AWS_CLI,
        &["sts", "get-caller-identity", "--profile", profile],
    );
    aws_cli.args(["--endpoint-url", &endpoint, "--output", "json"]);
    run_to_end(aws_cli, RUN_DEADLINE)
        .succeeded("aws sts get-caller-identity")
        .json()
}

fn aws_cli_present() -> bool {
    let present = Path::new(AWS_CLI).exists();
    if !present {
        eprintln!("note: {AWS_CLI} is not installed (Debian package awscli); skipping");
    }
    present
}

fn assume_role_calls(peers: &Peers) -> u64 {
    count(&peers.aws_stats(), "sts:AssumeRole") - count(&peers.aws_stats(), "sts:AssumeRoleWith")
}

#[test]
fn a_role_rooted_in_static_keys_of_the_credentials_file_satisfies_the_aws_cli() {
    if !aws_cli_present() {
        return;
    }
    let peers = Peers::start(PeerOptions::default());
    let role = peers.create_role("deploy-from-keys", Duration::from_secs(3600));
    let (key_id, secret) = peers.create_access_key("ci");
    let mut home = RunasHome::new(&peers);
    home.set("AWS_PAGER", "");
    let credentials = home.path().join("aws-credentials");
    std::fs::write(
        &credentials,
        format!("[ci]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n"),
    )
    .unwrap();
    home.set(
        "AWS_SHARED_CREDENTIALS_FILE",
        &credentials.display().to_string(),
    );
    home.write_config(&format!(
        "[profile deploy]\nrole_arn = {role}\nsource_profile = ci\nregion = us-east-1\n\n\
         [profile via-runas]\ncredential_process = {} credential-process deploy\nregion = us-east-1\n",
        runas_binary()
    ));

    let listed = home.run_ok(&["list", "--json"]).json();
    let deploy = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["name"] == "deploy")
        .unwrap()
        .clone();
    assert_eq!(deploy["root_kind"], "static", "{deploy}");
    assert_eq!(deploy["chain"], serde_json::json!(["deploy", "ci"]));

    let before = assume_role_calls(&peers);
    let identity = caller_identity(&peers, &home, "via-runas");
    let arn = identity["Arn"].as_str().unwrap_or_default();
    assert!(
        arn.starts_with("arn:aws:sts::123456789012:assumed-role/deploy-from-keys/"),
        "{identity}"
    );
    assert_eq!(assume_role_calls(&peers), before + 1);
    let status = home.run_ok(&["status", "--json"]);
    assert!(
        !status.stdout.contains(&secret),
        "the long-term secret reached status"
    );
}

#[test]
fn a_role_rooted_in_a_credential_process_satisfies_the_aws_cli() {
    if !aws_cli_present() {
        return;
    }
    let peers = Peers::start(PeerOptions::default());
    let role = peers.create_role("deploy-from-process", Duration::from_secs(3600));
    let (key_id, secret) = peers.create_access_key("builder");
    let mut home = RunasHome::new(&peers);
    home.set("AWS_PAGER", "");
    // A path with a space and a quoted argument: split as the AWS CLI splits, no shell.
    let script = home.path().join("print keys.sh");
    write_executable(
        &script,
        &format!(
            "#!/bin/sh\necho \"printing keys for $2\" >&2\n\
             printf '{{\"Version\": 1, \"AccessKeyId\": \"%s\", \"SecretAccessKey\": \"%s\"}}' \
             '{key_id}' '{secret}'\n"
        ),
    );
    home.write_config(&format!(
        "[profile keys]\ncredential_process = \"{}\" --user \"build bot\"\n\n\
         [profile deploy]\nrole_arn = {role}\nsource_profile = keys\nregion = us-east-1\n\n\
         [profile via-runas]\ncredential_process = {} credential-process deploy\nregion = us-east-1\n",
        script.display(),
        runas_binary()
    ));

    let identity = caller_identity(&peers, &home, "via-runas");
    assert!(
        identity["Arn"]
            .as_str()
            .unwrap_or_default()
            .starts_with("arn:aws:sts::123456789012:assumed-role/deploy-from-process/"),
        "{identity}"
    );
    // The process's stderr reaches the person; its stdout (the keys) does not.
    let forced = home.run_ok(&["login", "deploy", "--force"]);
    assert!(
        forced.stderr.contains("printing keys for build bot"),
        "{}",
        forced.stderr
    );
    assert!(!forced.stderr.contains(&secret));
}

#[test]
fn a_credential_process_that_runs_runas_for_the_same_profile_stops_at_once() {
    let peers = Peers::start(PeerOptions::default());
    let role = peers.create_role("loop", Duration::from_secs(3600));
    let home = RunasHome::new(&peers);
    home.write_config(&format!(
        "[profile loop]\nrole_arn = {role}\nsource_profile = loop-root\nregion = us-east-1\n\n\
         [profile loop-root]\ncredential_process = {} credential-process loop\n",
        runas_binary()
    ));
    let failed = home
        .run(&["credential-process", "loop"])
        .failed("a looping chain");
    assert!(
        failed.stderr.contains("would loop forever"),
        "{}",
        failed.stderr
    );
    assert!(
        failed.stderr.contains("profile loop-root"),
        "{}",
        failed.stderr
    );
    assert!(failed.stderr.contains("exit status"), "{}", failed.stderr);
}
