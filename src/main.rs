//! The `runas` binary: parse the command line, set up logging, dispatch. Everything else lives
//! in the library so tests and benchmarks reach it.

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

const SECRET_BEARING_TRACE_TARGETS: [&str; 2] = [
    "aws_smithy_runtime::client::orchestrator=debug",
    "aws_sigv4=debug",
];

fn main() -> ExitCode {
    let cli = runas::cli::Cli::parse();
    // Logs go to stderr, off unless RUST_LOG asks: stdout is reserved for requested output.
    let mut filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("off"));
    // The AWS SDK logs whole signed requests at TRACE (headers such as x-amz-security-token,
    // canonical requests): capped at DEBUG whatever RUST_LOG asks, so a session token never
    // reaches a log.
    for directive in SECRET_BEARING_TRACE_TARGETS {
        if let Ok(directive) = directive.parse() {
            filter = filter.add_directive(directive);
        }
    }
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    match runas::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("runas: {}", error_chain(&err));
            ExitCode::FAILURE
        }
    }
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
