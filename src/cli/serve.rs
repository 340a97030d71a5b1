//! The subcommands that hand credentials on through the loopback credentials endpoint
//! instead of fixed keys: `runas serve PROFILE` (the endpoint in the foreground, for an IDE or
//! another terminal), `runas exec --server` and `runas shell --server` (the endpoint for
//! exactly the life of one child). Owns their stdout (the export lines of `serve`), the
//! request log on stderr and the exit codes; the endpoint itself is `crate::server`'s.

use std::ffi::OsString;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use chrono::SecondsFormat;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use super::args::{ExecArgs, ServeArgs, ShellArgs};
use super::credentials::exit_code;
use super::output::print_stdout;
use super::session_io::{open_session_for, prompt_printer};
use crate::server::{Answered, Endpoint};
use crate::session::{Session, SessionEvent, SessionOptions};
use crate::shell::{self, Environment, export};

pub fn serve(config: &std::path::Path, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let format = match &args.format {
        Some(format) => format.parse::<export::Format>()?,
        None => {
            std::env::var_os("SHELL").map_or(export::Format::Sh, export::Format::from_shell_path)
        }
    };
    let session = Arc::new(open_session_for(config, &args.profile)?);
    let region = region_of(&session, &args.profile);
    super::runtime()?.block_on(async {
        // Before anything is printed: whoever reads the export lines may stop runas at once.
        let mut stop = StopSignals::install()?;
        let (prompts, _printer) = prompt_printer();
        let (log, mut answered) = unbounded_channel::<Answered>();
        // Ctrl-C must also end a login that is still waiting for the person.
        let endpoint = tokio::select! {
            endpoint = start(&session, &args.profile, prompts, Some(log)) => endpoint?,
            () = stop.wait() => return anyhow::Ok(()),
        };
        let environment = endpoint.child_environment(region.as_deref());
        print_stdout(&export::render_environment(&environment, format))
            .context("cannot write to stdout")?;
        eprintln!(
            "runas: serving the credentials of {} on {} (renewed ahead of expiry); \
             Ctrl-C stops",
            args.profile,
            endpoint.url()
        );
        tokio::spawn(async move {
            while let Some(line) = answered.recv().await {
                eprintln!("{}", request_log_line(&line));
            }
        });
        tokio::select! {
            () = endpoint.serve() => {}
            () = stop.wait() => {}
        }
        eprintln!("runas: stopped serving {}", args.profile);
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

pub fn exec(config: &std::path::Path, args: &ExecArgs) -> anyhow::Result<ExitCode> {
    let (program, rest) = args
        .command
        .split_first()
        .context("no command given; usage: runas exec --server PROFILE -- COMMAND [ARGS...]")?;
    let program = program.clone();
    let rest: Vec<OsString> = rest.to_vec();
    with_endpoint(config, &args.profile, move |environment| {
        shell::exec::run_with(&environment, &program, rest, None)
    })
}

pub fn shell(config: &std::path::Path, args: &ShellArgs) -> anyhow::Result<ExitCode> {
    eprintln!(
        "runas: starting a shell for {} with a credentials endpoint (renewed while the shell \
         runs); exit to return",
        args.profile
    );
    let force = args.force;
    with_endpoint(config, &args.profile, move |environment| {
        shell::subshell::run_environment(&environment, force, None)
    })
}

/// Obtains the profile's credentials, binds an endpoint, runs `child` (on a blocking thread)
/// with the endpoint's environment while serving, and stops serving when it exits.
fn with_endpoint(
    config: &std::path::Path,
    profile: &str,
    child: impl FnOnce(Environment) -> Result<std::process::ExitStatus, shell::ShellError>
    + Send
    + 'static,
) -> anyhow::Result<ExitCode> {
    let session = Arc::new(open_session_for(config, profile)?);
    let region = region_of(&session, profile);
    let status = super::runtime()?.block_on(async {
        let (prompts, _printer) = prompt_printer();
        let endpoint = start(&session, profile, prompts, None).await?;
        let environment = endpoint.child_environment(region.as_deref());
        let serving = tokio::spawn(endpoint.serve());
        let finished = tokio::task::spawn_blocking(move || child(environment)).await;
        // Exactly the child's life: the port closes and renewal stops with it.
        serving.abort();
        anyhow::Ok(finished.context("the child's task failed")??)
    })?;
    Ok(exit_code(shell::exit_code(status)))
}

/// The profile's credentials (a login if needed, prompts on the terminal), then an endpoint
/// bound on loopback that keeps them current.
async fn start(
    session: &Arc<Session>,
    profile: &str,
    prompts: UnboundedSender<SessionEvent>,
    log: Option<UnboundedSender<Answered>>,
) -> anyhow::Result<Endpoint> {
    let obtained = session
        .credentials(profile, &SessionOptions::default(), &prompts)
        .await?;
    Ok(Endpoint::bind(Arc::clone(session), profile, obtained.entry, prompts, log).await?)
}

/// Only a region the person chose is exported; STS's fallback region is not a preference.
fn region_of(session: &Session, profile: &str) -> Option<String> {
    session.profile(profile).ok().and_then(|p| p.region.clone())
}

/// `2026-12-06T01:02:03Z 200 credentials expire 2026-12-06T01:17:03Z`, or the reason of a
/// refusal. Never a secret: an [`Answered`] holds none.
pub fn request_log_line(answered: &Answered) -> String {
    let at = answered.at.to_rfc3339_opts(SecondsFormat::Secs, true);
    match (&answered.expiration, &answered.reason) {
        (Some(expiration), _) => format!(
            "runas: {at} {} credentials expire {}",
            answered.status,
            expiration.to_rfc3339_opts(SecondsFormat::Secs, true)
        ),
        (None, Some(reason)) => format!("runas: {at} {} {reason}", answered.status),
        (None, None) => format!("runas: {at} {}", answered.status),
    }
}

/// Ctrl-C and SIGTERM, caught from the moment of installing so neither can kill runas
/// between printing the export lines and serving.
struct StopSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn install() -> anyhow::Result<StopSignals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(StopSignals {
                interrupt: signal(SignalKind::interrupt()).context("cannot catch Ctrl-C")?,
                terminate: signal(SignalKind::terminate()).context("cannot catch SIGTERM")?,
            })
        }
        #[cfg(not(unix))]
        Ok(StopSignals {})
    }

    async fn wait(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}
