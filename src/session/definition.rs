//! The fingerprint of what a profile's credentials are obtained for: the profile's definition
//! in the files ([`crate::config::Config::definition`]: its keys, its chain's, `default`'s,
//! its sso-session's, the two paths) and the environment variables that change where or how
//! the exchange happens. It is stored with cached credentials, which serve only while it is
//! unchanged: an edited role, chain, endpoint, duration or IdP key means a fresh exchange
//! (ARCHITECTURE.md: Cache). A SHA-256, so the secrets among the keys never reach the cache
//! file in the clear.

use std::sync::Arc;

use ring::digest::{Context, SHA256};

use super::{Session, SessionError};
use crate::aws::endpoint::{
    ENV_ENDPOINT_URL, ENV_ENDPOINT_URL_STS, ENV_IGNORE_CONFIGURED_ENDPOINT_URLS,
};
use crate::config;

/// The variables the exchanges read beside the files: the region (when the profile names
/// none) and the endpoints of STS, sso-oidc and the Identity Center portal.
const DEFINING_VARIABLES: [&str; 7] = [
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    ENV_ENDPOINT_URL,
    ENV_ENDPOINT_URL_STS,
    ENV_IGNORE_CONFIGURED_ENDPOINT_URLS,
    "AWS_ENDPOINT_URL_SSO_OIDC",
    "AWS_ENDPOINT_URL_SSO",
];

impl Session {
    /// This session over the files as they are now, read for profile `name` as the
    /// one-profile commands read them (the fast path, else the whole file), with this run's
    /// `--region` / `--duration` kept: for a long-lived holder of credentials (the credentials
    /// endpoint), which must not go on serving a profile whose definition changed under it.
    pub fn reread(&self, name: &str) -> Result<Session, SessionError> {
        let path = &self.config.path;
        let credentials = config::default_credentials_path();
        let config_error = |source| SessionError::Config {
            name: name.to_owned(),
            source,
        };
        // A discovered role (`SESSION/ACCOUNT/ROLE`) has no line in any file: it stays as this
        // session knew it, beside the whole config read afresh (its fingerprint names its
        // sso-session, which the one-profile read of a name no file has would not include).
        let discovered: Vec<_> = self
            .config
            .profiles
            .iter()
            .filter(|p| p.entries.is_empty() && p.sso.is_some())
            .cloned()
            .collect();
        let one_profile = if discovered.iter().any(|p| p.name == name) {
            Ok(None)
        } else {
            config::load_profile(path, credentials.as_deref(), name)
        };
        let mut config = match one_profile {
            Ok(Some(config)) => config,
            Ok(None) => {
                config::load_with_credentials(path, credentials.as_deref()).map_err(config_error)?
            }
            Err(error) => return Err(config_error(error)),
        };
        for profile in discovered {
            if config.profile(&profile.name).is_none() {
                config.profiles.push(profile);
            }
        }
        let mut session = self.over_config(config);
        session.requested_duration = None;
        session.overrides = None;
        match &self.overrides {
            Some((profile, overrides)) => session.with_overrides(profile, overrides),
            None => Ok(session),
        }
    }

    /// A session over `config` that shares this one's caches, clients and run settings.
    pub(super) fn over_config(&self, config: crate::config::Config) -> Session {
        Session {
            config: Arc::new(config),
            store: self.store.clone(),
            providers: Arc::clone(&self.providers),
            metadata: Arc::clone(&self.metadata),
            http: self.http.clone(),
            opener: Arc::clone(&self.opener),
            env: Arc::clone(&self.env),
            clock: self.clock,
            process_stderr: self.process_stderr,
            requested_duration: self.requested_duration.clone(),
            overrides: self.overrides.clone(),
        }
    }

    /// The fingerprint of profile `name` as this session reads it, as 64 hex digits.
    pub fn definition(&self, name: &str) -> String {
        let mut hash = Context::new(&SHA256);
        let mut field = |bytes: &[u8]| {
            hash.update(&(bytes.len() as u64).to_le_bytes());
            hash.update(bytes);
        };
        match self.config.definition(name) {
            Some(bytes) => field(&bytes),
            None => field(b"no such profile"),
        }
        for variable in DEFINING_VARIABLES {
            field(variable.as_bytes());
            match (self.env)(variable) {
                Some(value) => field(value.as_bytes()),
                None => field(b"unset"),
            }
        }
        hash.finish()
            .as_ref()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::store::Store;

    fn session(text: &str, env: &'static [(&'static str, &'static str)]) -> Session {
        let config = crate::config::parse(std::path::Path::new("/c"), text);
        let dir = std::env::temp_dir();
        let mut session = Session::new(Arc::new(config), Store::new(dir));
        session.env = Arc::new(move |name| {
            env.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_string())
        });
        session
    }

    #[test]
    fn the_fingerprint_follows_the_files_and_the_endpoint_variables() {
        let text = "[profile p]\nrole_arn = arn:aws:iam::123456789012:role/r\n\
                    web_identity_auth_url = https://i\nweb_identity_client_id = c\n";
        let base = session(text, &[]).definition("p");
        assert_eq!(base.len(), 64);
        assert_eq!(
            base,
            session(text, &[("HOME", "/elsewhere")]).definition("p")
        );
        let other_sts = session(text, &[(ENV_ENDPOINT_URL_STS, "http://127.0.0.1:1")]);
        assert_ne!(base, other_sts.definition("p"));
        let other_role = session(&text.replace("role/r", "role/s"), &[]);
        assert_ne!(base, other_role.definition("p"));
        assert_ne!(base, session(text, &[]).definition("q"));
    }
}
