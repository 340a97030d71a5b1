//! The discovery document and JWKS kept across processes (`providers/` in the cache), run as the
//! real binary against the peers: a second login in a new process asks the IdP for nothing but
//! the token, a rotated key costs one JWKS re-fetch whose result is kept, a corrupt copy is
//! replaced, `detect --refresh` and `logout --all` drop the copies, and with a copy but the IdP down the message still
//! names the IdP.

#![cfg(unix)]

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::cli::read_json;
use common::{PeerOptions, Peers, RunasHome, count, free_callback_uri, idp_defaults, raw_http};

fn web_home(peers: &Peers) -> RunasHome {
    let role = peers.create_role("web", Duration::from_secs(3600));
    let home = RunasHome::new(peers);
    home.write_config(&format!(
        "{}[profile web]\nweb_identity_callback_uri = {}\nrole_arn = {role}\nregion = us-east-1\n",
        idp_defaults(peers),
        free_callback_uri()
    ));
    home
}

/// The one provider metadata file of the home's cache.
fn provider_file(home: &RunasHome) -> PathBuf {
    let files = home.cache_files("providers");
    assert_eq!(files.len(), 1, "provider files: {files:?}");
    files.into_iter().next().expect("one file")
}

/// (discovery, JWKS) requests since `baseline` (the peers' readiness probe asks discovery).
fn fetches_since(peers: &Peers, baseline: (u64, u64)) -> (u64, u64) {
    let (discovery, jwks) = fetches(peers);
    (discovery - baseline.0, jwks - baseline.1)
}

fn fetches(peers: &Peers) -> (u64, u64) {
    let idp = peers.idp_stats();
    (
        count(&idp, "GET /.well-known/openid-configuration"),
        count(&idp, "GET /jwks"),
    )
}

#[test]
fn a_second_login_in_a_new_process_asks_the_idp_only_for_the_token() {
    let peers = Peers::start(PeerOptions::default().auto_login("alice"));
    let home = web_home(&peers);
    let baseline = fetches(&peers);

    home.run_ok(&["login", "web"]);
    assert_eq!(fetches_since(&peers, baseline), (1, 1));
    let file = provider_file(&home);
    let stored = read_json(&file);
    assert_eq!(stored["version"], 1, "{stored}");
    assert_eq!(stored["entry"]["issuer"], peers.issuer(), "{stored}");
    assert!(stored["entry"]["jwks"]["keys"].is_array(), "{stored}");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).expect("stat").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", file.display());
    }

    let before = peers.idp_stats();
    home.run_ok(&["login", "--force", "web"]);
    let after = peers.idp_stats();
    assert_eq!(
        fetches_since(&peers, baseline),
        (1, 1),
        "no discovery or JWKS from the second process: {after:?}"
    );
    assert_eq!(
        count(&after, "POST /token") - count(&before, "POST /token"),
        1,
        "{before:?} -> {after:?}"
    );
}

#[test]
fn a_rotated_key_costs_one_jwks_refetch_whose_result_is_kept() {
    let peers = Peers::start(PeerOptions::default().auto_login("alice"));
    let home = web_home(&peers);
    let baseline = fetches(&peers);
    home.run_ok(&["login", "web"]);
    let port: u16 = peers
        .issuer()
        .rsplit(':')
        .next()
        .and_then(|port| port.parse().ok())
        .expect("the issuer's port");
    let rotated = raw_http::post_form(port, "/runas-peer/rotate-keys", &[], &[])
        .expect("POST /runas-peer/rotate-keys");
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let new_kid: serde_json::Value = serde_json::from_str(&rotated.body).expect("JSON");
    let new_kid = new_kid["kid"].as_str().expect("a kid").to_owned();

    home.run_ok(&["login", "--force", "web"]);
    assert_eq!(
        fetches_since(&peers, baseline),
        (1, 2),
        "the stored keys, then one re-fetch for the new kid"
    );
    let stored = read_json(&provider_file(&home));
    assert!(
        stored["entry"]["jwks"].to_string().contains(&new_kid),
        "the re-fetched keys replace the stored ones: {stored}"
    );

    home.run_ok(&["login", "--force", "web"]);
    assert_eq!(
        fetches_since(&peers, baseline),
        (1, 2),
        "the next process knows the new key"
    );
}

#[test]
fn a_corrupt_copy_is_replaced_and_detect_refresh_and_logout_all_drop_copies() {
    let peers = Peers::start(PeerOptions::default().auto_login("alice"));
    let home = web_home(&peers);
    let baseline = fetches(&peers);
    home.run_ok(&["login", "web"]);
    let file = provider_file(&home);
    std::fs::write(&file, b"{\"version\": 1, \"key\": ").expect("corrupt the copy");

    home.run_ok(&["login", "--force", "web"]);
    assert_eq!(fetches_since(&peers, baseline), (2, 2));
    assert_eq!(read_json(&file)["version"], 1, "rewritten");

    home.run_ok(&["detect", "--refresh", &peers.issuer()]);
    assert!(
        home.cache_files("providers").is_empty(),
        "detect --refresh drops the issuer's copy"
    );
    home.run_ok(&["login", "--force", "web"]);
    assert_eq!(provider_file(&home), file);

    home.run_ok(&["logout", "--all"]);
    assert!(home.cache_files("providers").is_empty());
}

#[test]
fn with_a_stored_copy_and_the_idp_down_the_message_names_the_idp() {
    // ID tokens shorter than runas's one-minute minimum: the next run must use the refresh
    // token, i.e. reach the token endpoint named by the stored document.
    let mut peers = Peers::start(
        PeerOptions::default()
            .auto_login("alice")
            .always_refresh_token()
            .id_token_ttl(2),
    );
    let home = web_home(&peers);
    home.run_ok(&["login", "web"]);
    assert_eq!(home.cache_files("providers").len(), 1);
    std::fs::remove_file(home.credentials_file("web")).expect("remove the credentials");
    peers.stop_idp();

    let failed = home
        .run(&["credential-process", "web"])
        .failed("an IdP that is down");
    eprintln!("IdP down, document stored:\n{}", failed.stderr);
    assert!(
        failed.stderr.contains(&peers.issuer()),
        "the IdP is not named:\n{}",
        failed.stderr
    );
    assert_eq!(
        failed.stderr.matches("runas: profile web").count(),
        1,
        "{}",
        failed.stderr
    );
    assert!(failed.stdout.is_empty(), "{}", failed.stdout);
    assert!(
        home.cache_files("providers").is_empty(),
        "a token endpoint that cannot be reached makes the next run discover again"
    );
}
