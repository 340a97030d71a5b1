//! How a profile reaches its IdP: the issuer (from the config, the host name, a cached detection
//! or one probe), the discovered provider, the client settings the flows need, and forgetting a
//! stored discovery document that has gone stale. No tokens are read or kept here.

use openidconnect::url::Url;
use tokio::sync::mpsc;

use super::{Session, SessionError, SessionEvent, Stage};
use crate::cache::DetectionCache;
use crate::config::{self, ClientSecret, Profile, WebIdentity};
use crate::creds::Secret;
use crate::idp::{self, flow};

impl Session {
    /// Forgets `issuer`'s stored discovery document when `error` hints it is out of date: the
    /// token endpoint it names could not be reached or gave no OAuth answer (a 404 page, say).
    /// Returns whether it did.
    pub(super) fn forget_if_stale(
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

    pub(super) async fn provider(
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

    pub(super) fn client_settings(
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
            scopes: web.scopes.to_vec(),
            redirect_uri: web
                .callback
                .as_ref()
                .filter(|c| c.loopback)
                .map(|c| c.uri.clone()),
            login_hint: web.username.clone(),
            use_pkce: web.use_pkce,
            device_authorization_url: web.device_authorization_url.clone(),
        })
    }

    /// The issuer of a profile's IdP: from the config or host name, else a cached detection,
    /// else one probe (remembered for 24 hours).
    pub(super) async fn resolve_issuer(
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
        let http = match self.http.get() {
            Ok(http) => http,
            // Nothing can be probed: the issuer a probe that found nothing gives. The login
            // that follows fails naming why there is no client; nothing is cached.
            Err(_) => {
                let normalized = idp::normalize_issuer(config::ProviderKind::Oidc, &web.auth_url);
                return idp::issuer_text(&normalized);
            }
        };
        let detection = idp::detect(http, &web.auth_url, None).await;
        if let Ok(mut cache) = DetectionCache::load(self.store.dir()) {
            cache.put(&web.auth_url, detection.clone(), self.now());
            if let Err(err) = cache.save() {
                tracing::warn!("detection not cached: {err}");
            }
        }
        detection.issuer_exact
    }

    fn issuer_offline(&self, web: &WebIdentity) -> Option<String> {
        let mut cache = None;
        self.issuer_offline_with(web, || {
            cache
                .insert(DetectionCache::load(self.store.dir()).ok())
                .as_ref()
        })
    }

    /// The issuer of `web`'s IdP from its URL, or from `detections` (read only when the URL
    /// alone cannot tell) where a past probe recorded it.
    pub(super) fn issuer_offline_with<'c>(
        &self,
        web: &WebIdentity,
        detections: impl FnOnce() -> Option<&'c DetectionCache>,
    ) -> Option<String> {
        if let Some((kind, _)) = idp::detect_offline(&web.auth_url, web.provider) {
            return Some(idp::issuer_text(&idp::normalize_issuer(
                kind,
                &web.auth_url,
            )));
        }
        detections()?
            .get(&web.auth_url, self.now())
            .map(|d| d.issuer_exact.clone())
    }

    /// The token-cache key of a profile, if it can be known without the network.
    pub(super) fn token_key_offline(&self, profile: &Profile) -> Option<(String, String)> {
        let web = profile.web_identity.as_ref()?;
        Some((self.issuer_offline(web)?, web.client_id.clone()))
    }
}
