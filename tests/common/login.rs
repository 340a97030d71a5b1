//! A browser stand-in for an IdP started with `auto_login`: it follows the authorization
//! redirects with a cookie jar (the IdP's interaction cookies are path-scoped, so a jar is
//! required) until the IdP redirects to the client's redirect URI, then hands back the code.
//! No listener is needed: the final `Location` is read, never fetched. 127.0.0.1 only.

use std::time::Duration;

use openidconnect::core::{CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, TokenResponse,
};
use reqwest::Url;
use runas::creds::Secret;

use super::peers::Peers;
use super::raw_http::percent_encode;

/// A redirect URI of the public client (any port works: native loopback rule).
pub const REDIRECT_URI: &str = "http://127.0.0.1:8090/callback";

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

/// Logs in as `client_id` (with `secret` for the confidential client) and returns the ID token.
pub async fn log_in(peers: &Peers, client_id: &str, secret: Option<&str>) -> Secret {
    log_in_with_expiry(peers, client_id, secret, REDIRECT_URI)
        .await
        .0
}

/// [`log_in`], also returning the ID token's `exp`.
pub async fn log_in_with_expiry(
    peers: &Peers,
    client_id: &str,
    secret: Option<&str>,
    redirect_uri: &str,
) -> (Secret, chrono::DateTime<chrono::Utc>) {
    let http = runas::http::idp_client(Duration::from_secs(10)).unwrap();
    let issuer = IssuerUrl::new(peers.issuer()).unwrap();
    let metadata = CoreProviderMetadata::discover_async(issuer, &http)
        .await
        .unwrap();
    assert_eq!(metadata.issuer().as_str(), peers.issuer());

    // Expiry is judged as of the login's start: a 1 s token may be a few ms from its `exp`
    // (whole seconds) by the time it is checked, which must not fail the login itself.
    let login_started = chrono::Utc::now();
    let login = scripted_login(&peers.issuer(), client_id, redirect_uri).await;
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(client_id.to_owned()),
        secret.map(|s| ClientSecret::new(s.to_owned())),
    )
    .set_redirect_uri(RedirectUrl::new(redirect_uri.to_owned()).unwrap());
    let tokens = client
        .exchange_code(AuthorizationCode::new(login.code))
        .unwrap()
        .set_pkce_verifier(login.pkce_verifier)
        .request_async(&http)
        .await
        .unwrap();
    assert!(
        tokens.refresh_token().is_some(),
        "offline_access with prompt=consent gives one"
    );
    let id_token = tokens
        .id_token()
        .expect("an id_token in the token response");
    let verifier = client
        .id_token_verifier()
        .set_time_fn(move || login_started);
    let claims = id_token.claims(&verifier, &login.nonce).unwrap();
    assert_eq!(claims.subject().as_str(), "alice");
    assert_eq!(
        claims.email().map(|e| e.as_str()),
        Some("alice@example.test")
    );
    (Secret::new(id_token.to_string()), claims.expiration())
}
