//! The effect runner's IAM Identity Center work: an sso-session's login (its device code shown
//! in the login modal of the session row), discoveries that report each account as it is
//! listed, and the switch to a session that knows the discovered roles. Tasks report back with
//! messages only.

use std::sync::Arc;

use chrono::Utc;
use tokio::sync::mpsc::unbounded_channel;

use super::effects::{Runner, stage_of};
use super::msg::Msg;
use super::rows::{CacheView, TokenView};
use super::sso_keys::{SsoEffect, SsoMsg};
use super::sso_rows::{account_rows, session_row_name};
use crate::cache::sso_discovery::Discovery;
use crate::session::sso::discovery::DiscoveryUpdate;
use crate::session::{Session, SessionEvent, SessionOptions};

impl Runner {
    pub(super) fn run_sso(&mut self, effect: SsoEffect) {
        match effect {
            SsoEffect::Login { session, task } => self.spawn_session_login(session, task),
            SsoEffect::Discover {
                session,
                task,
                refresh,
            } => self.spawn_discovery(session, task, refresh),
            SsoEffect::Use(discovery) => match self.session.with_discovered(&discovery) {
                Ok(session) => self.session = Arc::new(session),
                Err(error) => tracing::warn!("discovered roles not usable: {error}"),
            },
        }
    }

    fn spawn_session_login(&self, name: String, task: u64) {
        let session = Arc::clone(&self.session);
        let messages = self.messages.clone();
        let (events, mut progress) = unbounded_channel::<SessionEvent>();
        let row = session_row_name(&name);
        let forward_to = messages.clone();
        // Ends when the login drops its sender.
        tokio::spawn(async move {
            while let Some(event) = progress.recv().await {
                let _ = forward_to.send(Msg::Progress {
                    profile: row.clone(),
                    stage: stage_of(event.stage),
                });
            }
        });
        tokio::spawn(async move {
            let result = session
                .sso_session_login(&name, &SessionOptions::default(), &events)
                .await
                .map_err(|error| error.to_string());
            let _ = messages.send(Msg::Sso(SsoMsg::LoggedIn {
                session: name,
                task,
                result,
            }));
        });
    }

    fn spawn_discovery(&self, name: String, task: u64, refresh: bool) {
        let session = Arc::clone(&self.session);
        let messages = self.messages.clone();
        let (updates, mut found) = unbounded_channel::<DiscoveryUpdate>();
        let forward_to = messages.clone();
        let config_of = Arc::clone(&session);
        // Each account becomes rows as it comes, so the list fills while pages arrive.
        tokio::spawn(async move {
            while let Some(update) = found.recv().await {
                let rows = account_rows(config_of.config(), &update.session, &update.account);
                let _ = forward_to.send(Msg::Sso(SsoMsg::Account {
                    session: update.session,
                    account: update.account,
                    rows,
                }));
            }
        });
        tokio::spawn(async move {
            let (events, _ignored) = unbounded_channel::<SessionEvent>();
            let result = session
                .discovery(&name, refresh, Some(&updates), &events)
                .await;
            drop(updates);
            let mut stale = None;
            let result = match result {
                // A cached discovery sends no updates: its accounts go out here.
                Ok(discovery) => {
                    announce_cached(&session, &discovery, &messages);
                    Ok(Box::new(discovery))
                }
                Err(error) => {
                    // What was found before still shows (and works once logged in).
                    if let Some(old) = session.cached_discovery(&name) {
                        announce_cached(&session, &old, &messages);
                        stale = Some(Box::new(old));
                    }
                    Err(error.to_string())
                }
            };
            let _ = messages.send(Msg::Sso(SsoMsg::Discovered {
                session: name,
                task,
                result,
                stale,
            }));
        });
    }
}

/// Sends every account of a discovery as rows (those already shown are left alone).
fn announce_cached(
    session: &Session,
    discovery: &Discovery,
    messages: &tokio::sync::mpsc::UnboundedSender<Msg>,
) {
    for account in &discovery.accounts {
        let rows = account_rows(session.config(), &discovery.session, account);
        let _ = messages.send(Msg::Sso(SsoMsg::Account {
            session: discovery.session.clone(),
            account: account.clone(),
            rows,
        }));
    }
}

/// The session rows' cache views: their IAM Identity Center token, never the token itself.
pub(super) fn session_views(session: &Session) -> Vec<(String, CacheView)> {
    let now = Utc::now();
    session
        .config()
        .sso_sessions
        .iter()
        .map(|section| {
            let tokens = session
                .cached_session_token(&section.name)
                .map(|token| TokenView {
                    subject: None,
                    email: None,
                    expires_at: token.expires_at,
                    refresh_token: token.refresh_token,
                });
            // A token that has run out without a refresh token is no login at all.
            let tokens = tokens.filter(|t| t.refresh_token || t.expires_at > now);
            (
                session_row_name(&section.name),
                CacheView {
                    credentials: None,
                    tokens: tokens.map(Box::new),
                    grants: Vec::new(),
                },
            )
        })
        .collect()
}
