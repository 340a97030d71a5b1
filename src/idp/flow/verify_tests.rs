//! Test-only code: compiled solely under its parent module's `#[cfg(test)]`.
//!
//! Unit tests for ID-token verification, with tokens signed here by a throw-away RSA key
//! (`testdata/test_rsa_key.pem`, generated for these tests only).

use chrono::{Duration as ChronoDuration, TimeZone};
use openidconnect::core::{
    CoreIdTokenClaims, CoreJsonWebKey, CoreJwsSigningAlgorithm, CoreRsaPrivateSigningKey,
};
use openidconnect::{
    Audience, EmptyAdditionalClaims, EndUserEmail, JsonWebKeyId, PrivateSigningKey, StandardClaims,
    SubjectIdentifier,
};

use super::*;

const ISSUER: &str = "http://127.0.0.1:9400";
const CLIENT: &str = "runas-cli";
const KEY_PEM: &str = include_str!("testdata/test_rsa_key.pem");

fn signing_key(kid: &str) -> CoreRsaPrivateSigningKey {
    CoreRsaPrivateSigningKey::from_pem(KEY_PEM, Some(JsonWebKeyId::new(kid.into()))).unwrap()
}

fn key_set(kid: &str) -> CoreJsonWebKeySet {
    let public: CoreJsonWebKey = signing_key(kid).as_verification_key();
    CoreJsonWebKeySet::new(vec![public])
}

fn issued_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 1, 12, 0, 0).unwrap()
}

struct TokenSpec<'a> {
    aud: &'a str,
    nonce: Option<&'a str>,
    alg: CoreJwsSigningAlgorithm,
    kid: &'a str,
}

impl Default for TokenSpec<'_> {
    fn default() -> Self {
        TokenSpec {
            aud: CLIENT,
            nonce: Some("the-nonce"),
            alg: CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
            kid: "k1",
        }
    }
}

/// A token valid for one hour from [`issued_at`].
fn token(spec: TokenSpec) -> String {
    let claims = CoreIdTokenClaims::new(
        IssuerUrl::new(ISSUER.into()).unwrap(),
        vec![Audience::new(spec.aud.into())],
        issued_at() + ChronoDuration::hours(1),
        issued_at(),
        StandardClaims::new(SubjectIdentifier::new("alice".into()))
            .set_email(Some(EndUserEmail::new("alice@example.test".into()))),
        EmptyAdditionalClaims {},
    )
    .set_nonce(spec.nonce.map(|n| Nonce::new(n.into())));
    CoreIdToken::new(claims, &signing_key(spec.kid), spec.alg, None, None)
        .unwrap()
        .to_string()
}

fn check(raw: &str, nonce: Option<&str>, now: DateTime<Utc>) -> Result<Verified, KeyOutcome> {
    let nonce = nonce.map(|n| Nonce::new(n.into()));
    verify_with_keys(
        &key_set("k1"),
        &IssuerUrl::new(ISSUER.into()).unwrap(),
        CLIENT,
        raw,
        nonce.as_ref(),
        now,
    )
}

fn rejection(result: Result<Verified, KeyOutcome>) -> String {
    match result {
        Err(KeyOutcome::Invalid(FlowError::IdTokenInvalid(reason))) => reason,
        other => panic!("expected an invalid-token error, got {other:?}"),
    }
}

#[test]
fn a_good_token_yields_its_claims() {
    let raw = token(TokenSpec::default());
    let verified = check(&raw, Some("the-nonce"), issued_at()).unwrap();
    assert_eq!(verified.claims.sub, "alice");
    assert_eq!(verified.claims.email.as_deref(), Some("alice@example.test"));
    assert_eq!(verified.claims.iss, ISSUER);
    assert_eq!(verified.claims.aud, vec![CLIENT.to_owned()]);
    assert_eq!(verified.expires_at, issued_at() + ChronoDuration::hours(1));
    assert!(!format!("{verified:?}").contains(&raw));
}

#[test]
fn ps256_is_accepted() {
    let raw = token(TokenSpec {
        alg: CoreJwsSigningAlgorithm::RsaSsaPssSha256,
        ..TokenSpec::default()
    });
    assert!(check(&raw, Some("the-nonce"), issued_at()).is_ok());
}

#[test]
fn a_wrong_nonce_is_rejected() {
    let raw = token(TokenSpec::default());
    let reason = rejection(check(&raw, Some("another-nonce"), issued_at()));
    assert!(reason.contains("nonce"), "{reason}");
    let missing = token(TokenSpec {
        nonce: None,
        ..TokenSpec::default()
    });
    assert!(rejection(check(&missing, Some("the-nonce"), issued_at())).contains("nonce"));
}

#[test]
fn no_nonce_is_required_when_none_was_sent() {
    let raw = token(TokenSpec {
        nonce: None,
        ..TokenSpec::default()
    });
    assert!(check(&raw, None, issued_at()).is_ok());
}

#[test]
fn another_audience_is_rejected() {
    let raw = token(TokenSpec {
        aud: "someone-else",
        ..TokenSpec::default()
    });
    let reason = rejection(check(&raw, Some("the-nonce"), issued_at()));
    assert!(reason.to_lowercase().contains("aud"), "{reason}");
}

#[test]
fn another_issuer_is_rejected() {
    let raw = token(TokenSpec::default());
    let result = verify_with_keys(
        &key_set("k1"),
        &IssuerUrl::new("http://127.0.0.1:9999".into()).unwrap(),
        CLIENT,
        &raw,
        None,
        issued_at(),
    );
    assert!(rejection(result).to_lowercase().contains("issuer"));
}

#[test]
fn expiry_has_a_bounded_leeway() {
    let raw = token(TokenSpec::default());
    let expiry = issued_at() + ChronoDuration::hours(1);
    let leeway = ChronoDuration::from_std(CLOCK_LEEWAY).unwrap();
    let just_inside = expiry + leeway - ChronoDuration::seconds(1);
    assert!(check(&raw, Some("the-nonce"), just_inside).is_ok());
    match check(&raw, Some("the-nonce"), expiry + leeway) {
        Err(KeyOutcome::Invalid(
            err @ FlowError::IdTokenExpired {
                seconds_ago: 60, ..
            },
        )) => {
            let text = err.to_string();
            assert!(text.contains(ISSUER) && text.contains("60 s ago"), "{text}");
        }
        other => panic!("expected an expiry beyond the leeway, got {other:?}"),
    }
}

#[test]
fn an_iat_in_the_future_has_the_same_bounded_leeway() {
    let raw = token(TokenSpec::default());
    let leeway = ChronoDuration::from_std(CLOCK_LEEWAY).unwrap();
    // This machine's clock is behind the IdP's by exactly the leeway: accepted.
    assert!(check(&raw, Some("the-nonce"), issued_at() - leeway).is_ok());
    let behind = issued_at() - ChronoDuration::minutes(3);
    match check(&raw, Some("the-nonce"), behind) {
        Err(KeyOutcome::Invalid(
            err @ FlowError::IdTokenIssuedInTheFuture {
                seconds_ahead: 180, ..
            },
        )) => {
            let text = err.to_string();
            assert!(text.contains("180 s in the future"), "{text}");
            assert!(text.contains("clock"), "{text}");
        }
        other => panic!("expected a refusal naming the skew, got {other:?}"),
    }
}

#[test]
fn an_unknown_kid_asks_for_a_refetch() {
    let raw = token(TokenSpec {
        kid: "rotated-key",
        ..TokenSpec::default()
    });
    assert!(matches!(
        check(&raw, Some("the-nonce"), issued_at()),
        Err(KeyOutcome::NoMatchingKey)
    ));
}

#[test]
fn a_tampered_token_is_rejected_without_quoting_it() {
    let raw = token(TokenSpec::default());
    let mut parts: Vec<&str> = raw.split('.').collect();
    // Same iss and aud (checked before the signature), another nonce (checked after it).
    let other = token(TokenSpec {
        nonce: Some("forged"),
        ..TokenSpec::default()
    });
    let other_payload = other.split('.').nth(1).unwrap().to_owned();
    parts[1] = &other_payload;
    let forged = parts.join(".");
    let reason = rejection(check(&forged, Some("the-nonce"), issued_at()));
    assert!(reason.contains("signature"), "{reason}");
    assert!(!reason.contains(&other_payload));
    assert!(rejection(check("not-a-jwt", None, issued_at())).contains("JWT"));
}

#[test]
fn hmac_tokens_are_refused() {
    assert!(!ALLOWED_ALGORITHMS.contains(&CoreJwsSigningAlgorithm::HmacSha256));
    assert!(!ALLOWED_ALGORITHMS.contains(&CoreJwsSigningAlgorithm::None));
    assert!(ALLOWED_ALGORITHMS.contains(&CoreJwsSigningAlgorithm::EcdsaP256Sha256));
}

/// Serves `jwks` on loopback for every request and counts the requests.
async fn serve_jwks(jwks: String) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let hits = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf).await.unwrap();
            counter.fetch_add(1, Ordering::SeqCst);
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{jwks}",
                jwks.len()
            );
            stream.write_all(answer.as_bytes()).await.unwrap();
        }
    });
    (issuer, hits)
}

#[tokio::test]
async fn an_unknown_kid_is_refetched_once_then_refused() {
    use std::sync::atomic::Ordering;
    let published = serde_json::to_string(&key_set("rotated-key")).unwrap();
    let (issuer, hits) = serve_jwks(published).await;
    // Discovery saw only the old key.
    let provider = Provider::for_tests(&issuer, key_set("old-key"));
    let sign = |kid: &str| {
        let claims = CoreIdTokenClaims::new(
            IssuerUrl::new(issuer.clone()).unwrap(),
            vec![Audience::new(CLIENT.into())],
            Utc::now() + ChronoDuration::hours(1),
            Utc::now(),
            StandardClaims::new(SubjectIdentifier::new("alice".into())),
            EmptyAdditionalClaims {},
        );
        CoreIdToken::new(
            claims,
            &signing_key(kid),
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
            None,
            None,
        )
        .unwrap()
        .to_string()
    };

    let rotated = sign("rotated-key");
    let verified = verify_id_token(&provider, CLIENT, &rotated, None)
        .await
        .unwrap();
    assert_eq!(verified.claims.sub, "alice");
    assert_eq!(
        hits.load(Ordering::SeqCst),
        1,
        "one re-fetch found the rotated key"
    );
    assert!(
        verify_id_token(&provider, CLIENT, &rotated, None)
            .await
            .is_ok()
    );
    assert_eq!(hits.load(Ordering::SeqCst), 1, "the fresh keys are kept");

    let unknown = sign("never-published");
    let err = verify_id_token(&provider, CLIENT, &unknown, None)
        .await
        .unwrap_err();
    match &err {
        FlowError::UnknownKid { issuer: named, kid } => {
            assert_eq!(named.trim_end_matches('/'), issuer);
            assert_eq!(kid.as_deref(), Some("never-published"));
        }
        other => panic!("expected an unknown kid, got {other:?}"),
    }
    assert!(err.to_string().contains("`never-published`"), "{err}");
    assert_eq!(
        hits.load(Ordering::SeqCst),
        2,
        "exactly one more fetch, then refused"
    );
}
