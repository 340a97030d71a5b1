//! Handing credentials on, run as the real binary against the peers: role chains
//! (`jump_role_arn`, `source_profile`), the AWS CLI v2 calling `credential_process`, twenty
//! concurrent callers sharing one STS exchange, the cache's permissions and its recovery from
//! garbage, `exec`'s exit status, and `logout`.

#![cfg(unix)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use common::cli::{RUN_DEADLINE, run_to_end, runas_binary};
use common::{PeerOptions, Peers, RunasHome, Running, count, free_callback_uri, idp_defaults};

const AWS_CLI: &str = "/usr/bin/aws";

/// Peers with auto-login and a strict STS, a home whose config has `web` (web identity) and
/// whatever `more` adds, and `web` logged in.
fn logged_in(more: impl FnOnce(&Peers) -> String) -> (Peers, RunasHome) {
    let peers = Peers::start(PeerOptions::default().auto_login("alice").strict_sts());
    let role = peers.create_role("web", Duration::from_secs(12 * 3600));
    let home = RunasHome::new(&peers);
    let config = format!(
        "{}[profile web]\nweb_identity_callback_uri = {}\nrole_arn = {role}\nregion = us-east-1\n\n{}",
        idp_defaults(&peers),
        free_callback_uri(),
        more(&peers)
    );
    home.write_config(&config);
    home.run_ok(&["login", "web"]);
    (peers, home)
}

#[test]
fn jump_roles_and_source_profile_chains_end_in_the_last_role() {
    let (peers, home) = logged_in(|peers| {
        let jump = peers.create_role("jump-a", Duration::from_secs(3600));
        let target = peers.create_role("jump-b", Duration::from_secs(3600));
        let b = peers.create_role("chain-b", Duration::from_secs(3600));
        let c = peers.create_role("chain-c", Duration::from_secs(3600));
        format!(
            "[profile jump]\njump_role_arn = {jump}\nrole_arn = {target}\nregion = us-east-1\n\n\
             [profile b]\nsource_profile = web\nrole_arn = {b}\nregion = us-east-1\n\n\
             [profile c]\nsource_profile = b\nrole_arn = {c}\nregion = us-east-1\n"
        )
    });
    let before = peers.aws_stats();
    home.run_ok(&["credential-process", "jump"]);
    let after_jump = peers.aws_stats();
    assert_eq!(
        count(&after_jump, "sts:AssumeRoleWithWebIdentity"),
        count(&before, "sts:AssumeRoleWithWebIdentity") + 1,
        "{before:?} -> {after_jump:?}"
    );
    assert_eq!(
        after_jump.get("sts:AssumeRole").copied().unwrap_or(0),
        before.get("sts:AssumeRole").copied().unwrap_or(0) + 1,
        "{before:?} -> {after_jump:?}"
    );

    home.run_ok(&["credential-process", "c"]);
    let after_chain = peers.aws_stats();
    assert_eq!(
        after_chain.get("sts:AssumeRole").copied().unwrap_or(0),
        after_jump.get("sts:AssumeRole").copied().unwrap_or(0) + 2,
        "c -> b -> web: two AssumeRole calls: {after_jump:?} -> {after_chain:?}"
    );

    let status = home.status();
    let arn = |profile: &str| {
        status[profile]["assumed_role_arn"]
            .as_str()
            .map(str::to_owned)
    };
    let assumed = |role: &str| format!("arn:aws:sts::123456789012:assumed-role/{role}/");
    assert!(
        arn("jump").is_some_and(|a| a.starts_with(&assumed("jump-b"))),
        "{status:?}"
    );
    assert!(
        arn("c").is_some_and(|a| a.starts_with(&assumed("chain-c"))),
        "{status:?}"
    );
}

#[test]
fn the_aws_cli_gets_credentials_through_credential_process_and_then_from_the_cache() {
    if !Path::new(AWS_CLI).exists() {
        eprintln!("note: {AWS_CLI} is not installed (Debian package awscli); skipping");
        return;
    }
    let peers = Peers::start(PeerOptions::default().auto_login("alice").strict_sts());
    let role = peers.create_role("web", Duration::from_secs(12 * 3600));
    let mut home = RunasHome::new(&peers);
    home.set("AWS_PAGER", "");
    home.write_config(&format!(
        "{}[profile web]\nweb_identity_callback_uri = {}\nrole_arn = {role}\nregion = us-east-1\n\n\
         [profile from-runas]\ncredential_process = {} credential-process web\nregion = us-east-1\n",
        idp_defaults(&peers),
        free_callback_uri(),
        runas_binary()
    ));
    let caller_identity = || {
        let endpoint = peers.aws_endpoint();
        let mut aws_cli = home.program(
            AWS_CLI,
            &["sts", "get-caller-identity", "--profile", "from-runas"],
        );
        aws_cli.args(["--endpoint-url", &endpoint, "--output", "json"]);
        let started = Instant::now();
        let output = run_to_end(aws_cli, RUN_DEADLINE).succeeded("aws sts get-caller-identity");
        (output.json(), started.elapsed())
    };

    let (first, first_took) = caller_identity();
    assert_eq!(
        first["Arn"], "arn:aws:sts::123456789012:assumed-role/web/alice@example.test",
        "{first}"
    );
    let idp_before = peers.idp_stats();
    let aws_before = peers.aws_stats();
    let (second, second_took) = caller_identity();
    eprintln!("aws CLI: first run (login) {first_took:?}, second run (cached) {second_took:?}");
    assert_eq!(second["Arn"], first["Arn"]);
    assert_eq!(
        peers.idp_stats(),
        idp_before,
        "the second run asked the IdP"
    );
    let aws_after = peers.aws_stats();
    for action in ["sts:AssumeRoleWithWebIdentity", "sts:AssumeRole"] {
        assert_eq!(aws_after.get(action), aws_before.get(action), "{action}");
    }
}

#[test]
fn two_hundred_concurrent_callers_share_one_sts_exchange_and_leave_no_lock_held() {
    let (peers, home) = logged_in(|_| String::new());
    let file = home.credentials_file("web");
    let old_key = home.credentials_entry("web")["credentials"]["access_key_id"].clone();
    let mut envelope = common::read_json(&file);
    let past =
        |minutes: i64| (chrono::Utc::now() - chrono::Duration::minutes(minutes)).to_rfc3339();
    envelope["entry"]["credentials"]["expiration"] = past(1).into();
    envelope["entry"]["obtained_at"] = past(61).into();
    std::fs::write(&file, serde_json::to_vec_pretty(&envelope).expect("JSON")).expect("rewrite");
    assert_eq!(home.status()["web"]["credentials_fresh"], false);
    let idp_before = peers.idp_stats();
    let sts_before = count(&peers.aws_stats(), "sts:AssumeRoleWithWebIdentity");

    let locks = home.cache_dir().join("locks");
    let lock_names = || {
        let mut names: Vec<String> = std::fs::read_dir(&locks)
            .map(|entries| {
                entries
                    .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    };
    let locks_before = lock_names();

    let started = Instant::now();
    let runs: Vec<Running> = (0..200)
        .map(|_| Running::spawn(home.command(&["credential-process", "web"])))
        .collect();
    let keys: Vec<String> = runs
        .into_iter()
        .map(|run| {
            let output = run.finish(RUN_DEADLINE).succeeded("credential-process");
            output.json()["AccessKeyId"]
                .as_str()
                .expect("an AccessKeyId")
                .to_owned()
        })
        .collect();
    eprintln!(
        "200 concurrent credential-process runs took {:?}",
        started.elapsed()
    );
    assert_eq!(keys.len(), 200, "every caller answered");

    assert_eq!(
        count(&peers.aws_stats(), "sts:AssumeRoleWithWebIdentity"),
        sts_before + 1,
        "exactly one exchange for two hundred callers"
    );
    // Lock files are kept, one per key (removing one while another process waits on it would
    // let two hold "the" lock); none may be added per caller, and none may still be held.
    let locks_after = lock_names();
    assert!(
        locks_after.len() <= locks_before.len() + 1,
        "{locks_before:?} → {locks_after:?}"
    );
    for name in &locks_after {
        let file = std::fs::File::open(locks.join(name)).expect("open the lock file");
        assert!(file.try_lock().is_ok(), "{name} is still held");
    }
    assert!(keys.iter().all(|key| key == &keys[0]), "{keys:?}");
    assert_ne!(
        serde_json::Value::from(keys[0].clone()),
        old_key,
        "new credentials"
    );
    assert_eq!(peers.idp_stats(), idp_before, "the cached ID token served");
}

#[test]
fn the_cache_is_private_and_survives_a_corrupt_file() {
    let (_peers, home) = logged_in(|_| String::new());
    let cache = home.cache_dir();
    let mode = |path: &Path| {
        std::fs::metadata(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(&cache), 0o700, "{}", cache.display());
    for kind in ["tokens", "credentials", "locks"] {
        let dir = cache.join(kind);
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
        let entries = std::fs::read_dir(&dir).expect("a cache dir");
        let mut files = 0;
        for entry in entries {
            let path = entry.expect("an entry").path();
            assert_eq!(mode(&path), 0o600, "{}", path.display());
            files += 1;
        }
        assert!(files > 0, "nothing in {}", dir.display());
    }

    let file = home.credentials_file("web");
    std::fs::write(&file, b"\x00\xffnot json at all{{{").expect("corrupt the cache file");
    let output = home.run_ok(&["credential-process", "web"]);
    assert!(
        output.json()["AccessKeyId"].is_string(),
        "{}",
        output.stdout
    );
    let repaired = common::read_json(&home.credentials_file("web"));
    assert_eq!(repaired["entry"]["profile"], "web", "{repaired}");
    assert_eq!(mode(&home.credentials_file("web")), 0o600);

    // A garbage login cache means logging in again (the scripted browser does), not an error.
    let tokens = home.cache_files("tokens");
    std::fs::write(&tokens[0], b"]]] garbage").expect("corrupt the tokens file");
    std::fs::remove_file(home.credentials_file("web")).expect("remove the credentials");
    home.run_ok(&["credential-process", "web"]);
    assert_eq!(home.token_entry()["email"], "alice@example.test");
}

#[test]
fn exec_passes_the_exit_status_and_logout_forgets() {
    let (_peers, home) = logged_in(|_| String::new());
    let exec = home.run(&[
        "exec",
        "web",
        "--",
        "sh",
        "-c",
        "test -n \"$AWS_SESSION_TOKEN\" && test \"$RUNAS_PROFILE\" = web && exit 7",
    ]);
    assert_eq!(exec.status.code(), Some(7), "{}", exec.stderr);
    let exec = home.run(&["exec", "web", "--", "true"]);
    assert_eq!(exec.status.code(), Some(0), "{}", exec.stderr);

    home.run_ok(&["logout", "web"]);
    let web = &home.status()["web"];
    for field in [
        "id_token_expires_at",
        "credentials_expire_at",
        "assumed_role_arn",
    ] {
        assert!(web[field].is_null(), "{field} after logout: {web}");
    }
    assert_eq!(web["refresh_token"], false, "{web}");
    assert!(home.cache_files("credentials").is_empty());

    home.run_ok(&["credential-process", "web"]);
    assert!(!home.cache_files("tokens").is_empty());
    home.run_ok(&["logout", "--all"]);
    assert!(
        home.cache_files("tokens").is_empty(),
        "tokens after logout --all"
    );
    assert!(
        home.cache_files("credentials").is_empty(),
        "credentials after logout --all"
    );
    assert!(home.status()["web"]["id_token_expires_at"].is_null());
}
