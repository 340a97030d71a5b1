//! `runas console` and the TUI's `o` against the AWS peer's federation endpoint
//! (`tests/peers/federation.py`, reached through `AWS_ENDPOINT_URL_SIGNIN`): the sign-in token
//! runas obtains is one the endpoint accepts, and the login URL redirects to the console page
//! asked for; `--print` is the only way the URL reaches stdout, and at `RUST_LOG=trace`
//! nothing on stderr could sign anyone in; the console browser template gets the URL and the
//! profile as separate arguments, from the CLI and from the TUI in tmux.

#![cfg(unix)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::cli::write_executable;
use common::tmux::Tmux;
use common::{PUBLIC_CLIENT_ID, PeerOptions, Peers, RunasHome, free_callback_uri, wait_until};

const DEADLINE: Duration = Duration::from_secs(60);

/// Peers, a home whose profile `web` is logged in, and sign-in through the AWS peer.
fn logged_in() -> (Peers, RunasHome) {
    let (peers, home) = configured();
    home.run_ok(&["login", "web"]);
    (peers, home)
}

/// Peers and a home with profile `web`, not logged in yet.
fn configured() -> (Peers, RunasHome) {
    let peers = Peers::start(PeerOptions::default().auto_login("alice").strict_sts());
    let role = peers.create_role("console-web", Duration::from_secs(4 * 3600));
    let mut home = RunasHome::new(&peers);
    home.set("AWS_ENDPOINT_URL_SIGNIN", &peers.aws_endpoint());
    home.write_config(&format!(
        "[profile web]\nweb_identity_auth_url = {}\nweb_identity_client_id = {PUBLIC_CLIENT_ID}\n\
         web_identity_provider = oidc\nweb_identity_callback_uri = {}\nrole_arn = {role}\n\
         region = eu-west-1\nduration_seconds = 3600\n",
        peers.issuer(),
        free_callback_uri()
    ));
    (peers, home)
}

/// Status and `Location` of a GET of `url` (an `http://127.0.0.1:PORT/...` URL).
fn get_redirect(url: &str) -> (u16, Option<String>) {
    let parsed = reqwest::Url::parse(url).expect("a URL");
    assert_eq!(parsed.host_str(), Some("127.0.0.1"), "loopback only: {url}");
    let port = parsed.port().expect("a port");
    let target = &url[url.find(parsed.path()).expect("a path")..];
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to the AWS peer");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {target} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let location = answer
        .lines()
        .take_while(|line| !line.is_empty())
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("location")
                .then(|| value.trim().to_owned())
        });
    (status, location)
}

fn query(url: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(url)
        .expect("a URL")
        .query_pairs()
        .into_owned()
        .collect()
}

fn param(url: &str, name: &str) -> String {
    query(url)
        .into_iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value)
        .unwrap_or_else(|| panic!("{name} missing in the sign-in URL"))
}

#[test]
fn the_printed_url_signs_in_at_the_peer_and_lands_on_the_service_asked_for() {
    let (peers, home) = logged_in();
    let before = peers.aws_stats();
    let printed = home.run_ok(&[
        "console",
        "web",
        "--print",
        "--service",
        "s3",
        "--region",
        "eu-west-2",
    ]);
    let url = printed.stdout.trim();
    assert!(
        url.starts_with(&format!("{}/federation?", peers.aws_endpoint())),
        "{url}"
    );
    let destination = "https://console.aws.amazon.com/s3/home?region=eu-west-2";
    let pairs: Vec<String> = query(url).into_iter().map(|(key, _)| key).collect();
    assert_eq!(pairs, ["Action", "Issuer", "Destination", "SigninToken"]);
    assert_eq!(param(url, "Action"), "login");
    assert_eq!(param(url, "Destination"), destination);
    let after = peers.aws_stats();
    assert_eq!(
        common::count(&after, "signin:getSigninToken"),
        common::count(&before, "signin:getSigninToken") + 1,
        "{before:?} -> {after:?}"
    );
    assert_eq!(
        common::count(&after, "sts:"),
        common::count(&before, "sts:"),
        "the cached role session was used: {before:?} -> {after:?}"
    );
    assert_eq!(get_redirect(url), (302, Some(destination.to_owned())));

    // A token the endpoint never issued is refused: the redirect above proves acceptance.
    let forged = url.replace(&param(url, "SigninToken"), "forged-token");
    assert_eq!(get_redirect(&forged).0, 400);
}

#[test]
fn without_print_the_url_goes_only_to_the_console_browser_never_to_stdout_or_the_log() {
    let (peers, mut home) = logged_in();
    let opened = home.path().join("opened");
    let recorder = home.path().join("console-browser");
    write_executable(
        &recorder,
        &format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{0}.tmp' && mv '{0}.tmp' '{0}'\n",
            opened.display()
        ),
    );
    home.set(
        "RUNAS_CONSOLE_BROWSER",
        &format!("'{}' --profile {{profile}} {{url}}", recorder.display()),
    );
    home.set("RUST_LOG", "trace");
    let run = home.run_ok(&["console", "web"]);
    assert_eq!(run.stdout, "", "the URL is a credential");
    wait_until("the console browser ran", DEADLINE, || opened.exists());
    let args = std::fs::read_to_string(&opened).unwrap();
    let args: Vec<&str> = args.lines().collect();
    assert_eq!(args.len(), 3, "{args:?}");
    assert_eq!(&args[..2], ["--profile", "web"]);
    let url = args[2];
    assert_eq!(
        get_redirect(url),
        (
            302,
            Some("https://console.aws.amazon.com/console/home?region=eu-west-1".to_owned())
        )
    );
    assert!(run.stderr.contains("TRACE"), "RUST_LOG=trace took effect");
    let token = param(url, "SigninToken");
    let entry = home.credentials_entry("web");
    for secret in [
        token.as_str(),
        url,
        entry["credentials"]["secret_access_key"].as_str().unwrap(),
        entry["credentials"]["session_token"].as_str().unwrap(),
    ] {
        assert!(
            !run.stderr.contains(secret),
            "stderr holds a credential ending {:?}",
            &secret[secret.len() - 4..]
        );
    }
    assert!(!run.stderr.contains("SigninToken="), "{}", run.stderr);
    assert!(!run.stderr.contains("sessionKey"), "{}", run.stderr);
    assert!(peers.aws_stats().contains_key("signin:getSigninToken"));
}

#[test]
fn a_console_without_credentials_logs_in_first() {
    let (peers, home) = configured();
    let printed = home.run_ok(&["console", "web", "--print"]);
    let stats = peers.aws_stats();
    assert_eq!(
        common::count(&stats, "sts:AssumeRoleWithWebIdentity"),
        1,
        "{stats:?}"
    );
    assert_eq!(get_redirect(printed.stdout.trim()).0, 302);
}

#[test]
fn a_session_the_endpoint_does_not_know_is_refused_with_the_reason() {
    let (peers, home) = logged_in();
    // The peer forgets every STS session: the cached credentials are no live session now.
    let port: u16 = peers
        .aws_endpoint()
        .rsplit(':')
        .next()
        .and_then(|port| port.parse().ok())
        .expect("the AWS peer's port");
    let reset = common::raw_http::post_form(port, "/moto-api/reset", &[], &[]).unwrap();
    assert_eq!(reset.status, 200, "{}", reset.body);
    let run = home
        .run(&["console", "web", "--print"])
        .failed("console with a dead session");
    assert_eq!(run.stdout, "");
    for expected in [
        "profile web: console sign-in",
        "refused these credentials (HTTP 400)",
        "not a role or federated-user session",
        "the console accepts only",
    ] {
        assert!(
            run.stderr.contains(expected),
            "{expected:?} in {}",
            run.stderr
        );
    }
}

#[test]
fn a_template_that_cannot_start_is_explained_without_the_url() {
    let (_peers, mut home) = logged_in();
    home.set(
        "RUNAS_CONSOLE_BROWSER",
        "/nonexistent/console-browser {url}",
    );
    let run = home
        .run(&["console", "web"])
        .failed("console with a missing browser");
    assert!(
        run.stderr.contains("/nonexistent/console-browser")
            && run.stderr.contains("RUNAS_CONSOLE_BROWSER"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("SigninToken"), "{}", run.stderr);
    assert_eq!(run.stdout, "");
}

/// The TUI's `o`: the selected profile's console opens through the template.
#[test]
fn the_tui_o_key_runs_the_console_browser_with_the_url() {
    let (peers, home) = logged_in();
    let dir = home.path();
    let opened = dir.join("tui-opened");
    let recorder = dir.join("tui-console-browser");
    write_executable(
        &recorder,
        &format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{0}.tmp' && mv '{0}.tmp' '{0}'\n",
            opened.display()
        ),
    );
    let script = tui_script(dir, &peers, &home, &recorder);
    let tmux = Tmux::start(dir, &script);
    let stderr = || std::fs::read_to_string(dir.join("tui.err")).unwrap_or_default();
    tmux.wait_screen(
        "the profile list",
        DEADLINE,
        |screen| screen.contains(" web "),
        stderr,
    );
    tmux.keys(&["o"]);
    wait_until("the TUI ran the console browser", DEADLINE, || {
        opened.exists()
    });
    let args = std::fs::read_to_string(&opened).unwrap();
    let args: Vec<&str> = args.lines().collect();
    assert_eq!(args.first(), Some(&"web"), "{args:?}");
    let url = args.get(1).expect("the URL argument");
    assert_eq!(
        get_redirect(url).0,
        302,
        "the peer accepts the TUI's sign-in"
    );
    let screen = tmux.wait_screen(
        "the note that the console opened",
        DEADLINE,
        |screen| screen.contains("console opened"),
        stderr,
    );
    assert!(!screen.contains("SigninToken"), "{screen}");
    tmux.keys(&["q"]);
}

fn tui_script(dir: &Path, peers: &Peers, home: &RunasHome, recorder: &Path) -> PathBuf {
    let script = format!(
        "export HOME='{home}' AWS_CONFIG_FILE='{config}' RUNAS_CACHE_DIR='{cache}' \
         AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_ENDPOINT_URL_STS='{endpoint}' \
         AWS_ENDPOINT_URL_SIGNIN='{endpoint}' AWS_EC2_METADATA_DISABLED=true NO_COLOR=1 \
         TERM=xterm-256color RUNAS_CONSOLE_BROWSER=\"'{recorder}' {{profile}} {{url}}\"\n\
         unset AWS_PROFILE RUNAS_PROFILE BROWSER\n\
         '{binary}' 2>> '{dir}/tui.err'\n",
        home = home.path().display(),
        config = home.config_path().display(),
        cache = home.cache_dir().display(),
        endpoint = peers.aws_endpoint(),
        recorder = recorder.display(),
        binary = common::cli::runas_binary(),
        dir = dir.display(),
    );
    let path = dir.join("tui.sh");
    std::fs::write(&path, script).unwrap();
    path
}
