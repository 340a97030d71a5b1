//! The session's [`MetadataStore`]: the idp registry's discovery documents and key sets kept in
//! the cache directory ([`ProviderMetadataCache`]), so a new process skips discovery and JWKS.
//! Saving is written on a thread of its own: the write (two fsyncs) was on a first login's
//! path between discovery and opening the browser, where nothing needs it. Every save is
//! joined before the session answers or goes away ([`CachedProviderMetadata::settle`]), and
//! before a `forget`, so no write outlives the process or lands after a removal.

use std::sync::Mutex;
use std::thread::JoinHandle;

use chrono::{DateTime, Utc};

use crate::cache::provider_metadata::{ProviderMetadata, ProviderMetadataCache};
use crate::idp::flow::{MetadataStore, StoredMetadata};

#[derive(Debug)]
pub(super) struct CachedProviderMetadata {
    pub(super) cache: ProviderMetadataCache,
    pub(super) clock: fn() -> DateTime<Utc>,
    /// Saves still being written.
    pub(super) pending: Mutex<Vec<JoinHandle<()>>>,
}

impl CachedProviderMetadata {
    pub(super) fn new(cache: ProviderMetadataCache, clock: fn() -> DateTime<Utc>) -> Self {
        CachedProviderMetadata {
            cache,
            clock,
            pending: Mutex::new(Vec::new()),
        }
    }

    /// Waits until every save started so far is on disk (or has failed and said so).
    pub(super) fn settle(&self) {
        let pending = std::mem::take(&mut *self.lock_pending());
        for save in pending {
            // A panicking save lost only its copy; the next process asks the IdP again.
            let _ = save.join();
        }
    }

    fn lock_pending(&self) -> std::sync::MutexGuard<'_, Vec<JoinHandle<()>>> {
        // Only pushes and takes happen under this lock; the list stays usable after a panic.
        self.pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn save_entry(cache: &ProviderMetadataCache, entry: &ProviderMetadata) {
    // Losing the copy only costs the next process two requests.
    if let Err(err) = cache.put(entry) {
        tracing::warn!("discovery document not cached: {err}");
    }
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
        let cache = self.cache.clone();
        let spawned = std::thread::Builder::new()
            .name("runas-save-provider".to_owned())
            .spawn({
                let entry = entry.clone();
                move || save_entry(&cache, &entry)
            });
        match spawned {
            Ok(handle) => self.lock_pending().push(handle),
            // No thread to be had: write it here, as before.
            Err(_) => save_entry(&self.cache, &entry),
        }
    }

    fn forget(&self, issuer: &str) {
        // A save still in flight must not bring the documents back after this.
        self.settle();
        if let Err(err) = self.cache.remove(issuer) {
            tracing::warn!("stale discovery document not removed: {err}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(issuer: &str) -> StoredMetadata {
        StoredMetadata {
            issuer: issuer.to_owned(),
            fetched_at: Utc::now(),
            discovery: serde_json::json!({ "issuer": issuer }),
            jwks: serde_json::json!({ "keys": [] }),
        }
    }

    #[test]
    fn a_save_is_on_disk_once_settled_and_a_forget_is_never_undone_by_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = CachedProviderMetadata::new(ProviderMetadataCache::new(dir.path()), Utc::now);
        store.save(&stored("https://idp.example"));
        store.settle();
        assert!(store.pending.lock().unwrap().is_empty());
        let fresh = CachedProviderMetadata::new(ProviderMetadataCache::new(dir.path()), Utc::now);
        assert_eq!(
            fresh
                .load("https://idp.example")
                .map(|m| m.issuer)
                .as_deref(),
            Some("https://idp.example")
        );

        // A save still in flight when the documents are forgotten lands before the removal.
        store.save(&stored("https://other.example"));
        store.forget("https://other.example");
        assert!(fresh.load("https://other.example").is_none());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("providers"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .filter(|name| name.to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}
