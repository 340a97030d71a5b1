//! The shared vocabulary for secrets and AWS credentials. Every secret runas handles is a
//! [`Secret`], whose `Debug` and `Display` never show the value, so a stray `{:?}` in a log,
//! a panic message or an error cannot leak it. Only code whose purpose is to hand a secret on
//! (an STS call, an export line, the cache file) calls [`Secret::expose`].

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A string that must never be printed by accident.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself, for the few places whose job is to hand it on.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Temporary AWS credentials as STS returns them.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Secret,
    pub expiration: DateTime<Utc>,
}

impl Credentials {
    /// Time left before expiry; zero when already expired.
    pub fn remaining(&self, now: DateTime<Utc>) -> chrono::Duration {
        (self.expiration - now).max(chrono::Duration::zero())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_secret() {
        let creds = Credentials {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: Secret::new("very-secret-key"),
            session_token: Secret::new("very-secret-token"),
            expiration: DateTime::from_timestamp(2_000_000_000, 0).unwrap(),
        };
        let shown = format!("{creds:?} {}", creds.session_token);
        assert!(!shown.contains("very-secret"), "{shown}");
        assert!(
            shown.contains("ASIAEXAMPLE"),
            "the key id is not secret: {shown}"
        );
        assert_eq!(creds.secret_access_key.expose(), "very-secret-key");
    }

    #[test]
    fn remaining_is_never_negative() {
        let expiration = DateTime::from_timestamp(1_000, 0).unwrap();
        let creds = Credentials {
            access_key_id: "A".into(),
            secret_access_key: Secret::new("s"),
            session_token: Secret::new("t"),
            expiration,
        };
        let later = DateTime::from_timestamp(2_000, 0).unwrap();
        assert_eq!(creds.remaining(later), chrono::Duration::zero());
        let earlier = DateTime::from_timestamp(400, 0).unwrap();
        assert_eq!(creds.remaining(earlier).num_seconds(), 600);
    }
}
