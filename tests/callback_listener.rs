//! The login redirect listener driven over real TCP on 127.0.0.1, the way a browser and a
//! hostile local page would reach it.

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::Duration;

use openidconnect::url::Url;
use runas::idp::callback::{CallbackError, CallbackListener, CallbackParams};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio::time::timeout;

const STATE: &str = "Zq8v-state-from-the-flow";
/// Generous bound for anything that should happen promptly; only reached when a test fails.
const PROMPTLY: Duration = Duration::from_secs(5);

type Waiting = JoinHandle<Result<CallbackParams, CallbackError>>;

async fn listen(wait_for: Duration) -> (SocketAddr, Waiting) {
    let uri = Url::parse("http://127.0.0.1:0/callback").unwrap();
    let listener = CallbackListener::bind(&uri).await.unwrap();
    let addr = listener.local_addr();
    (addr, tokio::spawn(listener.wait(STATE, wait_for)))
}

fn get(addr: SocketAddr, target: &str) -> String {
    format!(
        "GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nUser-Agent: test\r\nAccept: text/html\r\n\r\n",
        addr.port()
    )
}

fn real_callback(addr: SocketAddr) -> String {
    get(addr, &format!("/callback?code=the-code&state={STATE}"))
}

/// Sends a raw request and reads the whole answer (the listener always closes after one).
async fn exchange(addr: SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    timeout(PROMPTLY, stream.read_to_end(&mut answer))
        .await
        .expect("the listener answers and closes promptly")
        .unwrap();
    String::from_utf8(answer).unwrap()
}

fn status(answer: &str) -> u16 {
    answer
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {answer:?}"))
}

async fn outcome(waiting: Waiting) -> Result<CallbackParams, CallbackError> {
    timeout(PROMPTLY, waiting)
        .await
        .expect("the wait ends promptly")
        .unwrap()
}

/// Asserts the listener still completes the real callback after whatever the test sent.
async fn still_completes(addr: SocketAddr, waiting: Waiting) {
    let answer = exchange(addr, &real_callback(addr)).await;
    assert_eq!(status(&answer), 200, "{answer}");
    let params = outcome(waiting).await.unwrap();
    assert_eq!(params.code.expose(), "the-code");
}

#[tokio::test]
async fn the_real_callback_returns_code_and_issuer_and_shows_success() {
    let (addr, waiting) = listen(PROMPTLY).await;
    let target = format!("/callback?code=c%2Fd&state={STATE}&iss=http%3A%2F%2F127.0.0.1%3A3000");
    let answer = exchange(addr, &get(addr, &target)).await;
    assert_eq!(status(&answer), 200, "{answer}");
    assert!(
        answer.contains("Content-Security-Policy: default-src 'none'"),
        "{answer}"
    );
    assert!(
        answer.contains("You can close this tab and return to the terminal"),
        "{answer}"
    );
    assert!(!answer.contains(STATE), "the state is never echoed");
    let params = outcome(waiting).await.unwrap();
    assert_eq!(params.code.expose(), "c/d");
    assert_eq!(params.iss.as_deref(), Some("http://127.0.0.1:3000"));
    assert!(
        !format!("{params:?}").contains("c/d"),
        "Debug must not show the code"
    );
}

#[tokio::test]
async fn a_real_http_client_reads_the_answer() {
    let (addr, waiting) = listen(PROMPTLY).await;
    let client = runas::http::idp_client(PROMPTLY).unwrap();
    let url = format!("http://{addr}/callback?code=c&state={STATE}");
    let response = client.get(url).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["cache-control"].to_str().unwrap(),
        "no-store"
    );
    let body = response.text().await.unwrap();
    assert!(body.contains("Logged in"), "{body}");
    assert_eq!(outcome(waiting).await.unwrap().code.expose(), "c");
}

#[tokio::test]
async fn a_wrong_state_is_turned_away_and_the_right_one_still_completes() {
    let (addr, waiting) = listen(PROMPTLY).await;
    let answer = exchange(addr, &get(addr, "/callback?code=stolen&state=guess")).await;
    assert_eq!(status(&answer), 400, "{answer}");
    assert!(answer.contains("different or older login"), "{answer}");
    assert!(
        !answer.contains("guess") && !answer.contains("stolen"),
        "{answer}"
    );
    let answer = exchange(addr, &get(addr, "/callback?code=stolen")).await;
    assert_eq!(status(&answer), 400, "{answer}");
    assert!(answer.contains("no state parameter"), "{answer}");
    assert!(!waiting.is_finished());
    still_completes(addr, waiting).await;
}

#[tokio::test]
async fn a_wrong_path_gets_404_and_the_wait_goes_on() {
    let (addr, waiting) = listen(PROMPTLY).await;
    let answer = exchange(addr, &get(addr, &format!("/other?code=c&state={STATE}"))).await;
    assert_eq!(status(&answer), 404, "{answer}");
    assert!(answer.contains("web_identity_callback_uri"), "{answer}");
    let answer = exchange(addr, &get(addr, "/favicon.ico")).await;
    assert_eq!(status(&answer), 404, "{answer}");
    still_completes(addr, waiting).await;
}

#[tokio::test]
async fn a_missing_code_gets_its_own_page_and_the_wait_goes_on() {
    let (addr, waiting) = listen(PROMPTLY).await;
    let answer = exchange(addr, &get(addr, &format!("/callback?state={STATE}"))).await;
    assert_eq!(status(&answer), 400, "{answer}");
    assert!(answer.contains("without an authorization code"), "{answer}");
    still_completes(addr, waiting).await;
}

#[tokio::test]
async fn other_methods_are_refused() {
    let (addr, waiting) = listen(PROMPTLY).await;
    let post = format!(
        "POST /callback?code=c&state={STATE} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\n\r\n",
        addr.port()
    );
    let answer = exchange(addr, &post).await;
    assert_eq!(status(&answer), 405, "{answer}");
    assert!(answer.contains("\r\nAllow: GET\r\n"), "{answer}");
    still_completes(addr, waiting).await;
}

#[tokio::test]
async fn access_denied_with_the_right_state_ends_the_wait() {
    let (addr, waiting) = listen(PROMPTLY).await;
    let target = format!(
        "/callback?error=access_denied&error_description=User+%3Cb%3Edeclined%3C%2Fb%3E&state={STATE}"
    );
    let answer = exchange(addr, &get(addr, &target)).await;
    assert_eq!(status(&answer), 403, "{answer}");
    assert!(answer.contains("access_denied"), "{answer}");
    assert!(
        answer.contains("User &lt;b&gt;declined&lt;/b&gt;"),
        "{answer}"
    );
    let error = outcome(waiting).await.unwrap_err();
    let CallbackError::Denied { error, description } = error else {
        panic!("expected Denied, got {error:?}");
    };
    assert_eq!(error, "access_denied");
    assert_eq!(description.as_deref(), Some("User <b>declined</b>"));
    let refused = TcpStream::connect(addr).await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);
}

#[tokio::test]
async fn a_foreign_host_header_is_refused() {
    let (addr, waiting) = listen(PROMPTLY).await;
    let rebinding = format!(
        "GET /callback?code=c&state={STATE} HTTP/1.1\r\nHost: attacker.example:{}\r\n\r\n",
        addr.port()
    );
    let answer = exchange(addr, &rebinding).await;
    assert_eq!(status(&answer), 421, "{answer}");
    let no_host = format!("GET /callback?code=c&state={STATE} HTTP/1.1\r\n\r\n");
    assert_eq!(status(&exchange(addr, &no_host).await), 400);
    still_completes(addr, waiting).await;
}

#[tokio::test]
async fn a_100_kb_query_is_refused_without_harm() {
    let (addr, waiting) = listen(PROMPTLY).await;
    let huge = get(addr, &format!("/callback?junk={}", "a".repeat(100 * 1024)));
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let (mut reader, mut writer) = stream.split();
    // Write and read at once: the listener answers before it has read everything.
    let write = async {
        let _ = writer.write_all(huge.as_bytes()).await;
        let _ = writer.shutdown().await;
    };
    let mut answer = Vec::new();
    let read = timeout(PROMPTLY, reader.read_to_end(&mut answer));
    let ((), read) = tokio::join!(write, read);
    read.expect("answered promptly").unwrap();
    let answer = String::from_utf8(answer).unwrap();
    assert_eq!(status(&answer), 414, "{answer}");
    still_completes(addr, waiting).await;
}

#[tokio::test]
async fn oversized_headers_are_refused() {
    let (addr, waiting) = listen(PROMPTLY).await;
    let cookies = format!("Cookie: {}\r\n", "c".repeat(4000)).repeat(10);
    let request = format!(
        "GET /callback?code=c&state={STATE} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n{cookies}\r\n",
        addr.port()
    );
    assert_eq!(status(&exchange(addr, &request).await), 431);
    still_completes(addr, waiting).await;
}

#[tokio::test]
async fn a_stalled_client_does_not_block_the_real_callback() {
    let (addr, waiting) = listen(Duration::from_secs(60)).await;
    let mut stalled = TcpStream::connect(addr).await.unwrap();
    stalled.write_all(b"GET /callb").await.unwrap();
    let mut idle = TcpStream::connect(addr).await.unwrap();
    // Well inside the 10 s read deadline: the stalled connections are still open here.
    still_completes(addr, waiting).await;
    for stream in [&mut stalled, &mut idle] {
        let mut rest = Vec::new();
        let closed = timeout(PROMPTLY, stream.read_to_end(&mut rest)).await;
        assert!(
            closed.is_ok(),
            "the login's end closes stalled connections too"
        );
        assert!(rest.is_empty(), "they get no page: {rest:?}");
    }
}

#[tokio::test]
async fn after_success_the_port_is_closed() {
    let (addr, waiting) = listen(PROMPTLY).await;
    still_completes(addr, waiting).await;
    let refused = TcpStream::connect(addr).await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);
}

#[tokio::test]
async fn the_wait_times_out_and_frees_the_port() {
    let (addr, waiting) = listen(Duration::from_millis(100)).await;
    let error = outcome(waiting).await.unwrap_err();
    assert!(
        matches!(error, CallbackError::Timeout { after } if after == Duration::from_millis(100)),
        "{error:?}"
    );
    let refused = TcpStream::connect(addr).await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);
}

#[tokio::test]
async fn dropping_the_wait_frees_the_port() {
    let (addr, waiting) = listen(Duration::from_secs(60)).await;
    // Prove the wait is running before cancelling it.
    let answer = exchange(addr, &get(addr, "/nothing-here")).await;
    assert_eq!(status(&answer), 404);
    waiting.abort();
    assert!(waiting.await.unwrap_err().is_cancelled());
    let same_port = Url::parse(&format!("http://127.0.0.1:{}/callback", addr.port())).unwrap();
    let rebound = CallbackListener::bind(&same_port).await.unwrap();
    assert_eq!(rebound.local_addr(), addr);
}
