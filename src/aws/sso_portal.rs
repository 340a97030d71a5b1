//! The IAM Identity Center portal (`sso`): `GetRoleCredentials` turns an access token into the
//! credentials of one role in one account. The call carries the token as its bearer header, is
//! otherwise unsigned, and the client has no credentials provider. It knows nothing of
//! profiles, files or sessions. The advice for its refusals lives here too.

use chrono::DateTime;

use super::call_error::CallError;
use super::sdk::{self, Timeouts};
use super::sso_device::{SsoError, translate};
use crate::creds::{Credentials, Secret};

const SERVICE: &str = "IAM Identity Center portal";
const GET_ROLE_CREDENTIALS: &str = "GetRoleCredentials";

/// The portal client for one region and endpoint. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SsoPortalClient {
    client: aws_sdk_sso::Client,
    endpoint_url: String,
}

impl SsoPortalClient {
    pub fn new(region: &str, endpoint_url: &str, timeouts: Timeouts) -> Self {
        SsoPortalClient {
            client: sdk::client!(aws_sdk_sso, region, endpoint_url, timeouts),
            endpoint_url: endpoint_url.to_owned(),
        }
    }

    pub(super) fn sdk(&self) -> &aws_sdk_sso::Client {
        &self.client
    }

    pub(super) fn endpoint(&self) -> &str {
        &self.endpoint_url
    }

    /// The credentials of `role_name` in `account_id` for the person holding `access_token`.
    pub async fn get_role_credentials(
        &self,
        access_token: &Secret,
        account_id: &str,
        role_name: &str,
    ) -> Result<Credentials, SsoError> {
        let operation = GET_ROLE_CREDENTIALS;
        let output = self
            .client
            .get_role_credentials()
            .access_token(access_token.expose())
            .account_id(account_id)
            .role_name(role_name)
            .send()
            .await
            .map_err(|error| translate(SERVICE, operation, &self.endpoint_url, error))?;
        let missing = |field: &str| {
            SsoError::Call(CallError::BadResponse {
                service: SERVICE,
                operation,
                detail: format!("no {field} in the response"),
            })
        };
        let role = output
            .role_credentials()
            .ok_or_else(|| missing("roleCredentials"))?;
        // The portal gives the expiry in milliseconds since the epoch.
        let expiration = DateTime::from_timestamp_millis(role.expiration())
            .ok_or_else(|| missing("a valid expiration"))?;
        Ok(Credentials {
            access_key_id: role
                .access_key_id()
                .ok_or_else(|| missing("accessKeyId"))?
                .to_owned(),
            secret_access_key: Secret::new(
                role.secret_access_key()
                    .ok_or_else(|| missing("secretAccessKey"))?,
            ),
            session_token: Secret::new(
                role.session_token()
                    .ok_or_else(|| missing("sessionToken"))?,
            ),
            expiration,
        })
    }
}

impl SsoError {
    /// A sentence on the likely cause and what to do, for the refusals people meet.
    /// `account_id` and `role_name` name what was asked for.
    pub fn advice(&self, account_id: &str, role_name: &str) -> Option<String> {
        let SsoError::Call(CallError::Service {
            operation, code, ..
        }) = self
        else {
            return match self {
                SsoError::Call(CallError::Unreachable { .. } | CallError::Timeout { .. }) => Some(
                    "check the endpoint (AWS_ENDPOINT_URL_SSO / AWS_ENDPOINT_URL_SSO_OIDC / \
                     AWS_ENDPOINT_URL, the sso-session's sso_region) and the network"
                        .to_owned(),
                ),
                // The other failures' own words already say what to do.
                _ => None,
            };
        };
        Some(match (*operation, code.as_str()) {
            (GET_ROLE_CREDENTIALS, "ForbiddenException") => format!(
                "the user has no assignment for role {role_name} in account {account_id}: check \
                 sso_account_id and sso_role_name, or ask an administrator for the permission set"
            ),
            (_, "UnauthorizedException") | (_, "ExpiredTokenException") => {
                "the IAM Identity Center token has expired or was revoked: log in again \
                 (runas login PROFILE, or aws sso login)"
                    .to_owned()
            }
            (_, "InvalidGrantException") => {
                "the refresh token or device code is no longer accepted: log in again".to_owned()
            }
            (_, "InvalidClientException") | (_, "UnauthorizedClientException") => {
                "the client registration is no longer accepted: log in again (runas registers \
                 a new client)"
                    .to_owned()
            }
            (_, "InvalidRequestRegionException") => {
                "sso_region is not the region of the IAM Identity Center instance".to_owned()
            }
            (_, "InvalidScopeException") => {
                "sso_registration_scopes names a scope IAM Identity Center does not grant"
                    .to_owned()
            }
            (_, "TooManyRequestsException") | (_, "SlowDownException") => {
                "IAM Identity Center is throttling: retry in a moment".to_owned()
            }
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(operation: &'static str, code: &str) -> SsoError {
        SsoError::Call(CallError::Service {
            service: SERVICE,
            operation,
            code: code.into(),
            message: "No access".into(),
        })
    }

    #[test]
    fn forbidden_names_the_account_and_role() {
        let advice = refusal(GET_ROLE_CREDENTIALS, "ForbiddenException")
            .advice("111122223333", "Admin")
            .unwrap();
        assert!(
            advice.contains("no assignment for role Admin in account 111122223333"),
            "{advice}"
        );
    }

    #[test]
    fn an_expired_token_says_log_in() {
        let advice = refusal(GET_ROLE_CREDENTIALS, "UnauthorizedException")
            .advice("1", "r")
            .unwrap();
        assert!(advice.contains("log in again"), "{advice}");
        assert_eq!(refusal("CreateToken", "Unknown").advice("1", "r"), None);
    }

    #[tokio::test]
    async fn an_unreachable_portal_is_reported_without_the_token() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let client = SsoPortalClient::new("us-east-1", &endpoint, Timeouts::default());
        let error = client
            .get_role_credentials(&Secret::new("access-that-must-not-leak"), "1", "r")
            .await
            .unwrap_err();
        assert!(
            matches!(error, SsoError::Call(CallError::Unreachable { .. })),
            "{error:?}"
        );
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("must-not-leak"), "{shown}");
    }
}
