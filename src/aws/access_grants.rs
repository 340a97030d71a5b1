//! S3 Access Grants' `GetDataAccess` (s3control), the last link of docs/ARCHITECTURE.md "Trusted identity propagation": an
//! identity-enhanced session asks for credentials scoped to one S3 target.
//!
//! The network trap: s3control's endpoint rules put the account id in front of the host
//! (`123456789012.s3-control.eu-west-1.amazonaws.com`), and they do so for a configured
//! endpoint too, so `AWS_ENDPOINT_URL=http://127.0.0.1:PORT` would become a DNS lookup of
//! `123456789012.127.0.0.1`. The SDK offers no switch for this; its supported hook is the
//! endpoint resolver. [`sdk::fixed_endpoint`] replaces the rules: a configured endpoint is used
//! exactly as given (path-style, no account label), and only the regional default gets the
//! account label, built here as AWS documents it.

use aws_sdk_s3control::types::Permission;
use chrono::{DateTime, Utc};

use super::assume_role::signing_credentials;
use super::call_error::{Call, CallError};
use super::endpoint::{EndpointError, EndpointSource, ServiceEndpoint};
use super::sdk::{self, Timeouts};
use crate::config::GrantPermission;
use crate::creds::{Credentials, Secret};

const SERVICE: &str = "S3 Control";
const GET_DATA_ACCESS: &str = "GetDataAccess";

/// The URL `GetDataAccess` goes to: a configured endpoint unchanged, else the regional
/// `https://{account}.s3-control.{region}.amazonaws.com`.
pub fn data_access_url(
    endpoint: &ServiceEndpoint,
    account_id: &str,
) -> Result<String, EndpointError> {
    if endpoint.source != EndpointSource::Regional {
        return Ok(endpoint.url.clone());
    }
    // The account becomes a host label: only an account id may go there.
    if account_id.len() != 12 || !account_id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(EndpointError::NotHttpUrl {
            origin: "s3_access_grants_account_id",
            value: account_id.to_owned(),
        });
    }
    let host_and_rest = endpoint
        .url
        .strip_prefix("https://")
        .unwrap_or(&endpoint.url);
    Ok(format!("https://{account_id}.{host_and_rest}"))
}

/// What `GetDataAccess` granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataAccess {
    pub credentials: Credentials,
    /// The grant scope that matched, e.g. `s3://reports/team-a/*`.
    pub matched_grant_target: Option<String>,
    /// The grantee as S3 Access Grants saw it (`DIRECTORY_USER:…`).
    pub grantee: Option<String>,
}

/// An s3control client whose requests always go to one URL.
#[derive(Debug, Clone)]
pub struct AccessGrantsClient {
    client: aws_sdk_s3control::Client,
    url: String,
}

impl AccessGrantsClient {
    /// `url` is the answer of [`data_access_url`].
    pub fn new(region: &str, url: &str, timeouts: Timeouts) -> Self {
        // No credentials_provider: each call is signed with the credentials handed to it.
        AccessGrantsClient {
            client: sdk::client!(aws_sdk_s3control, region, url, timeouts),
            url: url.to_owned(),
        }
    }

    /// Credentials for `target` with `permission`, asked with the identity-enhanced session.
    pub async fn get_data_access(
        &self,
        account_id: &str,
        target: &str,
        permission: GrantPermission,
        signing: &Credentials,
    ) -> Result<DataAccess, CallError> {
        let call = Call {
            service: SERVICE,
            operation: GET_DATA_ACCESS,
            endpoint: &self.url,
        };
        let permission = match permission {
            GrantPermission::Read => Permission::Read,
            GrantPermission::Write => Permission::Write,
            GrantPermission::ReadWrite => Permission::Readwrite,
        };
        let output = self
            .client
            .get_data_access()
            .account_id(account_id)
            .target(target)
            .permission(permission)
            .customize()
            .config_override(
                aws_sdk_s3control::config::Config::builder()
                    .credentials_provider(signing_credentials(signing)),
            )
            .send()
            .await
            .map_err(|error| call.translate(error, |_| None))?;
        let granted = output
            .credentials()
            .ok_or_else(|| call.bad_response("no Credentials in the response"))?;
        let field = |value: Option<&str>, name: &str| {
            value
                .map(str::to_owned)
                .ok_or_else(|| call.bad_response(format!("no {name} in the Credentials")))
        };
        let expiration = granted
            .expiration()
            .ok_or_else(|| call.bad_response("no Expiration in the Credentials"))?;
        let expiration =
            DateTime::<Utc>::from_timestamp(expiration.secs(), 0).ok_or_else(|| {
                call.bad_response(format!("expiration {} is out of range", expiration.secs()))
            })?;
        Ok(DataAccess {
            credentials: Credentials {
                access_key_id: field(granted.access_key_id(), "AccessKeyId")?,
                secret_access_key: Secret::new(field(
                    granted.secret_access_key(),
                    "SecretAccessKey",
                )?),
                session_token: Secret::new(field(granted.session_token(), "SessionToken")?),
                expiration,
            },
            matched_grant_target: output.matched_grant_target().map(str::to_owned),
            grantee: output.grantee().map(|grantee| {
                format!(
                    "{}:{}",
                    grantee.grantee_type().map_or("?", |kind| kind.as_str()),
                    grantee.grantee_identifier().unwrap_or("?")
                )
            }),
        })
    }
}

/// What to check when `GetDataAccess` is refused.
pub fn get_data_access_advice(
    error: &CallError,
    account_id: &str,
    target: &str,
    permission: GrantPermission,
) -> Option<String> {
    let Some(code) = error.code() else {
        return match error {
            CallError::Unreachable { .. } | CallError::Timeout { .. } => Some(
                "check the S3 Control endpoint (AWS_ENDPOINT_URL_S3_CONTROL, endpoint_url, \
                 region) and the network"
                    .to_owned(),
            ),
            _ => None,
        };
    };
    Some(match code {
        "AccessDenied" | "AccessDeniedException" => format!(
            "no grant of the S3 Access Grants instance in account {account_id} gives this \
             Identity Center user (or a group of theirs) {permission} on {target}, or the \
             identity-enhanced role may not call s3:GetDataAccess: check the grants \
             (aws s3control list-access-grants --account-id {account_id}) and the role's policy"
        ),
        "NoSuchAccessGrantsInstance" | "AccessGrantsInstanceNotExistsError" => format!(
            "account {account_id} has no S3 Access Grants instance in this region: check \
             s3_access_grants_account_id and the profile's region"
        ),
        "InvalidToken" | "ExpiredToken" | "InvalidClientTokenId" => {
            "the identity-enhanced session was refused: log in again (runas login PROFILE --force)"
                .to_owned()
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use aws_sdk_s3control::config::endpoint::{Endpoint, EndpointFuture, Params, ResolveEndpoint};
    use aws_smithy_runtime_api::client::endpoint::{
        EndpointResolverParams, ResolveEndpoint as RuntimeResolveEndpoint,
    };

    use super::*;

    fn configured(url: &str) -> ServiceEndpoint {
        ServiceEndpoint {
            url: url.to_owned(),
            source: EndpointSource::GlobalEnvironment,
        }
    }

    #[test]
    fn a_configured_endpoint_is_used_unchanged_and_the_regional_one_gets_the_account() {
        let url = data_access_url(&configured("http://127.0.0.1:5000"), "123456789012").unwrap();
        assert_eq!(url, "http://127.0.0.1:5000");
        let regional = ServiceEndpoint {
            url: "https://s3-control.eu-west-1.amazonaws.com".to_owned(),
            source: EndpointSource::Regional,
        };
        assert_eq!(
            data_access_url(&regional, "123456789012").unwrap(),
            "https://123456789012.s3-control.eu-west-1.amazonaws.com"
        );
        assert!(data_access_url(&regional, "evil.example").is_err());
    }

    /// The network trap: the SDK's own rules would answer `http://123456789012.127.0.0.1:5000`
    /// (a DNS lookup); ours must answer the configured URL, host and port untouched.
    #[test]
    fn the_resolver_returns_the_configured_url_for_any_account() {
        let params = Params::builder()
            .region("us-east-1")
            .account_id("123456789012")
            .requires_account_id(true)
            .endpoint("http://127.0.0.1:5000")
            .use_dual_stack(false)
            .use_fips(false)
            .build()
            .unwrap();
        let fixed = sdk::fixed_endpoint("http://127.0.0.1:5000");
        let endpoint = RuntimeResolveEndpoint::resolve_endpoint(
            &fixed,
            &EndpointResolverParams::new(params.clone()),
        )
        .now_or_never()
        .unwrap();
        assert_eq!(endpoint.url(), "http://127.0.0.1:5000");

        let rules = ResolveEndpoint::resolve_endpoint(
            &aws_sdk_s3control::config::endpoint::DefaultResolver::new(),
            &params,
        )
        .now_or_never()
        .unwrap();
        assert!(
            rules.url().contains("123456789012.127.0.0.1"),
            "the SDK's rules no longer prefix the account ({}): the custom resolver may be \
             unnecessary now",
            rules.url()
        );
    }

    trait NowOrNever {
        fn now_or_never(self) -> Option<Endpoint>;
    }

    impl NowOrNever for EndpointFuture<'_> {
        fn now_or_never(self) -> Option<Endpoint> {
            futures_util::FutureExt::now_or_never(self).and_then(Result::ok)
        }
    }

    #[test]
    fn access_denied_names_the_target_and_permission() {
        let error = CallError::Service {
            service: SERVICE,
            operation: GET_DATA_ACCESS,
            code: "AccessDenied".into(),
            message: "Access denied".into(),
        };
        let advice =
            get_data_access_advice(&error, "123456789012", "s3://r/x/", GrantPermission::Write)
                .unwrap();
        assert!(advice.contains("WRITE on s3://r/x/"), "{advice}");
    }
}
