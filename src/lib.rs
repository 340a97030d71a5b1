//! runas: an identity-provider login turned into short-lived AWS credentials.
//!
//! The binary (`src/main.rs`) is a thin shell over this library so integration tests and
//! benchmarks reach the same code. Data flows one way (docs/ARCHITECTURE.md "Code map"):
//! `config → idp → aws → cache → session → cli / tui / shell`.

pub mod aws;
pub mod cache;
pub mod cli;
pub mod config;
pub mod creds;
pub mod doctor;
pub mod http;
pub mod idp;
pub mod jwt;
pub mod server;
pub mod session;
pub mod setup;
pub mod shell;
pub mod tui;

#[cfg(test)]
pub(crate) mod test_support;
