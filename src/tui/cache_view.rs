//! What the cache holds for a profile, as the TUI may see it: expiry times, names and
//! whether a refresh token exists, never a secret. Filled by the effects from the store, read
//! by rows and the view; plain data plus the expiry rule the list and grant rows share.

use chrono::{DateTime, Utc};

use super::state::{EXPIRING_WITHIN, Status};
use crate::config::GrantPermission;

/// The secret-free part of a cached credential entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialView {
    pub obtained_at: DateTime<Utc>,
    pub expiration: DateTime<Utc>,
    pub assumed_role_arn: Option<String>,
    pub session_name: Option<String>,
}

/// The secret-free part of a cached ID-token entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenView {
    pub subject: Option<String>,
    pub email: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub refresh_token: bool,
}

/// The secret-free part of a cached S3 Access Grants entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantView {
    pub target: String,
    pub permission: GrantPermission,
    pub matched_grant_target: Option<String>,
    pub expiration: DateTime<Utc>,
}

impl GrantView {
    /// Valid, expiring or expired at `now`, like a role session.
    pub fn status(&self, now: DateTime<Utc>) -> Status {
        expiry_status(self.expiration, now)
    }
}

/// What the cache holds for one profile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheView {
    pub credentials: Option<CredentialView>,
    pub tokens: Option<TokenView>,
    /// Sorted by target and permission.
    pub grants: Vec<GrantView>,
}

/// Valid, expiring (inside the SDKs' advisory window) or expired at `now`.
pub(super) fn expiry_status(expiration: DateTime<Utc>, now: DateTime<Utc>) -> Status {
    let remaining = expiration - now;
    if remaining <= chrono::Duration::zero() {
        Status::Expired
    } else if remaining < EXPIRING_WITHIN {
        Status::Expiring { remaining }
    } else {
        Status::Valid { remaining }
    }
}
