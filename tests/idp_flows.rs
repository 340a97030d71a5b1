//! The login flows against a real OpenID provider: the `oidc-provider` peer, started by the
//! harness with `IDP_AUTO_LOGIN=alice`, one per test. The confidential client's redirect URI
//! must match exactly, so its test registers a free loopback port with the IdP first.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use openidconnect::url::Url;
use runas::creds::Secret;
use runas::http::reqwest;
use runas::idp::flow::{
    self, BrowserOpener, ClientSettings, DevicePollPacing, FlowError, Progress, ProviderRegistry,
    TokenAuthMethod, Tokens,
};
use tokio::sync::mpsc;

const SCOPES: &str = "openid offline_access profile email";
const TIMEOUT: Duration = Duration::from_secs(30);

/// Fresh peers (auto-login as alice) and their issuer; the peers stop when the value drops.
fn start(options: common::PeerOptions) -> (common::Peers, Url) {
    let peers = common::Peers::start(options.auto_login("alice"));
    let issuer = Url::parse(&peers.issuer()).expect("the harness issuer is a URL");
    (peers, issuer)
}

fn http() -> reqwest::Client {
    runas::http::idp_client(Duration::from_secs(10)).unwrap()
}

fn public_client(issuer: &Url) -> ClientSettings {
    ClientSettings {
        issuer: issuer.clone(),
        client_id: "runas-cli".into(),
        client_secret: None,
        auth_method: TokenAuthMethod::None,
        scopes: SCOPES.split(' ').map(String::from).collect(),
        // The native client accepts any loopback port, so let the listener pick one.
        redirect_uri: Some(Url::parse("http://127.0.0.1:0/callback").unwrap()),
        login_hint: Some("alice".into()),
        use_pkce: true,
        device_authorization_url: None,
    }
}

fn confidential_client(
    issuer: &Url,
    auth_method: TokenAuthMethod,
    secret: &str,
    redirect_uri: &str,
) -> ClientSettings {
    ClientSettings {
        client_id: "runas-confidential".into(),
        client_secret: Some(Secret::new(secret)),
        auth_method,
        redirect_uri: Some(Url::parse(redirect_uri).unwrap()),
        ..public_client(issuer)
    }
}

/// A tiny cookie jar: enough for oidc-provider, whose cookies have distinct names.
#[derive(Default, Clone)]
struct Cookies(Arc<Mutex<HashMap<String, String>>>);

impl Cookies {
    fn header(&self) -> String {
        let jar = self.0.lock().unwrap();
        jar.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn store(&self, response: &reqwest::Response) {
        let mut jar = self.0.lock().unwrap();
        for value in response.headers().get_all(reqwest::header::SET_COOKIE) {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            if let Some((name, value)) = pair.split_once('=') {
                jar.insert(name.trim().to_owned(), value.trim().to_owned());
            }
        }
    }

    async fn get(&self, http: &reqwest::Client, url: &Url) -> reqwest::Response {
        let response = http
            .get(url.clone())
            .header("cookie", self.header())
            .send()
            .await
            .unwrap();
        self.store(&response);
        response
    }

    async fn post(
        &self,
        http: &reqwest::Client,
        url: &Url,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let response = http
            .post(url.clone())
            .header("cookie", self.header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.store(&response);
        response
    }

    /// Follows redirects from `response` until one points at `stop_prefix` (returned) or a page
    /// answers without redirecting (None).
    async fn follow(
        &self,
        http: &reqwest::Client,
        mut url: Url,
        mut response: reqwest::Response,
        stop_prefix: Option<&str>,
    ) -> (Url, Option<String>) {
        for _ in 0..20 {
            let Some(location) = response.headers().get(reqwest::header::LOCATION) else {
                let body = response.text().await.unwrap();
                return (url, Some(body));
            };
            url = url.join(location.to_str().unwrap()).unwrap();
            if stop_prefix.is_some_and(|prefix| url.as_str().starts_with(prefix)) {
                return (url, None);
            }
            response = self.get(http, &url).await;
        }
        panic!("too many redirects");
    }
}

/// Plays the browser: follows the IdP's redirects (auto-login answers every form), then
/// delivers the final redirect to the flow's callback listener.
struct HttpBrowser {
    opened: Mutex<Vec<Url>>,
}

impl BrowserOpener for HttpBrowser {
    fn open(&self, url: &Url) -> Result<(), String> {
        self.opened.lock().unwrap().push(url.clone());
        let redirect: Url = url
            .query_pairs()
            .find(|(k, _)| k == "redirect_uri")
            .map(|(_, v)| Url::parse(&v).unwrap())
            .ok_or("no redirect_uri")?;
        let stop = format!(
            "{}{}",
            redirect.origin().ascii_serialization(),
            redirect.path()
        );
        let url = url.clone();
        tokio::spawn(async move {
            let http = http();
            let cookies = Cookies::default();
            let first = cookies.get(&http, &url).await;
            let (callback, page) = cookies.follow(&http, url, first, Some(&stop)).await;
            assert!(page.is_none(), "the IdP stopped at a page: {page:?}");
            let answer = http.get(callback).send().await.unwrap();
            assert!(
                answer.status().is_success(),
                "callback answered {}",
                answer.status()
            );
        });
        Ok(())
    }
}

async fn browser(
    settings: &ClientSettings,
) -> (Result<Tokens, FlowError>, Vec<Progress>, Vec<Url>) {
    let registry = ProviderRegistry::new(runas::http::LazyIdpClient::new(Duration::from_secs(10)));
    let provider = registry.get(&settings.issuer).await.unwrap();
    let opener = HttpBrowser {
        opened: Mutex::new(Vec::new()),
    };
    let (tx, mut rx) = mpsc::unbounded_channel();
    let result = flow::browser_login(&provider, settings, &opener, &tx, TIMEOUT).await;
    drop(tx);
    let mut events = Vec::new();
    while let Some(event) = rx.recv().await {
        events.push(event);
    }
    (result, events, opener.opened.into_inner().unwrap())
}

fn assert_alice(tokens: &Tokens, issuer: &Url, client_id: &str) {
    assert_eq!(tokens.claims.sub, "alice");
    assert_eq!(tokens.claims.email.as_deref(), Some("alice@example.test"));
    assert_eq!(tokens.claims.iss, issuer.as_str().trim_end_matches('/'));
    assert_eq!(tokens.claims.aud, vec![client_id.to_owned()]);
    assert!(tokens.id_token_expires_at > chrono::Utc::now());
    let shown = format!("{tokens:?}");
    assert!(
        !shown.contains(tokens.id_token.expose()),
        "Debug leaks the ID token"
    );
}

#[tokio::test]
async fn browser_login_then_refresh_rotates_and_rejects_the_old_token() {
    let (_peers, issuer) = start(common::PeerOptions::default());
    let settings = public_client(&issuer);
    let (result, events, opened) = browser(&settings).await;
    let tokens = result.unwrap();
    assert_alice(&tokens, &issuer, "runas-cli");
    assert_eq!(
        events.first(),
        Some(&Progress::OpenBrowser {
            url: opened[0].clone()
        })
    );
    assert!(events.contains(&Progress::WaitingForBrowser));
    assert_eq!(events.last(), Some(&Progress::ExchangingCode));
    let query: HashMap<_, _> = opened[0].query_pairs().into_owned().collect();
    assert_eq!(query["prompt"], "consent");
    assert_eq!(query["code_challenge_method"], "S256");
    assert_ne!(
        query["redirect_uri"], "http://127.0.0.1:0/callback",
        "the bound port is sent"
    );

    let first_refresh = tokens
        .refresh_token
        .clone()
        .expect("offline_access gave a refresh token");
    let registry = ProviderRegistry::new(runas::http::LazyIdpClient::new(Duration::from_secs(10)));
    let provider = registry.get(&issuer).await.unwrap();
    let renewed = match flow::refresh(&provider, &settings, &first_refresh)
        .await
        .unwrap()
    {
        flow::Refreshed::Tokens(tokens) => tokens,
        other => panic!("the reference IdP sends an ID token on refresh: {other:?}"),
    };
    assert_alice(&renewed, &issuer, "runas-cli");
    let rotated = renewed.refresh_token.clone().unwrap();
    assert_ne!(
        rotated, first_refresh,
        "public clients get a rotated refresh token"
    );

    // The rotated token works; then the spent one is refused (after which oidc-provider
    // revokes the whole grant as a replay, so this order matters).
    assert!(flow::refresh(&provider, &settings, &rotated).await.is_ok());
    let err = flow::refresh(&provider, &settings, &first_refresh)
        .await
        .unwrap_err();
    assert!(matches!(err, FlowError::RefreshRejected), "{err:?}");
}

#[tokio::test]
async fn device_login_completes_while_the_flow_polls() {
    let (_peers, issuer) = start(common::PeerOptions::default());
    let settings = public_client(&issuer);
    let registry = ProviderRegistry::new(runas::http::LazyIdpClient::new(Duration::from_secs(10)));
    let provider = registry.get(&issuer).await.unwrap();
    assert!(provider.supports_device_flow());
    let (tx, mut rx) = mpsc::unbounded_channel();
    let pacing = DevicePollPacing::Compressed { factor: 50 };
    let login = tokio::spawn({
        let provider = provider.clone();
        let settings = settings.clone();
        async move { flow::device_login(&provider, &settings, &tx, pacing).await }
    });

    let Some(Progress::DeviceCode {
        user_code,
        verification_uri,
        verification_uri_complete,
        ..
    }) = rx.recv().await
    else {
        panic!("the first report is the device code");
    };
    assert_eq!(rx.recv().await, Some(Progress::WaitingForDeviceApproval));

    // Act as the person on their phone: the auto-submitting form, the confirm page, then the
    // login/consent interactions (answered by auto-login) up to the success page.
    let http = http();
    let cookies = Cookies::default();
    let page = cookies
        .get(&http, &verification_uri_complete.unwrap())
        .await
        .text()
        .await
        .unwrap();
    let confirm = cookies
        .post(
            &http,
            &verification_uri,
            &[("xsrf", &xsrf(&page)), ("user_code", &user_code)],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(confirm.contains("name=\"confirm\""), "{confirm}");
    let confirmed = cookies
        .post(
            &http,
            &verification_uri,
            &[
                ("xsrf", &xsrf(&confirm)),
                ("user_code", &user_code),
                ("confirm", "yes"),
            ],
        )
        .await;
    let (_, page) = cookies
        .follow(&http, verification_uri.clone(), confirmed, None)
        .await;
    assert!(page.unwrap().contains("Sign-in Success"));

    let tokens = tokio::time::timeout(TIMEOUT, login)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_alice(&tokens, &issuer, "runas-cli");
}

fn xsrf(page: &str) -> String {
    let start = page.find("name=\"xsrf\" value=\"").expect("xsrf field") + 19;
    page[start..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn confidential_client_with_basic_and_post_auth() {
    let redirect_uri = common::free_callback_uri();
    let (_peers, issuer) = start(common::PeerOptions::default().extra_redirect_uri(&redirect_uri));
    // Sequential on purpose: both use the one registered redirect port.
    for method in [
        TokenAuthMethod::ClientSecretBasic,
        TokenAuthMethod::ClientSecretPost,
    ] {
        let settings =
            confidential_client(&issuer, method, "runas-confidential-secret", &redirect_uri);
        let (result, _, _) = browser(&settings).await;
        let tokens = result.unwrap_or_else(|err| panic!("{method:?}: {err}"));
        assert_alice(&tokens, &issuer, "runas-confidential");

        let provider =
            ProviderRegistry::new(runas::http::LazyIdpClient::new(Duration::from_secs(10)))
                .get(&issuer)
                .await
                .unwrap();
        let refresh_token = tokens.refresh_token.unwrap();
        assert!(
            flow::refresh(&provider, &settings, &refresh_token)
                .await
                .is_ok()
        );

        let wrong = confidential_client(&issuer, method, "wrong-secret", &redirect_uri);
        let err = flow::refresh(&provider, &wrong, &refresh_token)
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("invalid_client") && text.contains("client secret"),
            "{text}"
        );
        assert!(!format!("{text} {err:?}").contains("wrong-secret"));
    }
}

#[tokio::test]
async fn discovery_is_cached_and_failures_name_the_issuer() {
    let (_peers, issuer) = start(common::PeerOptions::default());
    let registry = ProviderRegistry::new(runas::http::LazyIdpClient::new(Duration::from_secs(10)));
    let (a, b) = tokio::join!(registry.get(&issuer), registry.get(&issuer));
    assert!(
        Arc::ptr_eq(&a.unwrap(), &b.unwrap()),
        "one discovery per issuer"
    );

    let wrong = issuer.join("/no-such-tenant").unwrap();
    let err = registry.get(&wrong).await.unwrap_err();
    assert!(matches!(err, FlowError::Discovery { .. }), "{err:?}");
    assert!(err.to_string().contains("no-such-tenant"), "{err}");
}
