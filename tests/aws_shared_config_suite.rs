//! The AWS SDKs' own cross-SDK test suite for the shared config and credentials files, run
//! against runas's reader: `test-data/profile-parser-tests.json` and
//! `test-data/file-location-tests.json` from the source of the `aws-runtime` crate that is
//! already in the dependency tree, found through `cargo metadata`. Every case runs; a missing
//! file fails the test. One difference is allowed, and asserted: where the suite expects the
//! whole file to be rejected, runas reports the line as `FILE:LINE` on the profile it belongs
//! to (or on the file, outside any profile) and keeps reading.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use runas::config::location::{Platform, shared_files};
use runas::config::{self, Config, ConfigIssue};
use serde_json::Value;

const CONFIG: &str = "/suite/config";
const CREDENTIALS: &str = "/suite/credentials";

/// The `test-data` directory of the `aws-runtime` package this build uses.
fn suite_dir() -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    // Offline: scripts/test.sh fetched every package's source before the network went away.
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--manifest-path",
        ])
        .arg(&manifest)
        .output()
        .expect("cargo metadata must run");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("cargo metadata JSON");
    let package = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .find(|package| package["name"] == "aws-runtime")
        .expect("aws-runtime must be in the dependency tree: the suite comes with its source");
    let manifest_path = PathBuf::from(package["manifest_path"].as_str().expect("manifest_path"));
    let dir = manifest_path
        .parent()
        .expect("a package dir")
        .join("test-data");
    assert!(
        dir.is_dir(),
        "{} is missing: the AWS SDKs' parser suite cannot run",
        dir.display()
    );
    dir
}

fn read_suite(name: &str) -> Vec<Value> {
    let path = suite_dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    let suite: Value = serde_json::from_str(&text).expect("suite JSON");
    let tests = suite["tests"].as_array().expect("tests").clone();
    assert!(!tests.is_empty(), "{} has no cases", path.display());
    tests
}

type Properties = BTreeMap<String, String>;

/// What runas read, in the suite's shape: the winning value of every key per profile.
fn profiles_as_read(config: &Config) -> BTreeMap<String, Properties> {
    config
        .profiles
        .iter()
        .map(|profile| {
            let properties = profile
                .entries
                .iter()
                .map(|entry| (entry.key.to_string(), entry.value.clone()))
                .collect();
            (profile.name.clone(), properties)
        })
        .collect()
}

fn sessions_as_read(config: &Config) -> BTreeMap<String, Properties> {
    config
        .sso_sessions
        .iter()
        .map(|session| {
            let properties = session
                .entries
                .iter()
                .map(|entry| (entry.key.to_string(), entry.value.clone()))
                .collect();
            (session.name.clone(), properties)
        })
        .collect()
}

fn expected_sections(value: &Value) -> BTreeMap<String, Properties> {
    value
        .as_object()
        .map(|sections| {
            sections
                .iter()
                .map(|(name, properties)| {
                    let properties = properties
                        .as_object()
                        .expect("properties")
                        .iter()
                        .map(|(key, value)| {
                            (key.clone(), value.as_str().expect("a string").to_string())
                        })
                        .collect();
                    (name.clone(), properties)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn every_issue(config: &Config) -> Vec<&ConfigIssue> {
    let profile_issues = config
        .profiles
        .iter()
        .flat_map(|profile| profile.errors.iter().chain(&profile.warnings));
    let session_issues = config.sso_sessions.iter().flat_map(|s| s.errors.iter());
    config
        .issues
        .iter()
        .chain(profile_issues)
        .chain(session_issues)
        .collect()
}

/// The profile whose section holds `line` of `text`, from the last well-formed
/// `[profile NAME]` header above it; `None` outside any profile.
fn enclosing_profile(text: &str, line: usize) -> Option<String> {
    text.lines()
        .take(line - 1)
        .filter_map(|l| {
            let inner = l.trim().strip_prefix('[')?.split_once(']')?.0.trim();
            Some(inner.strip_prefix("profile")?.trim().to_string())
        })
        .last()
}

#[test]
fn every_profile_parser_case_reads_as_the_sdks_read_it() {
    let cases = read_suite("profile-parser-tests.json");
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().expect("name");
        let config_text = case["input"]["configFile"].as_str();
        let credentials_text = case["input"]["credentialsFile"].as_str();
        let config = config::parse_with_credentials(
            Path::new(CONFIG),
            config_text.unwrap_or_default(),
            Path::new(CREDENTIALS),
            credentials_text.unwrap_or_default(),
        );
        let output = &case["output"];
        if let Some(expected) = output.get("config") {
            let want_profiles = expected_sections(&expected["profiles"]);
            let got_profiles = profiles_as_read(&config);
            if got_profiles != want_profiles {
                failures.push(format!(
                    "{name}: profiles {got_profiles:?}, expected {want_profiles:?}"
                ));
            }
            if let Some(sessions) = expected.get("sso_sessions") {
                let want = expected_sections(sessions);
                let got = sessions_as_read(&config);
                if got != want {
                    failures.push(format!("{name}: sso-sessions {got:?}, expected {want:?}"));
                }
            }
            // Reading errors only: an sso-session without its start URL reads fine but is
            // incomplete for a login, which is runas's check of meaning, not of reading.
            let reading_issues = config
                .issues
                .iter()
                .chain(config.profiles.iter().flat_map(|profile| &profile.errors));
            let errors: Vec<String> = reading_issues
                .filter(|issue| issue.severity == config::Severity::Error)
                .map(ToString::to_string)
                .collect();
            if !errors.is_empty() {
                failures.push(format!(
                    "{name}: a file the SDKs accept has errors {errors:?}"
                ));
            }
        } else {
            // The allowed difference: the SDKs reject the file; runas names the line, on the
            // profile that holds it, and reads on.
            let expected = output["errorContaining"].as_str().expect("errorContaining");
            let (file, text) = match config_text {
                Some(text) => (CONFIG, text),
                None => (CREDENTIALS, credentials_text.unwrap_or_default()),
            };
            let line_count = text.lines().count();
            let reported = every_issue(&config).into_iter().any(|issue| {
                let on_the_line = issue.line >= 1 && issue.line <= line_count;
                let shown = issue.to_string();
                on_the_line
                    && issue.file == Path::new(file)
                    && shown.starts_with(&format!("{file}:{}: ", issue.line))
                    && issue.profile == enclosing_profile(text, issue.line)
            });
            if !reported {
                failures.push(format!(
                    "{name}: the SDKs reject it ({expected}); runas reported no FILE:LINE on \
                     its profile: {:?}",
                    every_issue(&config)
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn every_file_location_case_finds_the_files_the_sdks_find() {
    let cases = read_suite("file-location-tests.json");
    for case in &cases {
        let name = case["name"].as_str().expect("name");
        let environment: BTreeMap<String, String> = case["environment"]
            .as_object()
            .expect("environment")
            .iter()
            .map(|(key, value)| (key.clone(), value.as_str().expect("a string").to_string()))
            .collect();
        let platform = match case["platform"].as_str() {
            Some("windows") => Platform::Windows,
            Some("linux" | "macos") => Platform::Unix,
            other => panic!("{name}: unknown platform {other:?}"),
        };
        let env = |variable: &str| environment.get(variable).map(OsString::from);
        let found = shared_files(&env, platform, None);
        let want = |field: &str| case[field].as_str().map(PathBuf::from);
        assert_eq!(found.config, want("configLocation"), "{name}");
        assert_eq!(found.credentials, want("credentialsLocation"), "{name}");
    }
}

/// The one-profile read (`credential-process`'s fast path) gives every profile of every case,
/// and its chain, exactly as the full read gives it, with the same definition.
#[test]
fn every_profile_parser_case_reads_alike_one_profile_at_a_time() {
    let cases = read_suite("profile-parser-tests.json");
    let mut answered = 0;
    for case in &cases {
        let name = case["name"].as_str().expect("name");
        let config_text = case["input"]["configFile"].as_str().unwrap_or_default();
        let credentials_text = case["input"]["credentialsFile"]
            .as_str()
            .unwrap_or_default();
        let full = config::parse_with_credentials(
            Path::new(CONFIG),
            config_text,
            Path::new(CREDENTIALS),
            credentials_text,
        );
        for profile in &full.profiles {
            let Some(fast) = config::parse_profile(
                Path::new(CONFIG),
                config_text.as_bytes(),
                Some((Path::new(CREDENTIALS), credentials_text.as_bytes())),
                &profile.name,
            ) else {
                continue;
            };
            answered += 1;
            let mut member = Some(profile);
            let mut steps = 0;
            while let Some(current) = member.filter(|_| steps < 16) {
                let read = fast.profile(&current.name).expect("the chain is read");
                assert_eq!(
                    format!("{read:?}"),
                    format!("{current:?}"),
                    "{name}: {}",
                    current.name
                );
                assert_eq!(read.entries, current.entries, "{name}: {}", current.name);
                member = current
                    .source_profile
                    .as_deref()
                    .and_then(|s| full.profile(s));
                steps += 1;
            }
            assert_eq!(
                fast.definition(&profile.name),
                full.definition(&profile.name),
                "{name}: {}",
                profile.name
            );
        }
    }
    assert!(answered > 20, "only {answered} profiles took the fast path");
}
