//! IAM Identity Center's `CreateTokenWithIAM` (sso-oidc), the second link of trusted identity
//! propagation (docs/ARCHITECTURE.md "Trusted identity propagation"): the IdP's ID token goes in as a JWT-bearer assertion, with the
//! Identity Center application ARN as the client id; out comes an Identity Center ID token
//! whose `sts:identity_context` claim is what `AssumeRole` takes as `ProvidedContexts`.
//!
//! The call is SigV4-signed with the caller's credentials (those of the web-identity role), set
//! on this one operation only, so the client never reaches for a default credentials chain.
//! It knows nothing of profiles or caches; refusals become [`CallError`]s and the advice for
//! them is in [`create_token_advice`].

use aws_sdk_ssooidc::operation::create_token_with_iam::CreateTokenWithIAMError;

use super::assume_role::signing_credentials;
use super::call_error::{Call, CallError};
use super::sdk::{self, Timeouts};
use crate::creds::{Credentials, Secret};

/// The grant that exchanges an IdP token for an Identity Center token (RFC 7523).
pub const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// The claim of the Identity Center ID token that carries the identity context.
pub const IDENTITY_CONTEXT_CLAIM: &str = "sts:identity_context";

const SERVICE: &str = "IAM Identity Center OIDC";
const CREATE_TOKEN_WITH_IAM: &str = "CreateTokenWithIAM";

/// An sso-oidc client for one region and endpoint.
#[derive(Debug, Clone)]
pub struct IdentityCenterClient {
    client: aws_sdk_ssooidc::Client,
    endpoint_url: String,
}

impl IdentityCenterClient {
    pub fn new(region: &str, endpoint_url: &str, timeouts: Timeouts) -> Self {
        // No credentials_provider: each call is signed with the credentials handed to it.
        IdentityCenterClient {
            client: sdk::client!(aws_sdk_ssooidc, region, endpoint_url, timeouts),
            endpoint_url: endpoint_url.to_owned(),
        }
    }

    /// Exchanges the IdP's ID token for the identity context of the Identity Center user it
    /// names. `signing` are the web-identity role's credentials.
    pub async fn identity_context(
        &self,
        application_arn: &str,
        id_token: &Secret,
        signing: &Credentials,
    ) -> Result<Secret, CallError> {
        let call = Call {
            service: SERVICE,
            operation: CREATE_TOKEN_WITH_IAM,
            endpoint: &self.endpoint_url,
        };
        let output = self
            .client
            .create_token_with_iam()
            .client_id(application_arn)
            .grant_type(JWT_BEARER_GRANT)
            .assertion(id_token.expose())
            .customize()
            .config_override(
                aws_sdk_ssooidc::config::Config::builder()
                    .credentials_provider(signing_credentials(signing)),
            )
            .send()
            .await
            .map_err(|error| call.translate(error, oauth_description))?;
        let id_token = output
            .id_token()
            .ok_or_else(|| call.bad_response("no idToken in the response"))?;
        identity_context_of(id_token).ok_or_else(|| {
            call.bad_response(format!(
                "the idToken carries no {IDENTITY_CONTEXT_CLAIM} claim; is the application \
                 set up for trusted identity propagation?"
            ))
        })
    }
}

/// The `sts:identity_context` claim of an Identity Center ID token. AWS signed the token and
/// STS verifies the context when it is presented, so runas only reads the claim: checking the
/// signature here would add nothing (and Identity Center publishes no JWKS for it).
fn identity_context_of(id_token: &str) -> Option<Secret> {
    let claims = crate::jwt::unverified_claims(id_token)?;
    claims[IDENTITY_CONTEXT_CLAIM]
        .as_str()
        .filter(|context| !context.is_empty())
        .map(Secret::new)
}

/// sso-oidc refusals carry their text in `error_description` (OAuth style), not `message`.
fn oauth_description(error: &CreateTokenWithIAMError) -> Option<String> {
    let description = match error {
        CreateTokenWithIAMError::InvalidGrantException(e) => e.error_description(),
        CreateTokenWithIAMError::InvalidClientException(e) => e.error_description(),
        CreateTokenWithIAMError::UnauthorizedClientException(e) => e.error_description(),
        CreateTokenWithIAMError::AccessDeniedException(e) => e.error_description(),
        CreateTokenWithIAMError::InvalidRequestException(e) => e.error_description(),
        CreateTokenWithIAMError::InvalidScopeException(e) => e.error_description(),
        CreateTokenWithIAMError::ExpiredTokenException(e) => e.error_description(),
        CreateTokenWithIAMError::InvalidRequestRegionException(e) => e.error_description(),
        _ => None,
    };
    description.map(str::to_owned)
}

/// What to check when `CreateTokenWithIAM` is refused. `issuer` and `client_id` are the
/// IdP's, since most refusals mean the application does not trust them.
pub fn create_token_advice(
    error: &CallError,
    application_arn: &str,
    region: &str,
    issuer: &str,
    client_id: &str,
) -> Option<String> {
    let Some(code) = error.code() else {
        return match error {
            CallError::Unreachable { .. } | CallError::Timeout { .. } => Some(
                "check the Identity Center endpoint (AWS_ENDPOINT_URL_SSO_OIDC, endpoint_url, \
                 identity_center_region) and the network"
                    .to_owned(),
            ),
            _ => None,
        };
    };
    Some(match code {
        "InvalidGrantException" => format!(
            "the application's trusted token issuer must be {issuer} with audience {client_id} \
             (aud claim), and the token's user attribute must match an Identity Center user; \
             check the application {application_arn}"
        ),
        "InvalidClientException" | "UnauthorizedClientException" => format!(
            "Identity Center does not know the application {application_arn} in {region}, or \
             it may not use the jwt-bearer grant: check identity_center_application_arn and \
             identity_center_region, and the application's grants"
        ),
        "AccessDeniedException" => format!(
            "the web-identity role may not call sso-oauth:CreateTokenWithIAM for \
             {application_arn}: allow it in the role's policy"
        ),
        "InvalidRequestRegionException" => format!(
            "Identity Center answers for this application in another region: set \
             identity_center_region (now {region})"
        ),
        "ExpiredTokenException" => {
            "the ID token had expired when Identity Center checked it: log in again (runas login \
             PROFILE) and check this machine's clock"
                .to_owned()
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> String {
        format!("e30.{}.sig", base64url(payload.as_bytes()))
    }

    fn base64url(bytes: &[u8]) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
            for i in 0..=chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            }
        }
        out
    }

    #[test]
    fn the_identity_context_is_read_from_the_id_token_payload() {
        let token = jwt(r#"{"sts:identity_context":"AQoJb3JpZ2luX2VjE","sub":"u"}"#);
        assert_eq!(
            identity_context_of(&token).unwrap().expose(),
            "AQoJb3JpZ2luX2VjE"
        );
        assert!(identity_context_of(&jwt(r#"{"sub":"u"}"#)).is_none());
        assert!(identity_context_of(&jwt(r#"{"sts:identity_context":""}"#)).is_none());
        assert!(identity_context_of("not-a-jwt").is_none());
    }

    #[test]
    fn invalid_grant_names_the_issuer_and_audience_to_trust() {
        let error = CallError::Service {
            service: SERVICE,
            operation: CREATE_TOKEN_WITH_IAM,
            code: "InvalidGrantException".into(),
            message: "untrusted issuer".into(),
        };
        let advice =
            create_token_advice(&error, "arn:app", "us-east-1", "http://127.0.0.1:1/", "cli")
                .unwrap();
        assert!(
            advice.contains("trusted token issuer must be http://127.0.0.1:1/ with audience cli"),
            "{advice}"
        );
    }

    #[tokio::test]
    async fn an_unreachable_endpoint_is_reported_without_the_token() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let client = IdentityCenterClient::new("us-east-1", &endpoint, Timeouts::default());
        let signing = Credentials {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: Secret::new("secret-that-must-not-leak"),
            session_token: Secret::new("token-that-must-not-leak"),
            expiration: chrono::Utc::now() + chrono::Duration::hours(1),
        };
        let error = client
            .identity_context("arn:app", &Secret::new("id-token-must-not-leak"), &signing)
            .await
            .unwrap_err();
        assert!(matches!(error, CallError::Unreachable { .. }), "{error:?}");
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("must-not-leak"), "{shown}");
    }
}
