//! Why "credentials for profile P" failed, in words that name the profile and say what to do.

use crate::aws::sso_device::SsoError;
use crate::aws::{CallError, EndpointError, StsError};
use crate::cache::CacheError;
use crate::config::GrantPermission;
use crate::idp::flow::{FlowError, advice as oauth_advice};

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("no profile named {name:?} in {file}{}", suggestion(.similar))]
    UnknownProfile {
        name: String,
        file: String,
        similar: Vec<String>,
    },
    #[error("profile {name} cannot be used:\n  {}", .issues.join("\n  "))]
    InvalidProfile { name: String, issues: Vec<String> },
    #[error("profile {name}: {reason}")]
    Unsupported { name: String, reason: String },
    #[error("profile {name}: {source}")]
    CredentialProcess {
        name: String,
        #[source]
        source: super::process::ProcessError,
    },
    #[error("profile {name}: a login is needed; run `runas login {name}`")]
    LoginRequired { name: String },
    #[error(
        "profile {name}: the client secret variable {variable} named by web_identity_client_secret_env is not set"
    )]
    ClientSecretMissing { name: String, variable: String },
    #[error(
        "profile {name}: the environment variable {variable} named by web_identity_token_env is \
         not set or empty; the platform (e.g. Posit Connect) must hand the workload token over \
         in it"
    )]
    TokenEnvMissing { name: String, variable: String },
    #[error("profile {name}: {source}{}", flow_advice(.source))]
    Flow {
        name: String,
        #[source]
        source: FlowError,
    },
    #[error("profile {name}: assuming {role_arn}: {source}{}", sts_advice(.source))]
    Sts {
        name: String,
        role_arn: String,
        #[source]
        source: StsError,
    },
    #[error(
        "profile {name}: assuming {role_arn}: STS found the ID token expired even after runas \
         renewed it once ({source})\n  hint: the identity provider hands out tokens that are \
         already expired by AWS's clock: check the IdP's clock and this machine's (e.g. \
         timedatectl), and the IdP app's ID-token lifetime"
    )]
    ExpiredAfterRenewal {
        name: String,
        role_arn: String,
        /// Boxed: beside [`SessionError::Sts`], an unboxed one would grow every `SessionError`.
        #[source]
        source: Box<StsError>,
    },
    #[error(
        "profile {name}: Identity Center application {application_arn}: {source}{}",
        hint_line(.hint.as_deref())
    )]
    IdentityCenter {
        name: String,
        application_arn: String,
        #[source]
        source: Box<CallError>,
        hint: Option<String>,
    },
    #[error(
        "profile {name}: S3 Access Grants {permission} on {target}: {source}{}",
        hint_line(.hint.as_deref())
    )]
    AccessGrant {
        name: String,
        target: String,
        permission: GrantPermission,
        #[source]
        source: Box<CallError>,
        hint: Option<String>,
    },
    #[error("profile {name}: {source}")]
    Endpoint {
        name: String,
        #[source]
        source: EndpointError,
    },
    #[error("profile {name}: {source}")]
    Cache {
        name: String,
        #[source]
        source: CacheError,
    },
    #[error("profile {name}: {source}")]
    Config {
        name: String,
        #[source]
        source: crate::config::ConfigError,
    },
    #[error("cannot start the HTTP client: {0}")]
    Http(String),
    #[error("profile {name}: the login task stopped unexpectedly: {reason}")]
    Task { name: String, reason: String },
    #[error("profile {name}: console sign-in: {source}")]
    Console {
        name: String,
        #[source]
        source: crate::aws::federation::FederationError,
    },
    #[error("profile {name}: {source}{}", hint_line(.hint.as_deref()))]
    Sso {
        name: String,
        // Boxed: every other variant is small, and a large one would grow every `Result`.
        #[source]
        source: Box<SsoError>,
        hint: Option<String>,
    },
    #[error("no [sso-session {name}] in {file}{}", known_sessions(.known))]
    UnknownSsoSession {
        name: String,
        file: String,
        known: Vec<String>,
    },
    #[error(
        "sso-session {session}: no live IAM Identity Center token; log in first: runas login {session}"
    )]
    SsoLoginNeeded { session: String },
    #[error("sso-session {session}: discovering accounts and roles: {source}")]
    Discovery {
        session: String,
        #[source]
        source: Box<SsoError>,
    },
    /// A `SESSION/ACCOUNT/ROLE` that names no discovered role, or an account name that
    /// several accounts share.
    #[error("{address}: {reason}")]
    UnknownAddress { address: String, reason: String },
}

fn known_sessions(known: &[String]) -> String {
    if known.is_empty() {
        " (it has no [sso-session NAME] sections)".to_owned()
    } else {
        format!(" (sso-sessions: {})", known.join(", "))
    }
}

fn hint_line(hint: Option<&str>) -> String {
    hint.map(|text| format!("\n  hint: {text}"))
        .unwrap_or_default()
}

impl SessionError {
    /// STS refused the web identity token as expired (`ExpiredTokenException`).
    pub(super) fn is_expired_identity_token(&self) -> bool {
        matches!(self, SessionError::Sts { source, .. }
            if source.code() == Some("ExpiredTokenException"))
    }

    /// The same refusal, met again right after the ID token was renewed.
    pub(super) fn after_renewal(self) -> SessionError {
        match self {
            SessionError::Sts {
                name,
                role_arn,
                source,
            } if source.code() == Some("ExpiredTokenException") => {
                SessionError::ExpiredAfterRenewal {
                    name,
                    role_arn,
                    source: Box::new(source),
                }
            }
            other => other,
        }
    }
}

fn suggestion(similar: &[String]) -> String {
    match similar {
        [] => "; `runas list` shows the profiles".to_owned(),
        names => format!("; did you mean {}?", names.join(" or ")),
    }
}

fn flow_advice(error: &FlowError) -> String {
    match error {
        FlowError::TokenEndpoint { .. } => String::new(), // its Display already carries advice
        FlowError::RefreshRejected => String::new(),
        _ => match error_code(error).and_then(oauth_advice) {
            Some(text) => format!(" ({text})"),
            None => String::new(),
        },
    }
}

fn error_code(error: &FlowError) -> Option<&str> {
    match error {
        FlowError::AccessDenied => Some("access_denied"),
        FlowError::DeviceExpired => Some("expired_token"),
        _ => None,
    }
}

fn sts_advice(error: &StsError) -> String {
    error
        .advice()
        .map(|text| format!("\n  hint: {text}"))
        .unwrap_or_default()
}
