//! What `runas setup` and `runas doctor` ask the session about a profile without logging in:
//! the root of its chain, the issuer and audience a login would use, and the STS endpoint it
//! would call. The same code paths a login takes, so the answers cannot drift from them.

use tokio::sync::mpsc;

use super::{Session, SessionError, naming};
use crate::aws::{self, ServiceEndpoint};
use crate::config::{Profile, ProfileKind};
use crate::setup::WebIdentityFacts;

impl Session {
    /// The profile a chain starts from: `name` itself unless it is a chained profile.
    pub fn chain_root<'a>(&'a self, profile: &'a Profile) -> &'a Profile {
        let mut current = profile;
        // Bounded by the number of profiles, so a loop in the config cannot hang us.
        for _ in 0..self.config.profiles.len() {
            let next = match (current.kind, &current.source_profile) {
                (ProfileKind::Chained, Some(source)) => self.config.profile(source),
                _ => None,
            };
            match next {
                Some(next) => current = next,
                None => break,
            }
        }
        current
    }

    /// The issuer and audience of the web identity `profile` starts from: the issuer a login
    /// would resolve (config, hostname, cached detection, else one probe) and the client id; for
    /// a workload token, its own `iss` and `aud` (read unverified: only to describe it).
    pub async fn web_identity_facts(
        &self,
        profile: &Profile,
    ) -> Result<Option<WebIdentityFacts>, SessionError> {
        let root = self.chain_root(profile);
        match root.kind {
            ProfileKind::WebIdentity => {
                let Some(web) = root.web_identity.as_ref() else {
                    return Ok(None);
                };
                // Detection events are not shown: nothing here waits on a person.
                let (events, _ignored) = mpsc::unbounded_channel();
                let issuer = self.resolve_issuer(web, &root.name, &events).await;
                Ok(Some(WebIdentityFacts {
                    issuer,
                    audience: web.client_id.clone(),
                }))
            }
            ProfileKind::TokenFile => {
                let token = self.workload_token(root)?;
                let claims = naming::unverified_claims(token.token.expose());
                let text = |key: &str| {
                    let value = claims.as_ref()?.get(key)?;
                    value
                        .as_str()
                        .or_else(|| value.as_array()?.first()?.as_str())
                        .map(str::to_owned)
                };
                Ok(text("iss")
                    .zip(text("aud"))
                    .map(|(issuer, audience)| WebIdentityFacts { issuer, audience }))
            }
            _ => Ok(None),
        }
    }

    /// The STS endpoint and region a login for `profile` would call.
    pub fn sts_endpoint(
        &self,
        profile: &Profile,
    ) -> Result<(String, ServiceEndpoint), SessionError> {
        let region = self.region(profile);
        let endpoint =
            aws::resolve_sts_endpoint(&region, profile.endpoint_url.as_deref(), |name| {
                (self.env)(name)
            })
            .map_err(|source| SessionError::Endpoint {
                name: profile.name.clone(),
                source,
            })?;
        Ok((region, endpoint))
    }
}
