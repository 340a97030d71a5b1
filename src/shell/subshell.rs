//! An interactive shell with a hand-off's environment (`runas shell PROFILE`, the TUI's shell
//! key). Owns the choice of shell and the refusal to nest; the TUI suspends and restores the
//! terminal around [`run`], this module never touches it.
//!
//! The decision is the pure [`plan`], which reads the current environment only through the
//! lookup it is given, so tests need not change the process environment.

use std::ffi::OsString;
use std::fs::File;
use std::process::ExitStatus;

use super::{Environment, Handoff, ShellError, exec, vars};

/// The shell to start and the environment to start it with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub program: OsString,
    pub environment: Environment,
}

/// Decides what [`run`] would start, given the current environment as `lookup`.
///
/// A non-empty `RUNAS_PROFILE` means this process already runs inside a runas shell; nesting
/// would stack credentials that are easy to lose track of, so it is refused unless `force`.
/// The shell is `$SHELL` (on Windows `%COMSPEC%`), falling back to `/bin/sh` (`cmd.exe`).
pub fn plan(
    handoff: &Handoff,
    lookup: impl Fn(&str) -> Option<OsString>,
    force: bool,
) -> Result<Plan, ShellError> {
    Ok(Plan {
        program: shell_program(lookup, force)?,
        environment: handoff.environment(),
    })
}

/// The shell to start, or the refusal to nest; shared by [`plan`] and [`run_environment`].
fn shell_program(
    lookup: impl Fn(&str) -> Option<OsString>,
    force: bool,
) -> Result<OsString, ShellError> {
    let present = |name: &str| lookup(name).filter(|value| !value.is_empty());
    if !force && let Some(current) = present(vars::RUNAS_PROFILE) {
        return Err(ShellError::Nested {
            current_profile: current.to_string_lossy().into_owned(),
        });
    }
    let (shell_variable, fallback) = if cfg!(windows) {
        ("COMSPEC", "cmd.exe")
    } else {
        ("SHELL", "/bin/sh")
    };
    Ok(present(shell_variable).unwrap_or_else(|| OsString::from(fallback)))
}

/// Starts the shell with any prepared environment (the credentials endpoint's variables
/// instead of keys) and waits until the person leaves it; on `terminal` when given.
pub fn run_environment(
    environment: &Environment,
    force: bool,
    terminal: Option<&File>,
) -> Result<ExitStatus, ShellError> {
    let program = shell_program(|name| std::env::var_os(name), force)?;
    exec::run_with(environment, &program, std::iter::empty::<&str>(), terminal)
}

/// The line printed before a shell starts, so the person sees where they are: which profile
/// and role, until when, and how to get back.
pub fn banner(
    profile: &str,
    role_arn: Option<&str>,
    expiration: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> String {
    let role = role_arn.map(|arn| format!(" as {arn}")).unwrap_or_default();
    let left = (expiration - now).num_minutes().max(0);
    format!(
        "runas: a shell for {profile}{role}; credentials until {} ({left} min left); exit returns to runas",
        expiration.format("%H:%M:%S UTC")
    )
}

/// Starts the shell planned from the real environment and waits until the person leaves it.
/// The shell gets runas's own stdin, stdout and stderr.
pub fn run(handoff: &Handoff, force: bool) -> Result<ExitStatus, ShellError> {
    let plan = plan(handoff, |name| std::env::var_os(name), force)?;
    exec::run_with(
        &plan.environment,
        &plan.program,
        std::iter::empty::<&str>(),
        None,
    )
}

/// Like [`run`], but the shell's stdin, stdout and stderr are `terminal`: the TUI's shell key
/// must not hand the shell runas's stdout, which `eval "$(runas)"` captures and would evaluate.
pub fn run_on_terminal(
    handoff: &Handoff,
    force: bool,
    terminal: &File,
) -> Result<ExitStatus, ShellError> {
    let plan = plan(handoff, |name| std::env::var_os(name), force)?;
    exec::run_with(
        &plan.environment,
        &plan.program,
        std::iter::empty::<&str>(),
        Some(terminal),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_banner_names_profile_role_expiry_and_the_way_back() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-05T10:00:00Z")
            .unwrap()
            .to_utc();
        let line = super::banner(
            "dev",
            Some("arn:aws:iam::123456789012:role/dev"),
            now + chrono::Duration::minutes(42),
            now,
        );
        assert_eq!(
            line,
            "runas: a shell for dev as arn:aws:iam::123456789012:role/dev; credentials until \
             10:42:00 UTC (42 min left); exit returns to runas"
        );
    }

    use std::collections::HashMap;

    use super::*;
    use crate::shell::test_support::handoff;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let map: HashMap<String, OsString> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn refuses_to_nest_and_names_the_current_profile() {
        let current = env_of(&[("RUNAS_PROFILE", "prod-admin"), ("SHELL", "/bin/bash")]);
        let err = plan(&handoff("s", "t", None), current, false).unwrap_err();
        assert!(
            matches!(&err, ShellError::Nested { current_profile } if current_profile == "prod-admin"),
            "{err:?}"
        );
        let message = err.to_string();
        assert!(
            message.contains("prod-admin") && message.contains("--force"),
            "{message}"
        );
    }

    #[test]
    fn force_nests_anyway_with_the_new_profile() {
        let current = env_of(&[("RUNAS_PROFILE", "prod-admin"), ("SHELL", "/usr/bin/fish")]);
        let plan = plan(&handoff("s", "t", None), current, true).unwrap();
        assert_eq!(plan.environment.get("RUNAS_PROFILE"), Some("dev-admin"));
        if !cfg!(windows) {
            assert_eq!(plan.program, "/usr/bin/fish");
        }
    }

    #[test]
    fn uses_shell_and_falls_back_when_unset_or_empty() {
        let handoff = handoff("s", "t", None);
        let empty_marker = env_of(&[("RUNAS_PROFILE", ""), ("SHELL", "/bin/zsh")]);
        let plan_with_shell = plan(&handoff, empty_marker, false).unwrap();
        let without = plan(&handoff, env_of(&[("SHELL", "")]), false).unwrap();
        if cfg!(windows) {
            assert_eq!(without.program, "cmd.exe");
        } else {
            assert_eq!(plan_with_shell.program, "/bin/zsh");
            assert_eq!(without.program, "/bin/sh");
        }
        assert!(without.environment.unset.contains(&"AWS_PROFILE"));
    }
}
