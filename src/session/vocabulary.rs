//! The words the session pipeline and its callers share: how far a request may go
//! ([`SessionOptions`]), what it is doing now ([`SessionEvent`], [`Stage`]) and what it
//! returns ([`Obtained`]). Plain data, no behaviour.

use std::time::Duration;

use crate::cache::store::CredentialEntry;
use crate::idp::flow::{DevicePollPacing, Progress};

/// How far a credentials request may go to get them.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// May a person be asked to log in (browser or device code)? `false` for background work
    /// that must not pop up a browser.
    pub interactive: bool,
    /// Ignore cached credentials and tokens: a fresh login and a fresh role session.
    pub force_login: bool,
    /// Use the device grant even where a browser could open.
    pub prefer_device: bool,
    /// Start the browser (`$BROWSER`, else the system's); `false` only shows the URL.
    pub open_browser: bool,
    pub browser_timeout: Duration,
    pub device_pacing: DevicePollPacing,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            interactive: true,
            force_login: false,
            prefer_device: false,
            open_browser: true,
            browser_timeout: crate::idp::callback::DEFAULT_TIMEOUT,
            device_pacing: DevicePollPacing::default(),
        }
    }
}

/// What a credentials request is doing now, for a person to watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionEvent {
    pub profile: String,
    pub stage: Stage,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    /// Waiting for another runas (or another task) that is refreshing the same credentials.
    WaitingForLock,
    Discovering {
        issuer: String,
    },
    RefreshingToken,
    /// A login follows although a refresh token was cached; `reason` is the one sentence that
    /// tells the person why (e.g. the IdP's refresh answers carry no ID token).
    LoginNeeded {
        reason: String,
    },
    /// A login step: the browser URL, the device code, the code exchange.
    Login(Progress),
    AssumingRole {
        role_arn: String,
    },
    /// The cache could not be read, locked or written; the work went on without it (the cache
    /// is a convenience, never a reason to fail). `reason` names the path, never a secret.
    CacheUnavailable {
        reason: String,
    },
    /// Exchanging the ID token with IAM Identity Center (`CreateTokenWithIAM`).
    CreatingIdentityContext {
        application_arn: String,
    },
    /// Assuming `identity_enhanced_role_arn` with the Identity Center context.
    AssumingIdentityEnhancedRole {
        role_arn: String,
    },
    /// Asking S3 Access Grants for credentials (`GetDataAccess`).
    FetchingAccessGrant {
        target: String,
        permission: crate::config::GrantPermission,
    },
}

/// Where the returned credentials came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Cache,
    Exchanged,
}

/// A profile's credentials and how they were obtained.
#[derive(Debug, Clone)]
pub struct Obtained {
    pub entry: CredentialEntry,
    pub origin: Origin,
}
