//! The profile the trusted-identity-propagation tests log in to: `analyst`, an IdP login whose
//! web-identity role leads through Identity Center to an identity-enhanced role with an S3
//! Access Grants target, every AWS call sent to the one peer port.

use std::path::PathBuf;
use std::time::Duration;

use super::cli::{RunasHome, free_callback_uri, idp_defaults};
use super::peers::{IDC_APPLICATION_ARN, PeerOptions, Peers};

pub const TARGET: &str = "s3://reports/team-a/";
pub const GRANT_SCOPE: &str = "s3://reports/team-a/*";

/// A home with profile `analyst`: the IdP login, the web-identity role `web`, and the
/// identity-enhanced role `analyst`, every AWS call sent to the one peer port.
pub fn analyst_home(peers: &Peers) -> RunasHome {
    let web_role = peers.create_role("web", Duration::from_secs(3600));
    let enhanced_role = peers.create_role("analyst", Duration::from_secs(3600));
    let mut home = RunasHome::new(peers);
    home.set("AWS_ENDPOINT_URL", &peers.aws_endpoint());
    home.write_config(&format!(
        "{}[profile analyst]\nweb_identity_callback_uri = {}\nrole_arn = {web_role}\n\
         region = us-east-1\nidentity_center_application_arn = {IDC_APPLICATION_ARN}\n\
         identity_enhanced_role_arn = {enhanced_role}\ns3_access_grants_target = {TARGET}\n",
        idp_defaults(peers),
        free_callback_uri()
    ));
    home
}

pub fn tip_peers(options: PeerOptions) -> Peers {
    Peers::start(options.auto_login("alice").strict_sts().identity_center())
}

pub fn calls(peers: &Peers, action: &str) -> u64 {
    peers.aws_stats().get(action).copied().unwrap_or(0)
}

/// The grant credentials runas cached.
pub fn grant_files(home: &RunasHome) -> Vec<PathBuf> {
    home.cache_files("grants")
}
