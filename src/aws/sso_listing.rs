//! The IAM Identity Center portal's list operations: `ListAccounts` and `ListAccountRoles`, one
//! page per call, each retried with exponential backoff and jitter while the portal throttles
//! (`TooManyRequestsException`) or fails on its side (5xx, timeouts). Paging and concurrency
//! belong to the caller ([`crate::session`]); nothing here knows of sessions or caches.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use aws_sdk_sso::config::retry::RetryConfig;

use super::call_error::CallError;
use super::sso_device::{SsoError, translate};
use super::sso_portal::SsoPortalClient;
use crate::creds::Secret;

const SERVICE: &str = "IAM Identity Center portal";
/// The largest page AWS allows for both operations (the API reference: 1..100).
pub const PAGE_SIZE: i32 = 100;
/// Attempts of one page before its error is final.
const ATTEMPTS: u32 = 6;
/// The first backoff; doubled after each attempt, capped at [`MAX_BACKOFF`], fully jittered.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// One account of the portal: what `ListAccounts` says of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountInfo {
    pub id: String,
    pub name: String,
    pub email: String,
}

/// One page and the token of the next, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_token: Option<String>,
}

impl SsoPortalClient {
    /// One page of the accounts the token's user is assigned to.
    pub async fn list_accounts_page(
        &self,
        access_token: &Secret,
        next_token: Option<&str>,
    ) -> Result<Page<AccountInfo>, SsoError> {
        with_backoff(|| async {
            let output = self
                .sdk()
                .list_accounts()
                .access_token(access_token.expose())
                .max_results(PAGE_SIZE)
                .set_next_token(next_token.map(str::to_owned))
                .customize()
                .config_override(no_sdk_retries())
                .send()
                .await
                .map_err(|error| translate(SERVICE, "ListAccounts", self.endpoint(), error))?;
            let items = output
                .account_list()
                .iter()
                .filter_map(|account| {
                    Some(AccountInfo {
                        id: account.account_id()?.to_owned(),
                        name: account.account_name().unwrap_or_default().to_owned(),
                        email: account.email_address().unwrap_or_default().to_owned(),
                    })
                })
                .collect();
            Ok(Page {
                items,
                next_token: output.next_token().map(str::to_owned),
            })
        })
        .await
    }

    /// One page of the role names the token's user may take in `account_id`.
    pub async fn list_account_roles_page(
        &self,
        access_token: &Secret,
        account_id: &str,
        next_token: Option<&str>,
    ) -> Result<Page<String>, SsoError> {
        with_backoff(|| async {
            let output = self
                .sdk()
                .list_account_roles()
                .access_token(access_token.expose())
                .account_id(account_id)
                .max_results(PAGE_SIZE)
                .set_next_token(next_token.map(str::to_owned))
                .customize()
                .config_override(no_sdk_retries())
                .send()
                .await
                .map_err(|error| translate(SERVICE, "ListAccountRoles", self.endpoint(), error))?;
            let items = output
                .role_list()
                .iter()
                .filter_map(|role| role.role_name().map(str::to_owned))
                .collect();
            Ok(Page {
                items,
                next_token: output.next_token().map(str::to_owned),
            })
        })
        .await
    }
}

/// The retries are ours (below): the SDK's own would multiply them.
fn no_sdk_retries() -> aws_sdk_sso::config::Builder {
    aws_sdk_sso::config::Builder::default().retry_config(RetryConfig::disabled())
}

/// Runs `call` until it succeeds, fails for good, or [`ATTEMPTS`] are spent.
async fn with_backoff<T, F, Fut>(mut call: F) -> Result<T, SsoError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SsoError>>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        match call().await {
            Err(error) if attempt < ATTEMPTS && is_transient(&error) => {
                let wait = backoff(attempt, random_fraction());
                tracing::debug!(attempt, ?wait, "the portal asked to slow down: {error}");
                tokio::time::sleep(wait).await;
            }
            other => return other,
        }
    }
}

/// Throttling and the service's own failures are worth another try; refusals are not.
fn is_transient(error: &SsoError) -> bool {
    match error {
        SsoError::Call(CallError::Service { code, .. }) => matches!(
            code.as_str(),
            "TooManyRequestsException"
                | "ThrottlingException"
                | "InternalServerException"
                | "ServiceUnavailableException"
                | "InternalFailure"
        ),
        SsoError::Call(CallError::Timeout { .. }) => true,
        _ => false,
    }
}

/// "Full jitter": a uniform wait between zero and the capped exponential bound, so many
/// throttled callers do not retry in step. `fraction` is in [0, 1).
fn backoff(attempt: u32, fraction: f64) -> Duration {
    let bound = FIRST_BACKOFF
        .saturating_mul(1 << attempt.saturating_sub(1).min(16))
        .min(MAX_BACKOFF);
    bound.mul_f64(fraction.clamp(0.0, 1.0))
}

/// A fraction in [0, 1) from the standard library's randomly seeded hasher: jitter needs no
/// cryptographic randomness and this needs no dependency.
fn random_fraction() -> f64 {
    let bits = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(code: &str) -> SsoError {
        SsoError::Call(CallError::Service {
            service: SERVICE,
            operation: "ListAccounts",
            code: code.into(),
            message: "m".into(),
        })
    }

    #[test]
    fn throttling_is_retried_and_refusals_are_not() {
        assert!(is_transient(&service("TooManyRequestsException")));
        assert!(!is_transient(&service("UnauthorizedException")));
        assert!(!is_transient(&service("ForbiddenException")));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_and_jitters_below_it() {
        assert_eq!(backoff(1, 0.999_999), FIRST_BACKOFF.mul_f64(0.999_999));
        assert_eq!(backoff(3, 0.5), Duration::from_millis(400));
        assert_eq!(backoff(30, 0.5), MAX_BACKOFF / 2);
        assert_eq!(backoff(2, 0.0), Duration::ZERO);
        let fraction = random_fraction();
        assert!((0.0..1.0).contains(&fraction), "{fraction}");
    }

    #[tokio::test]
    async fn a_throttled_page_is_asked_again_until_it_comes() {
        let mut calls = 0;
        let answer = with_backoff(|| {
            calls += 1;
            let result = if calls < 3 {
                Err(service("TooManyRequestsException"))
            } else {
                Ok(calls)
            };
            async move { result }
        })
        .await;
        assert_eq!(answer.unwrap(), 3);
        let mut refused = 0;
        let answer: Result<(), _> = with_backoff(|| {
            refused += 1;
            async { Err(service("UnauthorizedException")) }
        })
        .await;
        assert!(answer.is_err());
        assert_eq!(refused, 1);
    }
}
