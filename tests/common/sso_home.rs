//! The Identity Center setup the sso-session tests share: peers with alice assigned one role,
//! and a home whose config has sso-session `corp` with a profile for that role and one for a
//! role she has no assignment for.

use std::path::{Path, PathBuf};

use super::cli::RunasHome;
use super::peers::{ACCOUNT_ID, PeerOptions, Peers, SSO_REGION, SSO_START_URL};

pub const ROLE: &str = "Admin";
/// `printf %s corp | sha1sum`: the AWS CLI's token file of sso-session "corp".
pub const CORP_TOKEN_FILE: &str = "ee0bfd2552fbd840c02cc48b6e823320543c450f.json";

/// Peers with Identity Center on and alice assigned `ROLE` in the account, and a home whose
/// config has sso-session `corp` with profile `corp` (that role) and `nope` (a role alice has
/// no assignment for). Every AWS service is reached at the one peer port, and `$BROWSER`
/// approves the device code by opening the verification URL.
pub fn identity_center() -> (Peers, RunasHome) {
    let peers = Peers::start(
        PeerOptions::default()
            .identity_center()
            .account_assignment(ACCOUNT_ID, ROLE),
    );
    let mut home = RunasHome::new(&peers);
    home.set("AWS_ENDPOINT_URL", &peers.aws_endpoint());
    let follow = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/follow.sh");
    home.set("BROWSER", &follow.display().to_string());
    home.write_config(&format!(
        "[sso-session corp]\nsso_start_url = {SSO_START_URL}\nsso_region = {SSO_REGION}\n\
         sso_registration_scopes = sso:account:access\n\n\
         [profile corp]\nsso_session = corp\nsso_account_id = {ACCOUNT_ID}\n\
         sso_role_name = {ROLE}\nregion = us-east-1\n\n\
         [profile nope]\nsso_session = corp\nsso_account_id = {ACCOUNT_ID}\n\
         sso_role_name = NotAssigned\nregion = us-east-1\n"
    ));
    (peers, home)
}

pub fn token_path(home: &RunasHome) -> PathBuf {
    home.path().join(".aws/sso/cache").join(CORP_TOKEN_FILE)
}
