//! Everything runas does with an identity provider before AWS is involved. For now that is
//! detection ([`detection`]): which provider a `web_identity_auth_url` belongs to and which
//! issuer it resolves to; the loopback [`callback`] listener; and the login [`flow`]s with their
//! ID-token checks.
//!
//! This module never prints and never touches disk: results go back to the caller as values
//! (and, for flows, through a channel). Caching them is `cache`'s job.

pub mod callback;
pub mod detection;
pub mod flow;

pub use detection::{
    Detection, DetectionMethod, DetectionTimeouts, IssuerSource, PROBE_TIMEOUT, ProbeEvidence,
    detect, detect_offline, detect_with_timeouts, issuer_matches, issuer_text, normalize_issuer,
    probe, probe_with_timeout, without_secrets,
};
