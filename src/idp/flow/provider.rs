//! OpenID provider discovery: the discovery document and JWKS of each issuer, fetched once and
//! shared, plus the https rule for every endpoint runas talks to. It owns the process-wide
//! registry of providers and the single JWKS re-fetch on an unknown `kid`; an injected
//! [`MetadataStore`] keeps the documents across processes (idp never touches the disk itself,
//! DESIGN §10). The flows themselves live elsewhere and only borrow a [`Provider`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use chrono::{DateTime, Utc};
use openidconnect::core::{
    CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClient, CoreClientAuthMethod, CoreGrantType,
    CoreJsonWebKey, CoreJsonWebKeySet, CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm, CoreResponseMode, CoreResponseType, CoreSubjectIdentifierType,
};
use openidconnect::url::{Host, Url};
use openidconnect::{
    AdditionalProviderMetadata, AuthUrl, ClientId, ClientSecret, DeviceAuthorizationUrl,
    EndpointNotSet, EndpointSet, IssuerUrl, JsonWebKeySet, JsonWebKeySetUrl, ProviderMetadata,
    TokenUrl,
};
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;

use super::error::error_chain;
use super::{ClientSettings, FlowError, TokenAuthMethod};
use crate::http::reqwest;

/// One issuer's documents as a [`MetadataStore`] keeps them: JSON as the IdP sent it (the key
/// set as runas parsed it), checked again like a fresh answer whenever it is used.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredMetadata {
    /// The issuer as configured, without a trailing slash: the store's key.
    pub issuer: String,
    /// When discovery fetched the document; a JWKS re-fetch keeps it.
    pub fetched_at: DateTime<Utc>,
    pub discovery: serde_json::Value,
    pub jwks: serde_json::Value,
}

/// Where discovery documents outlive the process. Every method is best effort: a store that
/// cannot read or write only costs requests.
pub trait MetadataStore: Send + Sync + std::fmt::Debug {
    /// `issuer`'s documents if they are young enough to use without asking the IdP.
    fn load(&self, issuer: &str) -> Option<StoredMetadata>;
    fn save(&self, metadata: &StoredMetadata);
    fn forget(&self, issuer: &str);
}

/// The discovery fields runas reads beyond OIDC Core: the RFC 8628 device endpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct DeviceEndpointMetadata {
    device_authorization_endpoint: Option<DeviceAuthorizationUrl>,
}
impl AdditionalProviderMetadata for DeviceEndpointMetadata {}

type DiscoveryDocument = ProviderMetadata<
    DeviceEndpointMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

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
    stored: StoredMetadata,
    store: Option<Arc<dyn MetadataStore>>,
    from_store: bool,
}

/// The checked endpoints of a discovery document.
struct Endpoints {
    issuer: IssuerUrl,
    authorization_endpoint: AuthUrl,
    token_endpoint: TokenUrl,
    device_authorization_endpoint: Option<DeviceAuthorizationUrl>,
    jwks_uri: JsonWebKeySetUrl,
}

impl Provider {
    /// Fetches `{issuer}/.well-known/openid-configuration` and the JWKS it names.
    pub async fn discover(http: reqwest::Client, issuer: &Url) -> Result<Provider, FlowError> {
        require_secure(issuer)?;
        let requested = issuer_string(issuer);
        let discovery_error = |reason: String| FlowError::Discovery {
            issuer: requested.clone(),
            reason,
        };
        let discovery_url = format!("{requested}/.well-known/openid-configuration");
        let response = http
            .get(&discovery_url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|err| discovery_error(error_chain(&err)))?;
        if !response.status().is_success() {
            return Err(discovery_error(format!(
                "{discovery_url} answered HTTP {}",
                response.status()
            )));
        }
        let body = response
            .bytes()
            .await
            .map_err(|err| discovery_error(error_chain(&err)))?;
        let discovery: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|err| discovery_error(format!("invalid discovery document: {err}")))?;
        let endpoints = check_discovery(&requested, &discovery)?;
        let jwks = fetch_jwks(&http, &endpoints.jwks_uri).await?;
        let stored = StoredMetadata {
            issuer: requested,
            fetched_at: Utc::now(),
            discovery,
            jwks: jwks_json(&jwks),
        };
        Ok(Provider::assemble(http, endpoints, jwks, stored, false))
    }

    /// A provider from documents an earlier process stored, checked exactly as if fetched now.
    fn from_stored(http: reqwest::Client, stored: StoredMetadata) -> Result<Provider, FlowError> {
        let endpoints = check_discovery(&stored.issuer, &stored.discovery)?;
        let jwks: CoreJsonWebKeySet =
            serde_json::from_value(stored.jwks.clone()).map_err(|err| FlowError::Jwks {
                url: endpoints.jwks_uri.to_string(),
                reason: format!("stored key set unreadable: {err}"),
            })?;
        Ok(Provider::assemble(http, endpoints, jwks, stored, true))
    }

    fn assemble(
        http: reqwest::Client,
        endpoints: Endpoints,
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
        let keys = fetch_jwks(&self.http, &self.jwks_uri).await?;
        if let Some(store) = &self.store {
            store.save(&StoredMetadata {
                jwks: jwks_json(&keys),
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

/// The checks every discovery document passes before use, fetched or stored: it parses, names
/// the issuer that was asked for, has a token endpoint, and every endpoint is https (or
/// loopback).
fn check_discovery(requested: &str, discovery: &serde_json::Value) -> Result<Endpoints, FlowError> {
    let discovery_error = |reason: String| FlowError::Discovery {
        issuer: requested.to_owned(),
        reason,
    };
    let document = DiscoveryDocument::deserialize(discovery)
        .map_err(|err| discovery_error(format!("invalid discovery document: {err}")))?;
    // OIDC Discovery §4.3 wants an exact match; a lone trailing slash is forgiven because a
    // parsed URL cannot tell whether the person typed one. Discovery then has the last word.
    let discovered = document.issuer().as_str();
    if discovered.trim_end_matches('/') != requested {
        return Err(discovery_error(format!(
            "the discovery document names a different issuer, {discovered}"
        )));
    }
    let token_endpoint = document
        .token_endpoint()
        .cloned()
        .ok_or_else(|| discovery_error("the discovery document has no token_endpoint".into()))?;
    let device_authorization_endpoint = document
        .additional_metadata()
        .device_authorization_endpoint
        .clone();
    require_secure(token_endpoint.url())?;
    require_secure(document.authorization_endpoint().url())?;
    require_secure(document.jwks_uri().url())?;
    if let Some(device) = &device_authorization_endpoint {
        require_secure(device.url())?;
    }
    Ok(Endpoints {
        issuer: document.issuer().clone(),
        authorization_endpoint: document.authorization_endpoint().clone(),
        token_endpoint,
        device_authorization_endpoint,
        jwks_uri: document.jwks_uri().clone(),
    })
}

/// The key set as JSON for the store. Only keys runas could parse are kept, which are the only
/// ones it can verify with anyway.
fn jwks_json(keys: &CoreJsonWebKeySet) -> serde_json::Value {
    // Serializing plain data structures to a JSON value cannot fail; Null would only make the
    // stored copy unreadable, which reads as absent.
    serde_json::to_value(keys).unwrap_or(serde_json::Value::Null)
}

async fn fetch_jwks(
    http: &reqwest::Client,
    url: &JsonWebKeySetUrl,
) -> Result<CoreJsonWebKeySet, FlowError> {
    JsonWebKeySet::fetch_async(url, http)
        .await
        .map_err(|err| FlowError::Jwks {
            url: url.to_string(),
            reason: error_chain(&err),
        })
}

/// The process-wide registry: one discovery per issuer, shared by every profile and task, and
/// read from the [`MetadataStore`] when one is given and holds a usable copy.
#[derive(Debug)]
pub struct ProviderRegistry {
    http: reqwest::Client,
    providers: Mutex<HashMap<String, Arc<OnceCell<Arc<Provider>>>>>,
    store: Option<Arc<dyn MetadataStore>>,
}

impl ProviderRegistry {
    pub fn new(http: reqwest::Client) -> Self {
        ProviderRegistry {
            http,
            providers: Mutex::new(HashMap::new()),
            store: None,
        }
    }

    /// Keeps discovery documents and key sets in `store` across processes.
    pub fn with_store(mut self, store: Arc<dyn MetadataStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// The provider for `issuer`: stored documents if usable, else discovered. Concurrent
    /// callers for the same issuer wait for one discovery; a failed discovery is not kept, so
    /// a later call retries.
    pub async fn get(&self, issuer: &Url) -> Result<Arc<Provider>, FlowError> {
        let cell = {
            let mut providers = self.lock_providers();
            providers.entry(issuer_string(issuer)).or_default().clone()
        };
        cell.get_or_try_init(|| async { self.load_or_discover(issuer).await.map(Arc::new) })
            .await
            .cloned()
    }

    /// Forgets `issuer`'s documents here and in the store, after a failure that suggests they
    /// are out of date (the token endpoint moved): the next [`Self::get`] discovers again.
    pub fn forget(&self, issuer: &Url) {
        let key = issuer_string(issuer);
        self.lock_providers().remove(&key);
        if let Some(store) = &self.store {
            store.forget(&key);
        }
    }

    fn lock_providers(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<String, Arc<OnceCell<Arc<Provider>>>>> {
        match self.providers.lock() {
            Ok(guard) => guard,
            // Only inserts and removals happen under this lock; the map stays usable after a
            // panic.
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    async fn load_or_discover(&self, issuer: &Url) -> Result<Provider, FlowError> {
        require_secure(issuer)?;
        let Some(store) = &self.store else {
            return Provider::discover(self.http.clone(), issuer).await;
        };
        let requested = issuer_string(issuer);
        if let Some(stored) = store.load(&requested).filter(|s| s.issuer == requested) {
            match Provider::from_stored(self.http.clone(), stored) {
                Ok(mut provider) => {
                    provider.store = Some(store.clone());
                    return Ok(provider);
                }
                // The fresh discovery below replaces the copy, or fails with the same check.
                Err(err) => {
                    tracing::info!(issuer = %requested, "stored discovery document not used: {err}")
                }
            }
        }
        let mut provider = Provider::discover(self.http.clone(), issuer).await?;
        store.save(&provider.stored);
        provider.store = Some(store.clone());
        Ok(provider)
    }
}

/// The issuer as a string without the slash `Url` adds to an empty path, so that
/// `https://idp.example` and `https://idp.example/` name one issuer.
fn issuer_string(issuer: &Url) -> String {
    issuer.as_str().trim_end_matches('/').to_owned()
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

    #[test]
    fn an_insecure_issuer_is_refused_before_any_request() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let registry = ProviderRegistry::new(reqwest::Client::new());
        let err = runtime
            .block_on(registry.get(&url("http://idp.example.com/oauth2")))
            .unwrap_err();
        assert!(
            err.to_string().contains("http://idp.example.com/oauth2"),
            "{err}"
        );
    }

    /// An in-memory store that counts writes.
    #[derive(Debug, Default)]
    struct MemoryStore {
        entry: Mutex<Option<StoredMetadata>>,
        saves: Mutex<usize>,
    }

    impl MetadataStore for MemoryStore {
        fn load(&self, _issuer: &str) -> Option<StoredMetadata> {
            self.entry.lock().unwrap().clone()
        }
        fn save(&self, metadata: &StoredMetadata) {
            *self.entry.lock().unwrap() = Some(metadata.clone());
            *self.saves.lock().unwrap() += 1;
        }
        fn forget(&self, _issuer: &str) {
            *self.entry.lock().unwrap() = None;
        }
    }

    /// Nothing listens on port 1, so any request fails: a provider that comes back was built
    /// from the store alone.
    const CLOSED: &str = "http://127.0.0.1:1";

    fn stored(discovery: serde_json::Value) -> StoredMetadata {
        StoredMetadata {
            issuer: CLOSED.to_owned(),
            fetched_at: Utc::now(),
            discovery,
            jwks: serde_json::json!({"keys": []}),
        }
    }

    fn document(issuer: &str, token_endpoint: &str) -> serde_json::Value {
        serde_json::json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/auth"),
            "token_endpoint": token_endpoint,
            "jwks_uri": format!("{issuer}/jwks"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        })
    }

    fn registry_with(store: &Arc<MemoryStore>) -> ProviderRegistry {
        ProviderRegistry::new(crate::http::idp_client(std::time::Duration::from_secs(2)).unwrap())
            .with_store(store.clone())
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(future)
    }

    #[test]
    fn a_stored_document_is_used_without_a_request() {
        let store = Arc::new(MemoryStore::default());
        store.save(&stored(document(CLOSED, &format!("{CLOSED}/token"))));
        let provider = block_on(registry_with(&store).get(&url(CLOSED))).unwrap();
        assert!(provider.from_store());
        assert_eq!(
            provider.token_endpoint().as_str(),
            "http://127.0.0.1:1/token"
        );
        assert_eq!(*store.saves.lock().unwrap(), 1, "nothing written back");
    }

    #[test]
    fn a_stored_document_passes_the_same_checks_as_a_fetched_one() {
        for (why, discovery) in [
            (
                "another issuer",
                document("http://127.0.0.1:2", "http://127.0.0.1:2/token"),
            ),
            (
                "plain http off loopback",
                document(CLOSED, "http://idp.example.com/token"),
            ),
            ("no token endpoint", serde_json::json!({"issuer": CLOSED})),
        ] {
            let store = Arc::new(MemoryStore::default());
            store.save(&stored(discovery));
            // Not used: discovery runs, and fails against the closed port.
            let err = block_on(registry_with(&store).get(&url(CLOSED))).unwrap_err();
            assert!(matches!(err, FlowError::Discovery { .. }), "{why}: {err:?}");
        }
    }

    #[test]
    fn forget_drops_the_stored_document() {
        let store = Arc::new(MemoryStore::default());
        store.save(&stored(document(CLOSED, &format!("{CLOSED}/token"))));
        let registry = registry_with(&store);
        block_on(registry.get(&url(CLOSED))).unwrap();
        registry.forget(&url(CLOSED));
        assert!(store.entry.lock().unwrap().is_none());
        assert!(
            block_on(registry.get(&url(CLOSED))).is_err(),
            "discovers again"
        );
    }

    #[test]
    fn the_issuer_key_ignores_the_trailing_slash_of_an_empty_path() {
        assert_eq!(
            issuer_string(&url("http://127.0.0.1:9400")),
            "http://127.0.0.1:9400"
        );
        assert_eq!(
            issuer_string(&url("https://x.okta.com/oauth2/default/")),
            "https://x.okta.com/oauth2/default"
        );
    }
}
