//! `runas console PROFILE`: signs the profile's role in to the AWS console and opens it (the
//! console browser template, else the login browser), or with `--print` writes the sign-in
//! URL on stdout. The URL signs anyone in who has it, so `--print` is the only way it reaches
//! stdout, and it never reaches stderr, a log or an error.

use std::process::ExitCode;

use anyhow::Context;

use super::args::ConsoleArgs;
use super::credentials::open_session_with;
use super::output::print_stdout;
use super::session_io::with_prompts;
use crate::aws::federation::Destination;
use crate::session::{ConsoleRequest, SessionOptions};
use crate::shell::console::{self, ENV_CONSOLE_BROWSER};

pub fn run(config: &std::path::Path, args: &ConsoleArgs) -> anyhow::Result<ExitCode> {
    let session = open_session_with(config, &args.profile, &args.overrides)?;
    let request = ConsoleRequest {
        destination: match (&args.service, &args.destination) {
            (_, Some(url)) => Destination::Url(url.clone()),
            (Some(service), None) => Destination::Service(service.clone()),
            (None, None) => Destination::Home,
        },
        region: args.overrides.region.clone(),
    };
    let options = SessionOptions::default();
    let signed_in = super::runtime()?.block_on(with_prompts(|events| {
        let session = &session;
        let request = &request;
        let options = &options;
        let profile = args.profile.as_str();
        async move {
            session
                .console_sign_in(profile, request, options, &events)
                .await
        }
    }))?;
    if args.print {
        print_stdout(&format!("{}\n", signed_in.url.expose())).context("cannot write to stdout")?;
        return Ok(ExitCode::SUCCESS);
    }
    let template = std::env::var(ENV_CONSOLE_BROWSER).ok();
    console::open(&signed_in.url, &args.profile, template.as_deref())
        .with_context(|| format!("profile {}: cannot open the console", args.profile))?;
    eprintln!(
        "runas: {}: opening the {} console at {}",
        args.profile,
        signed_in.partition.name(),
        signed_in.destination
    );
    Ok(ExitCode::SUCCESS)
}
