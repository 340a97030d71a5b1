//! Configs people really have, read by the real `runas list` as the AWS CLI reads them: a file
//! pasted from a wiki with every line indented, keys in `~/.aws/credentials` with roles in
//! `~/.aws/config`, `[profile default]` beside `[default]`, an indented line after a valued
//! key, trailing words on a header, a byte-order mark, the AWS CLI's own sections, values
//! whose inline comments the AWS CLI keeps. No network.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

struct Listed {
    rows: Vec<Value>,
    stderr: String,
    stdout: String,
}

impl Listed {
    fn row(&self, name: &str) -> &Value {
        self.rows
            .iter()
            .find(|row| row["name"] == name)
            .unwrap_or_else(|| panic!("{name} missing from {:?}\n{}", self.rows, self.stderr))
    }

    fn names(&self) -> Vec<&str> {
        self.rows
            .iter()
            .map(|row| row["name"].as_str().unwrap())
            .collect()
    }
}

struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new(config: &str, credentials: Option<&str>) -> Files {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config"), config).unwrap();
        if let Some(credentials) = credentials {
            std::fs::write(dir.path().join("credentials"), credentials).unwrap();
        }
        Files { dir }
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    fn credentials(&self) -> PathBuf {
        self.dir.path().join("credentials")
    }

    /// `runas list` (`--json` for the rows, then the table for the messages on stderr).
    fn list(&self) -> Listed {
        let json = self.run(&["list", "--json"]);
        let table = self.run(&["list"]);
        Listed {
            rows: serde_json::from_str::<Value>(&json.0)
                .expect("stdout is one JSON array")
                .as_array()
                .unwrap()
                .clone(),
            stdout: table.0 + &json.0,
            stderr: table.1 + &json.1,
        }
    }

    fn run(&self, args: &[&str]) -> (String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_runas"))
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("RUNAS_CACHE_DIR", self.dir.path().join("cache"))
            .env("AWS_CONFIG_FILE", self.config())
            .env("AWS_SHARED_CREDENTIALS_FILE", self.credentials())
            .output()
            .expect("runas runs");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "runas {args:?}: {stderr}");
        (String::from_utf8_lossy(&out.stdout).into_owned(), stderr)
    }
}

const ROLE: &str = "arn:aws:iam::123456789012:role/deploy";

fn errors(row: &Value) -> &Vec<Value> {
    row["errors"].as_array().unwrap()
}

fn warnings(row: &Value) -> Vec<String> {
    row["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_file_pasted_from_a_wiki_with_every_line_indented_keeps_every_profile() {
    let files = Files::new(
        &format!(
            "  [profile base]\n  region = eu-west-1\n  s3 =\n    max_concurrent_requests = 20\n    \
             multipart_threshold = 64MB\n  output = json\n\n  [profile deploy]\n  role_arn = {ROLE}\n  \
             source_profile = base\n  region = eu-central-1\n"
        ),
        None,
    );
    let listed = files.list();
    assert_eq!(listed.names(), ["base", "deploy"], "{}", listed.stderr);
    let deploy = listed.row("deploy");
    assert_eq!(deploy["role_arn"], ROLE);
    assert_eq!(deploy["region"], "eu-central-1");
    assert_eq!(deploy["source_profile"], "base");
    assert_eq!(listed.row("base")["region"], "eu-west-1");
    assert!(errors(deploy).is_empty() && errors(listed.row("base")).is_empty());
    assert!(listed.stderr.is_empty(), "{}", listed.stderr);
}

#[test]
fn keys_in_the_credentials_file_root_the_roles_in_the_config_file() {
    let files = Files::new(
        &format!("[profile deploy]\nrole_arn = {ROLE}\nsource_profile = ci\n"),
        Some(
            "# CI user\n[ci]\naws_access_key_id = AKIAEXAMPLEKEY\naws_secret_access_key = \
             wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLE\n\n[half]\naws_access_key_id = AKIAHALF\n",
        ),
    );
    let listed = files.list();
    let ci = listed.row("ci");
    assert_eq!(ci["kind"], "static");
    assert_eq!(ci["file"], files.credentials().display().to_string());
    assert_eq!(ci["line"], 2);
    assert!(errors(ci).is_empty());
    let deploy = listed.row("deploy");
    assert_eq!(deploy["kind"], "chained");
    assert_eq!(deploy["chain"], serde_json::json!(["deploy", "ci"]));
    assert_eq!(deploy["root_kind"], "static");
    assert!(errors(deploy).is_empty(), "{deploy}");
    assert!(
        listed.stdout.contains("chained(static)"),
        "{}",
        listed.stdout
    );
    // A broken static profile's error points into the credentials file.
    let half = errors(listed.row("half"));
    let expected = format!(
        "{}:7: profile half: aws_access_key_id is set without aws_secret_access_key",
        files.credentials().display()
    );
    assert_eq!(half, &vec![Value::String(expected)]);
    for output in [&listed.stdout, &listed.stderr] {
        assert!(
            !output.contains("wJalrXUtnFEMI"),
            "a secret reached the output"
        );
    }
}

#[test]
fn profile_default_wins_over_default_in_the_config_file() {
    let files = Files::new(
        "[default]\nregion = us-east-1\noutput = text\n[profile default]\nregion = eu-west-1\n",
        None,
    );
    let listed = files.list();
    assert_eq!(listed.names(), ["default"]);
    assert_eq!(listed.row("default")["region"], "eu-west-1");
    assert_eq!(listed.row("default")["line"], 4);
    let config = files.config().display().to_string();
    assert!(
        listed.stderr.contains(&format!(
            "{config}:1: [default] is ignored because [profile default] (line 4)"
        )),
        "{}",
        listed.stderr
    );
}

#[test]
fn an_indented_line_after_a_valued_key_continues_that_value() {
    let files = Files::new(
        &format!("[profile a]\nregion = eu-west-1\n    role_arn = {ROLE}\noutput = json\n"),
        None,
    );
    let listed = files.list();
    let a = listed.row("a");
    assert_eq!(
        a["role_arn"],
        Value::Null,
        "the AWS CLI sees no role_arn here"
    );
    let warned = warnings(a);
    let config = files.config().display().to_string();
    assert!(
        warned.iter().any(|w| w.starts_with(&format!(
            "{config}:3: profile a: this line is indented deeper than `region`"
        ))),
        "{warned:?}"
    );
}

#[test]
fn trailing_words_on_a_header_keep_the_profile_with_a_warning() {
    let files = Files::new(
        "[profile x] trailing words\nregion = eu-west-1\n[profile y]\n",
        None,
    );
    let listed = files.list();
    assert_eq!(listed.names(), ["x", "y"]);
    assert_eq!(listed.row("x")["region"], "eu-west-1");
    let warned = warnings(listed.row("x"));
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(
        warned[0].starts_with(&format!(
            "{}:1: profile x: text `trailing words`",
            files.config().display()
        )),
        "{warned:?}"
    );
}

#[test]
fn a_byte_order_mark_is_skipped() {
    let files = Files::new("\u{feff}[profile first]\nregion = eu-west-1\n", None);
    let listed = files.list();
    assert_eq!(listed.names(), ["first"]);
    assert_eq!(listed.row("first")["region"], "eu-west-1");
    assert!(listed.stderr.is_empty(), "{}", listed.stderr);
}

#[test]
fn the_aws_cli_sections_get_no_profile_advice_and_a_real_bare_section_does() {
    let files = Files::new(
        "[plugins]\ncli_legacy_plugin_path = /opt/plugins\n[preview]\ncloudfront = true\n\
         [services local]\ns3 =\n  endpoint_url = http://127.0.0.1:9000\n[profile a]\nregion = x\n[dev]\nregion = y\n",
        None,
    );
    let listed = files.list();
    assert_eq!(listed.names(), ["a"]);
    assert!(!listed.stderr.contains("plugins") && !listed.stderr.contains("preview"));
    assert!(
        listed.stderr.contains("write [profile dev]"),
        "{}",
        listed.stderr
    );
}

#[test]
fn values_the_aws_cli_reads_differently_are_flagged_with_both_readings() {
    let files = Files::new("[profile a]\nregion = eu-west-1 ; Ireland\n", None);
    let listed = files.list();
    assert_eq!(listed.row("a")["region"], "eu-west-1");
    let warned = warnings(listed.row("a"));
    assert!(
        warned
            .iter()
            .any(|w| w.contains("`eu-west-1`") && w.contains("`eu-west-1 ; Ireland`")),
        "{warned:?}"
    );
}

#[test]
fn an_unreadable_credentials_file_is_a_warning_and_the_config_still_lists() {
    let files = Files::new("[profile a]\nregion = x\n", None);
    std::fs::create_dir(files.credentials()).unwrap();
    let listed = files.list();
    assert_eq!(listed.names(), ["a"]);
    let credentials = files.credentials().display().to_string();
    assert!(
        listed.stderr.contains(&format!(
            "{credentials}: cannot read the AWS credentials file"
        )),
        "{}",
        listed.stderr
    );
}

#[test]
fn a_missing_credentials_file_says_nothing() {
    let files = Files::new("[profile a]\nregion = x\n", None);
    assert!(!Path::new(&files.credentials()).exists());
    let listed = files.list();
    assert!(listed.stderr.is_empty(), "{}", listed.stderr);
}
