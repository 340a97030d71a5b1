//! ID-token verification: signature against the issuer's JWKS (asymmetric algorithms only),
//! `iss`, `aud`, `exp` and `iat` within a bounded clock leeway, and `nonce` when one was sent.
//! It owns the one JWKS re-fetch on an unknown key id; it never logs or returns the raw token.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use openidconnect::core::{
    CoreIdToken, CoreIdTokenVerifier, CoreJsonWebKeySet, CoreJwsSigningAlgorithm,
};
use openidconnect::{
    ClaimsVerificationError, ClientId, IssuerUrl, Nonce, SignatureVerificationError,
};

use super::{FlowError, IdClaims, Provider};

/// How far this machine's clock and the IdP's may disagree: an ID token is still accepted this
/// long past its `exp`, and with an `iat` this far in the future. Bounded so a stolen, expired
/// token stays useless, and so a clock that is minutes off is named instead of papered over
/// (STS, with its own clock, would refuse such a token later with a vaguer message).
pub const CLOCK_LEEWAY: Duration = Duration::from_secs(60);

/// Asymmetric algorithms only: an HMAC-signed ID token would be keyed by the client secret,
/// which a public client's users all know.
const ALLOWED_ALGORITHMS: [CoreJwsSigningAlgorithm; 10] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha384,
    CoreJwsSigningAlgorithm::RsaSsaPssSha512,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
    CoreJwsSigningAlgorithm::EcdsaP521Sha512,
    CoreJwsSigningAlgorithm::EdDsa,
];

/// A verified ID token's identity facts and expiry.
#[derive(Debug, Clone)]
pub(super) struct Verified {
    pub claims: IdClaims,
    pub expires_at: DateTime<Utc>,
}

/// Verifies `raw` for `client_id` at `provider`, re-fetching the JWKS once if the signing key is
/// not among the known ones (the IdP may have rotated its keys since discovery).
pub(super) async fn verify_id_token(
    provider: &Provider,
    client_id: &str,
    raw: &str,
    nonce: Option<&Nonce>,
) -> Result<Verified, FlowError> {
    let (generation, keys) = provider.jwks();
    let check = |keys: &CoreJsonWebKeySet| {
        verify_with_keys(
            keys,
            provider.issuer_url(),
            client_id,
            raw,
            nonce,
            Utc::now(),
        )
    };
    match check(&keys) {
        Err(KeyOutcome::NoMatchingKey) => {
            let (_, fresh) = provider.refetch_jwks(generation).await?;
            match check(&fresh) {
                Err(KeyOutcome::NoMatchingKey) => Err(FlowError::UnknownKid {
                    issuer: provider.issuer().to_owned(),
                    kid: crate::jwt::key_id(raw),
                }),
                Err(KeyOutcome::Invalid(err)) => Err(err),
                Ok(verified) => Ok(verified),
            }
        }
        Err(KeyOutcome::Invalid(err)) => Err(err),
        Ok(verified) => Ok(verified),
    }
}

#[derive(Debug)]
pub(super) enum KeyOutcome {
    /// No key in the set fits the token's `kid` and algorithm: worth one re-fetch.
    NoMatchingKey,
    Invalid(FlowError),
}

/// The pure check, with the clock passed in so tests can move it.
pub(super) fn verify_with_keys(
    keys: &CoreJsonWebKeySet,
    issuer: &IssuerUrl,
    client_id: &str,
    raw: &str,
    nonce: Option<&Nonce>,
    now: DateTime<Utc>,
) -> Result<Verified, KeyOutcome> {
    let invalid = |reason: String| KeyOutcome::Invalid(FlowError::IdTokenInvalid(reason));
    let token = CoreIdToken::from_str(raw)
        .map_err(|_| invalid("it is not a well-formed JWT".to_owned()))?;
    let verifier = CoreIdTokenVerifier::new_public_client(
        ClientId::new(client_id.to_owned()),
        issuer.clone(),
        keys.clone(),
    )
    .set_allowed_algs(ALLOWED_ALGORITHMS)
    // The library's own `exp` check only says "expired"; `check_clock` below does it with the
    // leeway and says by how much, so the library's is turned off by a clock at the epoch.
    .set_time_fn(|| DateTime::<Utc>::UNIX_EPOCH);
    let verified = match nonce {
        Some(nonce) => token.claims(&verifier, nonce),
        // Device and refresh grants send no nonce, so there is nothing to compare against.
        None => token.claims(&verifier, |_: Option<&Nonce>| Ok(())),
    };
    let claims = verified.map_err(|err| match err {
        ClaimsVerificationError::SignatureVerification(
            SignatureVerificationError::NoMatchingKey,
        ) => KeyOutcome::NoMatchingKey,
        ClaimsVerificationError::SignatureVerification(inner) => {
            invalid(format!("bad signature: {inner}"))
        }
        // OIDC Core §3.1.3.7: `iss` must exactly match the issuer discovery named, trailing
        // slash included; say both and how they differ, since the fix is at the IdP.
        ClaimsVerificationError::InvalidIssuer(_) => {
            let iss = crate::jwt::unverified_claims(raw)
                .and_then(|claims| claims["iss"].as_str().map(str::to_owned))
                .unwrap_or_else(|| "(missing)".to_owned());
            invalid(format!(
                "its `iss` is {iss}, but the discovery document's `issuer` is {}; {}. OpenID \
                 Connect requires them to be identical: the IdP administrator must make the \
                 discovery document and the tokens name the same issuer",
                issuer.as_str(),
                super::discovery::how_issuers_differ(issuer.as_str(), &iss)
            ))
        }
        other => invalid(other.to_string()),
    })?;
    check_clock(issuer, claims.issue_time(), claims.expiration(), now)
        .map_err(KeyOutcome::Invalid)?;
    Ok(Verified {
        claims: IdClaims {
            sub: claims.subject().to_string(),
            email: claims.email().map(|email| email.to_string()),
            preferred_username: claims.preferred_username().map(|name| name.to_string()),
            iss: claims.issuer().to_string(),
            aud: claims
                .audiences()
                .iter()
                .map(|aud| aud.to_string())
                .collect(),
        },
        expires_at: claims.expiration(),
    })
}

/// `exp` and `iat` against this machine's clock, each with [`CLOCK_LEEWAY`]. Runs only on a
/// token whose signature checked out, so the times it names are the IdP's.
fn check_clock(
    issuer: &IssuerUrl,
    issued_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), FlowError> {
    let leeway = CLOCK_LEEWAY.as_secs();
    let expired_for = (now - expires_at).num_seconds();
    if expired_for >= 0 && expired_for.unsigned_abs() >= leeway {
        return Err(FlowError::IdTokenExpired {
            issuer: issuer.to_string(),
            seconds_ago: expired_for.unsigned_abs(),
            leeway_seconds: leeway,
        });
    }
    let ahead = (issued_at - now).num_seconds();
    if ahead > 0 && ahead.unsigned_abs() > leeway {
        return Err(FlowError::IdTokenIssuedInTheFuture {
            issuer: issuer.to_string(),
            seconds_ahead: ahead.unsigned_abs(),
            leeway_seconds: leeway,
        });
    }
    Ok(())
}

#[cfg(test)]
#[path = "verify_tests.rs"]
mod tests;
