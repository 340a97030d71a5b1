//! What the AWS side needs for a profile to work, as a model ([`Plan`]) rendered as a
//! CloudFormation template or as plain IAM policy documents (`render`). Pure: the caller hands in
//! the issuer (resolved the way a login resolves it) and nothing here touches the network, the
//! cache or AWS. runas never deploys any of it; README ("Setting up the AWS side") says how.
//!
//! The same model answers `runas doctor --login` when STS refuses: what the role should trust.

mod node;
mod plan;
mod render;

pub use node::Node;
pub use plan::{
    IdentityCenterNotes, OidcProviderPlan, Plan, Principal, Resource, RolePlan, WebIdentityFacts,
    plan,
};
pub use render::{cloudformation_yaml, policies_json};

use std::path::PathBuf;

/// Why no plan could be made for a profile.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("profile {name} is not in {file}")]
    UnknownProfile { name: String, file: PathBuf },
    #[error("{file}:{line}: profile {name}: {reason}")]
    Unsupported {
        name: String,
        file: PathBuf,
        line: usize,
        reason: String,
    },
    #[error(
        "{file}:{line}: profile {name}: role_arn {arn:?} is not an IAM role ARN \
         (arn:aws:iam::ACCOUNT:role/NAME)"
    )]
    BadRoleArn {
        name: String,
        file: PathBuf,
        line: usize,
        arn: String,
    },
    #[error("profile {name}: source_profile chain loops back to {again}")]
    Loop { name: String, again: String },
}

/// The output format of `runas setup`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// A CloudFormation template (YAML), deployable as it is.
    #[default]
    Cloudformation,
    /// The IAM policy documents and settings as one JSON object.
    Json,
}

/// The issuer as IAM and STS compare it: host and path, no scheme, no trailing slash. It is
/// both the OIDC provider's identity and the prefix of the `:aud` / `:sub` condition keys.
pub fn issuer_host_path(issuer: &str) -> String {
    let without_scheme = issuer.split_once("://").map_or(issuer, |(_, rest)| rest);
    without_scheme.trim_end_matches('/').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_path_drops_the_scheme_and_trailing_slash_and_keeps_case_and_port() {
        assert_eq!(
            issuer_host_path("https://Idp.Example:8443/realms/Dev/"),
            "Idp.Example:8443/realms/Dev"
        );
        assert_eq!(issuer_host_path("https://x.okta.com"), "x.okta.com");
    }
}
