//! IAM Identity Center discovery through the real binary against the AWS peer's portal:
//! `runas login SESSION`, `runas sso list` (pages at the portal's page sizes, the cache and
//! `--refresh`, throttling retried, no discovery without a login) and discovered roles
//! addressed as `SESSION/ACCOUNT/ROLE` by `credential-process` and `exec`.

#![cfg(unix)]

mod common;

use std::path::Path;

use common::cli::{RUN_DEADLINE, count};
use common::peers::{SSO_REGION, SSO_START_URL};
use common::tmux::{TMUX, Tmux};
use common::{ACCOUNT_ID, PeerOptions, Peers, RunasHome};
use serde_json::Value;

const ROLE: &str = "Admin";

/// A home whose config has sso-session `corp` and no profile of that name, reaching every
/// service at the one peer port, with a `$BROWSER` that approves the device code.
fn home_for(peers: &Peers, profiles: &str) -> RunasHome {
    let mut home = RunasHome::new(peers);
    home.set("AWS_ENDPOINT_URL", &peers.aws_endpoint());
    let follow = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/follow.sh");
    home.set("BROWSER", &follow.display().to_string());
    home.write_config(&format!(
        "[sso-session corp]\nsso_start_url = {SSO_START_URL}\nsso_region = {SSO_REGION}\n\
         sso_registration_scopes = sso:account:access\n\n{profiles}"
    ));
    home
}

fn roles_of(listed: &Value) -> usize {
    listed[0]["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .map(|account| account["roles"].as_array().expect("roles").len())
        .sum()
}

#[test]
fn every_page_of_accounts_and_roles_is_listed_once_then_served_from_the_cache() {
    let peers = Peers::start(
        PeerOptions::default()
            .seed_accounts(250, &["Admin", "Billing", "ReadOnly"])
            .account_assignment(ACCOUNT_ID, ROLE)
            .account_name(ACCOUNT_ID, "prod"),
    );
    let home = home_for(
        &peers,
        &format!(
            "[profile prod-admin]\nsso_session = corp\nsso_account_id = {ACCOUNT_ID}\n\
             sso_role_name = {ROLE}\n"
        ),
    );
    let login = home.run_ok(&["login", "corp"]);
    assert!(
        login.stderr.contains("sso-session corp"),
        "{}",
        login.stderr
    );
    let before = peers.aws_stats();
    assert_eq!(
        count(&before, "sso:"),
        0,
        "a session login lists nothing: {before:?}"
    );

    let listed = home.run_ok(&["sso", "list", "corp", "--json"]).json();
    let accounts = listed[0]["accounts"].as_array().expect("accounts");
    assert_eq!(accounts.len(), 251, "{}", listed[0]);
    assert_eq!(roles_of(&listed), 751);
    let stats = peers.aws_stats();
    // 251 accounts at 100 a page: three pages; one role page per account.
    assert_eq!(count(&stats, "sso:ListAccounts"), 3, "{stats:?}");
    assert_eq!(count(&stats, "sso:ListAccountRoles"), 251, "{stats:?}");
    let prod = accounts
        .iter()
        .find(|account| account["id"] == ACCOUNT_ID)
        .expect("the named account");
    assert_eq!(prod["name"], "prod");
    assert_eq!(prod["roles"][0]["profile"], "prod-admin", "{prod}");
    assert_eq!(
        prod["roles"][0]["address"],
        format!("corp/{ACCOUNT_ID}/{ROLE}")
    );
    assert!(
        !listed.to_string().contains("accessToken"),
        "no secrets in the list"
    );

    // Cached: no portal call; the text form names the addresses.
    let text = home.run_ok(&["sso", "list"]);
    assert!(
        text.stdout
            .contains("sso-session corp: 251 accounts, 751 roles"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("corp/100000000007/Billing"),
        "{}",
        text.stdout
    );
    assert_eq!(
        count(&peers.aws_stats(), "sso:List"),
        count(&stats, "sso:List")
    );
    // --refresh asks again.
    home.run_ok(&["sso", "list", "--refresh", "--json"]);
    assert_eq!(
        count(&peers.aws_stats(), "sso:ListAccounts"),
        6,
        "{:?}",
        peers.aws_stats()
    );
}

#[test]
fn a_throttled_portal_is_asked_again_after_a_pause() {
    let peers = Peers::start(PeerOptions::default().seed_accounts(3, &["Admin"]));
    let home = home_for(&peers, "");
    home.run_ok(&["login", "corp"]);
    peers.inject_aws_faults(
        "sso:ListAccounts",
        &[
            (429, "TooManyRequestsException"),
            (429, "TooManyRequestsException"),
        ],
    );
    peers.inject_aws_faults("sso:ListAccountRoles", &[(429, "TooManyRequestsException")]);
    let listed = home.run_ok(&["sso", "list", "--json"]).json();
    assert_eq!(listed[0]["accounts"].as_array().unwrap().len(), 3);
    let stats = peers.aws_stats();
    assert_eq!(count(&stats, "sso:ListAccounts"), 3, "{stats:?}");
    assert_eq!(count(&stats, "sso:ListAccountRoles"), 4, "{stats:?}");
}

#[test]
fn without_a_login_discovery_names_the_command_and_writes_nothing() {
    let peers = Peers::start(PeerOptions::default().seed_accounts(3, &["Admin"]));
    let home = home_for(&peers, "");
    let refused = home
        .run(&["sso", "list", "corp"])
        .failed("sso list without a login");
    assert!(
        refused.stderr.contains("sso-session corp") && refused.stderr.contains("runas login corp"),
        "{}",
        refused.stderr
    );
    assert!(refused.stdout.is_empty(), "{}", refused.stdout);
    assert!(!home.cache_dir().join("sso-discovery").exists());
    assert_eq!(
        count(&peers.aws_stats(), "sso"),
        0,
        "{:?}",
        peers.aws_stats()
    );
    let unknown = home
        .run(&["sso", "list", "nope"])
        .failed("an unknown sso-session");
    assert!(
        unknown.stderr.contains("sso-sessions: corp"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn a_discovered_role_is_addressed_by_account_id_or_name_and_a_clash_names_the_ids() {
    let peers = Peers::start(
        PeerOptions::default()
            .account_assignment(ACCOUNT_ID, ROLE)
            .account_assignment("210987654321", ROLE)
            .account_assignment("333333333333", ROLE)
            .account_name(ACCOUNT_ID, "prod")
            .account_name("210987654321", "shared")
            .account_name("333333333333", "shared"),
    );
    let home = home_for(&peers, "");
    home.run_ok(&["login", "corp"]);
    // No list first: the address discovers on its own.
    let creds = home
        .run_ok(&["credential-process", "corp/prod/Admin"])
        .json();
    assert!(creds["AccessKeyId"].is_string(), "{creds}");
    let stats = peers.aws_stats();
    assert_eq!(count(&stats, "sso:GetRoleCredentials"), 1, "{stats:?}");
    let address = format!("corp/{ACCOUNT_ID}/Admin");
    let script = r#"test -n "$AWS_SESSION_TOKEN" && echo "has a session as $RUNAS_PROFILE""#;
    let env = home.run_ok(&["exec", &address, "--", "/bin/sh", "-c", script]);
    assert!(
        env.stdout.contains(&format!("has a session as {address}")),
        "{}",
        env.stdout
    );

    let clash = home
        .run(&["env", "corp/shared/Admin"])
        .failed("an account name two accounts share");
    assert!(
        clash.stderr.contains("corp/210987654321/ROLE")
            && clash.stderr.contains("corp/333333333333/ROLE"),
        "{}",
        clash.stderr
    );
    let missing = home
        .run(&["env", "corp/prod/Billing"])
        .failed("a role not assigned");
    assert!(
        missing.stderr.contains("its roles: Admin"),
        "{}",
        missing.stderr
    );
    assert!(clash.stdout.is_empty() && missing.stdout.is_empty());
}

/// The TUI in tmux: the session's group lists the discovered account and role; Enter on the
/// role gets its credentials with one GetRoleCredentials, and `s` gives a shell with them.
#[test]
fn the_tui_shows_the_session_group_and_a_discovered_role_works_like_a_profile() {
    if !Path::new(TMUX).exists() {
        eprintln!("skipped: {TMUX} is not installed");
        return;
    }
    let peers = Peers::start(
        PeerOptions::default()
            .account_assignment(ACCOUNT_ID, ROLE)
            .account_name(ACCOUNT_ID, "prod"),
    );
    let home = home_for(&peers, "");
    home.run_ok(&["login", "corp"]);
    let script = home.path().join("tui.sh");
    std::fs::write(
        &script,
        format!(
            "export HOME='{home}' AWS_CONFIG_FILE='{config}' RUNAS_CACHE_DIR='{cache}' \
             AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_ENDPOINT_URL='{endpoint}' \
             AWS_EC2_METADATA_DISABLED=true SHELL=/bin/sh NO_COLOR=1 TERM=xterm-256color\n\
             '{binary}' 2> '{home}/tui.err'\n",
            home = home.path().display(),
            config = home.config_path().display(),
            cache = home.cache_dir().display(),
            endpoint = peers.aws_endpoint(),
            binary = common::cli::runas_binary(),
        ),
    )
    .expect("write the TUI script");
    let tmux = Tmux::start_sized(home.path(), &script, 140, 30);
    let wait = |what: &str, check: &dyn Fn(&str) -> bool| {
        tmux.wait_screen(what, RUN_DEADLINE, check, String::new)
    };
    let address = format!("corp/{ACCOUNT_ID}/{ROLE}");
    // The note comes when the listing ends: from then on the role works like a profile.
    wait("the session group with the discovered role", &|s| {
        s.contains("sso-session corp › prod · 123456789012 · aws+123456789012@example.test")
            && s.contains(&address)
            && s.contains("sso-session corp: 1 accounts, 1 roles")
    });
    let before = peers.aws_stats();
    // The filter finds the role by its account's name; Enter gets its credentials.
    tmux.keys(&["/", "prod", "Enter"]);
    tmux.keys(&["Enter"]);
    let role_line = |screen: &str| {
        screen
            .lines()
            .filter_map(|line| line.split('│').nth(1))
            .find(|cell| cell.contains(&address))
            .map(str::to_owned)
    };
    wait("a countdown on the discovered role", &|s| {
        role_line(s).is_some_and(|line| line.contains("59m") || line.contains("1h 00m"))
    });
    let after = peers.aws_stats();
    assert_eq!(
        count(&after, "sso:GetRoleCredentials") - count(&before, "sso:GetRoleCredentials"),
        1,
        "{before:?} -> {after:?}"
    );
    tmux.keys(&["s"]);
    wait("the shell's banner", &|s| {
        s.contains(&format!("runas: a shell for {address} as "))
    });
    let seen = home.path().join("seen");
    tmux.keys(&[
        &format!(
            "echo \"$AWS_ACCESS_KEY_ID $RUNAS_PROFILE\" > '{}'",
            seen.display()
        ),
        "Enter",
    ]);
    common::cli::wait_until("the shell to write the key", RUN_DEADLINE, || {
        std::fs::read_to_string(&seen).is_ok_and(|text| text.ends_with('\n'))
    });
    let line = std::fs::read_to_string(&seen).expect("the shell's line");
    let mut words = line.split_whitespace();
    assert!(words.next().is_some_and(|key| key.len() >= 16), "{line:?}");
    assert_eq!(words.next(), Some(address.as_str()));
    tmux.keys(&["exit", "Enter"]);
    wait("the TUI back", &|s| s.contains("Profiles ("));
    tmux.keys(&["q"]);
    assert_eq!(
        count(&peers.aws_stats(), "sso:GetRoleCredentials"),
        count(&after, "sso:GetRoleCredentials"),
        "the shell used the credentials Enter got"
    );
}
