//! `runas list` and `runas detect` as a person or a script runs them: the real binary, a
//! config with good and broken profiles, no network.

use std::path::Path;
use std::process::{Command, Output};

fn runas(args: &[&str], cache: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_runas"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", cache)
        .env("RUNAS_CACHE_DIR", cache)
        .output()
        .expect("runas runs")
}

fn fixture(name: &str) -> String {
    format!(
        "{}/tests/fixtures/config/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn list_json_shows_every_good_profile_and_each_broken_one_with_its_line() {
    let cache = tempfile::tempdir().unwrap();
    let mixed = fixture("mixed.ini");
    let out = runas(&["--config", &mixed, "list", "--json"], cache.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("stdout is one JSON array");
    let row = |name: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("{name} missing from {rows}"))
            .clone()
    };
    for (name, kind, provider) in [
        ("okta", "web_identity", Some("okta")),
        ("azure", "web_identity", Some("azuread")),
        ("keycloak", "web_identity", Some("keycloak")),
        ("forgerock", "web_identity", Some("forgerock")),
        ("onelogin", "web_identity", Some("onelogin")),
        ("generic", "web_identity", Some("oidc")),
        ("workload", "token_file", None),
        ("chained", "chained", None),
        ("static", "static", None),
        ("sso", "sso", None),
    ] {
        let r = row(name);
        assert_eq!(r["kind"], kind, "{r}");
        assert_eq!(r["provider"].as_str(), provider, "{r}");
        assert_eq!(r["errors"], serde_json::json!([]), "{r}");
        if provider.is_some() {
            assert!(
                r["issuer"].as_str().is_some_and(|i| i.starts_with("http")),
                "{r}"
            );
        }
    }
    for (name, line, words) in [
        ("broken-arn", 22, "is not a role ARN"),
        ("broken-duration", 38, "is not a duration"),
        ("broken-line", 48, "is not `key = value`"),
        ("broken-source", 58, "does not exist"),
        ("cycle-a", 66, "cycle"),
    ] {
        let errors = row(name)["errors"].clone();
        let first = errors[0].as_str().unwrap_or_default();
        assert!(
            first.starts_with(&format!("{mixed}:{line}: profile {name}: "))
                && first.contains(words),
            "{name}: {errors}"
        );
    }
}

#[test]
fn list_table_is_aligned_and_problems_go_to_stderr() {
    let cache = tempfile::tempdir().unwrap();
    let out = runas(&["--config", &fixture("mixed.ini"), "list"], cache.path());
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let header = stdout.lines().next().unwrap();
    assert!(
        header.starts_with("PROFILE") && header.contains("PROVIDER"),
        "{stdout}"
    );
    let column = header.find("KIND").unwrap();
    let okta = stdout.lines().find(|l| l.starts_with("okta ")).unwrap();
    assert_eq!(&okta[column..column + 12], "web_identity", "{stdout}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("profile broken-arn:"), "{stderr}");
    assert!(
        !stdout.contains("profile broken-arn:"),
        "errors belong on stderr"
    );
}

#[test]
fn a_missing_config_file_is_an_empty_inventory_with_how_to_start() {
    let cache = tempfile::tempdir().unwrap();
    let missing = cache.path().join("no-such-config");
    let config = missing.to_str().unwrap();
    let out = runas(&["--config", config, "list"], cache.path());
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.matches("no-such-config").count(), 1, "{stdout}");
    assert!(stdout.contains("[profile dev-admin]"), "{stdout}");
    assert!(stdout.contains("web_identity_auth_url"), "{stdout}");

    let out = runas(&["--config", config, "list", "--json"], cache.path());
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), "[]");
}

#[test]
fn commands_that_need_a_profile_name_the_missing_file_once_and_how_to_start() {
    let cache = tempfile::tempdir().unwrap();
    let missing = cache.path().join("no-such-config");
    for args in [vec!["status"], vec!["env", "dev"]] {
        let mut all = vec!["--config", missing.to_str().unwrap()];
        all.extend(args);
        let out = runas(&all, cache.path());
        assert!(!out.status.success(), "{all:?}");
        assert!(out.stdout.is_empty(), "{all:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.matches("no-such-config").count(), 1, "{stderr}");
        assert!(stderr.contains("[profile dev-admin]"), "{stderr}");
        assert!(!stderr.contains("os error"), "{stderr}");
    }
}

/// `runas` alone from cron or CI: no controlling terminal (setsid leaves the new session
/// without one), so it says what to run instead.
#[cfg(target_os = "linux")]
#[test]
fn the_tui_without_a_terminal_says_what_to_run_instead() {
    let cache = tempfile::tempdir().unwrap();
    let out = Command::new("setsid")
        .arg(env!("CARGO_BIN_EXE_runas"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", cache.path())
        .env("RUNAS_CACHE_DIR", cache.path())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("setsid runs runas");
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("needs a terminal"), "{stderr}");
    assert!(stderr.contains("`runas list`"), "{stderr}");
    assert!(stderr.contains("`runas env PROFILE`"), "{stderr}");
}

#[test]
fn detect_normalises_without_a_probe_when_the_host_says_okta() {
    let cache = tempfile::tempdir().unwrap();
    let out = runas(
        &["detect", "https://example.okta.com/oauth2", "--json"],
        cache.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["provider"], "okta", "{answer}");
    assert_eq!(
        answer["issuer_exact"], "https://example.okta.com",
        "{answer}"
    );
}

#[test]
fn detect_probes_a_local_server_once_and_caches_the_answer() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let mut requests = Vec::new();
        // The probe (HEAD) and the discovery check (GET); both answered, then the server ends.
        for _ in 0..2 {
            let (mut stream, _) = listener.accept().unwrap();
            let mut buffer = [0u8; 4096];
            let n = stream.read(&mut buffer).unwrap();
            let request = String::from_utf8_lossy(&buffer[..n]).to_string();
            let response = if request.starts_with("HEAD") {
                "HTTP/1.1 200 OK\r\nSet-Cookie: KC_RESTART=x; Path=/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string()
            } else {
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_string()
            };
            stream.write_all(response.as_bytes()).unwrap();
            requests.push(request.lines().next().unwrap_or_default().to_string());
        }
        requests
    });
    let cache = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{port}/realms/corp");
    let first = runas(&["detect", &url, "--json"], cache.path());
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let answer: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(answer["provider"], "keycloak", "{answer}");
    assert_eq!(answer["cached"], false);
    let requests = server.join().unwrap();
    assert!(requests[0].starts_with("HEAD /realms/corp"), "{requests:?}");
    // The server is gone: a second answer can only come from the cache.
    let second = runas(&["detect", &url, "--json"], cache.path());
    let answer: serde_json::Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(answer["provider"], "keycloak", "{answer}");
    assert_eq!(answer["cached"], true, "{answer}");
}
