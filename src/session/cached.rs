//! Every profile's cached credentials and IdP tokens at once, for a caller that shows them all
//! (the TUI's cache poll): one read of each cache directory ([`Snapshot`]) and one issuer
//! worked out per IdP URL, where asking per profile opened two files and parsed its IdP URL
//! for each of them.

use std::collections::HashMap;

use openidconnect::url::Url;

use super::Session;
use crate::cache::DetectionCache;
use crate::cache::store::{CredentialEntry, Snapshot, TokenEntry};
use crate::config::{Profile, ProviderKind};

/// What the cache held when [`Session::cached_entries`] read it, asked profile by profile.
pub struct CachedEntries<'s> {
    session: &'s Session,
    snapshot: Snapshot,
    /// The issuer of each IdP URL (and configured provider) asked about so far.
    issuers: HashMap<(&'s Url, Option<ProviderKind>), Option<String>>,
    /// The detection cache, read at the first URL only a past probe can place.
    detections: Option<Option<DetectionCache>>,
}

impl Session {
    /// Reads the token and credential caches once; [`CachedEntries`] answers for each profile
    /// what [`Store::credentials`](crate::cache::store::Store::credentials) and
    /// [`Session::cached_tokens`] would.
    pub fn cached_entries(&self) -> CachedEntries<'_> {
        CachedEntries {
            session: self,
            snapshot: self.store.snapshot(),
            issuers: HashMap::new(),
            detections: None,
        }
    }
}

impl<'s> CachedEntries<'s> {
    /// The profile's cached credential entry; each profile's is handed out once.
    pub fn take_credentials(&mut self, profile: &Profile) -> Option<CredentialEntry> {
        self.snapshot.take_credentials(&profile.name)
    }

    /// The cached ID-token entry of the profile's IdP app, if its issuer is known offline.
    pub fn tokens(&mut self, profile: &'s Profile) -> Option<TokenEntry> {
        if !self.snapshot.has_tokens() {
            return None;
        }
        let web = profile.web_identity.as_ref()?;
        let session = self.session;
        let detections = &mut self.detections;
        let issuer = self
            .issuers
            .entry((&web.auth_url, web.provider))
            .or_insert_with(|| {
                session.issuer_offline_with(web, || {
                    detections
                        .get_or_insert_with(|| DetectionCache::load(session.store.dir()).ok())
                        .as_ref()
                })
            })
            .as_deref()?;
        self.snapshot.tokens(issuer, &web.client_id).cloned()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::Utc;

    use super::*;
    use crate::cache::store::Store;
    use crate::creds::Secret;
    use crate::idp::{Detection, DetectionMethod, IssuerSource};

    const CONFIG: &str = "\
[profile okta-a]
web_identity_auth_url = https://acme.okta.com/oauth2/default
web_identity_client_id = app-1
role_arn = arn:aws:iam::123456789012:role/a
[profile okta-b]
web_identity_auth_url = https://acme.okta.com/oauth2/default
web_identity_client_id = app-1
role_arn = arn:aws:iam::123456789012:role/b
[profile okta-other-app]
web_identity_auth_url = https://acme.okta.com/oauth2/default
web_identity_client_id = app-2
role_arn = arn:aws:iam::123456789012:role/c
[profile probed]
web_identity_auth_url = https://login.example.test/authorize
web_identity_client_id = app-3
role_arn = arn:aws:iam::123456789012:role/d
[profile never-probed]
web_identity_auth_url = https://other.example.test/authorize
web_identity_client_id = app-3
role_arn = arn:aws:iam::123456789012:role/e
[profile static]
aws_access_key_id = AKIDEXAMPLE
aws_secret_access_key = secret
";

    fn tokens(issuer: &str, client_id: &str) -> TokenEntry {
        let now = Utc::now();
        TokenEntry {
            issuer: issuer.into(),
            client_id: client_id.into(),
            id_token: Secret::new("header.payload.signature"),
            refresh_token: None,
            id_token_expires_at: now + chrono::Duration::hours(1),
            subject: Some(format!("{issuer} {client_id}")),
            email: None,
            preferred_username: None,
            updated_at: now,
        }
    }

    /// Each profile gets from the one read what asking for it alone gives: by the issuer its
    /// URL names, by the issuer a past probe recorded, or nothing.
    #[test]
    fn every_profile_gets_what_its_own_read_gives() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let config = crate::config::parse(std::path::Path::new("config"), CONFIG);
        let session = Session::new(Arc::new(config), store.clone());
        let (okta_issuer, _) = session
            .token_key_offline(session.profile("okta-a").unwrap())
            .expect("an Okta URL names its issuer");
        let probed_issuer = "https://login.example.test";
        store.put_tokens(&tokens(&okta_issuer, "app-1")).unwrap();
        store.put_tokens(&tokens(probed_issuer, "app-3")).unwrap();
        let probed_url = Url::parse("https://login.example.test/authorize").unwrap();
        let mut detections = DetectionCache::load(dir.path()).unwrap();
        detections.put(
            &probed_url,
            Detection {
                provider: ProviderKind::Oidc,
                issuer: Url::parse(probed_issuer).unwrap(),
                issuer_exact: probed_issuer.into(),
                method: DetectionMethod::ProbeFailed {
                    reason: "test".into(),
                },
                issuer_source: IssuerSource::Discovery {
                    corrected_from: None,
                },
            },
            Utc::now(),
        );
        detections.save().unwrap();

        let mut cached = session.cached_entries();
        let mut found = Vec::new();
        for profile in &session.config().profiles {
            let alone = session.cached_tokens(profile);
            let together = cached.tokens(profile);
            assert_eq!(together, alone, "{}", profile.name);
            if together.is_some() {
                found.push(profile.name.as_str());
            }
        }
        assert_eq!(found, ["okta-a", "okta-b", "probed"]);
    }
}
