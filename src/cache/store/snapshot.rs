//! Every token and credential entry at once, from one read of each cache directory: what
//! [`Store::credentials`] and [`Store::tokens`] give, for every profile and IdP app, at a cost
//! that grows with what is cached rather than with the config. The TUI polls the cache for all
//! its rows; at 10,000 profiles asking per profile was two file opens and two file names
//! worked out each, about a quarter of a second of CPU every poll.
//!
//! An entry is taken exactly when the per-key read would take it: the file sits at its key's
//! own path ([`file_stem`] of the key), names that key, and has this format version.

use std::collections::HashMap;
use std::path::Path;

use serde::de::DeserializeOwned;

use super::{
    CREDENTIAL_KEY_PREFIX, CREDENTIALS_DIR, CredentialEntry, FORMAT_VERSION, Store, TOKENS_DIR,
    TokenEntry, decode, file_stem, json_files, tighten_file, token_key,
};

/// The cache's token and credential entries as read at one moment.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// By profile name.
    credentials: HashMap<String, CredentialEntry>,
    /// By token key (issuer and client id).
    tokens: HashMap<String, TokenEntry>,
}

impl Snapshot {
    /// The credential entry of `profile`, taken out of the snapshot (each profile asks once).
    pub fn take_credentials(&mut self, profile: &str) -> Option<CredentialEntry> {
        self.credentials.remove(profile)
    }

    /// The token entry of one IdP app; several profiles share it.
    pub fn tokens(&self, issuer: &str, client_id: &str) -> Option<&TokenEntry> {
        self.tokens.get(&token_key(issuer, client_id))
    }

    /// Whether any IdP app has tokens cached: without any, a caller need not work out which
    /// app a profile logs in to.
    pub fn has_tokens(&self) -> bool {
        !self.tokens.is_empty()
    }
}

impl Store {
    /// Reads the credential and token directories once each. Unreadable or foreign files are
    /// left out, as the per-key reads leave them out.
    pub fn snapshot(&self) -> Snapshot {
        let credentials = read_keyed::<CredentialEntry>(&self.dir.join(CREDENTIALS_DIR))
            .filter_map(|(key, entry)| {
                let profile = key.strip_prefix(CREDENTIAL_KEY_PREFIX)?.to_owned();
                Some((profile, entry))
            })
            .collect();
        let tokens = read_keyed::<TokenEntry>(&self.dir.join(TOKENS_DIR)).collect();
        Snapshot {
            credentials,
            tokens,
        }
    }
}

/// Each entry of `dir` that sits at its own key's path, with that key.
fn read_keyed<T: DeserializeOwned>(dir: &Path) -> impl Iterator<Item = (String, T)> {
    json_files(dir).filter_map(|(path, bytes)| {
        let stem = path.file_stem()?.to_str()?;
        // As the per-key read does for any file at a key's path, even one it then ignores.
        tighten_file(&path);
        let envelope = decode::<T>(&bytes).ok()?;
        (envelope.version == FORMAT_VERSION && file_stem(&envelope.key) == stem)
            .then_some((envelope.key, envelope.entry))
    })
}
