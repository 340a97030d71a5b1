//! The one HTTP client configuration runas uses for identity providers: the reqwest that
//! openidconnect re-exports (never a second copy), rustls, bounded timeouts, and no redirects,
//! because a token endpoint that redirects is either misconfigured or hostile and a probe must
//! see the first answer's headers, not the last one's.

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
