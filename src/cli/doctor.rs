//! `runas doctor PROFILE [--login]`: the report of `crate::doctor` on stdout (its purpose),
//! exit status 0 only when every link is ✓. `--login` adds the real exchange, run through the
//! same pipeline as `runas login` (prompts on stderr), and explains a refusal.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use super::args::DoctorArgs;
use super::output::print_stdout;
use super::session_io::{obtain, open_session};
use crate::doctor;
use crate::session::SessionOptions;

pub fn run(config_path: &Path, args: &DoctorArgs) -> anyhow::Result<ExitCode> {
    let session = open_session(config_path)?;
    let report = super::runtime()?.block_on(async {
        let mut report = doctor::diagnose(&session, &args.profile).await;
        // A live exchange only when the links it depends on are fine: otherwise its failure
        // would repeat the ✗ above.
        if args.login && report.all_ok() {
            // A real exchange, not cached credentials: they would prove nothing about today's
            // trust policy.
            let options = SessionOptions {
                force_login: true,
                ..SessionOptions::default()
            };
            let outcome = match obtain(&session, &args.profile, &options).await {
                Ok(obtained) => Ok(obtained),
                Err(err) => match err.downcast::<crate::session::SessionError>() {
                    Ok(session_error) => Err(session_error),
                    Err(other) => return Err(other),
                },
            };
            report
                .links
                .push(doctor::explain_exchange(&session, &args.profile, &outcome).await);
        }
        Ok(report)
    })?;
    print_stdout(&report.text()).context("cannot write to stdout")?;
    Ok(if report.all_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
