//! The vocabulary between the event loop, `update` and the effect runner: [`Msg`] (something
//! happened), [`Effect`] (something to do outside the state) and [`Outcome`] (what the TUI
//! hands back to its caller). Credentials travel only inside [`Handoff`]s, whose `Debug`
//! redacts secrets, and never into the state.

use crossterm::event::{KeyEvent, MouseEvent};

use super::rows::CacheView;
use super::state::{After, Stage};
use crate::shell::{Format, Handoff};

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize {
        width: u16,
        height: u16,
    },
    /// One second passed: countdowns and spinners move.
    Tick,
    /// A login task reports its stage.
    Progress {
        profile: String,
        stage: Stage,
    },
    /// A login task ended; on success the credentials go on to `then`.
    Finished {
        profile: String,
        task: u64,
        then: After,
        result: Result<Handoff, String>,
    },
    /// The cache was read again, for every profile (by name).
    CacheRead(Vec<(String, CacheView)>),
    Forgotten {
        profile: String,
        result: Result<String, String>,
    },
    /// The subshell ended and the terminal is ours again.
    /// `Ok` holds the shell's exit code: the status of the person's last command, not a
    /// runas error, whatever it is.
    ShellExited {
        profile: String,
        result: Result<i32, String>,
    },
    Copied(Result<String, String>),
    /// The console sign-in task ended: what to tell the person (never the URL).
    ConsoleOpened(Result<String, String>),
    /// The doctor report of a profile, as lines (`crate::doctor::Report::lines`).
    Doctored {
        profile: String,
        lines: Vec<String>,
        all_ok: bool,
    },
    /// IAM Identity Center discovery and sso-session logins (`tui::sso_keys`).
    Sso(super::sso_keys::SsoMsg),
}

/// How a login task may go about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginMode {
    /// Cached credentials when fresh, else refresh or a browser login.
    Normal,
    /// A new login with the device grant, even where a browser could open or a token is cached.
    Device,
    /// Ignore the cache: a fresh login and a fresh role session.
    Force,
}

/// S3 Access Grants credentials to obtain instead of the profile's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRequest {
    pub target: String,
    pub permission: crate::config::GrantPermission,
}

#[derive(Debug, Clone)]
pub enum Effect {
    /// Obtain the profile's credentials (or, with `grant`, its S3 Access Grants credentials
    /// for that target), then do `then` with them.
    Obtain {
        profile: String,
        task: u64,
        mode: LoginMode,
        then: After,
        grant: Option<GrantRequest>,
    },
    /// Abort a login task; dropping its future closes the callback listener.
    Cancel {
        profile: String,
    },
    /// Re-read the cache for every profile: one login may serve many.
    ReadCache,
    Forget {
        profile: String,
    },
    /// Suspend the TUI and run a shell with these credentials.
    Shell(Handoff),
    /// Suspend the TUI and run a shell that gets the profile's credentials from a loopback
    /// endpoint, renewed while the shell runs (the hand-off's credentials seed it).
    ServerShell(Handoff),
    /// Put the export lines on the clipboard through the terminal (OSC 52).
    Copy(Handoff),
    /// Sign the profile in to the AWS console (its credentials are fresh in the cache by now)
    /// and open it with the console browser.
    OpenConsole {
        profile: String,
    },
    /// Check every link of the profile's login (`D`) and report with [`Msg::Doctored`].
    Doctor {
        profile: String,
    },
    /// Leave the TUI with this outcome.
    Quit(Outcome),
    /// IAM Identity Center discovery and sso-session logins (`tui::sso_keys`).
    Sso(super::sso_keys::SsoEffect),
}

/// What the TUI hands back to its caller, which acts on it after the terminal is restored.
#[derive(Debug, Clone)]
pub enum Outcome {
    Quit,
    /// Print the export lines of these credentials on stdout.
    Export {
        handoff: Handoff,
        format: Format,
    },
}

impl Outcome {
    /// The text the caller prints on stdout: export lines, or nothing.
    pub fn stdout_text(&self) -> String {
        match self {
            Outcome::Quit => String::new(),
            Outcome::Export { handoff, format } => crate::shell::export::render(handoff, *format),
        }
    }
}
