//! Renewing a cached ID token with the refresh token, and what to do when the IdP's refresh
//! answer has no ID token (OpenID Connect Core §12.2 allows that): keep the rotated refresh
//! token, use the cached ID token while it still has enough life for the exchange, else ask for
//! a login with one sentence saying why — and remember, per IdP app, that its refreshes carry
//! no ID token, so later renewals go straight to the login instead of wasting a refresh.

use tokio::sync::mpsc;

use super::identity::{CachedIdToken, IdentityToken};
use super::{Session, SessionError, SessionEvent, Stage};
use crate::cache::store::{IdpBehaviour, TokenEntry};
use crate::config::{Profile, WebIdentity};
use crate::creds::Secret;
use crate::idp::flow;

/// Enough life left for one STS exchange: the request is on its way within a second, and STS
/// allows no leeway on `exp`.
const EXCHANGE_MARGIN: chrono::Duration = chrono::Duration::seconds(15);

/// The IdP app a renewal is for.
#[derive(Clone, Copy)]
pub(super) struct App<'a> {
    pub profile: &'a Profile,
    pub web: &'a WebIdentity,
    pub issuer: &'a str,
}

/// How a renewal ended.
pub(super) enum Renewal {
    Renewed(IdentityToken),
    /// A login must follow; `Some` is the sentence telling the person why, when a refresh
    /// token could not do the job for a reason other than its own expiry.
    LoginNeeded(Option<String>),
}

impl Session {
    pub(super) async fn renew(
        &self,
        app: App<'_>,
        entry: &TokenEntry,
        refresh_token: &Secret,
        cached_id_token: CachedIdToken,
        events: &mpsc::UnboundedSender<SessionEvent>,
    ) -> Result<Renewal, SessionError> {
        let name = &app.profile.name;
        let client_id = &app.web.client_id;
        // STS has already refused the cached token when asked to renew it.
        let cached_is_usable = cached_id_token == CachedIdToken::Reuse
            && entry.id_token_valid(self.now(), EXCHANGE_MARGIN);
        let known_without_id_token = self
            .store
            .idp_behaviour(app.issuer, client_id)
            .ok()
            .flatten()
            .is_some_and(|behaviour| behaviour.refresh_gives_no_id_token(self.now()));
        if known_without_id_token {
            if cached_is_usable {
                return Ok(Renewal::Renewed(IdentityToken::from(entry)));
            }
            return Ok(Renewal::LoginNeeded(Some(
                "logging in again: this IdP's refresh answers carry no ID token (remembered \
                 from an earlier refresh), so the expiring ID token cannot be renewed silently"
                    .to_owned(),
            )));
        }
        let provider = self.provider(app.issuer, name, events).await?;
        let settings = self.client_settings(app.profile, app.web, app.issuer)?;
        self.event(events, name, Stage::RefreshingToken);
        let mut refreshed = flow::refresh(&provider, &settings, refresh_token).await;
        // A refresh is cheap to repeat, so a moved token endpoint costs one rediscovery here
        // instead of a failed run.
        if let Err(error) = &refreshed
            && self.forget_if_stale(&provider, app.issuer, error)
        {
            let provider = self.provider(app.issuer, name, events).await?;
            refreshed = flow::refresh(&provider, &settings, refresh_token).await;
        }
        match refreshed {
            Ok(flow::Refreshed::Tokens(tokens)) => self
                .keep_tokens(app.issuer, client_id, tokens, name, events)
                .map(Renewal::Renewed),
            Ok(flow::Refreshed::WithoutIdToken { refresh_token }) => {
                self.remember_refresh_without_id_token(app, events);
                // The IdP may have rotated the refresh token, spending the old one.
                let kept = TokenEntry {
                    refresh_token: Some(refresh_token),
                    updated_at: self.now(),
                    ..entry.clone()
                };
                if let Err(source) = self.store.put_tokens(&kept) {
                    self.cache_unavailable(events, name, &source);
                }
                if cached_is_usable {
                    return Ok(Renewal::Renewed(IdentityToken::from(&kept)));
                }
                Ok(Renewal::LoginNeeded(Some(
                    "logging in again: the IdP answered the refresh without a new ID token \
                     (OpenID Connect allows that) and the cached one is expiring; runas \
                     remembers this and logs in directly next time"
                        .to_owned(),
                )))
            }
            // A refused refresh token only means a new login; anything else (IdP down, bad
            // client secret) would fail the login the same way, so say it now.
            Err(flow::FlowError::RefreshRejected) => {
                tracing::info!(profile = %name, "refresh token refused; logging in again");
                Ok(Renewal::LoginNeeded(None))
            }
            Err(source) => Err(SessionError::Flow {
                name: name.clone(),
                source,
            }),
        }
    }

    fn remember_refresh_without_id_token(
        &self,
        app: App<'_>,
        events: &mpsc::UnboundedSender<SessionEvent>,
    ) {
        let behaviour = IdpBehaviour {
            issuer: app.issuer.to_owned(),
            client_id: app.web.client_id.clone(),
            refresh_without_id_token: true,
            observed_at: self.now(),
        };
        if let Err(source) = self.store.put_idp_behaviour(&behaviour) {
            self.cache_unavailable(events, &app.profile.name, &source);
        }
    }
}
