//! Identity-provider detection (docs/ARCHITECTURE.md): which provider a `web_identity_auth_url` belongs
//! to, how that was decided, and which issuer it resolves to. The decision is, in order, the
//! profile's `web_identity_provider`, the hostname rules ([`hostname`]), one `HEAD` probe
//! ([`probe`]); the issuer is normalised per provider ([`issuer`]) and then confirmed or
//! corrected by discovery ([`discovered`]).
//!
//! Detection never fails and never panics: anything unreachable falls back to generic OIDC
//! with the reason recorded. It never prints and never touches disk; results are plain
//! serialisable values that `cache::detection` stores and the TUI shows.

mod discovered;
mod hostname;
mod issuer;
mod probe;
#[cfg(test)]
pub(crate) mod test_server;

use std::fmt;
use std::time::Duration;

use openidconnect::url::Url;
use serde::{Deserialize, Serialize};

use crate::config::ProviderKind;
use crate::http::reqwest;

pub use issuer::{issuer_matches, issuer_text, normalize_issuer};
pub use probe::{PROBE_TIMEOUT, probe, probe_with_timeout};

/// What detection concluded for one auth URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detection {
    pub provider: ProviderKind,
    pub issuer: Url,
    /// The issuer exactly as an ID token's `iss` carries it. [`Url`] rewrites what it parses
    /// (`https://x.okta.com` gains a `/`, Entra's `{tenantid}` becomes `%7Btenantid%7D`), so
    /// token checks and discovery must use this string, not `issuer.as_str()`.
    pub issuer_exact: String,
    pub method: DetectionMethod,
    pub issuer_source: IssuerSource,
}

/// How the provider was decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum DetectionMethod {
    /// The profile's `web_identity_provider`.
    Configured,
    /// The host is within a hosted provider's domain.
    Hostname { suffix: String },
    /// The `HEAD` probe answered.
    Probe(ProbeEvidence),
    /// The `HEAD` probe got no answer; the provider is assumed to be generic OIDC.
    ProbeFailed { reason: String },
}

/// The marker a `HEAD` answer carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeEvidence {
    KeycloakCookie,
    ForgeRockHeader,
    OktaHeader,
    EntraHeader,
    OneLoginCookie,
    NoMarker,
}

/// Where the issuer came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IssuerSource {
    /// Derived from the auth URL by the provider's rules, because discovery did not answer.
    Normalized { discovery_failed: String },
    /// The discovery document's `issuer`; `corrected_from` holds the derived guess when
    /// discovery disagreed with it.
    Discovery { corrected_from: Option<String> },
}

/// Time limits for the two requests detection may make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DetectionTimeouts {
    pub probe: Duration,
    pub discovery: Duration,
}

impl Default for DetectionTimeouts {
    fn default() -> Self {
        DetectionTimeouts {
            probe: PROBE_TIMEOUT,
            discovery: Duration::from_secs(3),
        }
    }
}

impl ProbeEvidence {
    /// The provider this marker identifies; no marker means generic OIDC.
    pub fn provider(self) -> ProviderKind {
        match self {
            ProbeEvidence::KeycloakCookie => ProviderKind::Keycloak,
            ProbeEvidence::ForgeRockHeader => ProviderKind::ForgeRock,
            ProbeEvidence::OktaHeader => ProviderKind::Okta,
            ProbeEvidence::EntraHeader => ProviderKind::AzureAd,
            ProbeEvidence::OneLoginCookie => ProviderKind::OneLogin,
            ProbeEvidence::NoMarker => ProviderKind::Oidc,
        }
    }
}

impl Detection {
    /// One phrase for "how was this decided", naming the configured provider when there is
    /// one (the method alone does not carry it).
    pub fn reason(&self) -> String {
        match self.method {
            DetectionMethod::Configured => format!("web_identity_provider = {}", self.provider),
            ref other => other.to_string(),
        }
    }
}

impl fmt::Display for Detection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}); issuer {} {}",
            self.provider.display_name(),
            self.reason(),
            self.issuer_exact,
            self.issuer_source
        )
    }
}

impl fmt::Display for DetectionMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DetectionMethod::Configured => f.write_str("set by web_identity_provider"),
            DetectionMethod::Hostname { suffix } => write!(f, "host ends in {suffix}"),
            DetectionMethod::Probe(evidence) => evidence.fmt(f),
            DetectionMethod::ProbeFailed { reason } => {
                write!(f, "HEAD failed: {reason}; assuming generic OIDC")
            }
        }
    }
}

impl fmt::Display for ProbeEvidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProbeEvidence::KeycloakCookie => "KC_RESTART cookie in HEAD response",
            ProbeEvidence::ForgeRockHeader => {
                "X-OpenAM-/MFA-FR-Token in Access-Control-Allow-Headers of HEAD response"
            }
            ProbeEvidence::OktaHeader => "x-okta-request-id header in HEAD response",
            ProbeEvidence::EntraHeader => "x-ms-request-id header in HEAD response",
            ProbeEvidence::OneLoginCookie => "_onelogin.com cookie in HEAD response",
            ProbeEvidence::NoMarker => "no provider marker in HEAD response; generic OIDC",
        })
    }
}

impl fmt::Display for IssuerSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IssuerSource::Normalized { discovery_failed } => {
                write!(
                    f,
                    "derived from the auth URL (discovery: {discovery_failed})"
                )
            }
            IssuerSource::Discovery {
                corrected_from: None,
            } => f.write_str("confirmed by discovery"),
            IssuerSource::Discovery {
                corrected_from: Some(derived),
            } => write!(f, "from discovery (the auth URL suggested {derived})"),
        }
    }
}

/// The provider without any network: the configured one, else the hostname rules. `None`
/// means only a probe can tell.
pub fn detect_offline(
    auth_url: &Url,
    configured: Option<ProviderKind>,
) -> Option<(ProviderKind, DetectionMethod)> {
    if let Some(provider) = configured {
        return Some((provider, DetectionMethod::Configured));
    }
    let (provider, suffix) = hostname::provider_for_host(auth_url.host_str()?)?;
    Some((
        provider,
        DetectionMethod::Hostname {
            suffix: suffix.to_string(),
        },
    ))
}

/// Full detection with the default timeouts: offline rules, else one probe; then the issuer
/// is normalised and checked against discovery.
pub async fn detect(
    client: &reqwest::Client,
    auth_url: &Url,
    configured: Option<ProviderKind>,
) -> Detection {
    detect_with_timeouts(client, auth_url, configured, DetectionTimeouts::default()).await
}

/// [`detect`] with explicit timeouts.
pub async fn detect_with_timeouts(
    client: &reqwest::Client,
    auth_url: &Url,
    configured: Option<ProviderKind>,
    timeouts: DetectionTimeouts,
) -> Detection {
    let (provider, method) = match detect_offline(auth_url, configured) {
        Some(decided) => decided,
        None => {
            let method = probe_with_timeout(client, auth_url, timeouts.probe).await;
            let provider = match &method {
                DetectionMethod::Probe(evidence) => evidence.provider(),
                _ => ProviderKind::Oidc,
            };
            (provider, method)
        }
    };
    let normalized = normalize_issuer(provider, auth_url);
    let derived_exact = issuer::issuer_text(&normalized);
    let (issuer, issuer_exact, issuer_source) =
        match discovered::discovered_issuer(client, &derived_exact, timeouts.discovery).await {
            Ok((published, parsed)) => {
                let corrected_from = (published != derived_exact).then_some(derived_exact);
                (
                    parsed,
                    published,
                    IssuerSource::Discovery { corrected_from },
                )
            }
            Err(reason) => (
                normalized,
                derived_exact,
                IssuerSource::Normalized {
                    discovery_failed: reason,
                },
            ),
        };
    Detection {
        provider,
        issuer,
        issuer_exact,
        method,
        issuer_source,
    }
}

/// `auth_url` without what may be a credential: a password in the user info, and the
/// aws-runas OneLogin `token` query parameter. For probes, cache keys and anything shown.
pub fn without_secrets(auth_url: &Url) -> Url {
    let mut url = auth_url.clone();
    // Fails only for URLs that cannot carry a password, which then have none.
    let _ = url.set_password(None);
    if url.query().is_some() {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(name, _)| name != "token")
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect();
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    url
}

#[cfg(test)]
mod tests;
