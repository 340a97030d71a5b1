//! Runs the effects that need no terminal as tokio tasks which report back with [`Msg`]s: login
//! tasks (abortable: dropping the session future closes the callback listener), cache reads
//! and forgetting. Tasks never touch the state; the loop hands their messages to `update`.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio::task::AbortHandle;

use super::msg::{Effect, GrantRequest, LoginMode, Msg};
use super::rows::{CacheView, CredentialView, GrantView, TokenView};
use super::state::Stage;
use crate::idp::flow::Progress;
use crate::session::{self, Session, SessionEvent, SessionOptions};
use crate::shell::{Handoff, console};

pub struct Runner {
    pub(super) session: Arc<Session>,
    pub(super) messages: UnboundedSender<Msg>,
    logins: HashMap<String, AbortHandle>,
}

impl Runner {
    /// The session the tasks use, for the credentials endpoint of a server-mode shell.
    pub fn session(&self) -> Arc<Session> {
        Arc::clone(&self.session)
    }

    pub fn new(session: Arc<Session>, messages: UnboundedSender<Msg>) -> Runner {
        Runner {
            session,
            messages,
            logins: HashMap::new(),
        }
    }

    /// Starts `effect`; the terminal effects (shell, copy, quit) belong to the loop and are
    /// ignored here.
    pub fn run(&mut self, effect: Effect) {
        match effect {
            Effect::Obtain {
                profile,
                task,
                mode,
                then,
                grant,
            } => {
                let handle = self.spawn_login(profile.clone(), task, mode, then, grant);
                if let Some(previous) = self.logins.insert(profile, handle) {
                    previous.abort();
                }
            }
            Effect::Cancel { profile } => {
                if let Some(handle) = self.logins.remove(&profile) {
                    handle.abort();
                }
            }
            Effect::ReadCache => {
                let session = Arc::clone(&self.session);
                let messages = self.messages.clone();
                tokio::task::spawn_blocking(move || {
                    let _ = messages.send(Msg::CacheRead(read_cache(&session)));
                });
            }
            Effect::Forget { profile } => {
                let session = Arc::clone(&self.session);
                let messages = self.messages.clone();
                tokio::task::spawn_blocking(move || {
                    let result = session
                        .forget(&profile)
                        .map(|gone| {
                            let what = match (gone.credentials, gone.tokens) {
                                (false, false) if gone.grants > 0 => "",
                                (false, false) => "nothing was cached",
                                (true, false) => "cached credentials forgotten",
                                (false, true) => "cached IdP tokens forgotten",
                                (true, true) => "cached credentials and IdP tokens forgotten",
                            };
                            match gone.grants {
                                0 => what.to_owned(),
                                n if what.is_empty() => format!("{n} S3 Access Grants forgotten"),
                                n => format!("{what}, {n} S3 Access Grants too"),
                            }
                        })
                        .map_err(|error| error.to_string());
                    let _ = messages.send(Msg::Forgotten { profile, result });
                });
            }
            Effect::OpenConsole { profile } => self.spawn_console(profile),
            Effect::Doctor { profile } => {
                super::doctor_keys::spawn(Arc::clone(&self.session), self.messages.clone(), profile)
            }
            Effect::Sso(effect) => self.run_sso(effect),
            Effect::Shell(_) | Effect::ServerShell(_) | Effect::Copy(_) | Effect::Quit(_) => {}
        }
    }

    /// Signs `profile` in to the console and opens it; reports what happened, never the URL.
    fn spawn_console(&self, profile: String) {
        let session = Arc::clone(&self.session);
        let messages = self.messages.clone();
        tokio::spawn(async move {
            // The login already ran under its own task; this one must not start another.
            let options = SessionOptions {
                interactive: false,
                ..SessionOptions::default()
            };
            let request = session::ConsoleRequest {
                destination: crate::aws::federation::Destination::Home,
                region: None,
            };
            let (events, _ignored) = unbounded_channel::<SessionEvent>();
            let result = match session
                .console_sign_in(&profile, &request, &options, &events)
                .await
            {
                Ok(signed_in) => {
                    let template = std::env::var(console::ENV_CONSOLE_BROWSER).ok();
                    console::open(&signed_in.url, &profile, template.as_deref())
                        .map(|()| format!("{profile}: console opened at {}", signed_in.destination))
                        .map_err(|error| format!("{profile}: {error}"))
                }
                Err(error) => Err(error.to_string()),
            };
            let _ = messages.send(Msg::ConsoleOpened(result));
        });
    }

    fn spawn_login(
        &self,
        profile: String,
        task: u64,
        mode: LoginMode,
        then: super::state::After,
        grant: Option<GrantRequest>,
    ) -> AbortHandle {
        let session = Arc::clone(&self.session);
        let messages = self.messages.clone();
        let options = SessionOptions {
            // Asking for a device login means a new login, even where a token is cached.
            force_login: matches!(mode, LoginMode::Force | LoginMode::Device),
            prefer_device: mode == LoginMode::Device,
            ..SessionOptions::default()
        };
        let (events_tx, mut events_rx) = unbounded_channel::<SessionEvent>();
        let forward_to = messages.clone();
        let forwarded_profile = profile.clone();
        // Ends when the login task drops its sender: finished or aborted.
        tokio::spawn(async move {
            while let Some(event) = events_rx.recv().await {
                let _ = forward_to.send(Msg::Progress {
                    profile: forwarded_profile.clone(),
                    stage: stage_of(event.stage),
                });
            }
        });
        tokio::spawn(async move {
            let credentials = match &grant {
                Some(grant) => session
                    .access_grant(
                        &profile,
                        &grant.target,
                        grant.permission,
                        &options,
                        &events_tx,
                    )
                    .await
                    .map(|obtained| obtained.entry.credentials),
                None => session
                    .credentials(&profile, &options, &events_tx)
                    .await
                    .map(|obtained| obtained.entry.credentials),
            };
            let result = credentials
                .and_then(|credentials| {
                    let region = session.profile(&profile).map(|p| session.region(p))?;
                    Ok(Handoff {
                        profile: profile.clone(),
                        region: Some(region),
                        credentials,
                    })
                })
                .map_err(|error| error.to_string());
            let _ = messages.send(Msg::Finished {
                profile,
                task,
                then,
                result,
            });
        })
        .abort_handle()
    }
}

/// The secret-free cache view of every profile.
fn read_cache(session: &Session) -> Vec<(String, CacheView)> {
    // One directory read for every profile's grants, not one per profile.
    let mut grants: HashMap<String, Vec<GrantView>> = HashMap::new();
    for grant in session.cached_grants() {
        grants.entry(grant.profile).or_default().push(GrantView {
            target: grant.target,
            permission: grant.permission,
            matched_grant_target: grant.matched_grant_target,
            expiration: grant.credentials.expiration,
        });
    }
    let sessions = super::sso_effects::session_views(session);
    // One read of each cache directory for every profile, not two file opens per profile.
    let mut cached = session.cached_entries();
    session
        .config()
        .profiles
        .iter()
        .map(|profile| {
            let credentials = cached
                .take_credentials(profile)
                .map(|entry| CredentialView {
                    obtained_at: entry.obtained_at,
                    expiration: entry.credentials.expiration,
                    assumed_role_arn: entry.assumed_role_arn,
                    session_name: entry.session_name,
                });
            let tokens = cached
                .tokens(profile)
                .map(|entry| TokenView {
                    subject: entry.subject,
                    email: entry.email,
                    expires_at: entry.id_token_expires_at,
                    refresh_token: entry.refresh_token.is_some(),
                })
                .or_else(|| {
                    // IAM Identity Center: the AWS CLI's shared token.
                    let sso = session.cached_sso_token(profile)?;
                    Some(TokenView {
                        subject: None,
                        email: None,
                        expires_at: sso.expires_at,
                        refresh_token: sso.refresh_token,
                    })
                });
            (
                profile.name.clone(),
                CacheView {
                    credentials: credentials.map(Box::new),
                    tokens: tokens.map(Box::new),
                    grants: grants.remove(&profile.name).unwrap_or_default(),
                },
            )
        })
        .chain(sessions)
        .collect()
}

pub fn stage_of(stage: session::Stage) -> Stage {
    match stage {
        session::Stage::WaitingForLock => Stage::WaitingForLock,
        session::Stage::CacheUnavailable { .. } => Stage::CacheUnavailable,
        session::Stage::Discovering { .. } => Stage::Discovering,
        session::Stage::RefreshingToken => Stage::Refreshing,
        session::Stage::LoginNeeded { reason } => Stage::LoginNeeded(reason),
        session::Stage::AssumingRole { role_arn } => Stage::AssumingRole { role_arn },
        session::Stage::CreatingIdentityContext { .. } => Stage::CreatingIdentityContext,
        session::Stage::AssumingIdentityEnhancedRole { role_arn } => {
            Stage::AssumingIdentityEnhancedRole { role_arn }
        }
        session::Stage::FetchingAccessGrant { target, .. } => Stage::FetchingAccessGrant { target },
        session::Stage::Login(progress) => match progress {
            Progress::Discovering => Stage::Discovering,
            Progress::OpenBrowser { url } => Stage::OpenBrowser {
                url: url.to_string(),
            },
            Progress::BrowserUnavailable { reason, url } => Stage::BrowserUnavailable {
                url: url.to_string(),
                reason,
            },
            Progress::WaitingForBrowser => Stage::WaitingForBrowser,
            Progress::DeviceCode {
                user_code,
                verification_uri,
                verification_uri_complete,
                ..
            } => Stage::DeviceCode {
                user_code,
                verification_uri: verification_uri.to_string(),
                verification_uri_complete: verification_uri_complete.map(|url| url.to_string()),
            },
            Progress::WaitingForDeviceApproval => Stage::WaitingForDevice,
            Progress::ExchangingCode => Stage::ExchangingCode,
            Progress::Refreshing => Stage::Refreshing,
        },
    }
}
