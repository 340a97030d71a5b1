//! `runas completions SHELL` and the profile names completion offers. runas uses
//! clap_complete's dynamic completion: the printed shell code asks the binary itself at each
//! TAB (`COMPLETE=SHELL runas -- WORDS…`, answered in `main` before anything else runs), so
//! subcommands, flags and values can never drift from the installed binary, and profile names
//! come from the config file as it is at that moment. A static script could only have
//! completed profile names by calling back into runas anyway. Completion reads the config's
//! section headers and nothing else: no cache, no network.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap_complete::CompletionCandidate;
use clap_complete::env::Shells;

use super::args::{CompletionShell, CompletionsArgs};
use crate::config;

/// The variable the completion code sets when it calls runas back (clap_complete's default).
pub const COMPLETE_VAR: &str = "COMPLETE";

pub fn run(args: &CompletionsArgs) -> anyhow::Result<ExitCode> {
    let name = match args.shell {
        CompletionShell::Bash => "bash",
        CompletionShell::Zsh => "zsh",
        CompletionShell::Fish => "fish",
        CompletionShell::Powershell => "powershell",
    };
    let shells = Shells::builtins();
    let shell = shells
        .completer(name)
        .with_context(|| format!("clap_complete has no {name} support"))?;
    let completer = completer_path(std::env::args_os().next(), std::env::current_dir().ok());
    let mut script = Vec::new();
    shell
        .write_registration(
            COMPLETE_VAR,
            "runas",
            "runas",
            &completer.to_string_lossy(),
            &mut script,
        )
        .context("cannot write the completion code")?;
    std::io::stdout()
        .write_all(&script)
        .context("cannot write to stdout")?;
    Ok(ExitCode::SUCCESS)
}

/// The program the completion code calls back: this binary as it was invoked (`runas` found on
/// `PATH` stays `runas`; a path is made absolute, so the code works from any directory).
fn completer_path(argv0: Option<OsString>, current_dir: Option<PathBuf>) -> PathBuf {
    let invoked = PathBuf::from(argv0.unwrap_or_else(|| "runas".into()));
    match current_dir {
        Some(dir) if invoked.components().count() > 1 && invoked.is_relative() => dir.join(invoked),
        _ => invoked,
    }
}

/// Completion candidates for a profile argument: the names in the config file the command
/// line being completed reads (`--config`, else `$AWS_CONFIG_FILE`, else `~/.aws/config`).
/// Any failure means no candidates: completion must never print an error into the prompt.
pub fn profile_names() -> Vec<CompletionCandidate> {
    let words: Vec<OsString> = std::env::args_os().collect();
    let path = match config_flag(&words) {
        Some(path) => path,
        None => match config::default_path() {
            Ok(path) => path,
            Err(_) => return Vec::new(),
        },
    };
    names_in(&path)
        .into_iter()
        .map(CompletionCandidate::new)
        .collect()
}

fn names_in(path: &Path) -> Vec<String> {
    match std::fs::read(path) {
        Ok(bytes) => config::profile_names(&String::from_utf8_lossy(&bytes)),
        Err(_) => Vec::new(),
    }
}

/// The value of `--config PATH` or `--config=PATH` among the words being completed.
fn config_flag(words: &[OsString]) -> Option<PathBuf> {
    let mut words = words.iter().map(|word| word.to_string_lossy());
    while let Some(word) = words.next() {
        if word == "--config" {
            return words.next().map(|value| PathBuf::from(value.as_ref()));
        }
        if let Some(value) = word.strip_prefix("--config=") {
            return Some(PathBuf::from(value));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_completer_is_this_binary_as_invoked() {
        let cwd = Some(PathBuf::from("/home/me"));
        assert_eq!(
            completer_path(Some("runas".into()), cwd.clone()),
            PathBuf::from("runas")
        );
        assert_eq!(
            completer_path(Some("./target/debug/runas".into()), cwd.clone()),
            PathBuf::from("/home/me/./target/debug/runas")
        );
        assert_eq!(
            completer_path(Some("/usr/bin/runas".into()), cwd),
            PathBuf::from("/usr/bin/runas")
        );
    }

    #[test]
    fn the_config_flag_of_the_line_being_completed_is_honoured() {
        let words = |line: &str| line.split(' ').map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            config_flag(&words("runas -- runas login --config /c de")),
            Some(PathBuf::from("/c"))
        );
        assert_eq!(
            config_flag(&words("runas -- runas --config=/d login de")),
            Some(PathBuf::from("/d"))
        );
        assert_eq!(config_flag(&words("runas -- runas login de")), None);
    }

    #[test]
    fn names_come_from_the_headers_and_a_missing_file_gives_none() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(&path, "[profile dev-admin]\nregion = x\n[profile prod]\n").unwrap();
        assert_eq!(names_in(&path), vec!["dev-admin", "prod"]);
        assert!(names_in(&dir.path().join("missing")).is_empty());
    }
}
