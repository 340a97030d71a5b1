//! The process-wide registry of OpenID providers: one discovery per issuer, shared by every
//! profile and task, and kept across processes by an injected [`MetadataStore`] (idp never
//! touches the disk itself). The documents' checks live in [`super::discovery`]; this module only
//! decides whether a stored copy may stand in for a fetch.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use openidconnect::url::Url;
use tokio::sync::OnceCell;

use super::FlowError;
use super::provider::{Provider, require_secure};
use crate::http::LazyIdpClient;

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

/// The process-wide registry: one discovery per issuer, shared by every profile and task, and
/// read from the [`MetadataStore`] when one is given and holds a usable copy.
#[derive(Debug)]
pub struct ProviderRegistry {
    http: LazyIdpClient,
    providers: Mutex<HashMap<String, Arc<OnceCell<Arc<Provider>>>>>,
    store: Option<Arc<dyn MetadataStore>>,
}

impl ProviderRegistry {
    pub fn new(http: LazyIdpClient) -> Self {
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
        let http = self.http.get().map_err(|err| FlowError::Discovery {
            issuer: issuer.to_string(),
            reason: err.to_string(),
        })?;
        let Some(store) = &self.store else {
            return Provider::discover(http.clone(), issuer).await;
        };
        let requested = issuer_string(issuer);
        if let Some(stored) = store.load(&requested).filter(|s| s.issuer == requested) {
            match Provider::from_stored(http.clone(), stored) {
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
        let mut provider = Provider::discover(http.clone(), issuer).await?;
        store.save(&provider.stored);
        provider.store = Some(store.clone());
        Ok(provider)
    }
}

/// The issuer as a string without the slash `Url` adds to an empty path, so that
/// `https://idp.example` and `https://idp.example/` name one issuer.
pub(super) fn issuer_string(issuer: &Url) -> String {
    issuer.as_str().trim_end_matches('/').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn an_insecure_issuer_is_refused_before_any_request() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let registry = ProviderRegistry::new(LazyIdpClient::new(std::time::Duration::from_secs(2)));
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
        ProviderRegistry::new(LazyIdpClient::new(std::time::Duration::from_secs(2)))
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
