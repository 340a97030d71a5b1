//! `runas doctor --login`: the outcome of a real exchange, and when STS refuses, the refusal
//! read against what `runas setup` would have generated for the profile, so the person learns
//! which side of the trust is wrong ("the role must trust audience X; your client id is X").

use super::Link;
use crate::aws::StsError;
use crate::session::{Obtained, Session, SessionError};
use crate::setup::{self, WebIdentityFacts};

/// The `exchange` link for the outcome of a login of profile `name`.
pub async fn explain_exchange(
    session: &Session,
    name: &str,
    outcome: &Result<Obtained, SessionError>,
) -> Link {
    let error = match outcome {
        Ok(obtained) => {
            return Link::pass(
                "exchange",
                format!(
                    "STS issued {} until {}",
                    obtained
                        .entry
                        .assumed_role_arn
                        .as_deref()
                        .unwrap_or("credentials"),
                    obtained.entry.credentials.expiration.format("%H:%M UTC")
                ),
            );
        }
        Err(error) => error,
    };
    let SessionError::Sts {
        role_arn, source, ..
    } = error
    else {
        return Link::fail(
            "exchange",
            error.to_string(),
            "the first ✗ above is the link to repair; with all ✓, the message says the rest",
        );
    };
    let facts = match session.profile(name) {
        Ok(profile) => session.web_identity_facts(profile).await.ok().flatten(),
        Err(_) => None,
    };
    let subject = session
        .profile(name)
        .ok()
        .map(|profile| session.chain_root(profile))
        .and_then(|root| session.cached_tokens(root))
        .and_then(|entry| entry.subject);
    let fix = sts_fix(source, role_arn, facts.as_ref(), subject.as_deref(), name);
    Link::fail("exchange", error.to_string(), fix)
}

/// What to change, from STS's code and message and the trust `setup` would generate.
fn sts_fix(
    source: &StsError,
    role_arn: &str,
    facts: Option<&WebIdentityFacts>,
    subject: Option<&str>,
    name: &str,
) -> String {
    let message = source.to_string();
    let lower = message.to_ascii_lowercase();
    let Some(facts) = facts else {
        return format!(
            "let the previous link assume {role_arn}: `runas setup {name}` prints the trust \
             policy it needs"
        );
    };
    let host_path = setup::issuer_host_path(&facts.issuer);
    let role_name = role_arn.rsplit('/').next().unwrap_or(role_arn);
    let audience = &facts.audience;
    match source.code() {
        Some("InvalidIdentityToken") if lower.contains("no openidconnect provider") => format!(
            "create the IAM OIDC identity provider with URL https://{host_path} and client id \
             {audience} (`runas setup {name}` includes it)"
        ),
        Some("InvalidIdentityToken") if lower.contains("audience") => format!(
            "the IAM OIDC provider {host_path} does not list your client id {audience}: add it \
             (aws iam add-client-id-to-open-id-connect-provider)"
        ),
        Some("AccessDenied") => {
            let sub = subject
                .map(|sub| format!(" (and {host_path}:sub, if it sets one, = {sub})"))
                .unwrap_or_default();
            format!(
                "the trust policy of role {role_name} does not admit this token: it must allow \
                 sts:AssumeRoleWithWebIdentity for oidc-provider/{host_path} with \
                 {host_path}:aud = {audience}, your client id{sub}; compare `aws iam get-role \
                 --role-name {role_name}` with `runas setup {name}`"
            )
        }
        _ => format!(
            "STS refused the exchange for {role_arn}; `runas setup {name}` prints what the role \
             and the OIDC provider must look like for issuer {} and audience {audience}",
            facts.issuer
        ),
    }
}
