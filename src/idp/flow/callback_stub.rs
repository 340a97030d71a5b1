//! STAND-IN, to be deleted at merge: a minimal copy of the API of `crate::idp::callback` (the
//! one-shot loopback listener written in parallel) so the browser flow compiles and its tests
//! run. It binds the redirect URI's loopback host and port, answers requests on other paths with
//! 404, and returns the first request on the path whose `state` matches. Signatures follow the
//! `callback` branch (async `bind`, `wait` consuming the listener). It owns nothing else.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use openidconnect::url::{Host, Url};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::creds::Secret;

#[derive(Debug, thiserror::Error)]
pub enum CallbackError {
    #[error("the redirect URI {0} is not a loopback http URL")]
    NotLoopback(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the login callback failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("no login callback arrived in time")]
    Timeout,
    #[error("the IdP reported `{0}`")]
    Denied(String),
}

pub struct CallbackParams {
    pub code: Secret,
    pub iss: Option<String>,
}

pub struct CallbackListener {
    listener: std::net::TcpListener,
    path: String,
}

impl CallbackListener {
    pub async fn bind(redirect_uri: &Url) -> Result<CallbackListener, CallbackError> {
        let not_loopback = || CallbackError::NotLoopback(redirect_uri.to_string());
        if redirect_uri.scheme() != "http" {
            return Err(not_loopback());
        }
        let ip = match redirect_uri.host() {
            Some(Host::Ipv4(ip)) if ip.is_loopback() => IpAddr::V4(ip),
            Some(Host::Ipv6(ip)) if ip.is_loopback() => IpAddr::V6(ip),
            Some(Host::Domain(name)) if name.eq_ignore_ascii_case("localhost") => {
                IpAddr::V4(Ipv4Addr::LOCALHOST)
            }
            _ => return Err(not_loopback()),
        };
        let addr = SocketAddr::new(ip, redirect_uri.port().unwrap_or(80));
        let listener = std::net::TcpListener::bind(addr)
            .map_err(|source| CallbackError::Bind { addr, source })?;
        listener.set_nonblocking(true)?;
        Ok(CallbackListener {
            listener,
            path: redirect_uri.path().to_owned(),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        // A bound listener always has an address; the fallback is unreachable in practice.
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
    }

    pub async fn wait(
        self,
        expected_state: &str,
        timeout: Duration,
    ) -> Result<CallbackParams, CallbackError> {
        let listener = tokio::net::TcpListener::from_std(self.listener)?;
        let serve = async {
            loop {
                let (mut stream, _) = listener.accept().await?;
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
                    let n = stream.read(&mut buf).await?;
                    if n == 0 {
                        break;
                    }
                    head.extend_from_slice(&buf[..n]);
                }
                let text = String::from_utf8_lossy(&head);
                let target = text.split_whitespace().nth(1).unwrap_or("/");
                let Ok(url) = Url::parse("http://127.0.0.1").and_then(|base| base.join(target))
                else {
                    continue;
                };
                let param = |name: &str| {
                    url.query_pairs()
                        .find(|(key, _)| key == name)
                        .map(|(_, value)| value.into_owned())
                };
                if url.path() != self.path || param("state").as_deref() != Some(expected_state) {
                    stream
                        .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                        .await?;
                    continue;
                }
                let body = b"login complete; you can close this tab";
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                stream.write_all(answer.as_bytes()).await?;
                stream.write_all(body).await?;
                if let Some(error) = param("error") {
                    return Err(CallbackError::Denied(error));
                }
                let code = param("code").ok_or(CallbackError::Denied("no code".into()))?;
                return Ok(CallbackParams {
                    code: Secret::new(code),
                    iss: param("iss"),
                });
            }
        };
        tokio::time::timeout(timeout, serve)
            .await
            .map_err(|_| CallbackError::Timeout)?
    }
}
