//! The web-identity token of a profile: a workload token (`workload`), or the IdP app's cached
//! ID token, else renewed with the refresh token (`renewal`), else a login (browser or device).
//! Tokens are cached per (issuer, client id), so one login serves every profile of the app.
//! How a profile reaches its IdP (issuer, discovery, client settings) is `idp_access`'s.

use openidconnect::url::Url;
use tokio::sync::mpsc;

use super::renewal::{App, Renewal};
use super::{Session, SessionError, SessionEvent, SessionOptions, Stage, naming};
use crate::cache::store::TokenEntry;
use crate::config::{Flow, Profile, ProfileKind, WebIdentity};
use crate::creds::Secret;
use crate::idp::flow;

/// An ID token is reused while it has at least this long to live: STS must still accept it
/// when the request arrives.
const MIN_TOKEN_LIFETIME: chrono::Duration = chrono::Duration::seconds(60);

/// A web-identity token and the identity it names (for the session name).
pub(super) struct IdentityToken {
    pub token: Secret,
    pub email: Option<String>,
    pub preferred_username: Option<String>,
    pub sub: Option<String>,
}

impl IdentityToken {
    pub fn session_name(&self) -> String {
        naming::from_claims(
            self.email.as_deref(),
            self.preferred_username.as_deref(),
            self.sub.as_deref(),
        )
    }
}

impl From<&TokenEntry> for IdentityToken {
    fn from(entry: &TokenEntry) -> Self {
        IdentityToken {
            token: entry.id_token.clone(),
            email: entry.email.clone(),
            preferred_username: entry.preferred_username.clone(),
            sub: entry.subject.clone(),
        }
    }
}

/// Whether a cached ID token that still looks valid may be used as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CachedIdToken {
    Reuse,
    /// STS has just called it expired: renew it (refresh token, else a login) even though its
    /// `exp` says otherwise — the machine may have slept between the check and the exchange,
    /// or the clocks disagree.
    Renew,
}

/// Refuses to open anything, for `--no-browser`: the flow then shows the URL and waits.
struct ShowUrlOnly;

impl flow::BrowserOpener for ShowUrlOnly {
    fn open(&self, _url: &Url) -> Result<(), String> {
        Err("--no-browser was given".to_owned())
    }
}

impl Session {
    pub(super) async fn web_identity_token(
        &self,
        profile: &Profile,
        options: &SessionOptions,
        events: &mpsc::UnboundedSender<SessionEvent>,
        cached_id_token: CachedIdToken,
    ) -> Result<IdentityToken, SessionError> {
        let name = &profile.name;
        if profile.kind == ProfileKind::TokenFile {
            return self.workload_token(profile);
        }
        let web = profile
            .web_identity
            .as_ref()
            .ok_or_else(|| SessionError::Unsupported {
                name: name.clone(),
                reason: "has no web_identity_auth_url".to_owned(),
            })?;
        let issuer = self.resolve_issuer(web, name, events).await;
        let _lock = self
            .lock_or_warn(
                name,
                &format!("tokens:{issuer}\u{0}{}", web.client_id),
                events,
            )
            .await?;
        // An unreadable cache means a login, not a failure (docs/ARCHITECTURE.md "Cache").
        let cached = self
            .store
            .tokens(&issuer, &web.client_id)
            .unwrap_or_else(|source| {
                self.cache_unavailable(events, name, &source);
                None
            });
        let mut why_login = None;
        if let (false, Some(entry)) = (options.force_login, &cached) {
            if cached_id_token == CachedIdToken::Reuse
                && entry.id_token_valid(self.now(), MIN_TOKEN_LIFETIME)
            {
                return Ok(IdentityToken::from(entry));
            }
            if let Some(refresh_token) = &entry.refresh_token {
                let app = App {
                    profile,
                    web,
                    issuer: &issuer,
                };
                match self
                    .renew(app, entry, refresh_token, cached_id_token, events)
                    .await?
                {
                    Renewal::Renewed(token) => return Ok(token),
                    Renewal::LoginNeeded(reason) => why_login = reason,
                }
            }
        }
        if !options.interactive {
            return Err(SessionError::LoginRequired { name: name.clone() });
        }
        if let Some(reason) = why_login {
            self.event(events, name, Stage::LoginNeeded { reason });
        }
        let provider = self.provider(&issuer, name, events).await?;
        let settings = self.client_settings(profile, web, &issuer)?;
        let login = self
            .login(&provider, &settings, web, options, name, events)
            .await;
        // The browser or device step cannot be repeated without the person, so a stale
        // document only is forgotten: the next run discovers again.
        if let Err(SessionError::Flow { source, .. }) = &login {
            self.forget_if_stale(&provider, &issuer, source);
        }
        self.keep_tokens(&issuer, &web.client_id, login?, name, events)
    }

    async fn login(
        &self,
        provider: &flow::Provider,
        settings: &flow::ClientSettings,
        web: &WebIdentity,
        options: &SessionOptions,
        name: &str,
        events: &mpsc::UnboundedSender<SessionEvent>,
    ) -> Result<flow::Tokens, SessionError> {
        let (progress, mut progress_rx) = mpsc::unbounded_channel();
        let forward = {
            let events = events.clone();
            let profile = name.to_owned();
            tokio::spawn(async move {
                while let Some(step) = progress_rx.recv().await {
                    let _ = events.send(SessionEvent {
                        profile: profile.clone(),
                        stage: Stage::Login(step),
                    });
                }
            })
        };
        let mut device = options.prefer_device
            || web.flow == Flow::Device
            || web.device_only.is_some()
            || settings.redirect_uri.is_none();
        if !device
            && options.open_browser
            && let Err(reason) = flow::SystemBrowser.can_open()
            && settings.device_flow_available(provider)
        {
            tracing::info!(profile = %name, "no browser can open here ({reason}); using the device flow");
            device = true;
        }
        let result = if device {
            flow::device_login(provider, settings, &progress, options.device_pacing).await
        } else if options.open_browser {
            flow::browser_login(
                provider,
                settings,
                self.opener.as_ref(),
                &progress,
                options.browser_timeout,
            )
            .await
        } else {
            flow::browser_login(
                provider,
                settings,
                &ShowUrlOnly,
                &progress,
                options.browser_timeout,
            )
            .await
        };
        drop(progress);
        // The forwarder ends once the flow's sender is gone; its failure cannot lose a token.
        let _ = forward.await;
        result.map_err(|source| SessionError::Flow {
            name: name.to_owned(),
            source,
        })
    }

    pub(super) fn keep_tokens(
        &self,
        issuer: &str,
        client_id: &str,
        tokens: flow::Tokens,
        name: &str,
        events: &mpsc::UnboundedSender<SessionEvent>,
    ) -> Result<IdentityToken, SessionError> {
        let entry = TokenEntry {
            issuer: issuer.to_owned(),
            client_id: client_id.to_owned(),
            id_token: tokens.id_token,
            refresh_token: tokens.refresh_token,
            id_token_expires_at: tokens.id_token_expires_at,
            subject: Some(tokens.claims.sub),
            email: tokens.claims.email,
            preferred_username: tokens.claims.preferred_username,
            updated_at: self.now(),
        };
        // Tokens that cannot be cached still serve this run; the next one logs in again.
        if let Err(source) = self.store.put_tokens(&entry) {
            self.cache_unavailable(events, name, &source);
        }
        Ok(IdentityToken::from(&entry))
    }
}
