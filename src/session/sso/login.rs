//! The network half of an IAM Identity Center login: renewing a token with its refresh
//! token, the device login (client registration reused from the AWS CLI's cache while it
//! lasts), writing the result back to that cache, and the sso-oidc and portal clients with
//! their endpoints. [`super`] decides when each is needed.

use openidconnect::url::Url;
use tokio::sync::mpsc::UnboundedSender;

use super::{SPENT, SsoTarget, sso_error};
use crate::aws::call_error::CallError;
use crate::aws::sdk::Timeouts;
use crate::aws::sso_device::{
    ClientRegistration, DEFAULT_SCOPE, SsoError, SsoOidcClient, SsoToken,
};
use crate::aws::sso_portal::SsoPortalClient;
use crate::aws::{Service, resolve_endpoint};
use crate::cache::aws_sso_cache::{RegistrationFile, SsoTokenFile};
use crate::config::Profile;
use crate::creds::Secret;
use crate::idp::flow::Progress;
use crate::session::{Session, SessionError, SessionEvent, SessionOptions, Stage};

use super::MIN_REGISTRATION_LIFETIME;

impl Session {
    /// Renews an expiring cached token with its refresh token, the way the AWS CLI does; `None`
    /// when there is nothing to refresh with or the service says it is spent.
    pub(super) async fn refresh_sso_token(
        &self,
        profile: &Profile,
        target: &SsoTarget,
        cached: &SsoTokenFile,
        events: &UnboundedSender<SessionEvent>,
    ) -> Result<Option<Secret>, SessionError> {
        let (Some(refresh_token), Some(client_id), Some(client_secret), Some(registration_end)) = (
            &cached.refresh_token,
            &cached.client_id,
            &cached.client_secret,
            cached.registration_expires_at,
        ) else {
            return Ok(None);
        };
        if registration_end <= self.now() || target.session_name.is_none() {
            return Ok(None);
        }
        let registration = ClientRegistration {
            client_id: client_id.clone(),
            client_secret: client_secret.clone(),
            expires_at: registration_end,
        };
        self.event(events, &profile.name, Stage::RefreshingToken);
        let oidc = self.oidc_client(profile, target)?;
        match oidc.refresh(&registration, refresh_token).await {
            Ok(token) => Ok(Some(self.keep_sso_token(
                profile,
                target,
                &registration,
                token,
                events,
            ))),
            Err(error) if error.code().is_some_and(|code| SPENT.contains(&code)) => {
                tracing::info!(profile = %profile.name, "the IAM Identity Center refresh token is spent; logging in again");
                Ok(None)
            }
            Err(error) => Err(sso_error(&profile.name, target, error)),
        }
    }

    pub(super) async fn sso_device_login(
        &self,
        profile: &Profile,
        target: &SsoTarget,
        options: &SessionOptions,
        events: &UnboundedSender<SessionEvent>,
    ) -> Result<Secret, SessionError> {
        let name = &profile.name;
        let fail = |source| sso_error(name, target, source);
        let oidc = self.oidc_client(profile, target)?;
        let registration = self
            .sso_registration(profile, target, &oidc, events)
            .await?;
        let authorization = oidc
            .start_device_authorization(&registration, &target.start_url)
            .await
            .map_err(fail)?;
        let bad_uri = |field: &str| {
            fail(SsoError::Call(CallError::BadResponse {
                service: "IAM Identity Center OIDC",
                operation: "StartDeviceAuthorization",
                detail: format!("{field} is not a URL"),
            }))
        };
        let verification_uri =
            Url::parse(&authorization.verification_uri).map_err(|_| bad_uri("verificationUri"))?;
        // The complete URI embeds the user code; a malformed one is dropped rather than fatal,
        // since the plain URI plus the code still works.
        let complete = authorization
            .verification_uri_complete
            .as_deref()
            .and_then(|uri| Url::parse(uri).ok());
        self.event(
            events,
            name,
            Stage::Login(Progress::DeviceCode {
                user_code: authorization.user_code.clone(),
                verification_uri: verification_uri.clone(),
                verification_uri_complete: complete.clone(),
                expires_in: authorization.expires_in,
            }),
        );
        if options.open_browser {
            let url = complete.unwrap_or(verification_uri);
            if let Err(reason) = self.opener.open(&url) {
                tracing::info!(profile = %name, "no browser opened for the device code: {reason}");
            }
        }
        self.event(
            events,
            name,
            Stage::Login(Progress::WaitingForDeviceApproval),
        );
        let token = oidc
            .wait_for_device_token(&registration, &authorization, options.device_pacing)
            .await
            .map_err(fail)?;
        Ok(self.keep_sso_token(profile, target, &registration, token, events))
    }

    /// The cached client registration while it lasts, else a new one (cached for next time).
    pub(super) async fn sso_registration(
        &self,
        profile: &Profile,
        target: &SsoTarget,
        oidc: &SsoOidcClient,
        events: &UnboundedSender<SessionEvent>,
    ) -> Result<ClientRegistration, SessionError> {
        let key = target.registration_key();
        let cache = self.aws_sso_cache();
        let cached = cache
            .as_ref()
            .and_then(|cache| cache.registration(&key).ok().flatten())
            .filter(|cached| cached.expires_at - self.now() > MIN_REGISTRATION_LIFETIME);
        if let Some(cached) = cached {
            return Ok(ClientRegistration {
                client_id: cached.client_id,
                client_secret: cached.client_secret,
                expires_at: cached.expires_at,
            });
        }
        let scopes = target
            .configured_scopes
            .clone()
            .unwrap_or_else(|| vec![DEFAULT_SCOPE.to_owned()]);
        let registration = oidc
            .register_client(&scopes)
            .await
            .map_err(|source| sso_error(&profile.name, target, source))?;
        if let Some(cache) = cache {
            let file = RegistrationFile {
                client_id: registration.client_id.clone(),
                client_secret: registration.client_secret.clone(),
                expires_at: registration.expires_at,
                scopes: target.configured_scopes.clone(),
            };
            if let Err(source) = cache.put_registration(&key, &file) {
                self.cache_unavailable(events, &profile.name, &source);
            }
        }
        Ok(registration)
    }

    /// Writes a new token to the AWS CLI's cache (with its registration, for sso-session
    /// tokens, as the AWS CLI does) and hands back the access token.
    pub(super) fn keep_sso_token(
        &self,
        profile: &Profile,
        target: &SsoTarget,
        registration: &ClientRegistration,
        token: SsoToken,
        events: &UnboundedSender<SessionEvent>,
    ) -> Secret {
        // Legacy tokens carry no registration and are never refreshed, as with the AWS CLI.
        let session_token = target.session_name.is_some();
        let file = SsoTokenFile {
            start_url: target.start_url.clone(),
            region: target.region.clone(),
            access_token: token.access_token.clone(),
            expires_at: token.expires_at,
            client_id: session_token.then(|| registration.client_id.clone()),
            client_secret: session_token.then(|| registration.client_secret.clone()),
            registration_expires_at: session_token.then_some(registration.expires_at),
            refresh_token: token.refresh_token.filter(|_| session_token),
        };
        if let Some(cache) = self.aws_sso_cache()
            && let Err(source) = cache.put_token(target.token_key(), &file)
        {
            self.cache_unavailable(events, &profile.name, &source);
        }
        token.access_token
    }

    pub(super) fn oidc_client(
        &self,
        profile: &Profile,
        target: &SsoTarget,
    ) -> Result<SsoOidcClient, SessionError> {
        let endpoint = self.sso_endpoint(profile, target, Service::SsoOidc)?;
        Ok(SsoOidcClient::new(
            &target.region,
            &endpoint,
            Timeouts::default(),
        ))
    }

    pub(super) fn portal_client(
        &self,
        profile: &Profile,
        target: &SsoTarget,
    ) -> Result<SsoPortalClient, SessionError> {
        let endpoint = self.sso_endpoint(profile, target, Service::Sso)?;
        Ok(SsoPortalClient::new(
            &target.region,
            &endpoint,
            Timeouts::default(),
        ))
    }

    pub(super) fn sso_endpoint(
        &self,
        profile: &Profile,
        target: &SsoTarget,
        service: Service,
    ) -> Result<String, SessionError> {
        resolve_endpoint(
            service,
            &target.region,
            profile.endpoint_url.as_deref(),
            |name| (self.env)(name),
        )
        .map(|endpoint| endpoint.url)
        .map_err(|source| SessionError::Endpoint {
            name: profile.name.clone(),
            source,
        })
    }
}
