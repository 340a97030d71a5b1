//! The stage a running login has reached, as far as the list, the modal and the key bar need
//! it, with the words the list shows for each. Plain data; `effects` translates the session's
//! events into it.

/// The stage of a running login, as far as the view needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    Starting,
    WaitingForLock,
    /// The cache cannot be read or written; the login goes on without it.
    CacheUnavailable,
    Discovering,
    /// IAM Identity Center: listing an sso-session's accounts and roles.
    DiscoveringAccounts,
    Refreshing,
    OpenBrowser {
        url: String,
    },
    BrowserUnavailable {
        url: String,
        reason: String,
    },
    WaitingForBrowser,
    DeviceCode {
        user_code: String,
        verification_uri: String,
        verification_uri_complete: Option<String>,
    },
    WaitingForDevice,
    LoginNeeded(String),
    ExchangingCode,
    AssumingRole {
        role_arn: String,
    },
    /// Trusted identity propagation: `CreateTokenWithIAM`.
    CreatingIdentityContext,
    AssumingIdentityEnhancedRole {
        role_arn: String,
    },
    FetchingAccessGrant {
        target: String,
    },
}

impl Stage {
    pub fn label(&self) -> &'static str {
        match self {
            Stage::Starting => "starting",
            Stage::WaitingForLock => "waiting for another runas",
            Stage::CacheUnavailable => "going on without the cache",
            Stage::Discovering => "discovering the IdP",
            Stage::DiscoveringAccounts => "listing accounts and roles",
            Stage::Refreshing => "refreshing the token",
            Stage::OpenBrowser { .. } => "opening the browser",
            Stage::BrowserUnavailable { .. } => "open the URL by hand",
            Stage::WaitingForBrowser => "waiting for the browser",
            Stage::DeviceCode { .. } | Stage::WaitingForDevice => "waiting for device approval",
            Stage::LoginNeeded(_) => "logging in again",
            Stage::ExchangingCode => "exchanging the code",
            Stage::AssumingRole { .. } => "assuming the role",
            Stage::CreatingIdentityContext => "asking Identity Center",
            Stage::AssumingIdentityEnhancedRole { .. } => "assuming the identity-enhanced role",
            Stage::FetchingAccessGrant { .. } => "asking S3 Access Grants",
        }
    }
}
