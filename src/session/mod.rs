//! "Credentials for profile P" (docs/ARCHITECTURE.md "Cache", "Code map"): cached credentials if still fresh, else the
//! ID token (cache → refresh → login) exchanged with STS, chains followed, the result cached.
//! This is the only module that composes config, idp, aws and cache; the CLI and the TUI both
//! call it and learn what it is doing through [`SessionEvent`]s, so neither knows how a login
//! works. It never prints.

mod cached;
mod command_line;
mod console;
mod definition;
mod diagnosis;
mod error;
mod grants;
mod identity;
mod identity_center;
mod idp_access;
pub mod naming;
mod overrides;
mod process;
mod provider_store;
mod renewal;
mod roles;
mod roots;
pub mod sso;
mod vocabulary;
mod workload;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc::UnboundedSender;

pub use cached::CachedEntries;
pub use console::{ConsoleRequest, ConsoleSignIn};
pub use error::SessionError;
pub use grants::ObtainedGrant;
pub use overrides::RunOverrides;
pub use vocabulary::{Obtained, Origin, SessionEvent, SessionOptions, Stage};

use crate::cache::CacheError;
use crate::cache::provider_metadata::ProviderMetadataCache;
use crate::cache::store::{CredentialEntry, Store, StoreLock, TokenEntry};
use crate::config::{Config, Profile, ProfileKind};
use crate::http;
use crate::idp::flow::{BrowserOpener, ProviderRegistry, SystemBrowser};

/// Looks up an environment variable; injected so tests need not change the process's.
pub type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The credentials pipeline for one config file and one cache. Cheap to share behind an `Arc`.
pub struct Session {
    config: Arc<Config>,
    store: Store,
    /// Shared with the sessions [`Session::with_discovered`] and [`Session::reread`] make, so
    /// discovery is done once.
    providers: Arc<ProviderRegistry>,
    /// The registry's store, for waiting on its background saves.
    metadata: Arc<provider_store::CachedProviderMetadata>,
    http: http::LazyIdpClient,
    opener: Arc<dyn BrowserOpener>,
    env: EnvLookup,
    clock: fn() -> DateTime<Utc>,
    /// Where a `credential_process` root's stderr goes: the terminal for the CLI, captured
    /// (and quoted in its error) where a full-screen TUI owns the terminal.
    process_stderr: process::Stderr,
    /// A `--duration` asked for this run: (profile, seconds).
    requested_duration: Option<(String, std::time::Duration)>,
    /// This run's `--region` / `--duration` and their profile, for [`Session::reread`].
    overrides: Option<(String, RunOverrides)>,
}

impl Session {
    /// A session reading the real environment and opening the system browser.
    pub fn new(config: Arc<Config>, store: Store) -> Self {
        let http = http::LazyIdpClient::new(http::REQUEST_TIMEOUT);
        let metadata = Arc::new(provider_store::CachedProviderMetadata::new(
            ProviderMetadataCache::new(store.dir()),
            Utc::now,
        ));
        Session {
            config,
            store,
            providers: Arc::new(ProviderRegistry::new(http.clone()).with_store(metadata.clone())),
            metadata,
            http,
            opener: Arc::new(SystemBrowser),
            env: Arc::new(|name| std::env::var(name).ok()),
            clock: Utc::now,
            process_stderr: process::Stderr::Terminal,
            requested_duration: None,
            overrides: None,
        }
    }

    /// Captures the stderr of the `credential_process` commands a chain runs instead of
    /// letting them write on the terminal (which a full-screen TUI draws on); a failed
    /// command's last lines are then quoted in its error.
    pub fn with_captured_process_stderr(mut self) -> Self {
        self.process_stderr = process::Stderr::Captured;
        self
    }

    pub fn with_opener(mut self, opener: Arc<dyn BrowserOpener>) -> Self {
        self.opener = opener;
        self
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// The profile, or a message naming the file and the closest names.
    pub fn profile(&self, name: &str) -> Result<&Profile, SessionError> {
        self.config
            .profile(name)
            .ok_or_else(|| SessionError::UnknownProfile {
                name: name.to_owned(),
                file: self.config.path.display().to_string(),
                similar: similar_names(&self.config, name),
            })
    }

    /// Credentials for `name`, from the cache while fresh, else obtained and cached.
    pub async fn credentials(
        &self,
        name: &str,
        options: &SessionOptions,
        events: &UnboundedSender<SessionEvent>,
    ) -> Result<Obtained, SessionError> {
        let profile = self.profile(name)?;
        if !profile.errors.is_empty() {
            return Err(SessionError::InvalidProfile {
                name: name.to_owned(),
                issues: profile.errors.iter().map(ToString::to_string).collect(),
            });
        }
        if !options.force_login
            && let Some(entry) = self.fresh_cached_or_warn(name, events)
        {
            return Ok(Obtained {
                entry,
                origin: Origin::Cache,
            });
        }
        // Before the lock: a runas started by this profile's own chain would wait for it forever.
        self.refuse_loop(name)?;
        // One exchange per profile at a time, across processes: whoever waited here finds the
        // winner's credentials in the cache instead of repeating the exchange.
        let _lock = self
            .lock_or_warn(name, &format!("credentials:{name}"), events)
            .await?;
        if !options.force_login
            && _lock.is_some()
            && let Some(entry) = self.fresh_cached_or_warn(name, events)
        {
            return Ok(Obtained {
                entry,
                origin: Origin::Cache,
            });
        }
        let exchanged = self.exchange(profile, options, events).await;
        // Discovery documents fetched on the way are written in the background; on disk
        // before the answer, so the next process finds them.
        self.metadata.settle();
        let mut entry = exchanged?;
        entry.definition = Some(self.definition(name));
        if let Err(source) = self.store.put_credentials(&entry) {
            self.cache_unavailable(events, name, &source);
        }
        Ok(Obtained {
            entry,
            origin: Origin::Exchanged,
        })
    }

    /// Cached credentials still fresh now, if any.
    pub fn fresh_cached(&self, name: &str) -> Result<Option<CredentialEntry>, SessionError> {
        let entry = self
            .store
            .credentials(name)
            .map_err(|source| SessionError::Cache {
                name: name.to_owned(),
                source,
            })?;
        Ok(entry.filter(|entry| self.usable(name, entry)))
    }

    /// The cached ID-token entry of a web-identity profile's IdP app, without any network.
    pub fn cached_tokens(&self, profile: &Profile) -> Option<TokenEntry> {
        let (issuer, client_id) = self.token_key_offline(profile)?;
        self.store.tokens(&issuer, &client_id).ok().flatten()
    }

    /// Forgets a profile's credentials, S3 Access Grants and the IdP tokens of its app; returns
    /// what went.
    pub fn forget(&self, name: &str) -> Result<Forgotten, SessionError> {
        let profile = self.profile(name)?;
        let cache_error = |source| SessionError::Cache {
            name: name.to_owned(),
            source,
        };
        let credentials = self.store.remove_credentials(name).map_err(cache_error)?;
        let tokens = match self.token_key_offline(profile) {
            Some((issuer, client_id)) => self
                .store
                .remove_tokens(&issuer, &client_id)
                .map_err(cache_error)?,
            None => false,
        };
        let grants = self.store.remove_grants(Some(name)).map_err(cache_error)?;
        Ok(Forgotten {
            credentials,
            tokens,
            grants,
        })
    }

    async fn exchange(
        &self,
        profile: &Profile,
        options: &SessionOptions,
        events: &UnboundedSender<SessionEvent>,
    ) -> Result<CredentialEntry, SessionError> {
        let unsupported = |reason: &str| SessionError::Unsupported {
            name: profile.name.clone(),
            reason: reason.to_owned(),
        };
        match profile.kind {
            ProfileKind::WebIdentity | ProfileKind::TokenFile => {
                let (identity, web) = self.exchange_web_identity(profile, options, events).await?;
                match &profile.identity_center {
                    Some(center) => {
                        self.identity_enhanced(profile, center, &identity, web, events)
                            .await
                    }
                    None => Ok(web),
                }
            }
            ProfileKind::Chained => {
                let source = self.source_credentials(profile, options, events).await?;
                self.assume_from_source(profile, &source, events).await
            }
            ProfileKind::Sso => self.sso_credentials(profile, options, events).await,
            ProfileKind::Static => Err(unsupported(
                "static keys are used as they are; runas has nothing to log in to",
            )),
            ProfileKind::Process => Err(unsupported(
                "its credential_process gives its credentials; the AWS CLI runs it directly, \
                 and runas runs it only as the source_profile of a role",
            )),
            ProfileKind::Other => Err(unsupported(
                "has neither web_identity_* keys with role_arn, a web_identity_token_file or web_identity_token_env, nor a source_profile",
            )),
        }
    }

    /// Takes a cache lock on a blocking thread; reports the wait only if there is one.
    async fn lock(
        &self,
        name: &str,
        key: &str,
        events: &UnboundedSender<SessionEvent>,
    ) -> Result<StoreLock, SessionError> {
        let cache_error = |source| SessionError::Cache {
            name: name.to_owned(),
            source,
        };
        if let Some(lock) = self.store.try_lock(key).map_err(cache_error)? {
            return Ok(lock);
        }
        let _ = events.send(SessionEvent {
            profile: name.to_owned(),
            stage: Stage::WaitingForLock,
        });
        let store = self.store.clone();
        let key = key.to_owned();
        tokio::task::spawn_blocking(move || store.lock(&key))
            .await
            .map_err(|err| SessionError::Task {
                name: name.to_owned(),
                reason: err.to_string(),
            })?
            .map_err(cache_error)
    }

    /// Like [`Self::fresh_cached`], but an unreadable cache (say, `RUNAS_CACHE_DIR` under a
    /// regular file) reads as empty and is reported, so the credentials can still be obtained.
    fn fresh_cached_or_warn(
        &self,
        name: &str,
        events: &UnboundedSender<SessionEvent>,
    ) -> Option<CredentialEntry> {
        match self.store.credentials(name) {
            Ok(entry) => entry.filter(|entry| self.usable(name, entry)),
            Err(source) => {
                self.cache_unavailable(events, name, &source);
                None
            }
        }
    }

    /// Like [`Self::lock`], but a lock file that cannot be created means working unlocked
    /// (with a warning) rather than failing: without a cache there is nothing to share anyway.
    async fn lock_or_warn(
        &self,
        name: &str,
        key: &str,
        events: &UnboundedSender<SessionEvent>,
    ) -> Result<Option<StoreLock>, SessionError> {
        match self.lock(name, key, events).await {
            Ok(lock) => Ok(Some(lock)),
            Err(SessionError::Cache { source, .. }) => {
                self.cache_unavailable(events, name, &source);
                Ok(None)
            }
            Err(other) => Err(other),
        }
    }

    fn cache_unavailable(
        &self,
        events: &UnboundedSender<SessionEvent>,
        profile: &str,
        error: &CacheError,
    ) {
        tracing::warn!(profile = %profile, "cache unavailable, continuing without it: {error}");
        self.event(
            events,
            profile,
            Stage::CacheUnavailable {
                reason: error.to_string(),
            },
        );
    }

    fn event(&self, events: &UnboundedSender<SessionEvent>, profile: &str, stage: Stage) {
        // A watcher that went away must not stop the work.
        let _ = events.send(SessionEvent {
            profile: profile.to_owned(),
            stage,
        });
    }
}

impl Drop for Session {
    /// A command that discovered an issuer without finishing a login (an error, `detect`-like
    /// paths) still leaves the documents on disk, not a half-written temp file.
    fn drop(&mut self) {
        self.metadata.settle();
    }
}

/// What `forget` removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forgotten {
    pub credentials: bool,
    pub tokens: bool,
    /// How many S3 Access Grants credentials went.
    pub grants: usize,
}

/// Up to three profile names that look like `wanted` (shared prefix or containment).
fn similar_names(config: &Config, wanted: &str) -> Vec<String> {
    let wanted_lower = wanted.to_ascii_lowercase();
    config
        .profiles
        .iter()
        .map(|p| p.name.as_str())
        .filter(|name| {
            let lower = name.to_ascii_lowercase();
            lower.contains(&wanted_lower)
                || wanted_lower.contains(&lower)
                || lower.get(..3) == wanted_lower.get(..3)
        })
        .take(3)
        .map(str::to_owned)
        .collect()
}
