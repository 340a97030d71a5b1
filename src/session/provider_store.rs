//! The session's [`MetadataStore`]: the idp registry's discovery documents and key sets kept in
//! the cache directory ([`ProviderMetadataCache`]), so a new process skips discovery and JWKS.

use chrono::{DateTime, Utc};

use crate::cache::provider_metadata::{ProviderMetadata, ProviderMetadataCache};
use crate::idp::flow::{MetadataStore, StoredMetadata};

#[derive(Debug)]
pub(super) struct CachedProviderMetadata {
    pub(super) cache: ProviderMetadataCache,
    pub(super) clock: fn() -> DateTime<Utc>,
}

impl MetadataStore for CachedProviderMetadata {
    fn load(&self, issuer: &str) -> Option<StoredMetadata> {
        let entry = self.cache.get(issuer, (self.clock)())?;
        Some(StoredMetadata {
            issuer: entry.issuer,
            fetched_at: entry.fetched_at,
            discovery: entry.discovery,
            jwks: entry.jwks,
        })
    }

    fn save(&self, metadata: &StoredMetadata) {
        let entry = ProviderMetadata {
            issuer: metadata.issuer.clone(),
            fetched_at: metadata.fetched_at,
            discovery: metadata.discovery.clone(),
            jwks: metadata.jwks.clone(),
        };
        // Losing the copy only costs the next process two requests.
        if let Err(err) = self.cache.put(&entry) {
            tracing::warn!("discovery document not cached: {err}");
        }
    }

    fn forget(&self, issuer: &str) {
        if let Err(err) = self.cache.remove(issuer) {
            tracing::warn!("stale discovery document not removed: {err}");
        }
    }
}
