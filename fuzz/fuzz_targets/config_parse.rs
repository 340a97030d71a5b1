//! The AWS config parser over arbitrary bytes, as a config file and, after the first NUL
//! byte, a credentials file merged into it. Beyond "no panic" it checks what the rest of
//! runas relies on: every line number points into its own file, profile names are non-empty and
//! unique, issues sit in the list matching their severity and name their own profile, and the
//! config module logs no warning. (Until main's 6a3436c, rust-ini read a sanitised copy at run
//! time and a warning meant it disagreed with the pre-scan; that is how the tripwire found two
//! bugs. It stays as a guard: parsing has nothing to warn about, it returns issues.)

#![no_main]

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Once;

use libfuzzer_sys::fuzz_target;
use runas::config::{Config, ConfigIssue, Severity};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

const CONFIG_PATH: &str = "/fuzz/config";
const CREDENTIALS_PATH: &str = "/fuzz/credentials";

fuzz_target!(|bytes: &[u8]| {
    install_disagreement_tripwire();
    let (config_bytes, credentials_bytes) = match bytes.iter().position(|&byte| byte == 0) {
        Some(at) => (&bytes[..at], &bytes[at + 1..]),
        None => (bytes, &[][..]),
    };
    match (
        std::str::from_utf8(config_bytes),
        std::str::from_utf8(credentials_bytes),
    ) {
        (Ok(config_text), Ok(credentials_text)) => {
            let config = runas::config::parse_with_credentials(
                Path::new(CONFIG_PATH),
                config_text,
                Path::new(CREDENTIALS_PATH),
                credentials_text,
            );
            let files = Files {
                config: (PathBuf::from(CONFIG_PATH), line_count(config_text)),
                credentials: (PathBuf::from(CREDENTIALS_PATH), line_count(credentials_text)),
            };
            check(&config, &files);
        }
        // Non-UTF-8 bytes only reach the parser through `load`, which numbers the bad lines.
        _ => {
            let (config_path, credentials_path) = scratch_files();
            // A harness that cannot write its temp dir cannot fuzz at all; stopping is right.
            std::fs::write(&config_path, config_bytes).expect("write the scratch config file");
            std::fs::write(&credentials_path, credentials_bytes)
                .expect("write the scratch credentials file");
            let config =
                runas::config::load_with_credentials(&config_path, Some(&credentials_path))
                    .expect("load the scratch files");
            let files = Files {
                config: (
                    config_path,
                    line_count(&String::from_utf8_lossy(config_bytes)),
                ),
                credentials: (
                    credentials_path,
                    line_count(&String::from_utf8_lossy(credentials_bytes)),
                ),
            };
            check(&config, &files);
        }
    }
});

fn line_count(text: &str) -> usize {
    text.split('\n').count()
}

/// Each file's path and its number of lines.
struct Files {
    config: (PathBuf, usize),
    credentials: (PathBuf, usize),
}

impl Files {
    fn lines_of(&self, path: &Path) -> usize {
        if path == self.config.0 {
            self.config.1
        } else {
            assert_eq!(path, self.credentials.0, "an issue in a third file");
            self.credentials.1
        }
    }
}

fn scratch_files() -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir();
    let id = std::process::id();
    (
        dir.join(format!("runas-fuzz-config-{id}")),
        dir.join(format!("runas-fuzz-credentials-{id}")),
    )
}

fn check(config: &Config, files: &Files) {
    let check_issue = |issue: &ConfigIssue, profile: Option<&str>, severity: Option<Severity>| {
        let line_count = files.lines_of(&issue.file);
        assert!(
            (1..=line_count).contains(&issue.line),
            "issue on line {} of a {line_count}-line file: {issue}",
            issue.line
        );
        assert!(!issue.message.is_empty(), "{issue:?}");
        if let Some(severity) = severity {
            assert_eq!(issue.severity, severity, "{issue}");
        }
        if let Some(profile) = profile {
            assert_eq!(issue.profile.as_deref(), Some(profile), "{issue}");
        }
        let _shown = issue.to_string();
    };

    for issue in &config.issues {
        check_issue(issue, None, None);
    }
    let mut names = HashSet::new();
    for profile in &config.profiles {
        assert!(!profile.name.is_empty(), "a profile without a name");
        assert!(
            names.insert(profile.name.as_str()),
            "profile {} twice",
            profile.name
        );
        assert!(
            (1..=files.lines_of(&profile.file)).contains(&profile.line),
            "profile {} on line {}",
            profile.name,
            profile.line
        );
        for entry in &profile.entries {
            let file = if entry.in_credentials_file {
                &files.credentials
            } else {
                &files.config
            };
            assert!(
                (1..=file.1).contains(&entry.line),
                "key {} on line {}",
                entry.key,
                entry.line
            );
        }
        for issue in &profile.errors {
            check_issue(issue, Some(&profile.name), Some(Severity::Error));
        }
        for issue in &profile.warnings {
            check_issue(issue, Some(&profile.name), Some(Severity::Warning));
        }
        assert_eq!(profile.is_usable(), profile.errors.is_empty());
        let _shown = format!("{profile:?}");
    }
    let mut session_names = HashSet::new();
    for session in &config.sso_sessions {
        assert!(!session.name.is_empty(), "an sso-session without a name");
        assert!(
            session_names.insert(session.name.as_str()),
            "sso-session {} twice",
            session.name
        );
        assert!((1..=files.config.1).contains(&session.line));
        for issue in &session.errors {
            check_issue(issue, None, None);
        }
    }
}

/// Panics on any warning the config module logs: problems belong in the returned issues.
struct DisagreementTripwire;

impl<S: Subscriber> Layer<S> for DisagreementTripwire {
    fn on_event(&self, event: &Event<'_>, _context: Context<'_, S>) {
        let metadata = event.metadata();
        if *metadata.level() <= Level::WARN && metadata.target().starts_with("runas::config") {
            let mut fields = FieldText(String::new());
            event.record(&mut fields);
            panic!("{} warned:{}", metadata.target(), fields.0);
        }
    }
}

struct FieldText(String);

impl Visit for FieldText {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!(" {}={value:?}", field.name()));
    }
}

fn install_disagreement_tripwire() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        tracing_subscriber::registry()
            .with(DisagreementTripwire)
            .init();
    });
}
