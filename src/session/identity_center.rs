//! Trusted identity propagation (docs/ARCHITECTURE.md): after the web-identity exchange of a profile with
//! `identity_center_*` keys, the IdP's ID token is exchanged with Identity Center
//! (`CreateTokenWithIAM`, signed with the web-identity role's credentials) for the user's
//! identity context, and `identity_enhanced_role_arn` is assumed with it. The identity-enhanced
//! credentials are the profile's credentials, cached and renewed like any other.

use tokio::sync::mpsc::UnboundedSender;

use super::identity::IdentityToken;
use super::{Session, SessionError, SessionEvent, Stage};
use crate::aws::identity_center::{IdentityCenterClient, create_token_advice};
use crate::aws::sdk::Timeouts;
use crate::aws::{self, Service};
use crate::cache::store::CredentialEntry;
use crate::config::{IdentityCenter, Profile};

impl Session {
    /// Fresh, and obtained for the profile as it is defined now: credentials cached before
    /// any key it depends on changed do not count (see `definition`), nor those cached before
    /// `identity_center_*` keys were added (or after they were removed).
    pub(super) fn usable(&self, name: &str, entry: &CredentialEntry) -> bool {
        if entry.definition.as_deref() != Some(self.definition(name).as_str()) {
            return false;
        }
        let wants_enhanced = self
            .config
            .profile(name)
            .is_some_and(|profile| profile.identity_center.is_some());
        entry.is_fresh(self.now())
            && entry.identity_enhanced == wants_enhanced
            && self.lives_long_enough(name, entry)
    }

    /// `web` is the entry of the web-identity exchange; its credentials sign the calls.
    pub(super) async fn identity_enhanced(
        &self,
        profile: &Profile,
        center: &IdentityCenter,
        identity: &IdentityToken,
        web: CredentialEntry,
        events: &UnboundedSender<SessionEvent>,
    ) -> Result<CredentialEntry, SessionError> {
        let name = &profile.name;
        let region = center
            .region
            .clone()
            .unwrap_or_else(|| self.region(profile));
        let endpoint = aws::resolve_endpoint(
            Service::SsoOidc,
            &region,
            profile.endpoint_url.as_deref(),
            |variable| (self.env)(variable),
        )
        .map_err(|source| SessionError::Endpoint {
            name: name.clone(),
            source,
        })?;
        self.event(
            events,
            name,
            Stage::CreatingIdentityContext {
                application_arn: center.application_arn.clone(),
            },
        );
        let client = IdentityCenterClient::new(&region, &endpoint.url, Timeouts::default());
        let context = client
            .identity_context(&center.application_arn, &identity.token, &web.credentials)
            .await
            .map_err(|source| {
                let (issuer, audience) = issuer_and_audience(profile, identity);
                SessionError::IdentityCenter {
                    name: name.clone(),
                    application_arn: center.application_arn.clone(),
                    hint: create_token_advice(
                        &source,
                        &center.application_arn,
                        &region,
                        &issuer,
                        &audience,
                    ),
                    source: Box::new(source),
                }
            })?;

        self.event(
            events,
            name,
            Stage::AssumingIdentityEnhancedRole {
                role_arn: center.role_arn.clone(),
            },
        );
        let session_name = web
            .session_name
            .clone()
            .unwrap_or_else(|| identity.session_name());
        let assumed = self
            .sts_client(profile)?
            .assume_role_with_identity_context(
                &center.role_arn,
                &session_name,
                &web.credentials,
                profile.duration,
                &context,
            )
            .await
            .map_err(|source| SessionError::Sts {
                name: name.clone(),
                role_arn: center.role_arn.clone(),
                source,
            })?;
        Ok(CredentialEntry {
            profile: name.clone(),
            credentials: assumed.credentials,
            obtained_at: self.now(),
            role_arn: Some(center.role_arn.clone()),
            assumed_role_arn: Some(assumed.assumed_role_arn),
            session_name: Some(session_name),
            identity_enhanced: true,
            definition: None,
        })
    }
}

/// The issuer and audience the application must trust, for advice: read from the token itself
/// (it is what Identity Center saw), else the profile's settings.
fn issuer_and_audience(profile: &Profile, identity: &IdentityToken) -> (String, String) {
    let claims = crate::jwt::unverified_claims(identity.token.expose());
    let claim = |key: &str| {
        claims.as_ref().and_then(|c| match &c[key] {
            serde_json::Value::String(text) => Some(text.clone()),
            serde_json::Value::Array(items) => items
                .iter()
                .filter_map(serde_json::Value::as_str)
                .next()
                .map(str::to_owned),
            _ => None,
        })
    };
    let web = profile.web_identity.as_ref();
    let issuer = claim("iss")
        .or_else(|| web.map(|w| w.auth_url.to_string()))
        .unwrap_or_else(|| "the token's issuer".to_owned());
    let audience = claim("aud")
        .or_else(|| web.map(|w| w.client_id.clone()))
        .unwrap_or_else(|| "the token's audience".to_owned());
    (issuer, audience)
}
