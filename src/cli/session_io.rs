//! What the credential subcommands share: opening the config and cache into a
//! [`Session`], and telling the person what a login needs from them. Prompts (the browser
//! URL, the device code) go to stderr, and also to `/dev/tty` when stderr is captured (as it
//! is under the AWS CLI's `credential_process`), never to stdout, which carries only the
//! requested output.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use tokio::sync::mpsc;

use crate::cache::{self, store::Store};
use crate::config;
use crate::idp::flow::Progress;
use crate::session::{Obtained, Session, SessionError, SessionEvent, SessionOptions, Stage};

/// The session over the config file at `path` and the user's cache directory.
pub fn open_session(config_path: &Path) -> anyhow::Result<Session> {
    // The error names the file already (and, when it is missing, how to start).
    let config =
        config::load_with_credentials(config_path, config::default_credentials_path().as_deref())?;
    let dir = cache::dir().context("cannot find the cache directory")?;
    Ok(Session::new(Arc::new(config), Store::new(dir)))
}

/// The session for commands about one profile. A discovered role's `SESSION/ACCOUNT/ROLE`
/// address needs the whole config and may need a discovery (with its prompts) first. A
/// profile is read alone when the fast path can vouch for it (`config::load_profile`), so a
/// cached answer costs the same at 10,000 profiles as at two; else the whole file, as
/// [`open_session`] reads it.
pub fn open_session_for(config_path: &Path, profile: &str) -> anyhow::Result<Session> {
    if crate::session::sso::address::Address::parse(profile).is_some() {
        let session = open_session(config_path)?;
        return super::runtime()?.block_on(with_prompts(|events| async move {
            session.with_address(profile, &events).await
        }));
    }
    let credentials_path = config::default_credentials_path();
    let config = match config::load_profile(config_path, credentials_path.as_deref(), profile)? {
        Some(config) => config,
        None => config::load_with_credentials(config_path, credentials_path.as_deref())?,
    };
    let dir = cache::dir().context("cannot find the cache directory")?;
    Ok(Session::new(Arc::new(config), Store::new(dir)))
}

/// Runs the credentials pipeline for `profile`, showing prompts as they come.
pub async fn obtain(
    session: &Session,
    profile: &str,
    options: &SessionOptions,
) -> anyhow::Result<Obtained> {
    with_prompts(|events| async move { session.credentials(profile, options, &events).await }).await
}

/// Runs `work` with a session-event channel whose prompts reach the person as they come.
pub async fn with_prompts<T, Work, Fut>(work: Work) -> anyhow::Result<T>
where
    Work: FnOnce(mpsc::UnboundedSender<SessionEvent>) -> Fut,
    Fut: Future<Output = Result<T, SessionError>>,
{
    let (events, printer) = prompt_printer();
    // `work` owns the only sender: once it is done the printer sees the channel close.
    let result = work(events).await;
    // The printer ends when the sender is gone; a failed print must not hide the result.
    let _ = printer.await;
    Ok(result?)
}

/// A task that shows the prompts of the events sent to it until every sender is gone: for
/// work that outlives one call, such as the credentials endpoint's renewals.
pub fn prompt_printer() -> (
    mpsc::UnboundedSender<SessionEvent>,
    tokio::task::JoinHandle<()>,
) {
    let (events, mut receiver) = mpsc::unbounded_channel::<SessionEvent>();
    let printer = tokio::spawn(async move {
        let mut terminal = Terminal::open();
        // One broken cache directory fails every read, lock and write: warn about it once.
        let mut warned_about_cache = false;
        while let Some(event) = receiver.recv().await {
            if let Stage::CacheUnavailable { .. } = event.stage {
                if warned_about_cache {
                    continue;
                }
                warned_about_cache = true;
            }
            if let Some(text) = describe(&event) {
                terminal.say(&text);
            }
        }
    });
    (events, printer)
}

/// The text a person needs for an event; `None` for steps that need nothing from them.
fn describe(event: &SessionEvent) -> Option<String> {
    let profile = &event.profile;
    match &event.stage {
        Stage::WaitingForLock => Some(format!(
            "runas: {profile}: waiting for another runas that is refreshing these credentials"
        )),
        Stage::Login(Progress::OpenBrowser { url }) => Some(format!(
            "runas: {profile}: opening the browser to log in; if it does not open, visit:\n  {url}"
        )),
        Stage::Login(Progress::BrowserUnavailable { reason, url }) => Some(format!(
            "runas: {profile}: no browser opened ({reason}); to log in, visit:\n  {url}"
        )),
        Stage::Login(Progress::DeviceCode {
            user_code,
            verification_uri,
            verification_uri_complete,
            expires_in,
        }) => {
            let mut text = format!(
                "runas: {profile}: to log in, visit {verification_uri} and enter the code {user_code}"
            );
            if let Some(complete) = verification_uri_complete {
                text.push_str(&format!("\n  or open {complete}"));
            }
            text.push_str(&format!(
                "\n  (the code expires in {} minutes)",
                expires_in.as_secs().div_ceil(60)
            ));
            Some(text)
        }
        Stage::LoginNeeded { reason } => Some(format!("runas: {profile}: {reason}")),
        Stage::CacheUnavailable { reason } => Some(format!(
            "runas: warning: {profile}: the cache could not be used, continuing without it: {reason}"
        )),
        other => {
            tracing::debug!(profile = %profile, stage = ?other, "session stage");
            None
        }
    }
}

/// Where prompts go: stderr, plus the controlling terminal when stderr is not one.
struct Terminal {
    tty: Option<std::fs::File>,
}

impl Terminal {
    fn open() -> Self {
        let tty = if std::io::stderr().is_terminal() {
            None
        } else {
            std::fs::OpenOptions::new()
                .write(true)
                .open(tty_path())
                .ok()
        };
        Terminal { tty }
    }

    fn say(&mut self, text: &str) {
        // Prompts are best effort: a closed stderr must not abort a login in progress.
        let _ = writeln!(std::io::stderr(), "{text}");
        if let Some(tty) = &mut self.tty {
            let _ = writeln!(tty, "{text}");
        }
    }
}

fn tty_path() -> &'static str {
    if cfg!(windows) { "CONOUT$" } else { "/dev/tty" }
}
