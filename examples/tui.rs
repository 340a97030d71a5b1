//! Temporary stand-in for `runas` with no arguments until the CLI opens the TUI itself: runs
//! the TUI and prints its outcome (export lines) on stdout after the terminal is restored.
//! `tests/tui_e2e.rs` can be pointed at it with `RUNAS_TUI_BIN`.

use std::process::ExitCode;

fn main() -> ExitCode {
    match runas::tui::run_blocking(runas::tui::TuiOptions::default()) {
        Ok(outcome) => {
            print!("{}", outcome.stdout_text());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("runas: {error}");
            ExitCode::FAILURE
        }
    }
}
