//! The `runas` binary: parse the command line, set up logging, dispatch. Everything else lives
//! in the library so tests and benchmarks reach it.

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = runas::cli::Cli::parse();
    // Logs go to stderr, off unless RUST_LOG asks: stdout is reserved for requested output.
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("off")),
        )
        .with_writer(std::io::stderr)
        .init();
    match runas::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("runas: {err:#}");
            ExitCode::FAILURE
        }
    }
}
