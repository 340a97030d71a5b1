//! `runas login` and the ways to an ID token, run as the real binary against the peers: the
//! browser flow through the IdP's login and consent forms, the device flow, a silent refresh
//! with a rotated refresh token, the confidential client (basic and post, and a wrong secret),
//! and a `web_identity_token_file` profile that needs no IdP at all.

#![cfg(unix)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::cli::{RUN_DEADLINE, browser_script, public_client_id_token, python, run_to_end};
use common::{PeerOptions, Peers, RunasHome, count, free_callback_uri, idp_defaults, wait_until};

fn web_profile(callback: &str, role_arn: &str) -> String {
    format!(
        "[profile web]\nweb_identity_callback_uri = {callback}\nrole_arn = {role_arn}\n\
         region = us-east-1\n\n"
    )
}

fn utc(value: &serde_json::Value) -> chrono::DateTime<chrono::Utc> {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("not a time: {value}"));
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .to_utc()
}

#[test]
fn browser_login_through_the_idp_forms_shows_up_in_status() {
    let peers = Peers::start(PeerOptions::default().strict_sts());
    let role = peers.create_role("web", Duration::from_secs(12 * 3600));
    let home = RunasHome::new(&peers);
    home.write_config(&(idp_defaults(&peers) + &web_profile(&free_callback_uri(), &role)));

    let started = Instant::now();
    let login = home.run_ok(&["login", "web"]);
    eprintln!("browser login with forms took {:?}", started.elapsed());
    assert!(login.stderr.contains("logged in as"), "{}", login.stderr);

    let status = home.status();
    let web = &status["web"];
    assert_eq!(web["id_token_subject"], "alice@example.test", "{web}");
    assert!(
        utc(&web["id_token_expires_at"]) > chrono::Utc::now(),
        "{web}"
    );
    assert_eq!(web["refresh_token"], true, "{web}");
    assert_eq!(web["credentials_fresh"], true, "{web}");
    assert_eq!(
        web["assumed_role_arn"], "arn:aws:sts::123456789012:assumed-role/web/alice@example.test",
        "{web}"
    );
    assert_eq!(web["session_name"], "alice@example.test", "{web}");
    let idp = peers.idp_stats();
    assert_eq!(count(&idp, "POST /token"), 1, "{idp:?}");
    let aws = peers.aws_stats();
    assert_eq!(
        aws.get("sts:AssumeRoleWithWebIdentity"),
        Some(&1),
        "{aws:?}"
    );
}

#[test]
fn device_login_completes_once_the_code_is_confirmed() {
    let peers = Peers::start(PeerOptions::default().strict_sts());
    let role = peers.create_role("web", Duration::from_secs(3600));
    let mut home = RunasHome::new(&peers);
    home.remove("BROWSER");
    home.write_config(&(idp_defaults(&peers) + &web_profile(&free_callback_uri(), &role)));

    let started = Instant::now();
    let mut runas = home
        .command(&["login", "web", "--device"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn runas login --device");
    let (lines_tx, lines) = mpsc::channel();
    let stderr = runas.stderr.take().expect("piped stderr");
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    let mut seen = Vec::new();
    let (mut user_code, mut complete_uri) = (None, None);
    while complete_uri.is_none() {
        let line = lines
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("no device prompt on stderr; so far: {seen:?}"));
        if let Some((_, code)) = line.split_once("enter the code ") {
            user_code = Some(code.trim().to_owned());
        }
        if let Some((_, uri)) = line.split_once("or open ") {
            complete_uri = Some(uri.trim().to_owned());
        }
        seen.push(line);
    }
    let user_code = user_code.unwrap_or_else(|| panic!("no user code in {seen:?}"));
    let complete_uri = complete_uri.unwrap_or_default();
    assert!(
        regex_like_user_code(&user_code),
        "user code {user_code:?} in {seen:?}"
    );
    assert!(
        complete_uri.contains(&user_code.replace('-', "")) || complete_uri.contains(&user_code)
    );

    let mut browser = std::process::Command::new(python());
    browser
        .arg(browser_script())
        .arg(&complete_uri)
        .env("BROWSER_MODE", "device")
        .env("BROWSER_REPORT", home.browser_report());
    run_to_end(browser, RUN_DEADLINE).succeeded("the device verification");

    let give_up = Instant::now() + RUN_DEADLINE;
    let status = loop {
        if let Some(status) = runas.try_wait().expect("wait for runas") {
            break status;
        }
        assert!(
            Instant::now() < give_up,
            "runas never finished the device login"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = reader.join();
    seen.extend(lines.try_iter());
    assert!(status.success(), "runas login --device: {status}: {seen:?}");
    eprintln!("device login took {:?}", started.elapsed());
    let report = std::fs::read_to_string(home.browser_report()).expect("browser report");
    assert!(report.contains("\"device_success\": true"), "{report}");
    let web = &home.status()["web"];
    assert_eq!(web["id_token_subject"], "alice@example.test", "{web}");
    assert_eq!(web["credentials_fresh"], true, "{web}");
    let idp = peers.idp_stats();
    assert_eq!(count(&idp, "GET /auth"), 0, "no browser flow: {idp:?}");
}

/// `XXXX-XXXX` made of letters (the IdP's charset), without pulling in a regex crate.
fn regex_like_user_code(code: &str) -> bool {
    let parts: Vec<&str> = code.split('-').collect();
    parts.len() == 2
        && parts
            .iter()
            .all(|part| part.len() == 4 && part.chars().all(|c| c.is_ascii_uppercase()))
}

#[test]
fn an_expired_id_token_is_refreshed_without_a_new_login_and_the_rotation_is_kept() {
    let peers = Peers::start(
        PeerOptions::default()
            .auto_login("alice")
            .always_refresh_token()
            .id_token_ttl(2)
            .strict_sts(),
    );
    let role = peers.create_role("web", Duration::from_secs(3600));
    let home = RunasHome::new(&peers);
    home.write_config(&(idp_defaults(&peers) + &web_profile(&free_callback_uri(), &role)));
    home.run_ok(&["login", "web"]);
    let first = home.token_entry();
    let expires_at = utc(&first["id_token_expires_at"]);
    wait_until(
        "the 2 s ID token has expired",
        Duration::from_secs(10),
        || chrono::Utc::now() > expires_at,
    );
    std::fs::remove_file(home.credentials_file("web")).expect("remove the credentials");
    let before = peers.idp_stats();

    let output = home.run_ok(&["credential-process", "web"]);
    assert!(
        output.json()["AccessKeyId"].is_string(),
        "{}",
        output.stdout
    );

    let after = peers.idp_stats();
    assert_eq!(
        count(&after, "POST /token"),
        count(&before, "POST /token") + 1,
        "one refresh: {before:?} -> {after:?}"
    );
    assert_eq!(
        count(&after, "GET /auth"),
        count(&before, "GET /auth"),
        "no new login: {before:?} -> {after:?}"
    );
    let second = home.token_entry();
    assert!(second["refresh_token"].is_string(), "{second}");
    assert_ne!(
        first["refresh_token"], second["refresh_token"],
        "the rotated refresh token was stored"
    );
    assert_ne!(first["id_token"], second["id_token"]);
}

#[test]
fn the_confidential_client_logs_in_with_basic_and_post_and_a_wrong_secret_is_explained() {
    let callback = free_callback_uri();
    // The strict peer insists on the public client's audience, so this one checks no token.
    let peers = Peers::start(
        PeerOptions::default()
            .auto_login("alice")
            .extra_redirect_uri(&callback),
    );
    let role = peers.create_role("web", Duration::from_secs(3600));
    let profile = |method: &str| {
        format!(
            "[profile conf]\nweb_identity_auth_url = {}\nweb_identity_client_id = runas-confidential\n\
             web_identity_provider = oidc\nweb_identity_client_secret_env = RUNAS_TEST_SECRET\n\
             web_identity_token_endpoint_auth_method = {method}\n\
             web_identity_callback_uri = {callback}\nrole_arn = {role}\nregion = us-east-1\n",
            peers.issuer()
        )
    };
    for method in ["client_secret_basic", "client_secret_post"] {
        let mut home = RunasHome::new(&peers);
        home.set("RUNAS_TEST_SECRET", "runas-confidential-secret");
        home.write_config(&profile(method));
        let before = count(&peers.idp_stats(), "POST /token");
        home.run_ok(&["login", "conf"]);
        assert_eq!(
            count(&peers.idp_stats(), "POST /token"),
            before + 1,
            "{method}"
        );
        assert_eq!(home.status()["conf"]["credentials_fresh"], true, "{method}");
    }

    let wrong_secret = "wrong-secret-Zq7vK2pX";
    let mut home = RunasHome::new(&peers);
    home.set("RUNAS_TEST_SECRET", wrong_secret);
    home.write_config(&profile("client_secret_basic"));
    let refused = home
        .run(&["login", "conf"])
        .failed("a login with a wrong secret");
    assert!(
        refused.stderr.contains("invalid_client"),
        "{}",
        refused.stderr
    );
    assert!(!refused.stderr.contains(wrong_secret), "{}", refused.stderr);
    assert!(!refused.stdout.contains(wrong_secret), "{}", refused.stdout);
}

#[tokio::test]
async fn a_token_file_profile_needs_no_idp_request() {
    // A strict AWS peer fetches the IdP's discovery and keys itself, which would blur the
    // IdP's counters: this one checks no token, so every IdP request would be runas's.
    let peers = Peers::start(PeerOptions::default().auto_login("alice"));
    let role = peers.create_role("workload", Duration::from_secs(3600));
    let (id_token, _) = public_client_id_token(&peers).await;

    let home = RunasHome::new(&peers);
    let token_file = home.path().join("web-identity-token");
    std::fs::write(&token_file, &id_token).expect("write the token file");
    home.write_config(&format!(
        "[profile workload]\nweb_identity_token_file = {}\nrole_arn = {role}\nregion = us-east-1\n",
        token_file.display()
    ));
    let before = peers.idp_stats();

    let output = home.run_ok(&["credential-process", "workload"]);
    let credentials = output.json();
    assert_eq!(credentials["Version"], 1, "{credentials}");
    assert!(
        credentials["AccessKeyId"]
            .as_str()
            .is_some_and(|key| key.starts_with("ASIA")),
        "{credentials}"
    );
    assert_eq!(peers.idp_stats(), before, "the token file needs no IdP");
    let aws = peers.aws_stats();
    assert_eq!(
        aws.get("sts:AssumeRoleWithWebIdentity"),
        Some(&1),
        "{aws:?}"
    );
    assert!(
        home.cache_files("tokens").is_empty(),
        "a token file is never cached"
    );
}
