//! Role session names (docs/ARCHITECTURE.md "AWS calls"): `role_session_name` if set, else who logged in — the
//! token's `email`, `preferred_username` or `sub` — made to fit STS's `[\w+=,.@-]{2,64}`.

/// A name STS accepts, built from `wanted`: disallowed characters become `-`, the result is cut
/// to 64 characters and padded to at least 2.
pub fn sanitize(wanted: &str) -> String {
    let mut name: String = wanted
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    if name.len() < 2 {
        name = format!("runas-{name}");
    }
    name
}

pub use crate::jwt::unverified_claims;

/// The identity to name a session after, from token claims.
pub fn from_claims(
    email: Option<&str>,
    preferred_username: Option<&str>,
    sub: Option<&str>,
) -> String {
    let wanted = email
        .or(preferred_username)
        .or(sub)
        .filter(|s| !s.is_empty())
        .unwrap_or("runas");
    sanitize(wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fit_the_sts_pattern() {
        assert_eq!(sanitize("alice@example.test"), "alice@example.test");
        assert_eq!(sanitize("Alice Smith/ops"), "Alice-Smith-ops");
        assert_eq!(sanitize("a"), "runas-a");
        assert_eq!(sanitize(&"x".repeat(100)).len(), 64);
    }

    #[test]
    fn claims_prefer_email_then_username_then_sub() {
        assert_eq!(
            from_claims(Some("a@b.c"), Some("alice"), Some("sub")),
            "a@b.c"
        );
        assert_eq!(from_claims(None, Some("alice"), Some("sub")), "alice");
        assert_eq!(from_claims(None, None, Some("0oa1")), "0oa1");
        assert_eq!(from_claims(None, None, None), "runas");
    }
}
