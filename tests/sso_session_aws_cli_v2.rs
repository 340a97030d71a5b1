//! A token written by the AWS CLI v2's own `aws sso login` (Debian's 2.9.19, pointed at the
//! peer) is used by runas with no login of its own, and its client registration is reused.

#![cfg(unix)]

mod common;

use std::path::{Path, PathBuf};

use common::cli::{RUN_DEADLINE, read_json, run_to_end};
use common::sso_home::{identity_center, token_path};
use common::{Peers, RunasHome, count};

/// The AWS CLI v2 of the Debian package: the one with `aws sso login`.
const AWS_CLI_V2: &str = "/usr/bin/aws";

/// An `AWS_DATA_PATH` directory whose sso-oidc endpoint rules send every request to the peer:
/// AWS CLI 2.9 predates `AWS_ENDPOINT_URL`, but reads endpoint rule sets from this path first.
fn sso_oidc_rules_to(peers: &Peers, home: &RunasHome) -> PathBuf {
    common::identity_center::aws_data_path_to(peers, home, &[("sso-oidc", "2019-06-10")])
}

#[test]
fn a_token_from_aws_sso_login_is_used_by_runas_without_a_login() {
    if !Path::new(AWS_CLI_V2).exists() {
        eprintln!("skipped: {AWS_CLI_V2} (the awscli package, AWS CLI v2) is not installed");
        return;
    }
    let (peers, home) = identity_center();
    let data = sso_oidc_rules_to(&peers, &home);
    // `$BROWSER` (Python's webbrowser honours it) approves the code, as it does for runas.
    let mut login = home.program(AWS_CLI_V2, &["sso", "login", "--sso-session", "corp"]);
    login.env("AWS_DATA_PATH", &data);
    run_to_end(login, RUN_DEADLINE).succeeded("aws sso login --sso-session corp");
    let token = read_json(&token_path(&home));
    assert!(token["refreshToken"].is_string(), "{token}");
    let after_cli = peers.aws_stats();
    assert_eq!(count(&after_cli, "sso-oidc:RegisterClient"), 1);

    home.run_ok(&["credential-process", "corp"]);
    let after_runas = peers.aws_stats();
    assert_eq!(
        count(&after_runas, "sso-oidc:"),
        count(&after_cli, "sso-oidc:"),
        "no CreateToken or StartDeviceAuthorization: {after_cli:?} -> {after_runas:?}"
    );
    assert_eq!(count(&after_runas, "sso:GetRoleCredentials"), 1);

    // A forced runas login finds the AWS CLI's client registration under botocore's file
    // name: no second RegisterClient.
    home.run_ok(&["login", "corp", "--force"]);
    let after_force = peers.aws_stats();
    assert_eq!(
        count(&after_force, "sso-oidc:RegisterClient"),
        1,
        "{after_force:?}"
    );
    assert_eq!(
        count(&after_force, "sso-oidc:StartDeviceAuthorization"),
        count(&after_runas, "sso-oidc:StartDeviceAuthorization") + 1
    );
}
