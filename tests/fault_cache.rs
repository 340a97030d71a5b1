//! The cache under abuse, through the real binary: an entry from a newer format, a file others
//! can read, a symlink planted where credentials will be written, and a cache directory that
//! cannot be created. The cache is a convenience: none of these may fail a run, leak, or let
//! runas write through a link.

#![cfg(unix)]

mod common;

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::time::Duration;

use common::cli::{public_client_id_token, read_json};
use common::{PeerOptions, Peers, RunasHome};

/// A home with a `workload` profile that reads a fresh ID token from a file, so each
/// `credential-process` is one STS call and no browser.
async fn token_file_home(peers: &Peers) -> RunasHome {
    let role = peers.create_role("workload", Duration::from_secs(3600));
    let (token, _) = public_client_id_token(peers).await;
    let home = RunasHome::new(peers);
    let token_file = home.path().join("token");
    std::fs::write(&token_file, &token).expect("write the token file");
    home.write_config(&format!(
        "[profile workload]\nweb_identity_token_file = {}\nrole_arn = {role}\nregion = us-east-1\n",
        token_file.display()
    ));
    home
}

fn exchanges(peers: &Peers) -> u64 {
    peers
        .aws_stats()
        .get("sts:AssumeRoleWithWebIdentity")
        .copied()
        .unwrap_or(0)
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap_or_else(|e| panic!("stat {}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Runs `credential-process workload` and returns its access key id.
fn process_key(home: &RunasHome) -> String {
    let process = home.run_ok(&["credential-process", "workload"]);
    process.json()["AccessKeyId"]
        .as_str()
        .unwrap_or_else(|| panic!("no AccessKeyId in {}", process.stdout))
        .to_owned()
}

#[tokio::test]
async fn an_entry_from_a_newer_format_is_ignored_and_replaced() {
    let peers = Peers::start(PeerOptions::default().auto_login("alice").strict_sts());
    let home = token_file_home(&peers).await;
    let first_key = process_key(&home);
    let path = home.credentials_file("workload");
    let mut future = read_json(&path);
    future["version"] = 99.into();
    std::fs::write(&path, future.to_string()).expect("rewrite the entry as version 99");

    let second_key = process_key(&home);
    assert_eq!(exchanges(&peers), 2, "the version-99 entry was used");
    assert_ne!(first_key, second_key);
    let replaced = read_json(&home.credentials_file("workload"));
    assert_eq!(replaced["version"], 1, "{replaced}");
    assert_eq!(
        replaced["entry"]["credentials"]["access_key_id"],
        second_key
    );
}

#[tokio::test]
async fn a_cache_file_readable_by_others_is_tightened_to_0600() {
    let peers = Peers::start(PeerOptions::default().auto_login("alice").strict_sts());
    let home = token_file_home(&peers).await;
    let first_key = process_key(&home);
    let path = home.credentials_file("workload");
    assert_eq!(mode(&path), 0o600);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod 0644");

    assert_eq!(
        process_key(&home),
        first_key,
        "the cached entry is still used"
    );
    assert_eq!(exchanges(&peers), 1);
    assert_eq!(mode(&path), 0o600, "the 0644 cache file was left readable");
}

#[tokio::test]
async fn a_symlink_planted_at_the_credentials_path_does_not_touch_its_target() {
    let peers = Peers::start(PeerOptions::default().auto_login("alice").strict_sts());
    let home = token_file_home(&peers).await;
    process_key(&home);
    // The file name is derived from the profile name alone, so an attacker can know it.
    let path = home.credentials_file("workload");
    std::fs::remove_file(&path).expect("remove the credentials");
    let victim = home.path().join("victim.txt");
    let victim_text = "the victim's own content\n";
    std::fs::write(&victim, victim_text).expect("write the victim");
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    symlink(&victim, &path).expect("plant the symlink");

    let key = process_key(&home);
    assert_eq!(
        std::fs::read_to_string(&victim).expect("read the victim"),
        victim_text
    );
    assert_eq!(
        mode(&victim),
        0o644,
        "runas changed the victim's permissions"
    );
    let planted = std::fs::symlink_metadata(&path).expect("stat the credentials path");
    assert!(planted.is_file(), "the symlink is still there: {planted:?}");
    assert_eq!(mode(&path), 0o600);
    assert_eq!(
        home.credentials_entry("workload")["credentials"]["access_key_id"],
        key
    );
}

#[tokio::test]
async fn an_unwritable_cache_still_prints_credentials_and_warns() {
    let peers = Peers::start(PeerOptions::default().auto_login("alice").strict_sts());
    let mut home = token_file_home(&peers).await;
    let blocker = home.path().join("not-a-directory");
    std::fs::write(&blocker, "a regular file").expect("write the blocker");
    let cache = blocker.join("runas-cache");
    home.set("RUNAS_CACHE_DIR", &cache.display().to_string());

    let process = home.run(&["credential-process", "workload"]);
    eprintln!("unwritable cache:\n{}", process.stderr);
    let process = process.succeeded("credential-process with an unwritable cache");
    let credentials = process.json();
    assert_eq!(credentials["Version"], 1, "{}", process.stdout);
    assert!(credentials["SecretAccessKey"].is_string());
    assert!(
        process.stderr.contains("warning") && process.stderr.contains("cache"),
        "no warning about the cache:\n{}",
        process.stderr
    );
    assert!(
        process.stderr.contains(&blocker.display().to_string()),
        "the warning does not name the path:\n{}",
        process.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&blocker).expect("read"),
        "a regular file"
    );
}
