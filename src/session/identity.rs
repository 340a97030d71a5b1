//! The web-identity token of a profile: read from `web_identity_token_file`, or the IdP app's
//! cached ID token, else renewed with the refresh token, else a login (browser or device).
//! Tokens are cached per (issuer, client id), so one login serves every profile of the app.

use openidconnect::url::Url;
use tokio::sync::mpsc;

use super::{Session, SessionError, SessionEvent, SessionOptions, Stage, naming};
use crate::cache::DetectionCache;
use crate::cache::store::TokenEntry;
use crate::config::{self, ClientSecret, Flow, Profile, ProfileKind, WebIdentity};
use crate::creds::Secret;
use crate::idp::{self, flow};

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
        let flow_error = |source| SessionError::Flow {
            name: name.clone(),
            source,
        };
        if profile.kind == ProfileKind::TokenFile {
            let path = profile
                .token_file
                .as_deref()
                .unwrap_or(std::path::Path::new(""));
            let token = flow::read_token_file(path).map_err(flow_error)?;
            let claims = naming::unverified_claims(token.expose());
            let claim = |key: &str| {
                claims
                    .as_ref()
                    .and_then(|c| c[key].as_str())
                    .map(str::to_owned)
            };
            return Ok(IdentityToken {
                email: claim("email"),
                preferred_username: claim("preferred_username"),
                sub: claim("sub"),
                token,
            });
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
        // An unreadable cache means a login, not a failure (DESIGN §7).
        let cached = self
            .store
            .tokens(&issuer, &web.client_id)
            .unwrap_or_else(|source| {
                self.cache_unavailable(events, name, &source);
                None
            });
        if let (false, Some(entry)) = (options.force_login, &cached) {
            if cached_id_token == CachedIdToken::Reuse
                && entry.id_token_valid(self.now(), MIN_TOKEN_LIFETIME)
            {
                return Ok(IdentityToken::from(entry));
            }
            if let Some(refresh_token) = &entry.refresh_token {
                let provider = self.provider(&issuer, name, events).await?;
                let settings = self.client_settings(profile, web, &issuer)?;
                self.event(events, name, Stage::RefreshingToken);
                let mut refreshed = flow::refresh(&provider, &settings, refresh_token).await;
                // A refresh is cheap to repeat, so a moved token endpoint costs one rediscovery
                // here instead of a failed run.
                if let Err(error) = &refreshed
                    && self.forget_if_stale(&provider, &issuer, error)
                {
                    let provider = self.provider(&issuer, name, events).await?;
                    refreshed = flow::refresh(&provider, &settings, refresh_token).await;
                }
                match refreshed {
                    Ok(tokens) => {
                        return self.keep_tokens(&issuer, &web.client_id, tokens, name, events);
                    }
                    // A refused refresh token only means a new login; anything else (IdP down,
                    // bad client secret) would fail the login the same way, so say it now.
                    Err(flow::FlowError::RefreshRejected) => {
                        tracing::info!(profile = %name, "refresh token refused; logging in again");
                    }
                    Err(source) => return Err(flow_error(source)),
                }
            }
        }
        if !options.interactive {
            return Err(SessionError::LoginRequired { name: name.clone() });
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

    /// Forgets `issuer`'s stored discovery document when `error` hints it is out of date: the
    /// token endpoint it names could not be reached or gave no OAuth answer (a 404 page, say).
    /// Returns whether it did.
    fn forget_if_stale(
        &self,
        provider: &flow::Provider,
        issuer: &str,
        error: &flow::FlowError,
    ) -> bool {
        let stale = provider.from_store()
            && matches!(error, flow::FlowError::Http { url, .. }
                if url == provider.token_endpoint().as_str());
        if stale && let Ok(url) = Url::parse(issuer) {
            tracing::info!(%issuer, "token endpoint failed with a stored discovery document; discovering again");
            self.providers.forget(&url);
            return true;
        }
        false
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
            && provider.supports_device_flow()
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

    fn keep_tokens(
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

    async fn provider(
        &self,
        issuer: &str,
        name: &str,
        events: &mpsc::UnboundedSender<SessionEvent>,
    ) -> Result<std::sync::Arc<flow::Provider>, SessionError> {
        let flow_error = |source| SessionError::Flow {
            name: name.to_owned(),
            source,
        };
        let url = Url::parse(issuer).map_err(|err| {
            flow_error(flow::FlowError::Discovery {
                issuer: issuer.to_owned(),
                reason: err.to_string(),
            })
        })?;
        self.event(
            events,
            name,
            Stage::Discovering {
                issuer: issuer.to_owned(),
            },
        );
        self.providers.get(&url).await.map_err(flow_error)
    }

    fn client_settings(
        &self,
        profile: &Profile,
        web: &WebIdentity,
        issuer: &str,
    ) -> Result<flow::ClientSettings, SessionError> {
        let client_secret = match &web.client_secret {
            None => None,
            Some(ClientSecret::Inline(secret)) => Some(secret.clone()),
            Some(ClientSecret::Env(variable)) => Some(Secret::new(
                (self.env)(variable)
                    .filter(|v| !v.is_empty())
                    .ok_or_else(|| SessionError::ClientSecretMissing {
                        name: profile.name.clone(),
                        variable: variable.clone(),
                    })?,
            )),
        };
        let auth_method = match web.auth_method {
            config::TokenAuthMethod::ClientSecretBasic => flow::TokenAuthMethod::ClientSecretBasic,
            config::TokenAuthMethod::ClientSecretPost => flow::TokenAuthMethod::ClientSecretPost,
            config::TokenAuthMethod::None => flow::TokenAuthMethod::None,
        };
        let issuer = Url::parse(issuer).map_err(|err| SessionError::Flow {
            name: profile.name.clone(),
            source: flow::FlowError::Discovery {
                issuer: issuer.to_owned(),
                reason: err.to_string(),
            },
        })?;
        Ok(flow::ClientSettings {
            issuer,
            client_id: web.client_id.clone(),
            client_secret,
            auth_method,
            scopes: web.scopes.clone(),
            redirect_uri: web
                .callback
                .as_ref()
                .filter(|c| c.loopback)
                .map(|c| c.uri.clone()),
            login_hint: web.username.clone(),
            use_pkce: web.use_pkce,
        })
    }

    /// The issuer of a profile's IdP: from the config or host name, else a cached detection,
    /// else one probe (remembered for 24 hours).
    async fn resolve_issuer(
        &self,
        web: &WebIdentity,
        name: &str,
        events: &mpsc::UnboundedSender<SessionEvent>,
    ) -> String {
        if let Some(issuer) = self.issuer_offline(web) {
            return issuer;
        }
        self.event(
            events,
            name,
            Stage::Discovering {
                issuer: web.auth_url.to_string(),
            },
        );
        let detection = idp::detect(&self.http, &web.auth_url, None).await;
        if let Ok(mut cache) = DetectionCache::load(self.store.dir()) {
            cache.put(&web.auth_url, detection.clone(), self.now());
            if let Err(err) = cache.save() {
                tracing::warn!("detection not cached: {err}");
            }
        }
        detection.issuer_exact
    }

    fn issuer_offline(&self, web: &WebIdentity) -> Option<String> {
        if let Some((kind, _)) = idp::detect_offline(&web.auth_url, web.provider) {
            return Some(idp::issuer_text(&idp::normalize_issuer(
                kind,
                &web.auth_url,
            )));
        }
        let cache = DetectionCache::load(self.store.dir()).ok()?;
        cache
            .get(&web.auth_url, self.now())
            .map(|d| d.issuer_exact.clone())
    }

    /// The token-cache key of a profile, if it can be known without the network.
    pub(super) fn token_key_offline(&self, profile: &Profile) -> Option<(String, String)> {
        let web = profile.web_identity.as_ref()?;
        Some((self.issuer_offline(web)?, web.client_id.clone()))
    }
}
