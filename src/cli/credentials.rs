//! The subcommands that obtain a profile's credentials and hand them on: `login`,
//! `credential-process`, `env`, `exec` and `shell`.

use std::process::ExitCode;

use anyhow::Context;
use chrono::Utc;

use super::args::{EnvArgs, ExecArgs, LoginArgs, OverrideArgs, ProfileArgs, ShellArgs};
use super::output::print_stdout;
use super::session_io::{obtain, open_session_for};
use crate::session::{Obtained, Origin, RunOverrides, Session, SessionOptions};
use crate::shell::{self, Handoff, export};

/// The session with the command line's `--region` and `--duration` applied to `profile`.
pub fn open_session_with(
    config: &std::path::Path,
    profile: &str,
    overrides: &OverrideArgs,
) -> anyhow::Result<Session> {
    let overrides = RunOverrides {
        region: overrides.region.clone(),
        duration: overrides.duration,
    };
    Ok(open_session_for(config, profile)?.with_overrides(profile, &overrides)?)
}

pub fn login(config: &std::path::Path, args: &LoginArgs) -> anyhow::Result<ExitCode> {
    let session = open_session_with(config, &args.profile, &args.overrides)?;
    let options = SessionOptions {
        force_login: args.force,
        prefer_device: args.device,
        open_browser: !args.no_browser,
        ..SessionOptions::default()
    };
    let obtained = super::runtime()?.block_on(obtain(&session, &args.profile, &options))?;
    let entry = &obtained.entry;
    let remaining = entry.credentials.remaining(Utc::now());
    eprintln!(
        "runas: {}: {} {}, expires {} (in {})",
        args.profile,
        match obtained.origin {
            Origin::Cache => "already logged in as",
            Origin::Exchanged => "logged in as",
        },
        // IAM Identity Center does not name the role session; its role stands in.
        entry
            .assumed_role_arn
            .as_deref()
            .or(entry.role_arn.as_deref())
            .unwrap_or("?"),
        entry.credentials.expiration.format("%Y-%m-%d %H:%M:%S UTC"),
        human_duration(remaining),
    );
    Ok(ExitCode::SUCCESS)
}

pub fn credential_process(
    config: &std::path::Path,
    args: &ProfileArgs,
) -> anyhow::Result<ExitCode> {
    let (_, obtained) = obtain_for(config, &args.profile, &args.overrides)?;
    let json = shell::credential_process_json(&obtained.entry.credentials);
    print_stdout(&format!("{json}\n")).context("cannot write to stdout")?;
    Ok(ExitCode::SUCCESS)
}

pub fn env(config: &std::path::Path, args: &EnvArgs) -> anyhow::Result<ExitCode> {
    let format = match &args.format {
        Some(format) => format.parse::<export::Format>()?,
        None => {
            std::env::var_os("SHELL").map_or(export::Format::Sh, export::Format::from_shell_path)
        }
    };
    let handoff = handoff(config, &args.profile, &args.overrides)?;
    print_stdout(&export::render(&handoff, format)).context("cannot write to stdout")?;
    Ok(ExitCode::SUCCESS)
}

pub fn exec(config: &std::path::Path, args: &ExecArgs) -> anyhow::Result<ExitCode> {
    let handoff = handoff(config, &args.profile, &args.overrides)?;
    let (program, rest) = args
        .command
        .split_first()
        .context("no command given; usage: runas exec PROFILE -- COMMAND [ARGS...]")?;
    let status = shell::exec::run(&handoff, program, rest)?;
    Ok(exit_code(shell::exit_code(status)))
}

pub fn shell(config: &std::path::Path, args: &ShellArgs) -> anyhow::Result<ExitCode> {
    let (handoff, role_arn) = handoff_and_role(config, &args.profile, &args.overrides)?;
    eprintln!(
        "{}",
        shell::subshell::banner(
            &args.profile,
            role_arn.as_deref(),
            handoff.credentials.expiration,
            chrono::Utc::now()
        )
    );
    let status = shell::subshell::run(&handoff, args.force)?;
    Ok(exit_code(shell::exit_code(status)))
}

fn obtain_for(
    config: &std::path::Path,
    profile: &str,
    overrides: &OverrideArgs,
) -> anyhow::Result<(Session, Obtained)> {
    let session = open_session_with(config, profile, overrides)?;
    let obtained =
        super::runtime()?.block_on(obtain(&session, profile, &SessionOptions::default()))?;
    Ok((session, obtained))
}

fn handoff(
    config: &std::path::Path,
    profile: &str,
    overrides: &OverrideArgs,
) -> anyhow::Result<Handoff> {
    Ok(handoff_and_role(config, profile, overrides)?.0)
}

/// The hand-off and the role its credentials are for (the assumed-role ARN STS returned, else
/// the configured role), for messages.
fn handoff_and_role(
    config: &std::path::Path,
    profile: &str,
    overrides: &OverrideArgs,
) -> anyhow::Result<(Handoff, Option<String>)> {
    let (session, obtained) = obtain_for(config, profile, overrides)?;
    let configured = session.profile(profile).ok();
    // Only a region the person chose is exported; STS's fallback region is not a preference.
    let region = configured.and_then(|p| p.region.clone());
    let role_arn = obtained
        .entry
        .assumed_role_arn
        .or_else(|| configured.and_then(|p| p.role_arn.clone()));
    let handoff = Handoff {
        profile: profile.to_owned(),
        region,
        credentials: obtained.entry.credentials,
    };
    Ok((handoff, role_arn))
}

/// A child's exit code as ours; codes outside 0..=255 (Windows) become 1.
pub(super) fn exit_code(code: i32) -> ExitCode {
    u8::try_from(code).map_or(ExitCode::FAILURE, ExitCode::from)
}

/// `42m 10s`, `3h 05m`, `12s`.
pub fn human_duration(duration: chrono::Duration) -> String {
    let seconds = duration.num_seconds().max(0);
    match (seconds / 3600, (seconds % 3600) / 60, seconds % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m {s:02}s"),
        (h, m, _) => format!("{h}h {m:02}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_a_countdown() {
        assert_eq!(human_duration(chrono::Duration::seconds(12)), "12s");
        assert_eq!(
            human_duration(chrono::Duration::seconds(42 * 60 + 10)),
            "42m 10s"
        );
        assert_eq!(
            human_duration(chrono::Duration::seconds(3 * 3600 + 5 * 60)),
            "3h 05m"
        );
        assert_eq!(human_duration(chrono::Duration::seconds(-5)), "0s");
    }
}
