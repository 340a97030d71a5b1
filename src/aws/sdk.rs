//! What every AWS SDK client of runas shares: one rustls/ring HTTP client, bounded timeouts
//! and a fixed endpoint. The SDK crates are built without their default HTTPS client (docs/ARCHITECTURE.md "Dependencies"), so a
//! client configured without [`http_client`] would fail only when it first sends; every client
//! constructor in `aws/` takes these from here.

use std::time::Duration;

// The smithy types are the same for every SDK crate; the STS crate's re-exports save two direct
// dependencies.
use aws_sdk_sts::config::SharedHttpClient;
use aws_sdk_sts::config::endpoint::{Endpoint, EndpointFuture, SharedEndpointResolver};
use aws_sdk_sts::config::timeout::TimeoutConfig;
use aws_smithy_http_client::tls;
use aws_smithy_runtime_api::client::endpoint::{EndpointResolverParams, ResolveEndpoint};

/// Bounds on one AWS call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    /// Bound on one HTTP attempt.
    pub attempt: Duration,
    /// Bound on the whole call, retries included.
    pub operation: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(3),
            attempt: Duration::from_secs(10),
            operation: Duration::from_secs(30),
        }
    }
}

impl Timeouts {
    pub fn sdk_config(&self) -> TimeoutConfig {
        TimeoutConfig::builder()
            .connect_timeout(self.connect)
            .operation_attempt_timeout(self.attempt)
            .operation_timeout(self.operation)
            .build()
    }
}

/// The HTTPS client (rustls with ring; plain HTTP for loopback endpoints works too).
pub fn http_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https()
}

/// Every request to `url`: runas resolves the endpoint itself ([`super::endpoint`]), so the
/// SDK's rule set would only repeat that answer. The SDK crates share this trait (it lives in
/// aws-smithy-runtime-api), so one type serves every client. The rule sets give exactly this for
/// a custom endpoint too (no signing overrides), so signing is unchanged.
#[derive(Debug, Clone)]
struct FixedEndpoint {
    url: String,
}

impl ResolveEndpoint for FixedEndpoint {
    fn resolve_endpoint<'a>(&'a self, _params: &'a EndpointResolverParams) -> EndpointFuture<'a> {
        EndpointFuture::ready(Ok(Endpoint::builder().url(self.url.clone()).build()))
    }
}

/// The resolver for a client whose endpoint `url` is already resolved.
pub fn fixed_endpoint(url: &str) -> SharedEndpointResolver {
    SharedEndpointResolver::new(FixedEndpoint {
        url: url.to_owned(),
    })
}

/// A client of the SDK crate `$sdk` built the runas way: [`http_client`], `timeouts`, `region`,
/// the already-resolved endpoint through [`fixed_endpoint`], and no credentials provider, so
/// nothing can reach for `~/.aws/credentials` or IMDS: a signed call brings its credentials with
/// it (`customize().config_override(...)`). One macro because every SDK crate has its own
/// `Config` type with the same builder methods.
macro_rules! client {
    ($sdk:ident, $region:expr, $endpoint_url:expr, $timeouts:expr) => {{
        let mut config = $sdk::Config::builder()
            .behavior_version($sdk::config::BehaviorVersion::latest())
            .http_client($crate::aws::sdk::http_client())
            .region($sdk::config::Region::new(String::from($region)))
            .timeout_config($timeouts.sdk_config());
        config.set_endpoint_resolver(Some($crate::aws::sdk::fixed_endpoint($endpoint_url)));
        $sdk::Client::from_conf(config.build())
    }};
}
pub(crate) use client;
