//! Workload identity: a web identity token the platform hands over, from
//! `web_identity_token_file` (Kubernetes, CI) or `web_identity_token_env` (Posit Connect's
//! `CONNECT_CONTENT_SESSION_TOKEN`, and platforms like it). Read afresh at every exchange
//! because the platform rotates it; never cached, never printed, and no login is possible.

use super::identity::IdentityToken;
use super::{Session, SessionError, naming};
use crate::config::Profile;
use crate::creds::Secret;
use crate::idp::flow;

impl Session {
    /// The profile's workload token and the identity it names (read unverified: STS checks it).
    pub(super) fn workload_token(&self, profile: &Profile) -> Result<IdentityToken, SessionError> {
        let token = match (&profile.token_env, &profile.token_file) {
            (Some(variable), _) => (self.env)(variable)
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
                .map(Secret::new)
                .ok_or_else(|| SessionError::TokenEnvMissing {
                    name: profile.name.clone(),
                    variable: variable.clone(),
                })?,
            (None, path) => {
                let path = path.as_deref().unwrap_or(std::path::Path::new(""));
                flow::read_token_file(path).map_err(|source| SessionError::Flow {
                    name: profile.name.clone(),
                    source,
                })?
            }
        };
        let claims = naming::unverified_claims(token.expose());
        let claim = |key: &str| {
            claims
                .as_ref()
                .and_then(|c| c[key].as_str())
                .map(str::to_owned)
        };
        Ok(IdentityToken {
            email: claim("email"),
            preferred_username: claim("preferred_username"),
            sub: claim("sub"),
            token,
        })
    }
}
