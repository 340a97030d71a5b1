//! IAM Identity Center `sso-session` profiles, run as the real binary against the AWS peer's
//! Identity Center (sso-oidc and the portal): the device login approved by a `$BROWSER` that
//! opens the verification URL, the role's credentials reaching STS, the token shared with the
//! real AWS CLI through `$HOME/.aws/sso/cache` in both directions, the refresh-token grant
//! instead of a new login, and a clear refusal for a role the user has no assignment for.

#![cfg(unix)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::cli::{RUN_DEADLINE, read_json, run_to_end};
use common::peers::{SSO_REGION, SSO_START_URL, aws_cli_v1};
use common::tmux::{TMUX, Tmux};
use common::{ACCOUNT_ID, PeerOptions, Peers, RunOutput, RunasHome, count};
use serde_json::Value;

const ROLE: &str = "Admin";
/// `printf %s corp | sha1sum`: the AWS CLI's token file of sso-session "corp".
const CORP_TOKEN_FILE: &str = "ee0bfd2552fbd840c02cc48b6e823320543c450f.json";

/// Peers with Identity Center on and alice assigned `ROLE` in the account, and a home whose
/// config has sso-session `corp` with profile `corp` (that role) and `nope` (a role alice has
/// no assignment for). Every AWS service is reached at the one peer port, and `$BROWSER`
/// approves the device code by opening the verification URL.
fn identity_center() -> (Peers, RunasHome) {
    let peers = Peers::start(
        PeerOptions::default()
            .identity_center()
            .account_assignment(ACCOUNT_ID, ROLE),
    );
    let mut home = RunasHome::new(&peers);
    home.set("AWS_ENDPOINT_URL", &peers.aws_endpoint());
    let follow = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/follow.sh");
    home.set("BROWSER", &follow.display().to_string());
    home.write_config(&format!(
        "[sso-session corp]\nsso_start_url = {SSO_START_URL}\nsso_region = {SSO_REGION}\n\
         sso_registration_scopes = sso:account:access\n\n\
         [profile corp]\nsso_session = corp\nsso_account_id = {ACCOUNT_ID}\n\
         sso_role_name = {ROLE}\nregion = us-east-1\n\n\
         [profile nope]\nsso_session = corp\nsso_account_id = {ACCOUNT_ID}\n\
         sso_role_name = NotAssigned\nregion = us-east-1\n"
    ));
    (peers, home)
}

fn token_path(home: &RunasHome) -> PathBuf {
    home.path().join(".aws/sso/cache").join(CORP_TOKEN_FILE)
}

/// The real AWS CLI v1 in the same clean environment as runas, reading the test config.
fn aws_cli(home: &RunasHome, args: &[&str]) -> RunOutput {
    let command: Command = home.program(installed_aws_cli_v1(), args);
    run_to_end(command, RUN_DEADLINE)
}

fn installed_aws_cli_v1() -> PathBuf {
    let cli = aws_cli_v1();
    assert!(
        cli.exists(),
        "the AWS CLI v1 is not installed at {}: run tests/peers/install.sh",
        cli.display()
    );
    cli
}

fn caller_arn(output: &RunOutput) -> String {
    output.json()["Arn"]
        .as_str()
        .unwrap_or_else(|| panic!("no Arn in {}", output.stdout))
        .to_owned()
}

/// Rewrites the cached token's `expiresAt` into the past, as if it had aged.
fn expire_token(home: &RunasHome) -> Value {
    let path = token_path(home);
    let mut token = read_json(&path);
    token["expiresAt"] = Value::from("2020-01-01T00:00:00Z");
    std::fs::write(&path, token.to_string()).expect("rewrite the token file");
    token
}

#[test]
fn a_device_login_gives_the_role_and_the_aws_cli_reuses_the_token() {
    let (peers, home) = identity_center();
    let login = home.run_ok(&["login", "corp"]);
    assert!(
        login.stderr.contains("enter the code"),
        "the device code is shown: {}",
        login.stderr
    );
    let stats = peers.aws_stats();
    assert_eq!(count(&stats, "sso-oidc:RegisterClient"), 1, "{stats:?}");
    assert_eq!(
        count(&stats, "sso-oidc:StartDeviceAuthorization"),
        1,
        "{stats:?}"
    );
    assert_eq!(count(&stats, "sso:GetRoleCredentials"), 1, "{stats:?}");

    // The credentials are the role's: STS says so.
    let identity = home.program(
        common::cli::runas_binary(),
        &["exec", "corp", "--", "/usr/bin/env"],
    );
    let env = run_to_end(identity, RUN_DEADLINE).succeeded("runas exec corp -- env");
    assert!(env.stdout.contains("AWS_SESSION_TOKEN="), "{}", env.stdout);
    let mut with_credentials =
        home.program(installed_aws_cli_v1(), &["sts", "get-caller-identity"]);
    let creds = home.run_ok(&["credential-process", "corp"]).json();
    with_credentials
        .env("AWS_ACCESS_KEY_ID", creds["AccessKeyId"].as_str().unwrap())
        .env(
            "AWS_SECRET_ACCESS_KEY",
            creds["SecretAccessKey"].as_str().unwrap(),
        )
        .env("AWS_SESSION_TOKEN", creds["SessionToken"].as_str().unwrap())
        .env("AWS_DEFAULT_REGION", "us-east-1");
    let caller =
        run_to_end(with_credentials, RUN_DEADLINE).succeeded("aws sts get-caller-identity");
    assert!(
        caller_arn(&caller).contains(&format!(":assumed-role/{ROLE}/")),
        "{}",
        caller.stdout
    );

    // The token file is the AWS CLI's, private, and carries what a refresh needs.
    let path = token_path(&home);
    let mode = std::fs::metadata(&path)
        .expect("the token file")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let token = read_json(&path);
    for field in [
        "startUrl",
        "region",
        "accessToken",
        "expiresAt",
        "clientId",
        "clientSecret",
        "registrationExpiresAt",
        "refreshToken",
    ] {
        assert!(token[field].is_string(), "{field} in {token}");
    }
    assert_eq!(token["startUrl"], SSO_START_URL);
    let expires_at = token["expiresAt"].as_str().unwrap();
    assert!(
        expires_at.len() == 20 && expires_at.ends_with('Z'),
        "YYYY-MM-DDTHH:MM:SSZ: {expires_at}"
    );

    // The AWS CLI reads that token as its own login: no new token from sso-oidc.
    let before = peers.aws_stats();
    let cli = aws_cli(&home, &["sts", "get-caller-identity", "--profile", "corp"])
        .succeeded("aws sts get-caller-identity --profile corp");
    assert!(caller_arn(&cli).contains(&format!(":assumed-role/{ROLE}/")));
    let after = peers.aws_stats();
    assert_eq!(
        count(&after, "sso-oidc:"),
        count(&before, "sso-oidc:"),
        "no CreateToken, no login: {before:?} -> {after:?}"
    );
    assert_eq!(
        count(&after, "sso:GetRoleCredentials"),
        count(&before, "sso:GetRoleCredentials") + 1,
        "{before:?} -> {after:?}"
    );
}

#[test]
fn a_token_the_aws_cli_refreshed_is_used_by_runas_without_a_login() {
    let (peers, home) = identity_center();
    home.run_ok(&["login", "corp"]);
    let aged = expire_token(&home);
    // The AWS CLI renews the aged token with its refresh token and writes the file itself.
    let before_cli = peers.aws_stats();
    aws_cli(&home, &["sts", "get-caller-identity", "--profile", "corp"])
        .succeeded("aws sts get-caller-identity --profile corp");
    let after_cli = peers.aws_stats();
    assert_eq!(
        count(&after_cli, "sso-oidc:CreateToken"),
        count(&before_cli, "sso-oidc:CreateToken") + 1,
        "the AWS CLI refreshed: {before_cli:?} -> {after_cli:?}"
    );
    let written = read_json(&token_path(&home));
    assert_ne!(written["accessToken"], aged["accessToken"], "{written}");
    assert_ne!(written["expiresAt"], aged["expiresAt"], "{written}");

    // runas forgets its own credentials but finds the AWS CLI's token: no sso-oidc call.
    home.run_ok(&["logout", "corp"]);
    home.run_ok(&["credential-process", "corp"]);
    let after_runas = peers.aws_stats();
    assert_eq!(
        count(&after_runas, "sso-oidc:"),
        count(&after_cli, "sso-oidc:"),
        "no CreateToken, StartDeviceAuthorization or RegisterClient: {after_cli:?} -> {after_runas:?}"
    );
    assert_eq!(
        count(&after_runas, "sso:GetRoleCredentials"),
        count(&after_cli, "sso:GetRoleCredentials") + 1
    );
}

#[test]
fn an_expired_token_is_refreshed_not_logged_in_again() {
    let (peers, home) = identity_center();
    home.run_ok(&["login", "corp"]);
    let aged = expire_token(&home);
    let logout = home.run_ok(&["logout", "corp"]);
    assert!(
        logout.stderr.contains("is kept") && logout.stderr.contains("--sso-token"),
        "{}",
        logout.stderr
    );
    let before = peers.aws_stats();
    home.run_ok(&["credential-process", "corp"]);
    let after = peers.aws_stats();
    assert_eq!(
        count(&after, "sso-oidc:CreateToken"),
        count(&before, "sso-oidc:CreateToken") + 1,
        "one refresh grant: {before:?} -> {after:?}"
    );
    for action in [
        "sso-oidc:StartDeviceAuthorization",
        "sso-oidc:RegisterClient",
    ] {
        assert_eq!(count(&after, action), count(&before, action), "{action}");
    }
    let renewed = read_json(&token_path(&home));
    assert_ne!(renewed["accessToken"], aged["accessToken"]);
    assert_ne!(renewed["expiresAt"], aged["expiresAt"]);
    assert_eq!(
        renewed["clientId"], aged["clientId"],
        "the registration is kept"
    );

    // `--sso-token` removes the shared token; the next run needs a login again.
    home.run_ok(&["logout", "corp", "--sso-token"]);
    assert!(!token_path(&home).exists());
}

#[test]
fn a_role_without_an_assignment_is_refused_with_the_reason() {
    let (_peers, home) = identity_center();
    let refused = home.run(&["login", "nope"]).failed("runas login nope");
    assert!(
        refused.stderr.contains("ForbiddenException"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains(&format!(
            "no assignment for role NotAssigned in account {ACCOUNT_ID}"
        )),
        "{}",
        refused.stderr
    );
    // The login itself succeeded and is kept for the session's other profiles.
    assert!(token_path(&home).exists());
    let status = home.status();
    assert!(
        status["corp"]["sso_token_expires_at"].is_string(),
        "{status:?}"
    );
}

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

#[test]
fn a_legacy_profile_shares_its_token_by_start_url() {
    let (peers, home) = identity_center();
    let config = std::fs::read_to_string(home.config_path()).expect("the config");
    home.write_config(&format!(
        "{config}\n[profile legacy]\nsso_start_url = {SSO_START_URL}\nsso_region = {SSO_REGION}\n\
         sso_account_id = {ACCOUNT_ID}\nsso_role_name = {ROLE}\nregion = us-east-1\n"
    ));
    home.run_ok(&["login", "legacy"]);
    // `printf %s https://d-9067c0ffee.awsapps.com/start | sha1sum`
    let path = home
        .path()
        .join(".aws/sso/cache/024cf46d984fbdda53a05b87cb61ab6d0e12d5f8.json");
    let token = read_json(&path);
    assert_eq!(token["startUrl"], SSO_START_URL);
    assert!(token["accessToken"].is_string(), "{token}");
    assert!(
        token.get("refreshToken").is_none() && token.get("clientSecret").is_none(),
        "legacy tokens carry no registration, as with the AWS CLI: {token}"
    );
    let before = peers.aws_stats();
    let cli = aws_cli(
        &home,
        &["sts", "get-caller-identity", "--profile", "legacy"],
    )
    .succeeded("aws sts get-caller-identity --profile legacy");
    assert!(caller_arn(&cli).contains(&format!(":assumed-role/{ROLE}/")));
    assert_eq!(
        count(&peers.aws_stats(), "sso-oidc:"),
        count(&before, "sso-oidc:")
    );
}

#[test]
fn a_revoked_token_leads_to_one_new_login() {
    let (peers, home) = identity_center();
    home.run_ok(&["login", "corp"]);
    // Sign out in the portal (what `aws sso logout` does): the cached token stops working.
    let token = read_json(&token_path(&home));
    let port: u16 = peers
        .aws_endpoint()
        .rsplit(':')
        .next()
        .and_then(|port| port.parse().ok())
        .expect("the peer's port");
    let access_token = token["accessToken"].as_str().expect("an access token");
    let logout = common::raw_http::post_form(
        port,
        "/logout",
        &[("x-amz-sso_bearer_token", access_token)],
        &[],
    )
    .expect("portal Logout");
    assert!(
        logout.status < 300,
        "Logout: {} {}",
        logout.status,
        logout.body
    );
    home.run_ok(&["logout", "corp"]);

    let before = peers.aws_stats();
    home.run_ok(&["credential-process", "corp"]);
    let after = peers.aws_stats();
    assert_eq!(
        count(&after, "sso-oidc:StartDeviceAuthorization"),
        count(&before, "sso-oidc:StartDeviceAuthorization") + 1,
        "{before:?} -> {after:?}"
    );
    assert_eq!(
        count(&after, "sso:GetRoleCredentials"),
        count(&before, "sso:GetRoleCredentials") + 2,
        "refused once, then granted: {before:?} -> {after:?}"
    );
    assert_ne!(
        read_json(&token_path(&home))["accessToken"],
        token["accessToken"]
    );
}

#[test]
fn parallel_callers_of_one_sso_session_share_one_login() {
    let (peers, home) = identity_center();
    let config = std::fs::read_to_string(home.config_path()).expect("the config");
    let more: String = (1..=4)
        .map(|n| {
            format!(
                "\n[profile corp{n}]\nsso_session = corp\nsso_account_id = {ACCOUNT_ID}\n\
                 sso_role_name = {ROLE}\nregion = us-east-1\n"
            )
        })
        .collect();
    home.write_config(&format!("{config}{more}"));
    let runs: Vec<common::Running> = (1..=4)
        .map(|n| common::Running::spawn(home.command(&["credential-process", &format!("corp{n}")])))
        .collect();
    for run in runs {
        run.finish(RUN_DEADLINE)
            .succeeded("runas credential-process corpN");
    }
    let stats = peers.aws_stats();
    assert_eq!(count(&stats, "sso-oidc:RegisterClient"), 1, "{stats:?}");
    assert_eq!(
        count(&stats, "sso-oidc:StartDeviceAuthorization"),
        1,
        "{stats:?}"
    );
    assert_eq!(count(&stats, "sso:GetRoleCredentials"), 4, "{stats:?}");
}

/// The TUI in tmux: the sso row shows its badge, account and role; Enter runs the device login
/// (approved by `$BROWSER`) and the row gets a countdown.
#[test]
fn the_tui_logs_an_sso_profile_in_with_enter() {
    if !Path::new(TMUX).exists() {
        eprintln!("skipped: {TMUX} is not installed");
        return;
    }
    let (peers, home) = identity_center();
    let script = home.path().join("tui.sh");
    let follow = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/follow.sh");
    std::fs::write(
        &script,
        format!(
            "export HOME='{home}' AWS_CONFIG_FILE='{config}' RUNAS_CACHE_DIR='{home}/runas-cache' \
             AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_ENDPOINT_URL='{endpoint}' \
             AWS_EC2_METADATA_DISABLED=true BROWSER='{browser}' NO_COLOR=1 TERM=xterm-256color\n\
             '{binary}' 2> '{home}/tui.err'\n",
            home = home.path().display(),
            config = home.config_path().display(),
            endpoint = peers.aws_endpoint(),
            browser = follow.display(),
            binary = common::cli::runas_binary(),
        ),
    )
    .expect("write the TUI script");
    let tmux = Tmux::start_sized(home.path(), &script, 120, 30);
    let corp_line = |screen: &str| {
        // The list pane is the first bordered cell of a line.
        screen
            .lines()
            .filter_map(|line| line.split('│').nth(1))
            .find(|cell| cell.contains(" corp ") && cell.contains(" sso "))
            .map(str::to_owned)
    };
    let wait = |what: &str, check: &dyn Fn(&str) -> bool| {
        tmux.wait_screen(what, RUN_DEADLINE, check, String::new)
    };
    let listed = wait("the corp row, never logged in", &|s| {
        corp_line(s).is_some_and(|line| line.contains("never logged in"))
    });
    assert!(
        corp_line(&listed).is_some_and(|line| line.contains(ACCOUNT_ID)),
        "{listed}"
    );
    // The rows sort by name: corp comes before nope; select it explicitly.
    tmux.keys(&["g"]);
    tmux.keys(&["Enter"]);
    let logged_in = wait("a countdown on the corp row", &|s| {
        // "59m 58s" or "7h 59m": two number-unit words in a row.
        corp_line(s).is_some_and(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            words.windows(2).any(|pair| {
                let number_with = |word: &str, units: &[char]| {
                    word.strip_suffix(units)
                        .is_some_and(|n| n.parse::<u32>().is_ok())
                };
                number_with(pair[0], &['h', 'm']) && number_with(pair[1], &['m', 's'])
            })
        })
    });
    tmux.keys(&["q"]);
    drop(tmux);
    assert!(token_path(&home).exists(), "{logged_in}");
    let stats = peers.aws_stats();
    assert_eq!(
        count(&stats, "sso-oidc:StartDeviceAuthorization"),
        1,
        "{stats:?}"
    );
}
