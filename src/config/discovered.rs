//! Profiles that are not written in the file: a role IAM Identity Center discovery found for
//! an sso-session, addressed as `SESSION/ACCOUNT/ROLE`. It is exactly what a hand-written
//! `sso_session` profile with `sso_account_id` and `sso_role_name` would be, so the session
//! pipeline, the cache and every hand-off treat it like one.

use std::sync::Arc;

use super::types::{Profile, ProfileKind, SsoProfile, SsoSession};

/// The name a discovered role goes by: `SESSION/ACCOUNT_ID/ROLE`.
pub fn discovered_name(session: &str, account_id: &str, role_name: &str) -> String {
    format!("{session}/{account_id}/{role_name}")
}

impl Profile {
    /// The profile of `role_name` in `account_id` reached through `session`, named `name`;
    /// its line is the sso-session's, so a message about it points at that section.
    pub fn discovered_sso_role(
        name: &str,
        file: &std::path::Path,
        session: &SsoSession,
        account_id: &str,
        role_name: &str,
    ) -> Profile {
        Profile {
            name: name.to_owned(),
            file: file.to_path_buf(),
            line: session.line,
            kind: ProfileKind::Sso,
            entries: Arc::default(),
            role_arn: None,
            role_session_name: None,
            duration: None,
            region: None,
            source_profile: None,
            external_id: None,
            endpoint_url: None,
            jump_role_arn: None,
            federated_username: None,
            web_identity: None,
            token_file: None,
            token_env: None,
            credential_process: None,
            sso: Some(Box::new(SsoProfile {
                session: Some(session.name.clone()),
                start_url: session.start_url.clone(),
                region: session.region.clone(),
                account_id: Some(account_id.to_owned()),
                role_name: Some(role_name.to_owned()),
            })),
            identity_center: None,
            errors: session.errors.clone(),
            warnings: Vec::new(),
        }
    }
}
