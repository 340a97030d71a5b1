//! The browser flow (OIDC authorization code with PKCE S256, `state` and `nonce`; RFC 8252 for
//! the loopback redirect). It owns building the authorization URL, driving the one-shot
//! callback listener and exchanging the code; the listener itself lives in `idp::callback` and
//! the browser launch behind [`BrowserOpener`].

use std::net::SocketAddr;
use std::time::Duration;

use openidconnect::core::{CoreAuthPrompt, CoreAuthenticationFlow};
use openidconnect::url::Url;
use openidconnect::{
    AuthorizationCode, CsrfToken, LoginHint, Nonce, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, Scope,
};
use tokio::sync::mpsc::UnboundedSender;

use super::callback::CallbackListener;
use super::error::from_token_request;
use super::provider::{FlowClient, is_loopback};
use super::{
    BrowserOpener, ClientSettings, FlowError, Progress, Provider, Tokens, report, tokens_from,
};

/// How much longer the listener may wait than the flow's own deadline, so that the flow's
/// deadline fires first and is reported as [`FlowError::BrowserTimeout`].
const LISTENER_GRACE: Duration = Duration::from_secs(5);

/// Logs in through the person's browser and returns verified tokens. If the browser cannot be
/// started the flow reports [`Progress::BrowserUnavailable`] and keeps waiting for the URL to be
/// opened by hand; drop the future to cancel (e.g. to switch to the device flow).
pub async fn browser_login(
    provider: &Provider,
    settings: &ClientSettings,
    opener: &dyn BrowserOpener,
    progress: &UnboundedSender<Progress>,
    timeout: Duration,
) -> Result<Tokens, FlowError> {
    let configured = settings.redirect_uri.as_ref().ok_or_else(|| {
        FlowError::NoLoopbackRedirect("the profile sets no web_identity_callback_uri".to_owned())
    })?;
    if configured.scheme() != "http" || !is_loopback(configured) {
        return Err(FlowError::NoLoopbackRedirect(format!(
            "{configured} cannot receive a browser redirect"
        )));
    }
    let listener = CallbackListener::bind(configured).await?;
    let redirect_uri = bound_redirect_uri(configured, listener.local_addr());
    let client = provider
        .client(settings)
        .set_redirect_uri(RedirectUrl::from_url(redirect_uri));
    let request = authorization_request(&client, settings);

    report(
        progress,
        Progress::OpenBrowser {
            url: request.url.clone(),
        },
    );
    if let Err(reason) = opener.open(&request.url) {
        report(
            progress,
            Progress::BrowserUnavailable {
                reason,
                url: request.url.clone(),
            },
        );
    }
    report(progress, Progress::WaitingForBrowser);
    let callback = tokio::time::timeout(
        timeout,
        listener.wait(request.state.secret(), timeout + LISTENER_GRACE),
    )
    .await
    .map_err(|_| FlowError::BrowserTimeout(timeout))??;

    // RFC 9207: an `iss` naming another IdP means the code was minted elsewhere (mix-up attack).
    if let Some(iss) = callback.iss.as_deref()
        && iss != provider.issuer()
    {
        return Err(FlowError::IssuerMismatch {
            expected: provider.issuer().to_owned(),
            got: iss.to_owned(),
        });
    }

    report(progress, Progress::ExchangingCode);
    let mut exchange =
        client.exchange_code(AuthorizationCode::new(callback.code.expose().to_owned()));
    if let Some(verifier) = request.pkce_verifier {
        exchange = exchange.set_pkce_verifier(verifier);
    }
    let response = exchange
        .request_async(provider.http())
        .await
        .map_err(|err| from_token_request(err, provider.token_endpoint().as_str()))?;
    tokens_from(provider, settings, &response, Some(&request.nonce), None).await
}

/// The configured redirect URI with the port the listener really bound (they differ for port
/// 0); host and path stay as registered so the IdP's exact-match check holds.
fn bound_redirect_uri(configured: &Url, bound: SocketAddr) -> Url {
    let mut uri = configured.clone();
    // Setting a port only fails on URLs that cannot have one; a loopback http URL always can.
    let _ = uri.set_port(Some(bound.port()));
    uri
}

/// An authorization request and the secrets that must come back with its answer.
struct AuthorizationRequest {
    url: Url,
    state: CsrfToken,
    nonce: Nonce,
    pkce_verifier: Option<PkceCodeVerifier>,
}

fn authorization_request(client: &FlowClient, settings: &ClientSettings) -> AuthorizationRequest {
    let mut request = client.authorize_url(
        CoreAuthenticationFlow::AuthorizationCode,
        CsrfToken::new_random,
        Nonce::new_random,
    );
    // openidconnect always sends `openid` itself; listing it twice upsets some IdPs.
    for scope in settings.scopes.iter().filter(|scope| *scope != "openid") {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    // Several IdPs (oidc-provider among them) silently drop offline_access, and with it the
    // refresh token, unless the consent prompt is shown (OIDC Core §11).
    if settings
        .scopes
        .iter()
        .any(|scope| scope == "offline_access")
    {
        request = request.add_prompt(CoreAuthPrompt::Consent);
    }
    if let Some(hint) = &settings.login_hint {
        request = request.set_login_hint(LoginHint::new(hint.clone()));
    }
    let pkce_verifier = if settings.use_pkce {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        request = request.set_pkce_challenge(challenge);
        Some(verifier)
    } else {
        None
    };
    let (url, state, nonce) = request.url();
    AuthorizationRequest {
        url,
        state,
        nonce,
        pkce_verifier,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idp::flow::TokenAuthMethod;
    use openidconnect::core::CoreJsonWebKeySet;
    use std::collections::HashMap;

    fn settings(scopes: &[&str]) -> ClientSettings {
        ClientSettings {
            issuer: Url::parse("http://127.0.0.1:9400").unwrap(),
            client_id: "runas-cli".into(),
            client_secret: None,
            auth_method: TokenAuthMethod::None,
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            redirect_uri: Some(Url::parse("http://127.0.0.1:0/callback").unwrap()),
            login_hint: None,
            use_pkce: true,
            device_authorization_url: None,
        }
    }

    fn build(settings: &ClientSettings) -> (AuthorizationRequest, HashMap<String, String>) {
        let provider = Provider::for_tests("http://127.0.0.1:9400", CoreJsonWebKeySet::new(vec![]));
        let redirect = Url::parse("http://127.0.0.1:54321/callback").unwrap();
        let client = provider
            .client(settings)
            .set_redirect_uri(RedirectUrl::from_url(redirect));
        let request = authorization_request(&client, settings);
        let query = request.url.query_pairs().into_owned().collect();
        (request, query)
    }

    #[test]
    fn the_request_carries_pkce_state_nonce_and_the_bound_redirect() {
        let (request, query) = build(&settings(&["openid", "profile", "email"]));
        assert!(
            request
                .url
                .as_str()
                .starts_with("http://127.0.0.1:9400/auth?")
        );
        assert_eq!(query["response_type"], "code");
        assert_eq!(query["client_id"], "runas-cli");
        assert_eq!(query["redirect_uri"], "http://127.0.0.1:54321/callback");
        assert_eq!(query["state"], *request.state.secret());
        assert_eq!(query["nonce"], *request.nonce.secret());
        assert_eq!(query["code_challenge_method"], "S256");
        assert!(query["code_challenge"].len() >= 43);
        assert!(request.pkce_verifier.is_some());
        assert_eq!(query["scope"], "openid profile email");
        assert!(!query.contains_key("prompt"));
        assert!(!query.contains_key("login_hint"));
    }

    #[test]
    fn offline_access_asks_for_consent_and_the_hint_is_sent() {
        let mut with_hint = settings(&["openid", "offline_access"]);
        with_hint.login_hint = Some("alice@example.test".into());
        let (_, query) = build(&with_hint);
        assert_eq!(query["prompt"], "consent");
        assert_eq!(query["login_hint"], "alice@example.test");
        assert_eq!(query["scope"], "openid offline_access");
    }

    #[test]
    fn pkce_can_be_turned_off() {
        let mut no_pkce = settings(&["openid"]);
        no_pkce.use_pkce = false;
        let (request, query) = build(&no_pkce);
        assert!(request.pkce_verifier.is_none());
        assert!(!query.contains_key("code_challenge"));
    }

    #[test]
    fn two_requests_never_share_state_or_nonce() {
        let (first, _) = build(&settings(&["openid"]));
        let (second, _) = build(&settings(&["openid"]));
        assert_ne!(first.state.secret(), second.state.secret());
        assert_ne!(first.nonce.secret(), second.nonce.secret());
    }

    #[test]
    fn the_bound_port_replaces_the_configured_one() {
        let configured = Url::parse("http://localhost:0/cb/path").unwrap();
        let bound = bound_redirect_uri(&configured, "127.0.0.1:40123".parse().unwrap());
        assert_eq!(bound.as_str(), "http://localhost:40123/cb/path");
    }

    #[tokio::test]
    async fn a_redirect_that_is_not_loopback_is_refused_before_listening() {
        let provider = Provider::for_tests("http://127.0.0.1:9400", CoreJsonWebKeySet::new(vec![]));
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        for redirect in ["app:/callback", "https://example.com/callback"] {
            let mut s = settings(&["openid"]);
            s.redirect_uri = Some(Url::parse(redirect).unwrap());
            let err = browser_login(
                &provider,
                &s,
                &super::super::SystemBrowser,
                &tx,
                Duration::from_secs(1),
            )
            .await
            .unwrap_err();
            assert!(matches!(err, FlowError::NoLoopbackRedirect(_)), "{err:?}");
        }
    }

    /// Answers the authorization request the way a mixed-up or hostile IdP would: straight to
    /// the callback with a code and a foreign `iss`.
    struct MixUpBrowser;

    impl BrowserOpener for MixUpBrowser {
        fn open(&self, url: &Url) -> Result<(), String> {
            let query: HashMap<String, String> = url.query_pairs().into_owned().collect();
            let mut callback = Url::parse(&query["redirect_uri"]).unwrap();
            callback
                .query_pairs_mut()
                .append_pair("code", "stolen-code")
                .append_pair("state", &query["state"])
                .append_pair("iss", "https://evil.example");
            tokio::spawn(async move {
                let http = crate::http::idp_client(Duration::from_secs(5)).unwrap();
                http.get(callback).send().await.unwrap();
            });
            Ok(())
        }
    }

    struct NoBrowser;

    impl BrowserOpener for NoBrowser {
        fn open(&self, _url: &Url) -> Result<(), String> {
            Err("no display".into())
        }
    }

    fn loopback_settings() -> ClientSettings {
        settings(&["openid"])
    }

    #[tokio::test]
    async fn an_authorization_response_from_another_issuer_is_refused() {
        let provider = Provider::for_tests("http://127.0.0.1:9", CoreJsonWebKeySet::new(vec![]));
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let err = browser_login(
            &provider,
            &loopback_settings(),
            &MixUpBrowser,
            &tx,
            Duration::from_secs(20),
        )
        .await
        .unwrap_err();
        match err {
            FlowError::IssuerMismatch { expected, got } => {
                assert_eq!(expected, "http://127.0.0.1:9");
                assert_eq!(got, "https://evil.example");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[tokio::test]
    async fn without_a_browser_the_url_is_reported_and_the_wait_times_out() {
        let provider = Provider::for_tests("http://127.0.0.1:9", CoreJsonWebKeySet::new(vec![]));
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let timeout = Duration::from_millis(200);
        let err = browser_login(&provider, &loopback_settings(), &NoBrowser, &tx, timeout)
            .await
            .unwrap_err();
        assert!(
            matches!(err, FlowError::BrowserTimeout(t) if t == timeout),
            "{err:?}"
        );
        drop(tx);
        let mut events = Vec::new();
        while let Some(event) = rx.recv().await {
            events.push(event);
        }
        assert!(
            matches!(&events[1], Progress::BrowserUnavailable { reason, .. } if reason == "no display")
        );
        assert_eq!(events.last(), Some(&Progress::WaitingForBrowser));
    }
}
