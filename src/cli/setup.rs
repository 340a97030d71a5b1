//! `runas setup PROFILE`: what the AWS side needs for a profile, printed on stdout (its purpose)
//! as a CloudFormation template or IAM policy JSON. Nothing is deployed.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use super::args::SetupArgs;
use super::output::print_stdout;
use super::session_io::open_session;
use crate::setup::{self, Format};

pub fn run(config_path: &Path, args: &SetupArgs) -> anyhow::Result<ExitCode> {
    let session = open_session(config_path)?;
    let profile = session.profile(&args.profile)?;
    let facts = super::runtime()?.block_on(session.web_identity_facts(profile))?;
    let plan = setup::plan(
        session.config(),
        &args.profile,
        facts.as_ref(),
        args.subject.as_deref(),
    )?;
    let text = match args.format {
        Format::Cloudformation => setup::cloudformation_yaml(&plan),
        Format::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&setup::policies_json(&plan))?
        ),
    };
    print_stdout(&text).context("cannot write to stdout")?;
    Ok(ExitCode::SUCCESS)
}
