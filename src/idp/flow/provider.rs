//! One issuer's discovery document and signing keys as the flows borrow them: the client
//! construction for its endpoints, the single JWKS re-fetch on an unknown `kid` that concurrent
//! verifiers share, and the https rule for every endpoint runas talks to. Fetching and checking
//! the documents is [`super::discovery`]'s job and sharing providers across tasks and processes
//! is [`super::registry`]'s; this module never touches the disk itself.

use std::sync::{Arc, RwLock};

use chrono::Utc;
use openidconnect::core::{CoreClient, CoreJsonWebKeySet};
use openidconnect::url::{Host, Url};
use openidconnect::{
    AuthUrl, ClientId, ClientSecret, DeviceAuthorizationUrl, EndpointNotSet, EndpointSet,
    IssuerUrl, JsonWebKeySet, JsonWebKeySetUrl, TokenUrl,
};

use super::discovery;
use super::registry::{MetadataStore, StoredMetadata, issuer_string};
use super::{ClientSettings, FlowError, TokenAuthMethod};
use crate::http::reqwest;

/// An openidconnect client with the authorization and token endpoints set.
pub(super) type FlowClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
    EndpointNotSet,
>;

/// One issuer's discovery document and signing keys.
#[derive(Debug)]
pub struct Provider {
    issuer: IssuerUrl,
    authorization_endpoint: AuthUrl,
    token_endpoint: TokenUrl,
    device_authorization_endpoint: Option<DeviceAuthorizationUrl>,
    jwks_uri: JsonWebKeySetUrl,
    /// The keys and how many times they were fetched, so concurrent verifiers that all miss a
    /// `kid` share one re-fetch instead of each starting their own.
    jwks: RwLock<(u64, Arc<CoreJsonWebKeySet>)>,
    jwks_refetch: tokio::sync::Mutex<()>,
    http: reqwest::Client,
    /// The documents as fetched, for writing back to `store` after a JWKS re-fetch.
    pub(super) stored: StoredMetadata,
    pub(super) store: Option<Arc<dyn MetadataStore>>,
    from_store: bool,
}

impl Provider {
    /// Fetches `{issuer}/.well-known/openid-configuration` and the JWKS it names.
    pub async fn discover(http: reqwest::Client, issuer: &Url) -> Result<Provider, FlowError> {
        require_secure(issuer)?;
        let requested = issuer_string(issuer);
        let discovery = discovery::fetch_document(&http, &requested).await?;
        let endpoints = discovery::check_discovery(&requested, &discovery)?;
        let jwks = discovery::fetch_jwks(&http, &endpoints.jwks_uri).await?;
        let stored = StoredMetadata {
            issuer: requested,
            fetched_at: Utc::now(),
            discovery,
            jwks: discovery::jwks_json(&jwks),
        };
        Ok(Provider::assemble(http, endpoints, jwks, stored, false))
    }

    /// A provider from documents an earlier process stored, checked exactly as if fetched now.
    pub(super) fn from_stored(
        http: reqwest::Client,
        stored: StoredMetadata,
    ) -> Result<Provider, FlowError> {
        let endpoints = discovery::check_discovery(&stored.issuer, &stored.discovery)?;
        let jwks: CoreJsonWebKeySet =
            serde_json::from_value(stored.jwks.clone()).map_err(|err| FlowError::Jwks {
                url: endpoints.jwks_uri.to_string(),
                reason: format!("stored key set unreadable: {err}"),
            })?;
        Ok(Provider::assemble(http, endpoints, jwks, stored, true))
    }

    fn assemble(
        http: reqwest::Client,
        endpoints: discovery::Endpoints,
        jwks: CoreJsonWebKeySet,
        stored: StoredMetadata,
        from_store: bool,
    ) -> Provider {
        Provider {
            issuer: endpoints.issuer,
            authorization_endpoint: endpoints.authorization_endpoint,
            token_endpoint: endpoints.token_endpoint,
            device_authorization_endpoint: endpoints.device_authorization_endpoint,
            jwks_uri: endpoints.jwks_uri,
            jwks: RwLock::new((1, Arc::new(jwks))),
            jwks_refetch: tokio::sync::Mutex::new(()),
            http,
            stored,
            store: None,
            from_store,
        }
    }

    /// Whether these documents came from the store rather than from the IdP in this process.
    pub fn from_store(&self) -> bool {
        self.from_store
    }

    /// The issuer exactly as its discovery document spells it: what `iss` must equal.
    pub fn issuer(&self) -> &str {
        self.issuer.as_str()
    }

    pub fn token_endpoint(&self) -> &Url {
        self.token_endpoint.url()
    }

    pub fn supports_device_flow(&self) -> bool {
        self.device_authorization_endpoint.is_some()
    }

    pub(super) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub(super) fn issuer_url(&self) -> &IssuerUrl {
        &self.issuer
    }

    pub(super) fn device_authorization_endpoint(&self) -> Option<&DeviceAuthorizationUrl> {
        self.device_authorization_endpoint.as_ref()
    }

    /// A client for this IdP app, authenticating at the token endpoint as `settings` say.
    pub(super) fn client(&self, settings: &ClientSettings) -> FlowClient {
        let client = CoreClient::new(
            ClientId::new(settings.client_id.clone()),
            self.issuer.clone(),
            // Unused: ID tokens are checked by `verify` against the live key set.
            JsonWebKeySet::new(Vec::new()),
        )
        .set_auth_uri(self.authorization_endpoint.clone())
        .set_token_uri(self.token_endpoint.clone());
        let secret = settings
            .client_secret
            .as_ref()
            .map(|secret| ClientSecret::new(secret.expose().to_owned()));
        match (settings.auth_method, secret) {
            (TokenAuthMethod::ClientSecretBasic, Some(secret)) => client
                .set_client_secret(secret)
                .set_auth_type(openidconnect::AuthType::BasicAuth),
            (TokenAuthMethod::ClientSecretPost, Some(secret)) => client
                .set_client_secret(secret)
                .set_auth_type(openidconnect::AuthType::RequestBody),
            // A public client proves itself with PKCE; its id goes in the body (RFC 6749 §3.2.1).
            _ => client.set_auth_type(openidconnect::AuthType::RequestBody),
        }
    }

    /// The current keys and their generation, for [`Self::refetch_jwks`].
    pub(super) fn jwks(&self) -> (u64, Arc<CoreJsonWebKeySet>) {
        match self.jwks.read() {
            Ok(guard) => guard.clone(),
            // A writer only swaps a fully built value in, so a poisoned lock still holds a
            // consistent one.
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Fetches the JWKS again unless someone already did since generation `seen`.
    pub(super) async fn refetch_jwks(
        &self,
        seen: u64,
    ) -> Result<(u64, Arc<CoreJsonWebKeySet>), FlowError> {
        let _only_one_fetch = self.jwks_refetch.lock().await;
        let current = self.jwks();
        if current.0 != seen {
            return Ok(current);
        }
        let keys = discovery::fetch_jwks(&self.http, &self.jwks_uri).await?;
        if let Some(store) = &self.store {
            store.save(&StoredMetadata {
                jwks: discovery::jwks_json(&keys),
                ..self.stored.clone()
            });
        }
        let fresh = (seen + 1, Arc::new(keys));
        match self.jwks.write() {
            Ok(mut guard) => *guard = fresh.clone(),
            Err(poisoned) => *poisoned.into_inner() = fresh.clone(),
        }
        Ok(fresh)
    }

    #[cfg(test)]
    pub(super) fn for_tests(issuer: &str, jwks: CoreJsonWebKeySet) -> Provider {
        let url = |path: &str| format!("{issuer}{path}");
        Provider {
            issuer: IssuerUrl::new(issuer.to_owned()).unwrap(),
            authorization_endpoint: AuthUrl::new(url("/auth")).unwrap(),
            token_endpoint: TokenUrl::new(url("/token")).unwrap(),
            device_authorization_endpoint: None,
            jwks_uri: JsonWebKeySetUrl::new(url("/jwks")).unwrap(),
            jwks: RwLock::new((1, Arc::new(jwks))),
            jwks_refetch: tokio::sync::Mutex::new(()),
            http: crate::http::idp_client(std::time::Duration::from_secs(5)).unwrap(),
            stored: StoredMetadata {
                issuer: issuer.to_owned(),
                fetched_at: Utc::now(),
                discovery: serde_json::Value::Null,
                jwks: serde_json::Value::Null,
            },
            store: None,
            from_store: false,
        }
    }
}

/// https everywhere except loopback hosts, where local IdPs and the test peers live.
pub(super) fn require_secure(url: &Url) -> Result<(), FlowError> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        _ => Err(FlowError::InsecureUrl(url.to_string())),
    }
}

pub(super) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn https_is_required_except_on_loopback() {
        for allowed in [
            "https://idp.example.com/realms/x",
            "http://127.0.0.1:9400",
            "http://127.8.9.10/x",
            "http://[::1]:8080/",
            "http://LOCALHOST:1/",
        ] {
            assert!(require_secure(&url(allowed)).is_ok(), "{allowed}");
        }
        for refused in [
            "http://idp.example.com",
            "http://10.0.0.1/",
            "http://localhost.example.com/",
            "ftp://127.0.0.1/",
        ] {
            match require_secure(&url(refused)) {
                Err(FlowError::InsecureUrl(named)) => assert_eq!(named, url(refused).to_string()),
                other => panic!("{refused}: {other:?}"),
            }
        }
    }
}
