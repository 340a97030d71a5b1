//! The full-screen TUI (docs/ARCHITECTURE.md "TUI", "Code map"): profiles with live status, login in the browser or with
//! a device code, shell and export hand-off. The Elm shape: [`state::App`], [`msg::Msg`],
//! [`update::update`] (pure), [`view::view`] (pure, clock injected), effects run as tokio tasks
//! that send messages back ([`effects`]), one terminal guard ([`terminal`]) drawing on
//! `/dev/tty` so stdout stays free for export lines.
//!
//! It owns the screen and the keys; it never logs in, reads the cache or prints on stdout
//! itself: the session does the work and the caller prints the [`Outcome`].

mod cache_view;
mod doctor_keys;
pub mod effects;
pub mod fuzzy;
mod grant_keys;
mod idp_facts;
pub mod msg;
mod overlay_keys;
pub mod qr;
pub mod rows;
mod run;
mod sso_effects;
pub mod sso_keys;
pub mod sso_rows;
mod stage;
pub mod state;
mod summary;
pub mod terminal;
pub mod update;
pub mod view;

#[cfg(test)]
mod console_tests;
#[cfg(test)]
mod filter_tests;
#[cfg(test)]
mod grant_tests;
#[cfg(test)]
mod login_note_tests;
#[cfg(test)]
mod overlay_tests;
#[cfg(test)]
mod server_key_tests;
#[cfg(test)]
mod snapshot_tests;
#[cfg(test)]
mod sso_discovery_tests;
#[cfg(test)]
mod sso_tests;
#[cfg(test)]
mod test_fixtures;
#[cfg(test)]
mod update_tests;

pub use msg::Outcome;
pub use run::{TuiError, TuiOptions, run, run_blocking};
