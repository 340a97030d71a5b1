//! Every clap definition of the `runas` command line, in one place (zoxide's habit), so the
//! whole surface can be read at a glance. Behaviour lives in one file per subcommand.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::ArgValueCandidates;

use crate::config::{GrantPermission, ProviderKind};

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

    /// With no subcommand: the syntax of the lines the TUI's export key prints
    /// (sh, fish, powershell, json, dotenv) [default: from $SHELL]
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Deferred: only the subcommand being run has its arguments built. Building all of them
/// (every flag and help text of every subcommand) and dropping them again was a seventh of
/// the instructions of a cached `credential-process`; help, completion and parsing build
/// what they show.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum Command {
    /// List the profiles of the AWS config file with their kind, identity provider and problems
    List(ListArgs),
    /// Detect which identity provider serves a URL and the issuer it normalises to
    Detect(DetectArgs),
    /// Log in to a profile's identity provider and assume its role (cached while fresh)
    Login(LoginArgs),
    /// Print the profile's credentials as AWS credential_process JSON (for ~/.aws/config)
    #[command(name = "credential-process")]
    CredentialProcess(ProfileArgs),
    /// Print export lines for the profile's credentials: eval "$(runas env PROFILE)"
    Env(EnvArgs),
    /// Run a command with the profile's credentials; its exit status is passed through
    Exec(ExecArgs),
    /// Start $SHELL with the profile's credentials
    Shell(ShellArgs),
    /// Forget cached credentials and IdP tokens
    Logout(LogoutArgs),
    /// Show each profile's cached ID token and credentials (never the secrets)
    Status(StatusArgs),
    /// Serve the profile's credentials on a loopback endpoint for IDEs and other terminals
    /// (AWS_CONTAINER_CREDENTIALS_FULL_URI), renewed ahead of expiry, until Ctrl-C
    Serve(ServeArgs),
    /// Open the AWS console signed in as the profile's role (a sign-in URL from AWS federation)
    Console(ConsoleArgs),
    /// Print the shell code that completes runas's subcommands, flags and profile names:
    /// source <(runas completions bash)
    Completions(CompletionsArgs),
    /// Print the active runas shell's profile and time left, for a prompt (nothing outside one)
    Prompt(PromptArgs),
    /// S3 Access Grants credentials for a target, with the profile's identity-enhanced session:
    /// eval "$(runas s3ag PROFILE s3://bucket/prefix/)"; also `s3ag list`, `s3ag clear`
    S3ag(S3agArgs),
    /// Print what the AWS side needs for the profile (IAM OIDC provider, roles, trust
    /// policies) as a CloudFormation template to deploy, or as IAM policy JSON
    Setup(SetupArgs),
    /// Check every link a login of the profile goes through and say how to fix a broken one;
    /// exits 0 only when all are fine
    Doctor(DoctorArgs),
    /// IAM Identity Center: the accounts and roles each [sso-session] reaches (`sso list`), and
    /// profiles for them in the config (`sso populate`)
    Sso(SsoArgs),
}

#[derive(Debug, Args)]
pub struct SetupArgs {
    /// Profile name, as in [profile NAME]
    #[arg(add = ArgValueCandidates::new(super::completions::profile_names))]
    pub profile: String,
    /// cloudformation (a YAML template) or json (the IAM policy documents)
    #[arg(long, value_name = "FORMAT", default_value = "cloudformation")]
    pub format: crate::setup::Format,
    /// Trust only ID tokens with this `sub` claim (one user), not every user of the client
    #[arg(long, value_name = "SUB")]
    pub subject: Option<String>,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Profile name, as in [profile NAME]
    #[arg(add = ArgValueCandidates::new(super::completions::profile_names))]
    pub profile: String,
    /// Also log in and exchange the token with STS, explaining a refusal
    #[arg(long)]
    pub login: bool,
}

#[derive(Debug, Args)]
pub struct SsoArgs {
    #[command(subcommand)]
    pub command: SsoCommand,
}

#[derive(Debug, Subcommand)]
pub enum SsoCommand {
    /// List the accounts and roles of each sso-session's login (discovered, cached 4 h; no
    /// secrets); a role is usable as SESSION/ACCOUNT/ROLE wherever a profile name is
    List(SsoListArgs),
    /// Print a [profile …] section for every discovered role the config has no profile for;
    /// --write adds them to the config file in one marked block
    Populate(SsoPopulateArgs),
}

#[derive(Debug, Args)]
pub struct SsoPopulateArgs {
    /// The sso-session, as in [sso-session NAME] [default: every sso-session]
    pub session: Option<String>,
    /// Profile names: {account_name}, {account_id}, {role_name}, {session}; sanitised, and
    /// made unique with the account id
    #[arg(long, default_value = crate::config::populate::DEFAULT_TEMPLATE)]
    pub template: String,
    /// The profiles' region [default: the sso-session's sso_region]
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Add them to the config file, in one block marked "runas sso populate" (a backup of the
    /// file is kept beside it as FILE.runas-backup)
    #[arg(long)]
    pub write: bool,
    /// With --write: also remove from that block the profiles of roles no longer reachable
    #[arg(long, requires = "write")]
    pub prune: bool,
}

#[derive(Debug, Args)]
pub struct SsoListArgs {
    /// The sso-session, as in [sso-session NAME] [default: every sso-session]
    pub session: Option<String>,
    /// Print one JSON array, one object per sso-session
    #[arg(long)]
    pub json: bool,
    /// Ask IAM Identity Center again even when the cached discovery is younger than 4 hours
    #[arg(long)]
    pub refresh: bool,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct S3agArgs {
    #[command(subcommand)]
    pub command: Option<S3agCommand>,
    /// Profile name, as in [profile NAME] (with identity_center_* keys)
    #[arg(required = true)]
    pub profile: Option<String>,
    /// s3://bucket/prefix/ [default: the profile's s3_access_grants_target]
    pub target: Option<String>,
    /// READ, WRITE or READWRITE [default: the profile's s3_access_grants_permission, else READ]
    #[arg(long, value_name = "PERMISSION")]
    pub permission: Option<GrantPermission>,
    /// sh (bash, zsh), fish, powershell, json or dotenv [default: from $SHELL]
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum S3agCommand {
    /// Show the cached grant credentials: profile, target, permission, expiry (never secrets)
    List(ListArgs),
    /// Forget cached grant credentials, of one profile or all
    Clear(S3agClearArgs),
}

#[derive(Debug, Args)]
pub struct S3agClearArgs {
    /// Forget only this profile's grants
    pub profile: Option<String>,
}

#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// Profile name, as in [profile NAME]
    #[arg(add = ArgValueCandidates::new(super::completions::profile_names))]
    pub profile: String,
    #[command(flatten)]
    pub overrides: OverrideArgs,
}

// `--region` and `--duration`: the profile's `region` and `duration_seconds` for this run. A
// plain comment: a doc comment here would be the about text of every subcommand that flattens
// it, once `Command` defers building their arguments.
#[derive(Debug, Args, Default)]
pub struct OverrideArgs {
    /// Region for STS, the exported AWS_REGION and the console [default: the profile's region]
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Role session length for this run: 3600, 1h, 90m (900 s to 12 h) [default: the
    /// profile's duration_seconds]; a cached session issued for at least this long is reused
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub duration: Option<std::time::Duration>,
}

fn parse_duration(value: &str) -> Result<std::time::Duration, String> {
    crate::config::parse_duration_flag(value)
}

#[derive(Debug, Args)]
pub struct ConsoleArgs {
    /// Profile name, as in [profile NAME]
    #[arg(add = ArgValueCandidates::new(super::completions::profile_names))]
    pub profile: String,
    /// Print the sign-in URL on stdout instead of opening it (it signs anyone in: keep it secret)
    #[arg(long)]
    pub print: bool,
    /// Open this service's console page (s3, ec2, cloudwatch, ...) [default: the console home]
    #[arg(long, value_name = "NAME", conflicts_with = "destination")]
    pub service: Option<String>,
    /// Open this console URL after signing in
    #[arg(long, value_name = "URL")]
    pub destination: Option<String>,
    #[command(flatten)]
    pub overrides: OverrideArgs,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to print the completion code for
    pub shell: CompletionShell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

#[derive(Debug, Args)]
pub struct PromptArgs {
    /// What to print: {profile}, {left} (42m, 3h05m, expired), {account}, {role}
    #[arg(long, value_name = "FORMAT", default_value = "{profile} {left}")]
    pub format: String,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Profile name, as in [profile NAME]; or an sso-session's, as in [sso-session NAME], to
    /// log in to IAM Identity Center alone
    #[arg(add = ArgValueCandidates::new(super::completions::profile_names))]
    pub profile: String,
    /// Use the device flow (a code to enter on any device) instead of the browser
    #[arg(long)]
    pub device: bool,
    /// Do not start a browser; show the URL to open by hand
    #[arg(long)]
    pub no_browser: bool,
    /// Log in again even when cached credentials and tokens are still valid
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub overrides: OverrideArgs,
}

#[derive(Debug, Args)]
pub struct EnvArgs {
    /// Profile name, as in [profile NAME]
    #[arg(add = ArgValueCandidates::new(super::completions::profile_names))]
    pub profile: String,
    /// sh (bash, zsh), fish, powershell, json or dotenv [default: from $SHELL]
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    #[command(flatten)]
    pub overrides: OverrideArgs,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Profile name, as in [profile NAME]
    #[arg(add = ArgValueCandidates::new(super::completions::profile_names))]
    pub profile: String,
    /// The command and its arguments, after --
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<std::ffi::OsString>,
    /// Give the command a loopback credentials endpoint instead of fixed keys: renewed for as
    /// long as it runs (AWS_CONTAINER_CREDENTIALS_FULL_URI)
    #[arg(long)]
    pub server: bool,
    #[command(flatten)]
    pub overrides: OverrideArgs,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Profile name, as in [profile NAME]
    pub profile: String,
    /// Syntax of the lines to export: sh (bash, zsh), fish, powershell, json or dotenv
    /// [default: from $SHELL]
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
}

#[derive(Debug, Args)]
pub struct ShellArgs {
    /// Profile name, as in [profile NAME]
    #[arg(add = ArgValueCandidates::new(super::completions::profile_names))]
    pub profile: String,
    /// Start the shell even inside another runas shell
    #[arg(long)]
    pub force: bool,
    /// Give the shell a loopback credentials endpoint instead of fixed keys: renewed for as
    /// long as it runs (AWS_CONTAINER_CREDENTIALS_FULL_URI)
    #[arg(long)]
    pub server: bool,
    #[command(flatten)]
    pub overrides: OverrideArgs,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// Profile whose credentials and IdP login to forget
    #[arg(
        required_unless_present = "all",
        conflicts_with = "all",
        add = ArgValueCandidates::new(super::completions::profile_names)
    )]
    pub profile: Option<String>,
    /// Forget every cached credential and IdP login
    #[arg(long)]
    pub all: bool,
    /// IAM Identity Center profiles: also remove the sso-session's token from the AWS CLI's
    /// cache (~/.aws/sso/cache), which logs the AWS CLI out of that session too
    #[arg(long)]
    pub sso_token: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print one JSON array, one object per profile
    #[arg(long)]
    pub json: bool,
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

#[cfg(test)]
#[path = "args_tests.rs"]
mod tests;
