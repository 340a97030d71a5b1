//! The effective web-identity settings of a profile ([`WebIdentity`]) and their validation.
//! The inheritable keys are grouped in [`Slot`]s (an alias pair such as `callback_uri` /
//! `redirect_uri` is one slot, so the nearest profile that writes either wins); which profile
//! supplies each slot is decided by `inherit`, and this module only reads and checks the
//! values it is handed. Normalising `auth_url` to an issuer is the idp module's job, not ours.

use std::sync::{Arc, LazyLock};

use openidconnect::url::Url;

use super::ProviderKind;
use super::memo::UrlMemo;
use super::types::{Entry, IssueSink};
use super::values::{is_loopback_http, parse_bool, parse_http_url_with, parse_secure_url, shown};
use crate::creds::Secret;

pub const DEFAULT_SCOPES: &str = "openid offline_access profile email";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebIdentity {
    /// As written; normalisation to an issuer is the idp module's job.
    pub auth_url: Url,
    pub client_id: String,
    pub callback: Option<Callback>,
    pub provider: Option<ProviderKind>,
    /// Sent as `login_hint`.
    pub username: Option<String>,
    /// Shared: nearly every profile has the default scopes, which as a list of its own were
    /// five allocations per profile (1.3 MB at 10,000 profiles).
    pub scopes: Arc<[String]>,
    pub client_secret: Option<ClientSecret>,
    /// `client_secret_basic` when a secret is configured and nothing else is asked for;
    /// `none` for a public client (no secret), which is what the default means there.
    pub auth_method: TokenAuthMethod,
    pub use_pkce: bool,
    pub flow: Flow,
    /// Why only the device flow can work, when the callback cannot receive a browser redirect.
    pub device_only: Option<String>,
    /// `web_identity_device_authorization_url`: the RFC 8628 endpoint for IdPs whose
    /// discovery document does not name it.
    pub device_authorization_url: Option<Url>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callback {
    pub uri: Url,
    /// Plain http to 127.0.0.1, localhost or [::1]: runas can listen there.
    pub loopback: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientSecret {
    /// `web_identity_client_secret_env`: the name of the environment variable holding it.
    Env(String),
    /// `web_identity_client_secret` written in the file.
    Inline(Secret),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenAuthMethod {
    ClientSecretBasic,
    ClientSecretPost,
    None,
}

impl TokenAuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenAuthMethod::ClientSecretBasic => "client_secret_basic",
            TokenAuthMethod::ClientSecretPost => "client_secret_post",
            TokenAuthMethod::None => "none",
        }
    }
}

/// `web_identity_flow`: how a login reaches the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Browser,
    Device,
}

impl Flow {
    pub fn as_str(self) -> &'static str {
        match self {
            Flow::Browser => "browser",
            Flow::Device => "device",
        }
    }
}

/// A group of keys that inherit together; the first key of the group is preferred when one
/// profile writes more than one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Slot {
    AuthUrl,
    ClientId,
    Callback,
    Provider,
    Username,
    Scopes,
    ClientSecret,
    AuthMethod,
    UsePkce,
    Flow,
    FederatedUsername,
    DeviceAuthorizationUrl,
}

pub(super) const SLOT_COUNT: usize = 12;

impl Slot {
    pub(super) const ALL: [Slot; SLOT_COUNT] = [
        Slot::AuthUrl,
        Slot::ClientId,
        Slot::Callback,
        Slot::Provider,
        Slot::Username,
        Slot::Scopes,
        Slot::ClientSecret,
        Slot::AuthMethod,
        Slot::UsePkce,
        Slot::Flow,
        Slot::FederatedUsername,
        Slot::DeviceAuthorizationUrl,
    ];

    pub(super) fn keys(self) -> &'static [&'static str] {
        match self {
            Slot::AuthUrl => &["web_identity_auth_url"],
            Slot::ClientId => &["web_identity_client_id"],
            Slot::Callback => &["web_identity_callback_uri", "web_identity_redirect_uri"],
            Slot::Provider => &["web_identity_provider"],
            Slot::Username => &["web_identity_username"],
            Slot::Scopes => &["web_identity_scopes"],
            Slot::ClientSecret => &[
                "web_identity_client_secret_env",
                "web_identity_client_secret",
            ],
            Slot::AuthMethod => &["web_identity_token_endpoint_auth_method"],
            Slot::UsePkce => &["web_identity_use_pkce"],
            Slot::Flow => &["web_identity_flow"],
            Slot::FederatedUsername => &["federated_username"],
            Slot::DeviceAuthorizationUrl => &["web_identity_device_authorization_url"],
        }
    }

    pub(super) fn index(self) -> usize {
        self as usize
    }
}

/// Every `web_identity_*` key runas knows (for the unknown-key warning).
pub(super) fn is_known_web_identity_key(key: &str) -> bool {
    matches!(key, "web_identity_token_file" | "web_identity_token_env")
        || Slot::ALL.iter().any(|slot| slot.keys().contains(&key))
}

/// The entry that fills a slot for one profile.
pub(super) struct Supplied<'a> {
    pub entry: &'a Entry,
    /// `Some(name)` when it comes from another profile.
    pub inherited_from: Option<&'a str>,
}

impl Supplied<'_> {
    fn value(&self) -> &str {
        &self.entry.value
    }

    /// The message, marked with where the key came from when it is not the profile's own.
    fn say(&self, message: String) -> String {
        match self.inherited_from {
            Some(name) => format!("{message} (inherited from profile {name})"),
            None => message,
        }
    }
}

/// Reads and checks the effective settings. `None` when they cannot make a login (errors
/// say why); `header_line` is where a missing required key is reported.
pub(super) fn resolve<'a>(
    slot: impl Fn(Slot) -> Option<Supplied<'a>>,
    header_line: usize,
    sink: &mut IssueSink<'_>,
    urls: &mut UrlMemo,
) -> Option<WebIdentity> {
    let auth_url = slot(Slot::AuthUrl).and_then(|s| {
        parse_http_url_with(urls, &s.entry.key, s.value())
            .map_err(|m| sink.error(s.entry.line, s.say(m)))
            .ok()
    });
    let client_id = match slot(Slot::ClientId) {
        Some(s) if !s.value().is_empty() => Some(s.value().to_string()),
        Some(s) => {
            sink.error(
                s.entry.line,
                s.say("web_identity_client_id is empty; expected the OIDC client id".into()),
            );
            None
        }
        None => {
            sink.error(
                header_line,
                "missing web_identity_client_id; expected the OIDC client id registered \
                 at the identity provider",
            );
            None
        }
    };
    let (callback, device_only) = callback(slot(Slot::Callback), sink, urls);
    let provider = slot(Slot::Provider).and_then(|s| {
        s.value()
            .parse::<ProviderKind>()
            .map_err(|e| sink.error(s.entry.line, s.say(format!("web_identity_provider: {e}"))))
            .ok()
    });
    let scopes = scopes(slot(Slot::Scopes), sink);
    let client_secret = slot(Slot::ClientSecret).map(|s| {
        if s.entry.key == "web_identity_client_secret_env" {
            ClientSecret::Env(s.value().to_string())
        } else {
            sink.warn(
                s.entry.line,
                s.say(
                    "client secret written inline in the config file; prefer \
                     web_identity_client_secret_env = VARIABLE so the file holds no secret"
                        .into(),
                ),
            );
            ClientSecret::Inline(Secret::new(s.value()))
        }
    });
    let auth_method = auth_method(slot(Slot::AuthMethod), client_secret.is_some(), sink);
    let use_pkce = match slot(Slot::UsePkce) {
        None => true,
        Some(s) => match parse_bool(&s.entry.key, s.value()) {
            Ok(true) => true,
            Ok(false) => {
                sink.warn(
                    s.entry.line,
                    s.say(
                        "web_identity_use_pkce = false turns off PKCE, which protects the \
                         authorization code; keep it on unless the IdP rejects it"
                            .into(),
                    ),
                );
                false
            }
            Err(m) => {
                sink.error(s.entry.line, s.say(m));
                true
            }
        },
    };
    let flow = match slot(Slot::Flow) {
        None => Flow::Browser,
        Some(s) => match s.value().to_ascii_lowercase().as_str() {
            "browser" => Flow::Browser,
            "device" => Flow::Device,
            other => {
                sink.error(
                    s.entry.line,
                    s.say(format!(
                        "web_identity_flow = {} is unknown; expected browser or device",
                        shown(other)
                    )),
                );
                Flow::Browser
            }
        },
    };
    let username = slot(Slot::Username).map(|s| s.value().to_string());
    let device_authorization_url = slot(Slot::DeviceAuthorizationUrl).and_then(|s| {
        parse_secure_url(&s.entry.key, s.value())
            .map_err(|m| sink.error(s.entry.line, s.say(m)))
            .ok()
    });

    Some(WebIdentity {
        auth_url: auth_url?,
        client_id: client_id?,
        callback,
        provider,
        username,
        scopes,
        client_secret,
        auth_method,
        use_pkce,
        flow,
        device_only,
        device_authorization_url,
    })
}

fn callback(
    supplied: Option<Supplied<'_>>,
    sink: &mut IssueSink<'_>,
    urls: &mut UrlMemo,
) -> (Option<Callback>, Option<String>) {
    let Some(s) = supplied else {
        return (None, None);
    };
    let uri = match urls.parse(s.value()) {
        Ok(uri) => uri,
        Err(e) => {
            sink.error(
                s.entry.line,
                s.say(format!(
                    "{} = {} is not a URI ({e}); expected http://127.0.0.1:PORT/PATH",
                    s.entry.key,
                    shown(s.value())
                )),
            );
            return (None, None);
        }
    };
    let loopback = is_loopback_http(&uri);
    let device_only = (!loopback).then(|| {
        format!(
            "the callback {uri} is not a loopback http:// address (127.0.0.1, localhost or \
             [::1]), so a browser redirect cannot reach runas; only the device flow can work \
             unless a loopback redirect URI is registered"
        )
    });
    (Some(Callback { uri, loopback }), device_only)
}

/// [`DEFAULT_SCOPES`] as a list, made once.
static DEFAULT_SCOPE_LIST: LazyLock<Arc<[String]>> =
    LazyLock::new(|| DEFAULT_SCOPES.split(' ').map(str::to_string).collect());

fn scopes(supplied: Option<Supplied<'_>>, sink: &mut IssueSink<'_>) -> Arc<[String]> {
    let default = || Arc::clone(&DEFAULT_SCOPE_LIST);
    let Some(s) = supplied else {
        return default();
    };
    let scopes: Vec<String> = s
        .value()
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|scope| !scope.is_empty())
        .map(str::to_string)
        .collect();
    if !scopes.iter().any(|scope| scope == "openid") {
        sink.error(
            s.entry.line,
            s.say(format!(
                "web_identity_scopes = {} lacks openid; expected space-separated scopes \
                 including openid, since STS needs an ID token",
                shown(s.value())
            )),
        );
        return default();
    }
    scopes.into()
}

fn auth_method(
    supplied: Option<Supplied<'_>>,
    has_secret: bool,
    sink: &mut IssueSink<'_>,
) -> TokenAuthMethod {
    let Some(s) = supplied else {
        return if has_secret {
            TokenAuthMethod::ClientSecretBasic
        } else {
            TokenAuthMethod::None
        };
    };
    let method = match s.value().to_ascii_lowercase().as_str() {
        "client_secret_basic" => TokenAuthMethod::ClientSecretBasic,
        "client_secret_post" => TokenAuthMethod::ClientSecretPost,
        "none" => TokenAuthMethod::None,
        other => {
            sink.error(
                s.entry.line,
                s.say(format!(
                    "web_identity_token_endpoint_auth_method = {} is unknown; expected \
                     client_secret_basic, client_secret_post or none",
                    shown(other)
                )),
            );
            return TokenAuthMethod::None;
        }
    };
    if method != TokenAuthMethod::None && !has_secret {
        sink.error(
            s.entry.line,
            s.say(format!(
                "web_identity_token_endpoint_auth_method = {} needs a client secret; set \
                 web_identity_client_secret_env = VARIABLE (or use none for a public client)",
                method.as_str()
            )),
        );
    }
    method
}
