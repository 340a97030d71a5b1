//! The `runas` binary: parse the command line, set up logging, dispatch. Everything else lives
//! in the library so tests and benchmarks reach it.

use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::{FilterExt, LevelFilter, Targets};
use tracing_subscriber::prelude::*;

/// Targets of the AWS SDK that log whole signed requests at TRACE (headers such as
/// `x-amz-security-token`, canonical requests).
const SECRET_BEARING_TRACE_TARGETS: [&str; 2] =
    ["aws_smithy_runtime::client::orchestrator", "aws_sigv4"];

fn main() -> ExitCode {
    // A shell asking for completions (`COMPLETE=bash runas -- WORDS`) is answered here, before
    // logging or anything else may write to stdout; otherwise this returns at once.
    clap_complete::CompleteEnv::with_factory(runas::cli::Cli::command)
        .var(runas::cli::COMPLETE_VAR)
        .complete();
    let cli = runas::cli::Cli::parse();
    // Logs go to stderr, off unless RUST_LOG asks: stdout is reserved for requested output.
    // Without RUST_LOG no subscriber is installed at all: the same nothing is logged as with
    // an "off" filter, without building the filters and the registry's slabs first.
    if std::env::var_os(EnvFilter::DEFAULT_ENV).is_some() {
        init_logging();
    }
    match runas::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("runas: {}", error_chain(&err));
            ExitCode::FAILURE
        }
    }
}

/// Logging to stderr as RUST_LOG asks, with the SDK's secret-bearing targets capped.
fn init_logging() {
    let requested = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("off"));
    // Both filters must let an event through: RUST_LOG decides what is logged, and the cap
    // keeps the SDK's secret-bearing targets at DEBUG at most whatever RUST_LOG asks (a cap
    // only: it never turns on a target RUST_LOG left off).
    let cap = SECRET_BEARING_TRACE_TARGETS.iter().fold(
        Targets::new().with_default(LevelFilter::TRACE),
        |targets, target| targets.with_target(*target, LevelFilter::DEBUG),
    );
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(requested.and(cap)),
        )
        .init();
}

/// The error and its causes joined with ": ", skipping a cause whose text the message already
/// holds: library errors (e.g. `SessionError`) both print their source and expose it as
/// `source()`, so anyhow's `{:#}` said every IdP and STS failure twice.
fn error_chain(err: &anyhow::Error) -> String {
    let mut message = err.to_string();
    for cause in err.chain().skip(1) {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
    }
    message
}
