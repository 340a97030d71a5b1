//! The one-shot loopback listener that receives the browser's authorization-code redirect
//! (docs/ARCHITECTURE.md "Login flows", RFC 8252 §7.3). It owns the socket for the length of one login: it binds the
//! redirect URI's port on loopback only, turns away every request that is not the real
//! callback with an error page while it keeps waiting, answers the real one with the success
//! page, and closes, so a second request finds the port closed. It must not talk to the
//! identity provider, open a browser or print anything: the browser flow around it does that.
//!
//! Cancellation is dropping the [`CallbackListener::wait`] future: the listening sockets and
//! every open connection go with it.

mod connection;
mod page;
pub mod request;
mod verdict;

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use openidconnect::url::{Host, Url};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep_until};

use crate::creds::Secret;
use connection::{Ending, OwnedExpectation, send, serve};
pub use request::{ParseError, Request, parse_request};

/// How long a login may take in the browser before runas gives up (docs/ARCHITECTURE.md "Login flows").
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// A connection must deliver its request head within this; a stalled client is answered 408
/// and closed, and since every connection is served on its own task it never delays the real
/// callback meanwhile.
const READ_DEADLINE: Duration = Duration::from_secs(10);
/// Far more than a browser opens at once; beyond it new connections are closed unanswered
/// rather than letting a local flood grow memory without bound.
const MAX_CONNECTIONS: usize = 64;

/// The authorization response of a completed login.
#[derive(Debug)]
pub struct CallbackParams {
    pub code: Secret,
    /// The `iss` parameter (RFC 9207), when the identity provider sends it; the flow compares
    /// it with the issuer to catch mix-up attacks.
    pub iss: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CallbackError {
    #[error(
        "redirect URI {uri} is not an http:// address, so a browser redirect cannot reach runas; \
         register a loopback redirect such as http://127.0.0.1:8090/callback, or use the device flow"
    )]
    NotHttp { uri: String },
    #[error(
        "redirect URI {uri} does not name this computer's loopback address (127.0.0.1, [::1] or \
         localhost), and runas listens on loopback only; use the device flow or a loopback redirect"
    )]
    NotLoopback { uri: String },
    #[error(
        "port {port} on {ip} is already in use, so runas cannot receive the login redirect to \
         {uri}; stop the program holding it (another login in progress?) or register another port"
    )]
    PortInUse { port: u16, ip: IpAddr, uri: String },
    #[error("cannot listen on {addr} for the login redirect to {uri}: {source}")]
    Bind {
        addr: SocketAddr,
        uri: String,
        #[source]
        source: io::Error,
    },
    #[error("the login's state value is empty, so no redirect could match it (a bug in runas)")]
    EmptyState,
    #[error("the login redirect listener stopped accepting connections: {0}")]
    Accept(#[source] io::Error),
    #[error("no login response arrived from the browser within {} seconds", .after.as_secs())]
    Timeout { after: Duration },
    #[error(
        "the identity provider refused the login: {error}{}",
        .description.as_deref().map(|text| format!(" ({text})")).unwrap_or_default()
    )]
    Denied {
        error: String,
        description: Option<String>,
    },
}

impl CallbackError {
    /// True when the redirect URI itself cannot receive a browser redirect, so the login
    /// should fall back to the device flow rather than report a failure.
    pub fn redirect_unusable(&self) -> bool {
        matches!(
            self,
            CallbackError::NotHttp { .. } | CallbackError::NotLoopback { .. }
        )
    }
}

/// A bound, not yet answered, redirect listener. Dropping it frees the port.
#[derive(Debug)]
pub struct CallbackListener {
    primary: TcpListener,
    /// `[::1]` on the same port when the redirect names `localhost`.
    ipv6_twin: Option<TcpListener>,
    redirect_uri: Url,
    local_addr: SocketAddr,
    read_deadline: Duration,
}

impl CallbackListener {
    /// Binds the redirect URI's port on its loopback address. `localhost` binds 127.0.0.1,
    /// because that is where every resolver sends it, and also `[::1]` where IPv6 exists,
    /// because browsers try `::1` first and a different program listening there would
    /// receive the authorization code (RFC 8252 §8.3 prefers IP literals for this reason).
    /// Port 0 binds a free port; [`Self::redirect_uri`] then names it.
    pub async fn bind(redirect_uri: &Url) -> Result<Self, CallbackError> {
        let uri = redirect_uri.as_str().to_owned();
        if redirect_uri.scheme() != "http" {
            return Err(CallbackError::NotHttp { uri });
        }
        let (ip, wants_ipv6_twin) = match redirect_uri.host() {
            Some(Host::Ipv4(ip)) if ip.is_loopback() => (IpAddr::V4(ip), false),
            Some(Host::Ipv6(ip)) if ip.is_loopback() => (IpAddr::V6(ip), false),
            Some(Host::Domain(name)) if name.eq_ignore_ascii_case("localhost") => {
                (IpAddr::V4(Ipv4Addr::LOCALHOST), true)
            }
            _ => return Err(CallbackError::NotLoopback { uri }),
        };
        // An http URL without a port means 80; `port()` is None exactly then.
        let port = redirect_uri.port().unwrap_or(80);
        let primary = bind_loopback(SocketAddr::new(ip, port), &uri).await?;
        let local_addr = primary.local_addr().map_err(|source| CallbackError::Bind {
            addr: SocketAddr::new(ip, port),
            uri: uri.clone(),
            source,
        })?;
        let ipv6_twin = if wants_ipv6_twin {
            bind_ipv6_twin(local_addr.port(), &uri).await?
        } else {
            None
        };
        let mut actual_uri = redirect_uri.clone();
        actual_uri
            .set_port(Some(local_addr.port()))
            .map_err(|()| CallbackError::NotLoopback { uri: uri.clone() })?;
        tracing::debug!(%local_addr, twin = ipv6_twin.is_some(), "login redirect listener bound");
        Ok(CallbackListener {
            primary,
            ipv6_twin,
            redirect_uri: actual_uri,
            local_addr,
            read_deadline: READ_DEADLINE,
        })
    }

    /// The address actually bound (the real port when the redirect URI asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The redirect URI with the port actually bound, to send in the authorization request.
    pub fn redirect_uri(&self) -> &Url {
        &self.redirect_uri
    }

    /// Waits for the real callback: a GET on the redirect path whose `state` equals
    /// `expected_state`. Everything else is answered with an error page while the wait goes
    /// on. An `error=` response with the right state ends it with [`CallbackError::Denied`].
    /// Consumes the listener: whatever the outcome, the port is closed when this returns or
    /// when the future is dropped.
    pub async fn wait(
        self,
        expected_state: &str,
        timeout: Duration,
    ) -> Result<CallbackParams, CallbackError> {
        if expected_state.is_empty() {
            return Err(CallbackError::EmptyState);
        }
        let CallbackListener {
            primary,
            ipv6_twin,
            redirect_uri,
            local_addr,
            read_deadline,
        } = self;
        let expected = Arc::new(OwnedExpectation {
            path: redirect_uri.path().to_owned(),
            port: local_addr.port(),
            state: expected_state.to_owned(),
        });
        let deadline = Instant::now() + timeout;
        let mut connections = JoinSet::new();
        loop {
            let event = tokio::select! {
                () = sleep_until(deadline) => Event::TimedOut,
                accepted = accept_either(&primary, ipv6_twin.as_ref()) => Event::Accepted(accepted),
                Some(served) = connections.join_next(), if !connections.is_empty() => {
                    Event::Served(served.ok().flatten())
                }
            };
            match event {
                Event::TimedOut => return Err(CallbackError::Timeout { after: timeout }),
                Event::Accepted(Ok(stream)) if connections.len() < MAX_CONNECTIONS => {
                    connections.spawn(serve(stream, Arc::clone(&expected), read_deadline));
                }
                Event::Accepted(Ok(_flooding)) => {
                    tracing::debug!("too many open connections to the login listener; closed one");
                }
                Event::Accepted(Err(error)) if is_per_connection(&error) => {}
                Event::Accepted(Err(error)) => return Err(CallbackError::Accept(error)),
                Event::Served(None) => {}
                Event::Served(Some(ending)) => {
                    // Closed before answering, so once the browser has the page the port is
                    // already shut and no later request can reach a listener.
                    drop(primary);
                    drop(ipv6_twin);
                    drop(connections);
                    let mut stream = ending.stream;
                    // The login's outcome stands even if the browser went away before
                    // reading its page.
                    if let Err(error) = send(&mut stream, &ending.response).await {
                        tracing::debug!(%error, "could not deliver the final login page");
                    }
                    return ending.result;
                }
            }
        }
    }
}

enum Event {
    TimedOut,
    Accepted(io::Result<TcpStream>),
    /// A connection task finished; `Some` when it carried the real callback or a denial.
    Served(Option<Ending>),
}

async fn bind_loopback(addr: SocketAddr, uri: &str) -> Result<TcpListener, CallbackError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| bind_error(addr, uri, source))
}

/// `Ok(None)` when this machine has no IPv6 loopback; browsers then fall back to 127.0.0.1.
async fn bind_ipv6_twin(port: u16, uri: &str) -> Result<Option<TcpListener>, CallbackError> {
    let addr = SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), port);
    match TcpListener::bind(addr).await {
        Ok(listener) => Ok(Some(listener)),
        Err(source) if source.kind() == io::ErrorKind::AddrInUse => {
            Err(bind_error(addr, uri, source))
        }
        Err(source) => {
            tracing::debug!(%source, "no IPv6 loopback; listening on 127.0.0.1 only");
            Ok(None)
        }
    }
}

fn bind_error(addr: SocketAddr, uri: &str, source: io::Error) -> CallbackError {
    if source.kind() == io::ErrorKind::AddrInUse {
        CallbackError::PortInUse {
            port: addr.port(),
            ip: addr.ip(),
            uri: uri.to_owned(),
        }
    } else {
        CallbackError::Bind {
            addr,
            uri: uri.to_owned(),
            source,
        }
    }
}

async fn accept_either(primary: &TcpListener, twin: Option<&TcpListener>) -> io::Result<TcpStream> {
    let twin_accept = async {
        match twin {
            Some(listener) => listener.accept().await,
            None => std::future::pending().await,
        }
    };
    let (stream, _peer) = tokio::select! {
        accepted = primary.accept() => accepted?,
        accepted = twin_accept => accepted?,
    };
    Ok(stream)
}

/// Errors that concern one incoming connection, not the listening socket.
fn is_per_connection(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted
    )
}

#[cfg(test)]
mod tests;
