//! Every clap definition of the `runas` command line, in one place (zoxide's habit), so the
//! whole surface can be read at a glance. Behaviour lives in one file per subcommand.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::ProviderKind;

#[derive(Debug, Parser)]
#[command(
    name = "runas",
    version,
    about = "Turn an identity-provider login into short-lived AWS credentials",
    long_about = "Turn an identity-provider login into short-lived AWS credentials.\n\n\
        Reads the web_identity_* profiles of your AWS config file (aws-runas convention), \
        logs in through your identity provider and hands the role's credentials to your shell, \
        the AWS CLI and SDKs."
)]
pub struct Cli {
    /// AWS config file to read [default: $AWS_CONFIG_FILE, else ~/.aws/config]
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the profiles of the AWS config file with their kind, identity provider and problems
    List(ListArgs),
    /// Detect which identity provider serves a URL and the issuer it normalises to
    Detect(DetectArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print one JSON array, one object per profile
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DetectArgs {
    /// The identity provider URL, as in web_identity_auth_url
    pub url: String,
    /// Skip detection and normalise the URL as this provider
    #[arg(long, value_name = "PROVIDER")]
    pub provider: Option<ProviderKind>,
    /// Probe again even when a cached answer younger than 24 hours exists
    #[arg(long)]
    pub refresh: bool,
    /// Print the result as one JSON object
    #[arg(long)]
    pub json: bool,
}
