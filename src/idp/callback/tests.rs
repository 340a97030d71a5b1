//! Test-only code: compiled solely under its parent module's `#[cfg(test)]`.
//!
//! Unit tests for the listener that need its private parts (the read deadline) or check
//! `bind`'s refusals; the end-to-end behaviour over TCP is in `tests/callback_listener.rs`.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::timeout;

use super::*;

fn url(text: &str) -> Url {
    Url::parse(text).unwrap()
}

#[tokio::test]
async fn refuses_redirects_that_are_not_loopback_http() {
    for uri in [
        "https://127.0.0.1:0/callback",
        "app:/callback",
        "com.example.app:/oauth2redirect",
    ] {
        let error = CallbackListener::bind(&url(uri)).await.unwrap_err();
        assert!(
            error.redirect_unusable(),
            "{uri}: falls back to the device flow"
        );
        assert!(
            matches!(error, CallbackError::NotHttp { .. }),
            "{uri}: {error:?}"
        );
    }
    for uri in [
        "http://0.0.0.0:0/callback",
        "http://192.168.1.10:0/callback",
        "http://[::]:0/callback",
        "http://example.okta.com:0/callback",
        "http://localhost.example.com:0/callback",
    ] {
        let error = CallbackListener::bind(&url(uri)).await.unwrap_err();
        assert!(
            error.redirect_unusable(),
            "{uri}: falls back to the device flow"
        );
        assert!(
            matches!(error, CallbackError::NotLoopback { .. }),
            "{uri}: {error:?}"
        );
        assert!(
            error.to_string().contains(uri),
            "the message names the URI: {error}"
        );
    }
}

#[tokio::test]
async fn a_port_in_use_names_the_port_and_the_redirect() {
    let holder = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = holder.local_addr().unwrap().port();
    let uri = format!("http://127.0.0.1:{port}/callback");
    let error = CallbackListener::bind(&url(&uri)).await.unwrap_err();
    assert!(
        matches!(error, CallbackError::PortInUse { port: p, .. } if p == port),
        "{error:?}"
    );
    assert!(
        !error.redirect_unusable(),
        "a busy port is reported, not bypassed"
    );
    let message = error.to_string();
    assert!(message.contains(&format!("port {port}")), "{message}");
    assert!(message.contains(&uri), "{message}");
}

#[tokio::test]
async fn port_zero_reports_the_real_port_in_addr_and_redirect() {
    let listener = CallbackListener::bind(&url("http://127.0.0.1:0/cb?x=1"))
        .await
        .unwrap();
    let port = listener.local_addr().port();
    assert_ne!(port, 0);
    assert_eq!(listener.local_addr().ip(), IpAddr::V4(Ipv4Addr::LOCALHOST));
    assert_eq!(
        listener.redirect_uri().as_str(),
        format!("http://127.0.0.1:{port}/cb?x=1")
    );
}

#[tokio::test]
async fn ipv6_literal_binds_ipv6_loopback_only() {
    let Ok(listener) = CallbackListener::bind(&url("http://[::1]:0/callback")).await else {
        // No IPv6 loopback on this machine: nothing to check.
        return;
    };
    assert_eq!(listener.local_addr().ip(), IpAddr::V6(Ipv6Addr::LOCALHOST));
    assert!(listener.ipv6_twin.is_none());
}

#[tokio::test]
async fn localhost_binds_ipv4_and_the_ipv6_twin_on_one_port() {
    let listener = CallbackListener::bind(&url("http://localhost:0/callback"))
        .await
        .unwrap();
    assert_eq!(listener.local_addr().ip(), IpAddr::V4(Ipv4Addr::LOCALHOST));
    if let Some(twin) = &listener.ipv6_twin {
        assert_eq!(
            twin.local_addr().unwrap().port(),
            listener.local_addr().port()
        );
    }
}

#[tokio::test]
async fn an_empty_state_is_refused_at_once() {
    let listener = CallbackListener::bind(&url("http://127.0.0.1:0/callback"))
        .await
        .unwrap();
    let error = listener.wait("", DEFAULT_TIMEOUT).await.unwrap_err();
    assert!(matches!(error, CallbackError::EmptyState), "{error:?}");
}

#[tokio::test]
async fn a_stalled_client_is_answered_408_after_the_read_deadline() {
    let mut listener = CallbackListener::bind(&url("http://127.0.0.1:0/callback"))
        .await
        .unwrap();
    listener.read_deadline = Duration::from_millis(200);
    let addr = listener.local_addr();
    let waiting = tokio::spawn(listener.wait("state", Duration::from_secs(30)));

    let mut stalled = TcpStream::connect(addr).await.unwrap();
    stalled.write_all(b"GET /callback?sta").await.unwrap();
    let mut answer = Vec::new();
    // Reading to EOF is the condition: the server answers and closes once the deadline passes.
    timeout(Duration::from_secs(10), stalled.read_to_end(&mut answer))
        .await
        .unwrap()
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
    assert!(
        !waiting.is_finished(),
        "a stalled client must not end the login"
    );
    waiting.abort();
}

#[tokio::test]
async fn a_localhost_redirect_completes_over_ipv6_loopback() {
    let listener = CallbackListener::bind(&url("http://localhost:0/callback"))
        .await
        .unwrap();
    if listener.ipv6_twin.is_none() {
        // No IPv6 loopback on this machine; browsers will only reach 127.0.0.1.
        return;
    }
    let port = listener.local_addr().port();
    let waiting = tokio::spawn(listener.wait("state", Duration::from_secs(30)));
    let mut browser = TcpStream::connect((Ipv6Addr::LOCALHOST, port))
        .await
        .unwrap();
    let request =
        format!("GET /callback?code=v6&state=state HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n");
    browser.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    timeout(Duration::from_secs(5), browser.read_to_end(&mut answer))
        .await
        .unwrap()
        .unwrap();
    assert!(answer.starts_with(b"HTTP/1.1 200 "));
    let params = timeout(Duration::from_secs(5), waiting)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(params.code.expose(), "v6");
    for loopback in [
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(Ipv6Addr::LOCALHOST),
    ] {
        let refused = TcpStream::connect((loopback, port)).await.unwrap_err();
        assert_eq!(
            refused.kind(),
            io::ErrorKind::ConnectionRefused,
            "{loopback}"
        );
    }
}
