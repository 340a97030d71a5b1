//! Running the real `runas` binary against the peers, the way a person or the AWS CLI would:
//! [`RunasHome`] is one user's world (a temp `HOME`, an AWS config file, a cache directory, a
//! scripted `$BROWSER`), and every run starts from a cleared environment holding only what the
//! test chose, so nothing of the developer's AWS setup can leak in. Runs have deadlines and are
//! killed by PID when they overstay; waits poll a condition, never sleep a fixed time. It owns
//! no peer and no runas code, and only ever points runas at 127.0.0.1.

use std::collections::BTreeMap;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use super::peers::{Peers, peers_dir};

mod id_token;
pub use super::process::{RUN_DEADLINE, RunOutput, Running, count, run_to_end, wait_until};
pub use id_token::{id_token_for_client, public_client_id_token};

/// How the scripted browser (`tests/browser/browser.py`) behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrowserMode {
    /// Follow the IdP, fill its login and consent forms as alice, deliver the callback.
    Login,
    /// First send forged callbacks (wrong state, wrong path, no code, foreign Host), then the
    /// real one, then replay it; the statuses go to the report file.
    Forge,
}

/// One user's runas world: temp `HOME`, config file, cache dir, and the variables of every run.
///
/// Every run through [`Self::run`] is kept, and when the home is dropped (by a test that did
/// not fail otherwise) the secrets in its caches (runas's and the AWS CLI's SSO cache) are
/// searched for in what those runs printed: stderr always, stdout unless printing credentials
/// is the command's purpose. `RUNAS_TEST_RUST_LOG` (e.g. `trace`) sets `RUST_LOG` for every run,
/// so the whole suite can be searched at the most talkative level.
pub struct RunasHome {
    home: tempfile::TempDir,
    vars: BTreeMap<String, String>,
    transcript: std::cell::RefCell<Vec<Transcript>>,
}

/// One run's arguments and output, for the secret search at drop.
struct Transcript {
    args: Vec<String>,
    stdout: String,
    stderr: String,
}

/// Commands whose stdout is credentials by design.
const PRINTS_CREDENTIALS: [&str; 3] = ["env", "credential-process", "s3ag"];
/// Cache-file fields that hold secrets (runas's snake_case, the AWS CLI's camelCase).
const SECRET_FIELDS: [&str; 10] = [
    "id_token",
    "refresh_token",
    "access_token",
    "secret_access_key",
    "session_token",
    "client_secret",
    "accessToken",
    "refreshToken",
    "clientSecret",
    "secretAccessKey",
];

impl RunasHome {
    /// A home whose runs reach the AWS peer through `AWS_ENDPOINT_URL_STS` and log in through the
    /// scripted browser in [`BrowserMode::Login`]. Write the config with [`Self::write_config`].
    pub fn new(peers: &Peers) -> RunasHome {
        let home = tempfile::Builder::new()
            .prefix("runas-home-")
            .tempdir()
            .expect("temp HOME");
        let mut runas_home = RunasHome {
            home,
            vars: BTreeMap::new(),
            transcript: std::cell::RefCell::new(Vec::new()),
        };
        if let Some(level) = std::env::var("RUNAS_TEST_RUST_LOG")
            .ok()
            .filter(|level| !level.is_empty())
        {
            runas_home.set("RUST_LOG", &level);
        }
        let config = runas_home.config_path();
        let cache = runas_home.cache_dir();
        for (name, value) in [
            ("HOME", runas_home.path().display().to_string()),
            ("PATH", "/usr/local/bin:/usr/bin:/bin".to_owned()),
            ("AWS_CONFIG_FILE", config.display().to_string()),
            ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null".to_owned()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
            ("AWS_ENDPOINT_URL_STS", peers.aws_endpoint()),
            ("RUNAS_CACHE_DIR", cache.display().to_string()),
            ("NO_PROXY", "*".to_owned()),
        ] {
            runas_home.set(name, &value);
        }
        runas_home.use_browser(BrowserMode::Login);
        runas_home
    }

    pub fn path(&self) -> &Path {
        self.home.path()
    }

    pub fn config_path(&self) -> PathBuf {
        self.path().join("aws-config")
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.path().join("runas-cache")
    }

    /// Where the scripted browser appends one JSON line per page visit it was asked to report.
    pub fn browser_report(&self) -> PathBuf {
        self.path().join("browser-report.jsonl")
    }

    pub fn set(&mut self, name: &str, value: &str) {
        self.vars.insert(name.to_owned(), value.to_owned());
    }

    pub fn remove(&mut self, name: &str) {
        self.vars.remove(name);
    }

    pub fn write_config(&self, text: &str) {
        std::fs::write(self.config_path(), text).expect("write the AWS config file");
    }

    /// Points `$BROWSER` at a wrapper that runs the scripted browser in `mode` with the peers'
    /// Python (stdlib only; the venv's interpreter needs no pyenv shim and so no real HOME).
    pub fn use_browser(&mut self, mode: BrowserMode) {
        let wrapper = self.path().join(match mode {
            BrowserMode::Login => "browser-login",
            BrowserMode::Forge => "browser-forge",
        });
        let mode_name = match mode {
            BrowserMode::Login => "login",
            BrowserMode::Forge => "forge",
        };
        let script = format!(
            "#!/bin/sh\nBROWSER_MODE={mode_name} BROWSER_REPORT='{}' exec '{}' '{}' \"$@\"\n",
            self.browser_report().display(),
            python().display(),
            browser_script().display()
        );
        write_executable(&wrapper, &script);
        self.set("BROWSER", &wrapper.display().to_string());
    }

    /// `runas ARGS` with exactly this home's variables.
    pub fn command(&self, args: &[&str]) -> Command {
        self.program(runas_binary(), args)
    }

    /// Any `program ARGS` (the AWS CLI, a shell) in the same clean environment as runas.
    pub fn program(&self, program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Command {
        let mut command = Command::new(program);
        command
            .args(args)
            .env_clear()
            .envs(&self.vars)
            .current_dir(self.path())
            .stdin(Stdio::null());
        command
    }

    /// Runs `runas ARGS` to the end (at most [`RUN_DEADLINE`]).
    pub fn run(&self, args: &[&str]) -> RunOutput {
        let output = run_to_end(self.command(args), RUN_DEADLINE);
        self.transcript.borrow_mut().push(Transcript {
            args: args.iter().map(|arg| (*arg).to_owned()).collect(),
            stdout: output.stdout.clone(),
            stderr: output.stderr.clone(),
        });
        output
    }

    /// Every secret in this home's cache files, at least 24 characters long.
    fn cached_secrets(&self) -> Vec<String> {
        let mut secrets = Vec::new();
        let mut pending = vec![self.cache_dir(), self.path().join(".aws/sso/cache")];
        while let Some(dir) = pending.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for path in entries.flatten().map(|entry| entry.path()) {
                if path.is_dir() {
                    pending.push(path);
                } else if path.extension().is_some_and(|ext| ext == "json")
                    && let Ok(text) = std::fs::read_to_string(&path)
                    && let Ok(json) = serde_json::from_str::<Value>(&text)
                {
                    collect_secrets(&json, &mut secrets);
                }
            }
        }
        secrets.retain(|secret| secret.len() >= 24);
        secrets.sort();
        secrets.dedup();
        secrets
    }

    /// Runs `runas ARGS` and panics unless it succeeds.
    pub fn run_ok(&self, args: &[&str]) -> RunOutput {
        self.run(args)
            .succeeded(&format!("runas {}", args.join(" ")))
    }

    /// `runas status --json` as a map from profile name to its row.
    pub fn status(&self) -> BTreeMap<String, Value> {
        let rows = self.run_ok(&["status", "--json"]).json();
        rows.as_array()
            .expect("status --json is an array")
            .iter()
            .map(|row| {
                (
                    row["name"].as_str().expect("a name").to_owned(),
                    row.clone(),
                )
            })
            .collect()
    }

    /// The cache files under `kind` (`tokens`, `credentials`, `locks`), sorted.
    pub fn cache_files(&self, kind: &str) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(self.cache_dir().join(kind)) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = entries
            .map(|entry| entry.expect("a directory entry").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
            .collect();
        files.sort();
        files
    }

    /// The credentials cache file of `profile` (`credentials/credentials_PROFILE-HASH.json`).
    pub fn credentials_file(&self, profile: &str) -> PathBuf {
        let prefix = format!("credentials_{profile}-");
        let found: Vec<PathBuf> = self
            .cache_files("credentials")
            .into_iter()
            .filter(|path| {
                path.file_name()
                    .and_then(|name| name.to_str())
                    .is_some_and(|name| name.starts_with(&prefix))
            })
            .collect();
        assert_eq!(found.len(), 1, "credentials files of {profile}: {found:?}");
        found.into_iter().next().expect("one file")
    }

    /// The only tokens cache file's `entry`.
    pub fn token_entry(&self) -> Value {
        let files = self.cache_files("tokens");
        assert_eq!(files.len(), 1, "token files: {files:?}");
        read_json(&files[0])["entry"].clone()
    }

    pub fn credentials_entry(&self, profile: &str) -> Value {
        read_json(&self.credentials_file(profile))["entry"].clone()
    }
}

impl Drop for RunasHome {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let secrets = self.cached_secrets();
        for run in self.transcript.borrow().iter() {
            // The subcommand, after a leading `--config PATH`.
            let args = match run.args.first().map(String::as_str) {
                Some("--config") => run.args.get(2..).unwrap_or_default(),
                _ => &run.args[..],
            };
            let stdout_may_hold_credentials = args.first().is_some_and(|command| {
                PRINTS_CREDENTIALS.contains(&command.as_str())
                    && args.get(1).is_none_or(|sub| sub != "list")
            });
            let mut shown = run.stderr.clone();
            if !stdout_may_hold_credentials {
                shown.push_str(&run.stdout);
            }
            for secret in &secrets {
                // The tail also catches a secret cut short at the front; for a JWT it is the
                // signature, which no other token shares.
                let tail = &secret[secret.len() - 24..];
                assert!(
                    !shown.contains(tail),
                    "`runas {}` printed a cached secret ending {:?}",
                    run.args.join(" "),
                    &secret[secret.len() - 4..]
                );
            }
        }
    }
}

fn collect_secrets(json: &Value, secrets: &mut Vec<String>) {
    match json {
        Value::Object(fields) => {
            for (name, value) in fields {
                match value {
                    Value::String(text) if SECRET_FIELDS.contains(&name.as_str()) => {
                        secrets.push(text.clone());
                    }
                    other => collect_secrets(other, secrets),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_secrets(item, secrets)),
        _ => {}
    }
}

/// `[default]` for the peers' IdP and its public client; profiles inherit it.
pub fn idp_defaults(peers: &Peers) -> String {
    format!(
        "[default]\nweb_identity_auth_url = {}\nweb_identity_client_id = runas-cli\n\
         web_identity_provider = oidc\n\n",
        peers.issuer()
    )
}

/// A callback URI on a port that was free a moment ago.
pub fn free_callback_uri() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free loopback port");
    let port = listener.local_addr().expect("bound address").port();
    format!("http://127.0.0.1:{port}/callback")
}

pub fn read_json(path: &Path) -> Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

pub fn runas_binary() -> &'static str {
    env!("CARGO_BIN_EXE_runas")
}

pub fn python() -> PathBuf {
    peers_dir().join("venv").join("bin").join("python")
}

pub fn browser_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("browser")
        .join("browser.py")
}

pub fn write_executable(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).expect("write a script");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700)).expect("chmod a script");
}
