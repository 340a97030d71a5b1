//! `runas list --json` over hostile AWS config files, as the real binary: 10,000 profiles, a
//! 1 MB line, binary garbage, non-UTF-8 bytes, a `source_profile` chain 50 deep and a cycle.
//! Each run must exit 0 within a deadline and report the broken profiles as errors, not crash.

#![cfg(unix)]

mod common;

use std::time::Duration;

use common::cli::{RunOutput, run_to_end};
use common::{PeerOptions, Peers, RunasHome};
use serde_json::Value;

/// Generous: the README measures 10,000 profiles at well under a second.
const LIST_DEADLINE: Duration = Duration::from_secs(30);

fn list(home: &RunasHome, config: &[u8]) -> (RunOutput, Vec<Value>) {
    std::fs::write(home.config_path(), config).expect("write the config");
    let run =
        run_to_end(home.command(&["list", "--json"]), LIST_DEADLINE).succeeded("runas list --json");
    let rows = run.json().as_array().expect("an array").clone();
    (run, rows)
}

fn row<'a>(rows: &'a [Value], name: &str) -> &'a Value {
    rows.iter()
        .find(|row| row["name"] == name)
        .unwrap_or_else(|| panic!("no row {name}"))
}

fn errors(row: &Value) -> String {
    row["errors"].to_string()
}

#[test]
fn hostile_configs_are_listed_with_their_errors() {
    // Only for a clean RunasHome; list never touches the network.
    let peers = Peers::start(PeerOptions::default());
    let home = RunasHome::new(&peers);

    let mut many = String::new();
    for i in 0..10_000 {
        many.push_str(&format!(
            "[profile p{i}]\nrole_arn = arn:aws:iam::123456789012:role/r{i}\n\
             web_identity_token_file = /tmp/token\n"
        ));
    }
    let (_, rows) = list(&home, many.as_bytes());
    assert_eq!(rows.len(), 10_000);
    assert_eq!(row(&rows, "p9999")["errors"], Value::Array(Vec::new()));

    let long_line = format!(
        "[profile long]\nrole_arn = {}\n\n[profile fine]\nweb_identity_token_file = /tmp/t\n\
         role_arn = arn:aws:iam::123456789012:role/fine\n",
        "x".repeat(1 << 20)
    );
    let (_, rows) = list(&home, long_line.as_bytes());
    let long_errors = errors(row(&rows, "long"));
    assert!(long_errors.contains("role_arn"), "{long_errors}");
    // The value is cut, its size told: one error line, not a megabyte.
    assert!(
        long_errors.len() < 1000,
        "{} bytes of errors",
        long_errors.len()
    );
    assert!(
        long_errors.contains(&format!("({} bytes)", 1 << 20)),
        "{long_errors}"
    );
    assert_eq!(row(&rows, "fine")["errors"], Value::Array(Vec::new()));

    let mut garbage: Vec<u8> = (0..=255u8).cycle().take(64 * 1024).collect();
    garbage.extend_from_slice(
        b"\n[profile after-garbage]\nweb_identity_token_file = /tmp/t\n\
          role_arn = arn:aws:iam::123456789012:role/g\n",
    );
    let (_, rows) = list(&home, &garbage);
    assert_eq!(
        row(&rows, "after-garbage")["errors"],
        Value::Array(Vec::new())
    );

    let mut non_utf8 = b"[profile latin1]\nrole_arn = arn:aws:iam::123456789012:role/caf\xe9\n\
        web_identity_token_file = /tmp/t\n\n"
        .to_vec();
    non_utf8.extend_from_slice(
        b"[profile plain]\nweb_identity_token_file = /tmp/t\n\
          role_arn = arn:aws:iam::123456789012:role/plain\n",
    );
    let (_, rows) = list(&home, &non_utf8);
    assert_eq!(row(&rows, "plain")["errors"], Value::Array(Vec::new()));

    let mut chain = String::from(
        "[profile c0]\nweb_identity_token_file = /tmp/t\nrole_arn = arn:aws:iam::123456789012:role/c\n",
    );
    for i in 1..=50 {
        chain.push_str(&format!(
            "[profile c{i}]\nsource_profile = c{}\nrole_arn = arn:aws:iam::123456789012:role/c\n",
            i - 1
        ));
    }
    chain.push_str(
        "[profile loop-a]\nsource_profile = loop-b\nrole_arn = arn:aws:iam::123456789012:role/a\n\
         [profile loop-b]\nsource_profile = loop-a\nrole_arn = arn:aws:iam::123456789012:role/b\n",
    );
    let (_, rows) = list(&home, chain.as_bytes());
    eprintln!(
        "c50: {}\nloop-a: {}",
        row(&rows, "c50"),
        row(&rows, "loop-a")
    );
    assert!(
        errors(row(&rows, "loop-a")).contains("loop-b"),
        "{}",
        row(&rows, "loop-a")
    );
    assert!(
        errors(row(&rows, "loop-b")).contains("loop-a"),
        "{}",
        row(&rows, "loop-b")
    );
    assert_eq!(row(&rows, "c1")["errors"], Value::Array(Vec::new()));
}
