//! Export lines evaluated by real shells, the way people use them (`eval "$(runas env P)"`,
//! `runas env P --format fish | source`), must reproduce every value byte for byte and remove
//! `AWS_PROFILE`. Each shell prints its resulting environment with `env -0`, so values holding
//! newlines, quotes or `$` are compared exactly. Shells that are not installed are skipped with
//! a note on stderr; sh and bash are required.

#![cfg(unix)]

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use chrono::DateTime;
use runas::creds::{Credentials, Secret};
use runas::shell::{self, Format, Handoff, exec, export};

const STALE: &str = "stale-value-from-before";

fn nasty_handoff(session_token: &str) -> Handoff {
    Handoff {
        profile: "team's \"prod\" profile".into(),
        region: Some("eu-west-1".into()),
        credentials: Credentials {
            access_key_id: "ASIA2EXAMPLE7KEY".into(),
            secret_access_key: Secret::new(
                "it's \"quoted\" $HOME ${PATH} $(false) `false` \\ \\' \\\\\nsecond line\ttab  ",
            ),
            session_token: Secret::new(session_token),
            expiration: DateTime::from_timestamp(2_000_000_000, 0).unwrap(),
        },
    }
}

const NASTY_TOKEN: &str = "IQoJb3JpZ2luX2Vj//+==\n'\u{2019}\"\\ 日本 🦀 ;|&<>#!*?[]~";

fn installed(shell: &str) -> bool {
    Command::new(shell)
        .arg("-c")
        .arg("exit 0")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Runs `script` (which must read the export lines from the file given as its first argument
/// and end with `exec env -0`) in `shell`, starting from an environment holding stale AWS
/// variables, and returns the environment the shell ended with.
fn evaluate(shell: &str, flag: &str, script: &str, lines: &str) -> HashMap<String, String> {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(lines.as_bytes()).unwrap();
    let output = Command::new(shell)
        .args([flag, script, shell])
        .arg(file.path())
        .env_remove("RUNAS_PROFILE")
        .env("AWS_PROFILE", STALE)
        .env("AWS_DEFAULT_PROFILE", STALE)
        .env("AWS_SECURITY_TOKEN", STALE)
        .env("AWS_SESSION_TOKEN", STALE)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{shell} failed: {stderr}");
    assert!(stderr.is_empty(), "{shell} complained: {stderr}");
    parse_env0(&output.stdout)
}

fn parse_env0(bytes: &[u8]) -> HashMap<String, String> {
    let text = std::str::from_utf8(bytes).unwrap();
    text.split('\0')
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            let (name, value) = entry.split_once('=').unwrap();
            (name.to_owned(), value.to_owned())
        })
        .collect()
}

fn assert_environment_matches(shell: &str, handoff: &Handoff, seen: &HashMap<String, String>) {
    let expected = handoff.environment();
    for variable in &expected.set {
        assert_eq!(
            seen.get(variable.name).map(String::as_str),
            Some(variable.value.expose()),
            "{shell}: {} differs",
            variable.name
        );
    }
    for name in &expected.unset {
        assert!(!seen.contains_key(*name), "{shell}: {name} still set");
    }
}

fn round_trip(shell: &str, flag: &str, script: &str, format: Format) {
    for handoff in [nasty_handoff(NASTY_TOKEN), nasty_handoff("")] {
        let lines = export::render(&handoff, format);
        let seen = evaluate(shell, flag, script, &lines);
        assert_environment_matches(shell, &handoff, &seen);
    }
}

const POSIX_EVAL: &str = r#"eval "$(cat "$1")" && exec env -0"#;

#[test]
fn sh_round_trips_through_eval() {
    assert!(installed("sh"), "sh is required");
    round_trip("sh", "-c", POSIX_EVAL, Format::Sh);
}

#[test]
fn dash_bash_and_zsh_round_trip_through_eval() {
    assert!(installed("bash"), "bash is required");
    for shell in ["dash", "bash", "zsh"] {
        if installed(shell) {
            round_trip(shell, "-c", POSIX_EVAL, Format::Sh);
        } else {
            eprintln!("note: {shell} is not installed; its round trip was skipped");
        }
    }
}

#[test]
fn fish_round_trips_through_source() {
    if !installed("fish") {
        eprintln!("note: fish is not installed; its round trip was skipped");
        return;
    }
    round_trip(
        "fish",
        "-c",
        "cat $argv[-1] | source; and exec env -0",
        Format::Fish,
    );
}

#[test]
fn powershell_round_trips_through_invoke_expression() {
    if !installed("pwsh") {
        eprintln!("note: pwsh is not installed; its round trip was skipped");
        return;
    }
    round_trip(
        "pwsh",
        "-Command",
        "Invoke-Expression (Get-Content -Raw $args[0]); & env -0",
        Format::PowerShell,
    );
}

#[test]
fn dotenv_text_is_exact() {
    let handoff = nasty_handoff("tok\"en\r\n");
    let text = export::render(&handoff, Format::Dotenv);
    let expected = concat!(
        "AWS_ACCESS_KEY_ID=\"ASIA2EXAMPLE7KEY\"\n",
        "AWS_SECRET_ACCESS_KEY=\"it's \\\"quoted\\\" $HOME ${PATH} $(false) `false` \\\\ \\\\' \\\\\\\\\\nsecond line\ttab  \"\n",
        "AWS_SESSION_TOKEN=\"tok\\\"en\\r\\n\"\n",
        "AWS_CREDENTIAL_EXPIRATION=\"2033-05-18T03:33:20Z\"\n",
        "AWS_REGION=\"eu-west-1\"\n",
        "AWS_DEFAULT_REGION=\"eu-west-1\"\n",
        "RUNAS_PROFILE=\"team's \\\"prod\\\" profile\"\n",
    );
    assert_eq!(text, expected);
}

#[test]
fn json_export_parses_back_to_the_values() {
    let handoff = nasty_handoff(NASTY_TOKEN);
    let parsed: HashMap<String, String> =
        serde_json::from_str(&export::render(&handoff, Format::Json)).unwrap();
    let expected: HashMap<String, String> = handoff
        .environment()
        .set
        .iter()
        .map(|v| (v.name.to_owned(), v.value.expose().to_owned()))
        .collect();
    assert_eq!(parsed, expected);
}

#[test]
fn credential_process_output_is_what_the_aws_cli_reads() {
    let handoff = nasty_handoff(NASTY_TOKEN);
    let json: serde_json::Value =
        serde_json::from_str(&shell::credential_process_json(&handoff.credentials)).unwrap();
    assert_eq!(json["Version"], 1);
    assert_eq!(json["SessionToken"], NASTY_TOKEN);
    assert_eq!(json["Expiration"], "2033-05-18T03:33:20Z");
}

#[test]
fn exec_passes_the_exit_code_and_the_environment_to_the_child() {
    let dir = tempfile::tempdir().unwrap();
    let seen_path = dir.path().join("env");
    let handoff = nasty_handoff(NASTY_TOKEN);
    let status = exec::run(
        &handoff,
        "sh",
        [
            "-c".as_ref(),
            r#"env -0 > "$1"; exit 7"#.as_ref(),
            "sh".as_ref(),
            seen_path.as_os_str(),
        ],
    )
    .unwrap();
    assert_eq!(shell::exit_code(status), 7);
    let seen = parse_env0(&std::fs::read(&seen_path).unwrap());
    assert_environment_matches("exec", &handoff, &seen);
}

#[test]
fn exec_of_a_missing_program_names_it() {
    let err = exec::run(
        &nasty_handoff(""),
        Path::new("/nonexistent/runas-test-tool"),
        std::iter::empty::<&str>(),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("/nonexistent/runas-test-tool"),
        "{err}"
    );
}
