//! IAM Identity Center discovery: every account and role an sso-session's login reaches
//! (`ListAccounts`, then `ListAccountRoles` per account, both paginated), cached per session.
//! Role listings start while later account pages are still coming, a bounded number at a
//! time, and each finished account is reported at once so a screen can show partial results.
//! A discovery never logs anyone in: without a live token (cached, or renewed with its refresh
//! token) it says which `runas login` is needed. Logging in to a session by its own name
//! lives here too, since it is the same token.

use futures_util::stream::{self, StreamExt};
use tokio::sync::mpsc::UnboundedSender;

use super::{SsoTarget, TokenSource};
use crate::aws::sso_device::SsoError;
use crate::aws::sso_listing::AccountInfo;
use crate::aws::sso_portal::SsoPortalClient;
use crate::cache::sso_discovery::{DiscoveredAccount, Discovery, DiscoveryCache};
use crate::config::{Profile, SsoProfile, SsoSession};
use crate::creds::Secret;
use crate::session::{Session, SessionError, SessionEvent, SessionOptions};

/// Role listings in flight at once: enough to hide the portal's latency for hundreds of
/// accounts, few enough to stay under its request rate (throttled calls back off anyway).
const CONCURRENCY: usize = 12;

/// One account finished while a discovery runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveryUpdate {
    pub session: String,
    pub account: DiscoveredAccount,
}

impl Session {
    /// The `[sso-session NAME]` section, or an error naming the file and the sessions it has.
    pub fn sso_session(&self, name: &str) -> Result<&SsoSession, SessionError> {
        self.config
            .sso_session(name)
            .ok_or_else(|| SessionError::UnknownSsoSession {
                name: name.to_owned(),
                file: self.config.path.display().to_string(),
                known: self
                    .config
                    .sso_sessions
                    .iter()
                    .map(|session| session.name.clone())
                    .collect(),
            })
    }

    pub fn discovery_cache(&self) -> DiscoveryCache {
        DiscoveryCache::new(self.store.dir())
    }

    /// The last discovery of `session` for its current start URL and region, of any age.
    pub fn cached_discovery(&self, session: &str) -> Option<Discovery> {
        let (_, target) = self.session_target(session).ok()?;
        self.discovery_cache()
            .get(session, &target.start_url, &target.region)
    }

    /// The cached IAM Identity Center token of `session` itself, without any network.
    pub fn cached_session_token(&self, session: &str) -> Option<super::SsoTokenStatus> {
        let (profile, _) = self.session_target(session).ok()?;
        self.cached_sso_token(&profile)
    }

    /// The cached discovery while fresh (unless `refresh`), else a new one, cached.
    pub async fn discovery(
        &self,
        session: &str,
        refresh: bool,
        updates: Option<&UnboundedSender<DiscoveryUpdate>>,
        events: &UnboundedSender<SessionEvent>,
    ) -> Result<Discovery, SessionError> {
        if !refresh
            && let Some(cached) = self.cached_discovery(session)
            && cached.is_fresh(self.now())
        {
            return Ok(cached);
        }
        let discovery = self.discover(session, updates, events).await?;
        if let Err(source) = self.discovery_cache().put(&discovery) {
            self.cache_unavailable(events, session, &source);
        }
        Ok(discovery)
    }

    /// Logs in to `session` (a cached or refreshed token serves unless `force_login`).
    pub async fn sso_session_login(
        &self,
        session: &str,
        options: &SessionOptions,
        events: &UnboundedSender<SessionEvent>,
    ) -> Result<(), SessionError> {
        let (profile, target) = self.session_target(session)?;
        self.sso_token(&profile, &target, options, events).await?;
        Ok(())
    }

    async fn discover(
        &self,
        session: &str,
        updates: Option<&UnboundedSender<DiscoveryUpdate>>,
        events: &UnboundedSender<SessionEvent>,
    ) -> Result<Discovery, SessionError> {
        let (profile, target) = self.session_target(session)?;
        let offline = SessionOptions {
            interactive: false,
            ..SessionOptions::default()
        };
        let (token, _): (Secret, TokenSource) = self
            .sso_token(&profile, &target, &offline, events)
            .await
            .map_err(|error| match error {
                SessionError::LoginRequired { .. } => SessionError::SsoLoginNeeded {
                    session: session.to_owned(),
                },
                other => other,
            })?;
        let portal = self.portal_client(&profile, &target)?;
        let fail = |source: SsoError| match source.code() {
            Some("UnauthorizedException") => SessionError::SsoLoginNeeded {
                session: session.to_owned(),
            },
            _ => SessionError::Discovery {
                session: session.to_owned(),
                source: Box::new(source),
            },
        };
        let fetched_at = self.now();
        let mut accounts = Vec::new();
        let finished = account_pages(&portal, &token)
            .map(|account| {
                let (portal, token) = (&portal, &token);
                async move { with_roles(portal, token, account?).await }
            })
            .buffer_unordered(CONCURRENCY);
        let mut finished = std::pin::pin!(finished);
        while let Some(account) = finished.next().await {
            let account = account.map_err(fail)?;
            if let Some(updates) = updates {
                // A screen that went away must not stop the discovery.
                let _ = updates.send(DiscoveryUpdate {
                    session: session.to_owned(),
                    account: account.clone(),
                });
            }
            accounts.push(account);
        }
        accounts.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        Ok(Discovery {
            session: session.to_owned(),
            start_url: target.start_url,
            region: target.region,
            fetched_at,
            accounts,
        })
    }

    /// A stand-in profile and the target of `session` itself: its token, no role.
    fn session_target(&self, session: &str) -> Result<(Profile, SsoTarget), SessionError> {
        let section = self.sso_session(session)?;
        let profile = Profile::discovered_sso_role(session, &self.config.path, section, "", "");
        let missing = |key: &str| SessionError::Unsupported {
            name: session.to_owned(),
            reason: format!("sso-session without {key}"),
        };
        let Some(SsoProfile {
            start_url, region, ..
        }) = profile.sso.as_deref().cloned()
        else {
            return Err(missing("sso_start_url"));
        };
        let target = SsoTarget {
            session_name: Some(session.to_owned()),
            start_url: start_url.ok_or_else(|| missing("sso_start_url"))?,
            region: region.ok_or_else(|| missing("sso_region"))?,
            account_id: String::new(),
            role_name: String::new(),
            configured_scopes: section
                .registration_scopes
                .as_deref()
                .map(super::parse_scopes),
        };
        Ok((profile, target))
    }
}

/// Every account, page after page, as a stream the role listings can start from early.
fn account_pages<'a>(
    portal: &'a SsoPortalClient,
    token: &'a Secret,
) -> impl futures_util::Stream<Item = Result<AccountInfo, SsoError>> + 'a {
    // State: the token of the next page; `None` once the last page is in.
    stream::unfold(Some(None::<String>), move |next| async move {
        let next = next?;
        match portal.list_accounts_page(token, next.as_deref()).await {
            Ok(page) => {
                let items: Vec<_> = page.items.into_iter().map(Ok).collect();
                Some((stream::iter(items), page.next_token.map(Some)))
            }
            // The error ends the stream after it is reported.
            Err(error) => Some((stream::iter(vec![Err(error)]), None)),
        }
    })
    .flatten()
}

/// The account with every role it has, page after page, sorted.
async fn with_roles(
    portal: &SsoPortalClient,
    token: &Secret,
    account: AccountInfo,
) -> Result<DiscoveredAccount, SsoError> {
    let mut roles = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = portal
            .list_account_roles_page(token, &account.id, next.as_deref())
            .await?;
        roles.extend(page.items);
        match page.next_token {
            Some(token) => next = Some(token),
            None => break,
        }
    }
    roles.sort();
    roles.dedup();
    Ok(DiscoveredAccount {
        id: account.id,
        name: account.name,
        email: account.email,
        roles,
    })
}
