//! The plan of an IAM Identity Center profile: nothing in IAM (Identity Center makes the role
//! when a permission set is assigned), only what to assign, as notes.

use super::Plan;
use crate::config::Profile;

pub(super) fn sso_plan(profile: &Profile, name: &str) -> Plan {
    let sso = profile
        .sso
        .as_deref()
        .cloned()
        .unwrap_or(crate::config::SsoProfile {
            session: None,
            start_url: None,
            region: None,
            account_id: None,
            role_name: None,
        });
    let unknown = || "(not set)".to_owned();
    Plan {
        profile: name.to_owned(),
        description: format!("runas profile {name}: IAM Identity Center, nothing to create in IAM"),
        oidc_provider: None,
        roles: Vec::new(),
        identity_center: None,
        notes: vec![
            "IAM Identity Center creates the role itself when a permission set is assigned; \
             there is no IAM resource to deploy for this profile."
                .to_owned(),
            format!(
                "In Identity Center (start URL {}, region {}): assign your user or group the \
                 permission set {} on account {}.",
                sso.start_url.unwrap_or_else(unknown),
                sso.region.unwrap_or_else(unknown),
                sso.role_name.unwrap_or_else(unknown),
                sso.account_id.unwrap_or_else(unknown),
            ),
        ],
    }
}
