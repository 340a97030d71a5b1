//! Test-only code: compiled solely under its parent module's `#[cfg(test)]`.
//!
//! A tiny HTTP/1.1 server on 127.0.0.1 for the probe and discovery tests: it answers each
//! request from a routing closure and records what it was asked, so tests can check both the
//! outcome and the traffic (one HEAD, no redirect followed, no credential sent).

use std::sync::{Arc, Mutex};

use openidconnect::url::Url;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub(crate) struct Reply {
    status: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    pub(crate) fn ok() -> Self {
        Reply::status("200 OK")
    }

    pub(crate) fn status(status: &str) -> Self {
        Reply {
            status: status.to_string(),
            headers: Vec::new(),
            body: String::new(),
        }
    }

    pub(crate) fn json(body: &str) -> Self {
        Reply::ok()
            .with_headers(&[("content-type".to_string(), "application/json".to_string())])
            .with_body(body)
    }

    pub(crate) fn with_headers(mut self, headers: &[(String, String)]) -> Self {
        self.headers.extend_from_slice(headers);
        self
    }

    pub(crate) fn with_body(mut self, body: &str) -> Self {
        self.body = body.to_string();
        self
    }
}

type Route = dyn Fn(&str, &str) -> Option<Reply> + Send + Sync;

pub(crate) struct TestServer {
    base: Url,
    requests: Arc<Mutex<Vec<String>>>,
    accept_loop: JoinHandle<()>,
}

impl TestServer {
    /// Answers every request with `route(method, path_and_query)`, or 404 for `None`.
    pub(crate) async fn start(
        route: impl Fn(&str, &str) -> Option<Reply> + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let route: Arc<Route> = Arc::new(route);
        let recorded = Arc::clone(&requests);
        let accept_loop = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let route = Arc::clone(&route);
                let recorded = Arc::clone(&recorded);
                tokio::spawn(answer(stream, route, recorded));
            }
        });
        TestServer {
            base,
            requests,
            accept_loop,
        }
    }

    /// Accepts connections and never answers, keeping them open.
    pub(crate) async fn silent() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
        let accept_loop = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                held.push(stream);
            }
        });
        TestServer {
            base,
            requests: Arc::default(),
            accept_loop,
        }
    }

    pub(crate) fn url(&self, path_and_query: &str) -> Url {
        self.base.join(path_and_query).unwrap()
    }

    /// `"METHOD /path?query"` for every request so far.
    pub(crate) fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

async fn answer(stream: TcpStream, route: Arc<Route>, recorded: Arc<Mutex<Vec<String>>>) {
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).await.unwrap_or(0) == 0 {
        return;
    }
    loop {
        let mut header = String::new();
        match reader.read_line(&mut header).await {
            Ok(0) | Err(_) => return,
            Ok(_) if header == "\r\n" => break,
            Ok(_) => {}
        }
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    recorded.lock().unwrap().push(format!("{method} {target}"));

    let reply = route(&method, &target).unwrap_or_else(|| Reply::status("404 Not Found"));
    let mut response = format!("HTTP/1.1 {}\r\n", reply.status);
    for (name, value) in &reply.headers {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        reply.body.len()
    ));
    if method != "HEAD" {
        response.push_str(&reply.body);
    }
    let mut stream = reader.into_inner();
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// A loopback URL nothing listens on: the port was just bound and released.
pub(crate) async fn refused_url() -> Url {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    Url::parse(&format!("http://{address}/")).unwrap()
}
