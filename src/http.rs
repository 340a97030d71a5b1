//! The one HTTP client configuration runas uses for identity providers: the reqwest that
//! openidconnect re-exports (never a second copy), rustls, bounded timeouts, and no redirects,
//! because a token endpoint that redirects is either misconfigured or hostile and a probe must
//! see the first answer's headers, not the last one's.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

pub use openidconnect::reqwest;

/// Connect timeout for every IdP request.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Whole-request timeout for discovery, JWKS and token calls.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Debug, thiserror::Error)]
#[error("cannot build the HTTP client: {0}")]
pub struct HttpClientError(#[source] reqwest::Error);

/// A client for IdP traffic with the given whole-request timeout.
pub fn idp_client(request_timeout: Duration) -> Result<reqwest::Client, HttpClientError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT.min(request_timeout))
        .timeout(request_timeout)
        .user_agent(concat!("runas/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(HttpClientError)
}

/// [`idp_client`] built on first use and then shared by every clone. A command answered from
/// the cache (most `credential-process` calls) never talks to an IdP, and building the client
/// (TLS settings, connection pool, proxy variables) cost such a call about 20 of its 300 page
/// faults.
#[derive(Debug, Clone)]
pub struct LazyIdpClient {
    request_timeout: Duration,
    /// The built client, or why it could not be built (kept as text: reqwest's error is not
    /// `Clone`, and every later use must fail the same way).
    built: Arc<OnceLock<Result<reqwest::Client, String>>>,
}

impl LazyIdpClient {
    pub fn new(request_timeout: Duration) -> Self {
        LazyIdpClient {
            request_timeout,
            built: Arc::new(OnceLock::new()),
        }
    }

    /// The client, built now on the first call; the same error every time building failed.
    pub fn get(&self) -> Result<&reqwest::Client, LazyClientError> {
        self.built
            .get_or_init(|| idp_client(self.request_timeout).map_err(|err| error_chain(&err.0)))
            .as_ref()
            .map_err(|reason| LazyClientError(reason.clone()))
    }
}

/// [`HttpClientError`] for a client built on first use: why building it failed, as text.
#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot build the HTTP client: {0}")]
pub struct LazyClientError(String);

impl LazyClientError {
    /// Why the client could not be built, without the "cannot build" lead.
    pub fn reason(&self) -> &str {
        &self.0
    }
}

/// An error and its sources on one line; reqwest hides the useful part (refused, timed out) in
/// the source chain.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_of_a_lazy_client_share_the_one_client_built_on_first_use() {
        let lazy = LazyIdpClient::new(Duration::from_secs(2));
        let clone = lazy.clone();
        assert!(
            lazy.built.get().is_none(),
            "nothing is built before the first use"
        );
        let first = clone.get().expect("the client builds");
        assert!(std::ptr::eq(first, lazy.get().expect("the client builds")));
    }
}
