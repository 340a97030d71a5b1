//! Test-only code: compiled solely under its parent module's `#[cfg(test)]`.

use super::*;

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
}

fn credentials(expiration: DateTime<Utc>) -> Credentials {
    Credentials {
        access_key_id: "ASIAEXAMPLE".into(),
        secret_access_key: Secret::new("secret-key"),
        session_token: Secret::new("session-token"),
        expiration,
    }
}

fn entry(profile: &str) -> CredentialEntry {
    CredentialEntry {
        profile: profile.into(),
        credentials: credentials(at(3600)),
        obtained_at: at(0),
        role_arn: Some("arn:aws:iam::123456789012:role/dev".into()),
        assumed_role_arn: Some("arn:aws:sts::123456789012:assumed-role/dev/alice".into()),
        session_name: Some("alice".into()),
        identity_enhanced: false,
        definition: None,
    }
}

fn tokens(issuer: &str) -> TokenEntry {
    TokenEntry {
        issuer: issuer.into(),
        client_id: "runas-cli".into(),
        id_token: Secret::new("header.payload.signature"),
        refresh_token: Some(Secret::new("refresh")),
        id_token_expires_at: at(3600),
        subject: Some("alice".into()),
        email: Some("alice@example.test".into()),
        preferred_username: None,
        updated_at: at(0),
    }
}

#[test]
fn one_hour_credentials_are_fresh_until_fifteen_minutes_remain() {
    assert!(is_fresh(at(0), at(3600), at(0)));
    assert!(is_fresh(at(0), at(3600), at(3600 - 901)));
    assert!(!is_fresh(at(0), at(3600), at(3600 - 900)));
    assert!(!is_fresh(at(0), at(3600), at(4000)));
}

#[test]
fn short_sessions_are_fresh_for_half_their_lifetime() {
    // A 900-second session would never be fresh under a 15-minute margin.
    assert!(is_fresh(at(0), at(900), at(0)));
    assert!(is_fresh(at(0), at(900), at(449)));
    assert!(!is_fresh(at(0), at(900), at(450)));
}

#[test]
fn entries_round_trip_and_are_keyed_apart() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    assert_eq!(store.credentials("dev").unwrap(), None);
    store.put_credentials(&entry("dev")).unwrap();
    store.put_credentials(&entry("prod")).unwrap();
    assert_eq!(store.credentials("dev").unwrap(), Some(entry("dev")));
    assert_eq!(store.all_credentials().len(), 2);

    store.put_tokens(&tokens("http://127.0.0.1:9400")).unwrap();
    assert_eq!(
        store.tokens("http://127.0.0.1:9400", "runas-cli").unwrap(),
        Some(tokens("http://127.0.0.1:9400"))
    );
    assert_eq!(
        store.tokens("http://127.0.0.1:9400", "other").unwrap(),
        None
    );
    assert_eq!(
        store.tokens("https://idp.example", "runas-cli").unwrap(),
        None
    );

    assert!(store.remove_credentials("dev").unwrap());
    assert!(!store.remove_credentials("dev").unwrap());
    assert_eq!(store.clear().unwrap(), 2);
    assert!(store.all_credentials().is_empty());
}

#[test]
fn corrupt_foreign_and_future_files_read_as_absent_and_are_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    store.put_credentials(&entry("dev")).unwrap();
    let path = store.credential_path("dev");

    fs::write(&path, b"{ not json").unwrap();
    assert_eq!(store.credentials("dev").unwrap(), None);

    let future = serde_json::json!({ "version": 99, "key": "credentials:dev", "entry": {} });
    fs::write(&path, future.to_string()).unwrap();
    assert_eq!(store.credentials("dev").unwrap(), None);

    // A file copied over from another profile's name is not that profile's entry.
    let foreign = fs::read(store.credential_path("dev")).unwrap();
    store.put_credentials(&entry("prod")).unwrap();
    fs::copy(store.credential_path("prod"), &path).unwrap();
    assert_eq!(store.credentials("dev").unwrap(), None);
    drop(foreign);

    store.put_credentials(&entry("dev")).unwrap();
    assert_eq!(store.credentials("dev").unwrap(), Some(entry("dev")));
}

#[test]
fn secrets_stay_out_of_debug_output() {
    let shown = format!("{:?} {:?}", entry("dev"), tokens("http://127.0.0.1:9400"));
    for secret in [
        "secret-key",
        "session-token",
        "header.payload.signature",
        "\"refresh\"",
    ] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
}

#[test]
fn file_names_are_safe_and_distinct() {
    let a = file_stem("credentials:../../etc/passwd");
    assert!(!a.contains('/') && !a.contains('.'), "{a}");
    assert_ne!(file_stem("credentials:a b"), file_stem("credentials:a_b"));
}

#[cfg(unix)]
#[test]
fn files_are_private_and_a_widened_file_is_tightened() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path().join("cache"));
    store.put_credentials(&entry("dev")).unwrap();
    let path = store.credential_path("dev");
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().unwrap()), 0o700);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    assert!(store.credentials("dev").unwrap().is_some());
    assert_eq!(mode(&path), 0o600);
}

#[test]
fn a_lock_excludes_a_second_holder_until_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    let held = store.lock("credentials:dev").unwrap();
    let (sender, receiver) = std::sync::mpsc::channel();
    let other = store.clone();
    let waiter = std::thread::spawn(move || {
        let _lock = other.lock("credentials:dev").unwrap();
        sender.send(()).unwrap();
    });
    assert!(
        receiver
            .recv_timeout(std::time::Duration::from_millis(200))
            .is_err(),
        "the second holder got the lock while the first still held it"
    );
    drop(held);
    receiver
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("the lock was not handed on");
    waiter.join().unwrap();
}

/// The snapshot gives every name exactly what the per-key reads give it: entries at their own
/// paths, and nothing for a renamed, foreign, corrupt, future or stray file.
#[test]
fn a_snapshot_holds_what_each_per_key_read_would_give() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    let names = [
        "dev",
        "prod",
        "a b/c:d",
        "renamed",
        "copied-over",
        "corrupt",
        "future",
    ];
    for name in names {
        store.put_credentials(&entry(name)).unwrap();
    }
    let issuers = ["http://127.0.0.1:9400", "https://idp.example.test/realms/x"];
    for issuer in issuers {
        store.put_tokens(&tokens(issuer)).unwrap();
    }
    let renamed = store.credential_path("renamed");
    fs::rename(&renamed, renamed.with_file_name("renamed-elsewhere.json")).unwrap();
    fs::copy(
        store.credential_path("dev"),
        store.credential_path("copied-over"),
    )
    .unwrap();
    fs::write(store.credential_path("corrupt"), b"{ not json").unwrap();
    let future = serde_json::json!({ "version": 99, "key": "credentials:future", "entry": {} });
    fs::write(store.credential_path("future"), future.to_string()).unwrap();
    fs::write(dir.path().join(CREDENTIALS_DIR).join("notes.txt"), b"stray").unwrap();
    // A token file moved to the other issuer's name is neither issuer's entry.
    fs::copy(
        store.token_path(issuers[0], "runas-cli"),
        store.token_path(issuers[1], "runas-cli"),
    )
    .unwrap();

    let mut snapshot = store.snapshot();
    let mut found = 0;
    for name in names
        .into_iter()
        .chain(["renamed-elsewhere", "never-cached"])
    {
        let expected = store.credentials(name).unwrap();
        found += usize::from(expected.is_some());
        assert_eq!(snapshot.take_credentials(name), expected, "{name}");
        assert_eq!(
            snapshot.take_credentials(name),
            None,
            "{name} handed out twice"
        );
    }
    assert_eq!(found, 3, "dev, prod and the odd name are cached");
    for issuer in issuers {
        for client_id in ["runas-cli", "other"] {
            let expected = store.tokens(issuer, client_id).unwrap();
            assert_eq!(snapshot.tokens(issuer, client_id), expected.as_ref());
        }
    }
    assert!(snapshot.tokens(issuers[0], "runas-cli").is_some());
    assert!(snapshot.has_tokens());
}

#[test]
fn a_snapshot_of_an_empty_cache_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    let mut snapshot = Store::new(dir.path().join("never-written")).snapshot();
    assert!(!snapshot.has_tokens());
    assert_eq!(snapshot.take_credentials("dev"), None);
}

#[cfg(unix)]
#[test]
fn a_snapshot_tightens_a_widened_file_as_a_read_does() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    store.put_credentials(&entry("dev")).unwrap();
    let path = store.credential_path("dev");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    assert!(store.snapshot().take_credentials("dev").is_some());
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
}
