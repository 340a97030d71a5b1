//! A browser stand-in for an IdP started with `auto_login`: it follows the authorization
//! redirects with a cookie jar (the IdP's interaction cookies are path-scoped, so a jar is
//! required) until the IdP redirects to the client's redirect URI, then hands back the code.
//! No listener is needed: the final `Location` is read, never fetched. 127.0.0.1 only.

use openidconnect::{CsrfToken, Nonce, PkceCodeChallenge, PkceCodeVerifier};
use reqwest::Url;

use super::raw_http::percent_encode;

const MAX_HOPS: usize = 12;

/// What a completed scripted login yields: the code to exchange and what the exchange and the
/// ID-token check need.
pub struct ScriptedLogin {
    pub code: String,
    pub state: String,
    pub nonce: Nonce,
    pub pkce_verifier: PkceCodeVerifier,
}

/// Runs an authorization-code request with PKCE S256, a fresh `state` and `nonce`, for the
/// scopes `openid offline_access profile email`, against the IdP's `/auth` endpoint.
pub async fn scripted_login(issuer: &str, client_id: &str, redirect_uri: &str) -> ScriptedLogin {
    let (challenge, pkce_verifier) = PkceCodeChallenge::new_random_sha256();
    let state = CsrfToken::new_random().secret().clone();
    let nonce = Nonce::new_random();
    let query = [
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect_uri),
        ("scope", "openid offline_access profile email"),
        ("state", &state),
        ("nonce", nonce.secret()),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
        ("prompt", "consent"),
    ]
    .iter()
    .map(|(k, v)| format!("{k}={}", percent_encode(v)))
    .collect::<Vec<_>>()
    .join("&");
    let authorize_url = format!("{issuer}/auth?{query}");
    let code = follow_authorization(&authorize_url, redirect_uri, &state).await;
    ScriptedLogin {
        code,
        state,
        nonce,
        pkce_verifier,
    }
}

/// Follows `authorize_url` through the IdP until it redirects to `redirect_uri`; checks the
/// returned `state` against `expected_state` and returns the authorization code. Panics on an
/// OAuth error answer, a non-redirect, a wrong state, or a hop off loopback.
pub async fn follow_authorization(
    authorize_url: &str,
    redirect_uri: &str,
    expected_state: &str,
) -> String {
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .expect("build the scripted browser");
    let mut url = Url::parse(authorize_url).expect("authorize URL");
    for _ in 0..MAX_HOPS {
        assert_eq!(
            url.host_str(),
            Some("127.0.0.1"),
            "the scripted browser stays on 127.0.0.1: {url}"
        );
        let answer = browser
            .get(url.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let status = answer.status();
        let location = answer
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let Some(location) = location.filter(|_| status.is_redirection()) else {
            let body = answer.text().await.unwrap_or_default();
            panic!("expected a redirect from {url}, got {status}: {body}");
        };
        let next = url
            .join(&location)
            .expect("a redirect Location that is a URL");
        if next.as_str().starts_with(redirect_uri) {
            return code_from_redirect(&next, expected_state);
        }
        url = next;
    }
    panic!("no redirect to {redirect_uri} after {MAX_HOPS} hops");
}

fn code_from_redirect(redirect: &Url, expected_state: &str) -> String {
    let param = |name: &str| {
        redirect
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    if let Some(error) = param("error") {
        panic!(
            "the IdP answered {error}: {}",
            param("error_description").unwrap_or_default()
        );
    }
    assert_eq!(
        param("state").as_deref(),
        Some(expected_state),
        "state of {redirect}"
    );
    param("code").unwrap_or_else(|| panic!("no code in {redirect}"))
}
