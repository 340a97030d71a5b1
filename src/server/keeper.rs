//! Keeping one profile's credentials current for the endpoint: a background task renews them
//! through the [`Session`] (cache, lock, refresh, login: the same pipeline as every other
//! hand-off) once they stop being fresh, well ahead of expiry, so a request only ever reads
//! what is held and never waits on STS. The task is the only writer of the held credentials;
//! requests read a snapshot and may only wake it.
//!
//! Time is wall-clock time: the task never sleeps longer than [`LONGEST_NAP`] before looking
//! at the clock again, and a request that finds the held credentials stale wakes it at once.
//! A monotonic timer alone stops during suspend, so after a laptop wakes it would renew late.
//!
//! It never prints; login prompts go out as [`SessionEvent`]s to whoever shows them.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio::sync::{Notify, watch};

use crate::cache::store::{CredentialEntry, fresh_until};
use crate::idp::flow::Progress;
use crate::session::{Session, SessionEvent, SessionOptions, Stage};

/// Longest sleep between looks at the wall clock.
pub const LONGEST_NAP: Duration = Duration::from_secs(30);
/// Shortest sleep after a renewal, so credentials that are stale on arrival (a lifetime
/// shorter than the renewal margin) cannot make the task spin.
const SHORTEST_NAP: Duration = Duration::from_secs(1);
/// Waits after failed renewals: 5 s, 10 s, 20 s, ... at most a minute.
const FIRST_RETRY: Duration = Duration::from_secs(5);
const LONGEST_RETRY: Duration = Duration::from_secs(60);

/// What the endpoint can answer with right now.
#[derive(Debug, Clone, Default)]
pub struct Held {
    pub entry: Option<CredentialEntry>,
    /// Why renewal is not done: a login waiting for the person, or the last error.
    pub problem: Option<Problem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A browser or device login was started and has not finished.
    LoginPending,
    /// The last renewal failed with this message (names the profile, never a secret).
    Failed(String),
}

/// The read side, shared by every connection.
#[derive(Clone)]
pub struct Keeper {
    held: watch::Receiver<Held>,
    wake: Arc<Notify>,
    /// For reading the profile's definition as the files say now.
    session: Arc<Session>,
    profile: String,
}

impl Keeper {
    /// Starts the renewal task for `profile`, holding `initial` (credentials just obtained).
    /// The task runs until the returned handle is aborted or the runtime ends.
    pub fn start(
        session: Arc<Session>,
        profile: String,
        initial: CredentialEntry,
        prompts: UnboundedSender<SessionEvent>,
    ) -> (Keeper, tokio::task::JoinHandle<()>) {
        let (sender, held) = watch::channel(Held {
            entry: Some(initial),
            problem: None,
        });
        let wake = Arc::new(Notify::new());
        let keeper = Keeper {
            held,
            wake: Arc::clone(&wake),
            session: Arc::clone(&session),
            profile: profile.clone(),
        };
        let renewer = Renewer {
            session,
            profile,
            held: Arc::new(sender),
            wake: Arc::clone(&wake),
            prompts,
        };
        let task = tokio::spawn(renewer.run());
        (keeper, task)
    }

    /// The fingerprint of the profile as the files define it now (re-read for it alone, which
    /// costs the same at 10,000 profiles as at two); `None` when they cannot be read, and then
    /// no held credentials match it. Held credentials of another definition are never handed
    /// out: they were obtained for a role, chain or endpoint that is no longer configured.
    pub fn definition_now(&self) -> Option<String> {
        current_definition(&self.session, &self.profile)
    }

    pub fn held(&self) -> Held {
        self.held.borrow().clone()
    }

    /// Asks the task to look at the clock now (a request found stale credentials).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Waits at most `limit` for held credentials of `definition` that are unexpired at the
    /// wall clock.
    pub async fn wait_for_valid(
        &self,
        limit: Duration,
        definition: Option<&str>,
    ) -> Option<CredentialEntry> {
        let definition = definition?;
        let mut held = self.held.clone();
        let valid = |held: &Held| {
            held.entry.as_ref().is_some_and(|entry| {
                entry.credentials.expiration > Utc::now()
                    && entry.definition.as_deref() == Some(definition)
            })
        };
        let found = tokio::time::timeout(limit, held.wait_for(valid)).await;
        match found {
            Ok(Ok(held)) => held.entry.clone(),
            _ => None,
        }
    }
}

struct Renewer {
    session: Arc<Session>,
    profile: String,
    held: Arc<watch::Sender<Held>>,
    wake: Arc<Notify>,
    prompts: UnboundedSender<SessionEvent>,
}

impl Renewer {
    async fn run(mut self) {
        let mut failures = 0u32;
        loop {
            // The files as they are now: an edited profile is renewed under its new definition.
            if let Ok(session) = self.session.reread(&self.profile) {
                self.session = Arc::new(session);
            }
            let definition = current_definition(&self.session, &self.profile);
            let due =
                self.held.borrow().entry.as_ref().is_none_or(|entry| {
                    !entry.is_fresh(Utc::now()) || entry.definition != definition
                });
            if due {
                match self.renew().await {
                    Ok(()) => failures = 0,
                    Err(message) => {
                        failures += 1;
                        tracing::info!(profile = %self.profile, "renewal failed: {message}");
                        self.held
                            .send_modify(|held| held.problem = Some(Problem::Failed(message)));
                    }
                }
            }
            let nap = if failures > 0 {
                retry_delay(failures)
            } else {
                let held = self.held.borrow().entry.clone();
                held.map_or(SHORTEST_NAP, |entry| {
                    nap_until(
                        fresh_until(entry.obtained_at, entry.credentials.expiration),
                        Utc::now(),
                    )
                })
            };
            if failures > 0 {
                // Requests keep finding stale credentials while renewal fails; letting each
                // of them wake the task would turn every request into an STS or IdP call.
                tokio::time::sleep(nap).await;
                continue;
            }
            tokio::select! {
                () = tokio::time::sleep(nap) => {}
                () = self.wake.notified() => {}
            }
        }
    }

    /// One pass through the session pipeline. Its events go on to the prompts; a login step
    /// also marks the held credentials as waiting for the person.
    async fn renew(&self) -> Result<(), String> {
        let (events, mut receiver) = unbounded_channel::<SessionEvent>();
        let held = Arc::clone(&self.held);
        let prompts = self.prompts.clone();
        let forwarder = tokio::spawn(async move {
            while let Some(event) = receiver.recv().await {
                if let Stage::Login(
                    Progress::OpenBrowser { .. }
                    | Progress::BrowserUnavailable { .. }
                    | Progress::DeviceCode { .. },
                ) = &event.stage
                {
                    held.send_modify(|held| held.problem = Some(Problem::LoginPending));
                }
                let _ = prompts.send(event);
            }
        });
        let options = SessionOptions::default();
        let result = self
            .session
            .credentials(&self.profile, &options, &events)
            .await;
        drop(events);
        let _ = forwarder.await;
        let obtained = result.map_err(|error| error.to_string())?;
        tracing::info!(
            profile = %self.profile,
            expiration = %obtained.entry.credentials.expiration,
            "credentials renewed"
        );
        self.held.send_modify(|held| {
            held.entry = Some(obtained.entry);
            held.problem = None;
        });
        Ok(())
    }
}

fn current_definition(session: &Session, profile: &str) -> Option<String> {
    let session = session.reread(profile).ok()?;
    Some(session.definition(profile))
}

/// How long to sleep until `until`, looking at the clock at least every [`LONGEST_NAP`].
fn nap_until(until: DateTime<Utc>, now: DateTime<Utc>) -> Duration {
    (until - now)
        .to_std()
        .unwrap_or(Duration::ZERO)
        .clamp(SHORTEST_NAP, LONGEST_NAP)
}

fn retry_delay(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(8);
    (FIRST_RETRY * 2u32.pow(doublings)).min(LONGEST_RETRY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naps_are_bounded_by_the_wall_clock_checks() {
        let now = DateTime::from_timestamp(1_000_000, 0).unwrap();
        let in_10_s = now + chrono::Duration::seconds(10);
        assert_eq!(nap_until(in_10_s, now), Duration::from_secs(10));
        let in_an_hour = now + chrono::Duration::hours(1);
        assert_eq!(nap_until(in_an_hour, now), LONGEST_NAP);
        let past = now - chrono::Duration::seconds(5);
        assert_eq!(nap_until(past, now), SHORTEST_NAP);
    }

    #[test]
    fn retries_back_off_to_a_minute() {
        assert_eq!(retry_delay(1), Duration::from_secs(5));
        assert_eq!(retry_delay(2), Duration::from_secs(10));
        assert_eq!(retry_delay(4), Duration::from_secs(40));
        assert_eq!(retry_delay(30), LONGEST_RETRY);
    }
}
