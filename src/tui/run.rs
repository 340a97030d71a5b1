//! The event loop: loads the config, takes the terminal, then draws, waits for the next input,
//! tick or task message, hands it to `update` and carries out the effects. Effects that need
//! the terminal (shell, clipboard, quit) are done here; the rest go to the effect runner.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use crossterm::event::{Event, EventStream, MouseEventKind};
use futures_util::StreamExt;
use tokio::sync::mpsc::unbounded_channel;

use super::effects::Runner;
use super::msg::{Effect, Msg, Outcome};
use super::rows::rows_from_config;
use super::state::App;
use super::terminal::{TerminalGuard, open_tty, osc52};
use super::update::update;
use super::view::view;
use crate::cache::{self, CacheError, DetectionCache, store::Store};
use crate::config::{self, Config, ConfigError};
use crate::session::{Session, SessionError};
use crate::shell::{self, Format, Handoff};

/// What the caller passes in; `None` fields fall back to the environment.
#[derive(Debug, Clone, Default)]
pub struct TuiOptions {
    /// The AWS config file; `None` means `$AWS_CONFIG_FILE` or `~/.aws/config`.
    pub config_path: Option<PathBuf>,
    /// The syntax of the export lines; `None` means the one of `$SHELL`.
    pub format: Option<Format>,
}

#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    /// No controlling terminal (cron, CI, a pipe with no tty): say what to run instead.
    #[error(
        "the full-screen view needs a terminal and this process has none (/dev/tty: {0}); \
         without one, use a subcommand: `runas list` shows the profiles, `runas env PROFILE` \
         prints export lines, `runas exec PROFILE -- COMMAND` runs a command with the \
         credentials (`runas --help` lists them all)"
    )]
    NoTerminal(std::io::Error),
    #[error("the terminal: {0}")]
    Terminal(#[from] std::io::Error),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error(transparent)]
    Session(#[from] SessionError),
}

/// Opens the TUI on the terminal and returns what the person chose once it is closed and the
/// terminal restored; the caller prints [`Outcome::stdout_text`].
pub async fn run(options: TuiOptions) -> Result<Outcome, TuiError> {
    // Checked before anything else is read: without a terminal nothing below is of use.
    open_tty().map_err(TuiError::NoTerminal)?;
    let path = match options.config_path {
        Some(path) => path,
        None => config::default_path()?,
    };
    let (config, notes) = load_config(path.clone());
    let config = Arc::new(config);
    let cache_dir = cache::dir()?;
    let session = Arc::new(
        Session::new(Arc::clone(&config), Store::new(cache_dir.clone()))
            .with_captured_process_stderr(),
    );
    // Only a convenience: without it, URLs that need a probe show `?` until a login.
    let detections = DetectionCache::load(&cache_dir).ok();
    let mut app = App::new(
        path,
        rows_from_config(&config, detections.as_ref(), Utc::now()),
        notes,
    );
    app.color = std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty());
    app.export_format = options
        .format
        .unwrap_or_else(|| std::env::var_os("SHELL").map_or(Format::Sh, Format::from_shell_path));
    let mut guard = TerminalGuard::enter()?;
    fit_to_terminal(&mut app, &mut guard)?;
    let (messages, mut inbox) = unbounded_channel();
    let mut runner = Runner::new(session, messages.clone());
    // Decided before the first frame, so it shows the discoveries as started, but run after
    // it: the cache read stats every profile's cache files (at 10,000 profiles it took as many
    // instructions as building the rows) and only competed with the first frame for the CPU.
    let mut startup_effects = Some(
        std::iter::once(Effect::ReadCache)
            .chain(super::sso_keys::discover_all(&mut app))
            .collect::<Vec<_>>(),
    );
    let mut input = EventStream::new();
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        guard
            .terminal()
            .draw(|frame| view(&app, Utc::now(), frame))?;
        for effect in startup_effects.take().into_iter().flatten() {
            runner.run(effect);
        }
        let msg = tokio::select! {
            _ = ticks.tick() => Msg::Tick,
            Some(msg) = inbox.recv() => msg,
            Some(event) = input.next() => match event? {
                Event::Key(key) => Msg::Key(key),
                // Motion reports would only redraw an unchanged screen.
                Event::Mouse(mouse) if mouse.kind == MouseEventKind::Moved => continue,
                Event::Mouse(mouse) => Msg::Mouse(mouse),
                Event::Resize(width, height) => Msg::Resize { width, height },
                _ => continue,
            },
        };
        for effect in update(&mut app, msg) {
            match effect {
                Effect::Quit(outcome) => {
                    drop(guard);
                    return Ok(outcome);
                }
                Effect::Shell(handoff) => {
                    // Input is paused (the stream dropped) so the shell gets every key.
                    drop(input);
                    let role_arn = app
                        .rows
                        .iter()
                        .find(|row| row.name == handoff.profile)
                        .and_then(|row| row.role_arn.clone());
                    let result = run_shell(&mut guard, handoff, role_arn).await;
                    input = EventStream::new();
                    fit_to_terminal(&mut app, &mut guard)?;
                    let _ = messages.send(result?);
                }
                Effect::ServerShell(handoff) => {
                    drop(input);
                    let result = run_server_shell(&mut guard, runner.session(), handoff).await;
                    input = EventStream::new();
                    fit_to_terminal(&mut app, &mut guard)?;
                    let _ = messages.send(result?);
                }
                Effect::Copy(handoff) => {
                    let text = shell::export::render(&handoff, app.export_format);
                    let result = guard
                        .write_raw(osc52(&text).as_bytes())
                        .map(|()| format!("{}: export lines copied (OSC 52)", handoff.profile))
                        .map_err(|error| format!("cannot copy: {error}"));
                    let _ = messages.send(Msg::Copied(result));
                }
                other => runner.run(other),
            }
        }
    }
}

/// [`run`] on a runtime of its own, for callers that have none.
pub fn run_blocking(options: TuiOptions) -> Result<Outcome, TuiError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(run(options))
}

/// Tells the app the terminal's current size: at start and after a shell, when no resize
/// event reports it.
fn fit_to_terminal(app: &mut App, guard: &mut TerminalGuard) -> Result<(), TuiError> {
    let size = guard.terminal().size()?;
    // A resize yields no effects: it only changes what the view lays out.
    let _ = update(
        app,
        Msg::Resize {
            width: size.width,
            height: size.height,
        },
    );
    Ok(())
}

/// Hands the terminal to a shell with the credentials and takes it back when the shell exits.
async fn run_shell(
    guard: &mut TerminalGuard,
    handoff: Handoff,
    role_arn: Option<String>,
) -> Result<Msg, TuiError> {
    let profile = handoff.profile.clone();
    let mut tty = open_tty()?;
    guard.suspend()?;
    let banner = shell::subshell::banner(
        &profile,
        role_arn.as_deref(),
        handoff.credentials.expiration,
        Utc::now(),
    );
    // A line on the terminal, so the prompt does not appear bare under whatever was there.
    // Failing to write it is no reason not to start the shell.
    let _ = writeln!(tty, "\r\n{banner}\r");
    let outcome = tokio::task::spawn_blocking(move || {
        shell::subshell::run_on_terminal(&handoff, false, &tty)
    })
    .await;
    guard.resume()?;
    let result = match outcome {
        Ok(Ok(status)) => Ok(shell::exit_code(status)),
        Ok(Err(error)) => Err(error.to_string()),
        Err(error) => Err(format!("the shell task failed: {error}")),
    };
    Ok(Msg::ShellExited { profile, result })
}

/// Like [`run_shell`], but the shell gets a loopback credentials endpoint (bound before the
/// shell starts, closed when it exits) instead of fixed keys, so it never holds expired ones.
async fn run_server_shell(
    guard: &mut TerminalGuard,
    session: Arc<Session>,
    handoff: Handoff,
) -> Result<Msg, TuiError> {
    let profile = handoff.profile.clone();
    let tty = open_tty()?;
    let (prompts, _printer) = crate::cli::session_io::prompt_printer();
    let entry = match session.fresh_cached(&profile) {
        Ok(Some(entry)) => entry,
        // Not cached (the cache is unusable): the endpoint starts from the hand-off's
        // credentials and renews them when they are due.
        _ => crate::cache::store::CredentialEntry {
            profile: profile.clone(),
            credentials: handoff.credentials.clone(),
            obtained_at: Utc::now(),
            role_arn: None,
            assumed_role_arn: None,
            session_name: None,
            identity_enhanced: false,
            definition: None,
        },
    };
    let endpoint =
        match crate::server::Endpoint::bind(session, &profile, entry, prompts, None).await {
            Ok(endpoint) => endpoint,
            Err(error) => {
                return Ok(Msg::ShellExited {
                    profile,
                    result: Err(error.to_string()),
                });
            }
        };
    let environment = endpoint.child_environment(handoff.region.as_deref());
    let serving = tokio::spawn(endpoint.serve());
    guard.suspend()?;
    let outcome = tokio::task::spawn_blocking(move || {
        shell::subshell::run_environment(&environment, false, Some(&tty))
    })
    .await;
    serving.abort();
    guard.resume()?;
    let result = match outcome {
        Ok(Ok(status)) => Ok(shell::exit_code(status)),
        Ok(Err(error)) => Err(error.to_string()),
        Err(error) => Err(format!("the shell task failed: {error}")),
    };
    Ok(Msg::ShellExited { profile, result })
}

/// The config, or an empty one with a note when it cannot be read: the TUI then shows how to
/// add a profile instead of failing. A missing file needs no note; the hint says it all.
fn load_config(path: PathBuf) -> (Config, Vec<String>) {
    match config::load_with_credentials(&path, config::default_credentials_path().as_deref()) {
        Ok(config) => {
            let notes = config.issues.iter().map(ToString::to_string).collect();
            (config, notes)
        }
        Err(error) => {
            let notes = if matches!(error, ConfigError::Missing { .. }) {
                Vec::new()
            } else {
                vec![error.to_string()]
            };
            (config::parse(&path, ""), notes)
        }
    }
}
