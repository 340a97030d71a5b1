//! Deploying what `runas setup` prints to the AWS peer, as a person would deploy it to AWS: the
//! AWS CLI's `cloudformation create-stack` (the venv's AWS CLI v1), and `aws iam` for changing
//! an IAM resource afterwards. Loopback only: every call names the peer's endpoint.

use std::path::Path;

use super::cli::{RUN_DEADLINE, RunOutput, RunasHome, run_to_end};
use super::peers::{Peers, aws_cli_v1, peers_dir};

/// `aws ARGS` against the peer with test credentials (moto accepts any while enforcement is off).
pub fn aws(home: &RunasHome, peers: &Peers, args: &[&str]) -> RunOutput {
    let endpoint = peers.aws_endpoint();
    let mut all = vec!["--endpoint-url", endpoint.as_str(), "--region", "us-east-1"];
    all.extend_from_slice(args);
    let mut command = home.program(aws_cli_v1(), &all);
    command
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env_remove("AWS_ENDPOINT_URL_STS");
    run_to_end(command, RUN_DEADLINE)
}

/// Creates stack `name` from the template at `template`; panics with the CLI's output unless
/// it succeeds.
pub fn deploy(home: &RunasHome, peers: &Peers, name: &str, template: &Path) {
    let body = format!("file://{}", template.display());
    aws(
        home,
        peers,
        &[
            "cloudformation",
            "create-stack",
            "--stack-name",
            name,
            "--template-body",
            &body,
            "--capabilities",
            "CAPABILITY_NAMED_IAM",
        ],
    )
    .succeeded("aws cloudformation create-stack");
}

/// `cfn-lint FILE` from the peers' venv.
pub fn cfn_lint(home: &RunasHome, template: &Path) -> RunOutput {
    let linter = peers_dir().join("venv").join("bin").join("cfn-lint");
    let path = template.display().to_string();
    run_to_end(home.program(linter, &[path.as_str()]), RUN_DEADLINE)
}
