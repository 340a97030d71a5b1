//! The command line: clap definitions in `args`, one file per subcommand. This layer is the
//! binary's edge: it owns stdout (only the requested output goes there), the messages on
//! stderr and the exit codes, and it is the one place `anyhow` is used.

pub mod args;
mod completions;
mod console;
mod credentials;
mod detect;
mod doctor;
mod list;
mod output;
mod prompt;
mod s3ag;
mod serve;
pub(crate) mod session_io;
mod setup;
mod sso;
mod sso_populate;
mod status;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

pub use args::{Cli, Command};
pub use completions::COMPLETE_VAR;

use crate::config;

/// Runs one parsed command line to completion.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let Some(command) = cli.command else {
        return tui(cli.config, cli.format.as_deref());
    };
    match command {
        Command::List(args) => list::run(&config_path(cli.config)?, &args),
        Command::Detect(args) => detect::run(&args),
        Command::Login(args) => credentials::login(&config_path(cli.config)?, &args),
        Command::CredentialProcess(args) => {
            credentials::credential_process(&config_path(cli.config)?, &args)
        }
        Command::Env(args) => credentials::env(&config_path(cli.config)?, &args),
        Command::Exec(args) if args.server => serve::exec(&config_path(cli.config)?, &args),
        Command::Exec(args) => credentials::exec(&config_path(cli.config)?, &args),
        Command::Shell(args) if args.server => serve::shell(&config_path(cli.config)?, &args),
        Command::Shell(args) => credentials::shell(&config_path(cli.config)?, &args),
        Command::Serve(args) => serve::serve(&config_path(cli.config)?, &args),
        Command::Logout(args) => status::logout(&config_path(cli.config)?, &args),
        Command::Status(args) => status::status(&config_path(cli.config)?, &args),
        Command::S3ag(args) => s3ag::run(&config_path(cli.config)?, &args),
        Command::Console(args) => console::run(&config_path(cli.config)?, &args),
        Command::Completions(args) => completions::run(&args),
        Command::Prompt(args) => prompt::run(&args),
        Command::Setup(args) => setup::run(&config_path(cli.config)?, &args),
        Command::Doctor(args) => doctor::run(&config_path(cli.config)?, &args),
        Command::Sso(args) => sso::run(&config_path(cli.config)?, &args),
    }
}

/// The full-screen TUI. It draws on the terminal, never on stdout, so `eval "$(runas)"` gets
/// exactly the export lines chosen with its export key, printed after the terminal is restored.
fn tui(config_path: Option<PathBuf>, format: Option<&str>) -> anyhow::Result<ExitCode> {
    let format = format.map(str::parse::<crate::shell::Format>).transpose()?;
    let outcome = crate::tui::run_blocking(crate::tui::TuiOptions {
        config_path,
        format,
    })?;
    output::print_stdout(&outcome.stdout_text()).context("cannot write to stdout")?;
    Ok(ExitCode::SUCCESS)
}

fn config_path(explicit: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    match explicit {
        Some(path) => Ok(path),
        None => config::default_path().context("cannot find the AWS config file"),
    }
}

/// A current-thread runtime for the commands that talk to the network; the cheap commands
/// (`list`) never start one.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
