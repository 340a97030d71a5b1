//! The OIDC login flows: discovery and JWKS ([`ProviderRegistry`]), the browser flow
//! (authorization code + PKCE, [`browser_login`]), the device grant ([`device_login`]), silent
//! renewal ([`refresh`]), workload-identity token files ([`read_token_file`]) and the checks every
//! ID token passes before anyone uses it.
//!
//! It owns talking to the IdP and nothing else: it never prints (a person hears about URLs and
//! user codes through [`Progress`] messages), never touches the cache, the AWS config or STS, and
//! never decides *which* flow to run; the session layer does. Every token, code, verifier and
//! client secret stays inside [`Secret`] or an openidconnect secret type, so errors and `Debug`
//! output cannot carry one.

mod browser;
pub mod checkup;
mod device;
mod discovery;
mod error;
mod opener;
mod provider;
mod refresh;
mod registry;
mod token_file;
mod verify;

use std::time::Duration;

use chrono::{DateTime, Utc};
use openidconnect::url::Url;

use crate::creds::Secret;

pub use browser::browser_login;
pub use device::{DevicePollPacing, device_login};
pub use error::{FlowError, advice};
pub use opener::{BrowserOpener, SystemBrowser};
pub use provider::Provider;
pub use refresh::{Refreshed, refresh};
pub use registry::{MetadataStore, ProviderRegistry, StoredMetadata};
pub use token_file::read_token_file;
pub use verify::CLOCK_LEEWAY;

use crate::idp::callback;

/// How the client authenticates at the token endpoint (RFC 6749 §2.3, OIDC Core §9). The config
/// module has its own spelling of the same choice; the session layer maps between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenAuthMethod {
    /// HTTP Basic with the form-urlencoded client id and secret; the OAuth default.
    #[default]
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form body.
    ClientSecretPost,
    /// A public client: only `client_id` in the body (PKCE carries the proof).
    None,
}

/// What the flows need to know about the IdP app; built by the session layer from a profile.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    pub issuer: Url,
    pub client_id: String,
    pub client_secret: Option<Secret>,
    pub auth_method: TokenAuthMethod,
    /// Requested scopes; `openid` is always sent whether listed or not.
    pub scopes: Vec<String>,
    /// The loopback redirect URI registered at the IdP; required by the browser flow only.
    pub redirect_uri: Option<Url>,
    /// Sent as `login_hint` so the IdP can pre-fill the user name.
    pub login_hint: Option<String>,
    /// PKCE S256 on the browser flow; false only for IdPs that reject it.
    pub use_pkce: bool,
    /// `web_identity_device_authorization_url`: the RFC 8628 endpoint, used instead of the
    /// discovery document's (which some IdPs leave out).
    pub device_authorization_url: Option<Url>,
}

impl ClientSettings {
    /// Whether a device login can start: discovery names the endpoint or the profile does.
    pub fn device_flow_available(&self, provider: &Provider) -> bool {
        self.device_authorization_url.is_some() || provider.supports_device_flow()
    }
}

/// Reported while a flow runs, for the CLI (stderr or /dev/tty) and the TUI (modal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    Discovering,
    /// The authorization URL is about to be opened; show it too, for a person to open by hand.
    OpenBrowser {
        url: Url,
    },
    /// No browser could be started; the flow keeps waiting for someone to open `url` by hand.
    BrowserUnavailable {
        reason: String,
        url: Url,
    },
    WaitingForBrowser,
    DeviceCode {
        user_code: String,
        verification_uri: Url,
        verification_uri_complete: Option<Url>,
        expires_in: Duration,
    },
    WaitingForDeviceApproval,
    ExchangingCode,
    Refreshing,
}

/// The identity facts runas shows and derives session names from. Holds no raw token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdClaims {
    pub sub: String,
    pub email: Option<String>,
    pub preferred_username: Option<String>,
    pub iss: String,
    pub aud: Vec<String>,
}

/// The outcome of a successful flow: a verified ID token and, when the IdP issued one, a
/// refresh token.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub id_token: Secret,
    pub refresh_token: Option<Secret>,
    pub id_token_expires_at: DateTime<Utc>,
    pub claims: IdClaims,
}

/// Sends a progress report; a caller that stopped listening must not abort the login.
fn report(progress: &tokio::sync::mpsc::UnboundedSender<Progress>, event: Progress) {
    let _ = progress.send(event);
}

/// Verifies the ID token of a token-endpoint response and packages the result. A refresh
/// response without a new refresh token means the old one stays valid, so it is carried over.
async fn tokens_from(
    provider: &Provider,
    settings: &ClientSettings,
    response: &openidconnect::core::CoreTokenResponse,
    nonce: Option<&openidconnect::Nonce>,
    carried_refresh_token: Option<&Secret>,
) -> Result<Tokens, FlowError> {
    use openidconnect::{OAuth2TokenResponse, TokenResponse};

    let raw = response.id_token().ok_or(FlowError::NoIdToken)?.to_string();
    let verified = verify::verify_id_token(provider, &settings.client_id, &raw, nonce).await?;
    let refresh_token = response
        .refresh_token()
        .map(|token| Secret::new(token.secret().clone()))
        .or_else(|| carried_refresh_token.cloned());
    Ok(Tokens {
        id_token: Secret::new(raw),
        refresh_token,
        id_token_expires_at: verified.expires_at,
        claims: verified.claims,
    })
}
