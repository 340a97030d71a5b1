//! The errors a login flow can end in, worded for the person who has to act on them. Nothing
//! here may carry a token, code, verifier or secret: IdP response bodies are never quoted, only
//! the OAuth error code, the IdP's own `error_description` and the URL that failed.

use std::path::PathBuf;
use std::time::Duration;

use openidconnect::{ErrorResponse, RequestTokenError, StandardErrorResponse};

use super::callback::CallbackError;

#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error("cannot discover the OpenID provider {issuer}: {reason}")]
    Discovery { issuer: String, reason: String },
    #[error("cannot fetch the signing keys (JWKS) from {url}: {reason}")]
    Jwks { url: String, reason: String },
    #[error(
        "the ID token is signed with key {}, which {issuer} does not publish even after fetching \
         its keys (JWKS) again: log in again; if this persists, the IdP's signing keys are \
         misconfigured",
        .kid.as_deref().map_or_else(|| "(no kid)".to_owned(), |kid| format!("`{kid}`"))
    )]
    UnknownKid { issuer: String, kid: Option<String> },
    #[error(
        "the ID token from {issuer} expired {seconds_ago} s ago, beyond the {leeway_seconds} s \
         clock leeway: this machine's clock or the IdP's is wrong; check both (e.g. timedatectl)"
    )]
    IdTokenExpired {
        issuer: String,
        seconds_ago: u64,
        leeway_seconds: u64,
    },
    #[error(
        "the ID token from {issuer} was issued {seconds_ahead} s in the future (its iat), beyond \
         the {leeway_seconds} s clock leeway: this machine's clock is behind the IdP's; check \
         both (e.g. timedatectl)"
    )]
    IdTokenIssuedInTheFuture {
        issuer: String,
        seconds_ahead: u64,
        leeway_seconds: u64,
    },
    #[error("the ID token was rejected: {0}")]
    IdTokenInvalid(String),
    #[error("the token endpoint did not return an ID token (is `openid` among the scopes?)")]
    NoIdToken,
    #[error("{}", token_endpoint_message(.error, .description.as_deref()))]
    TokenEndpoint {
        error: String,
        description: Option<String>,
    },
    #[error("cannot reach the IdP at {url}: {reason}")]
    Http { url: String, reason: String },
    #[error("the IdP no longer accepts the cached refresh token; a new login is needed")]
    RefreshRejected,
    #[error("the device code expired before the login was approved; start the login again")]
    DeviceExpired,
    #[error("the login was denied at the IdP")]
    AccessDenied,
    #[error(
        "the IdP's discovery document names no device_authorization_endpoint and the profile \
         sets no web_identity_device_authorization_url; if the IdP supports the device flow \
         (RFC 8628), set web_identity_device_authorization_url to its device authorization \
         endpoint"
    )]
    DeviceUnsupported,
    #[error(
        "the IdP answered the device-code grant with an access token but no ID token, {}: it \
         treats the device grant (RFC 8628) as plain OAuth. STS accepts only an OpenID Connect \
         ID token, and runas never sends it an access token instead. The IdP administrator must \
         enable OpenID Connect ID tokens for the device-code grant (or its refresh grant) of \
         client `{client_id}`; until then, log in with web_identity_flow = browser",
        if *.refresh_tried {
            "and the refresh grant runas tried next returned none either"
        } else {
            "and no refresh token to obtain one with"
        }
    )]
    DeviceGrantWithoutIdToken {
        client_id: String,
        refresh_tried: bool,
    },
    #[error("no browser login completed within {} s", .0.as_secs())]
    BrowserTimeout(Duration),
    #[error(
        "the browser flow needs a loopback redirect URI such as http://127.0.0.1:8090/callback \
         registered at the IdP; {0}"
    )]
    NoLoopbackRedirect(String),
    #[error(
        "the authorization response came from issuer {got}, not {expected}: refusing it \
         (possible mix-up attack, RFC 9207); {}",
        super::discovery::how_issuers_differ(.expected, .got)
    )]
    IssuerMismatch { expected: String, got: String },
    #[error(transparent)]
    Callback(#[from] CallbackError),
    #[error("{0} must use https (plain http is allowed only on loopback hosts)")]
    InsecureUrl(String),
    #[error("cannot use the web identity token file {}: {reason}", .path.display())]
    TokenFile { path: PathBuf, reason: String },
}

/// What a person can do about a standard OAuth error code (RFC 6749 §5.2, RFC 8628 §3.5).
pub fn advice(error: &str) -> Option<&'static str> {
    Some(match error {
        "invalid_client" => {
            "check web_identity_client_id, the client secret and \
             web_identity_token_endpoint_auth_method (client_secret_basic, client_secret_post \
             or none) against the IdP app"
        }
        "invalid_grant" => {
            "the code or refresh token is invalid, expired or already used; log in again"
        }
        "unauthorized_client" => {
            "the IdP app is not allowed this grant type; enable it (authorization code, \
             refresh token or device code) in the IdP app settings"
        }
        "invalid_scope" => "the IdP app does not allow one of web_identity_scopes",
        "unsupported_grant_type" => "the IdP does not support this grant type",
        "invalid_request" => "the IdP rejected the request as malformed",
        _ => return None,
    })
}

fn token_endpoint_message(error: &str, description: Option<&str>) -> String {
    let mut message = format!("the IdP's token endpoint answered `{error}`");
    if let Some(description) = description.filter(|d| !d.is_empty()) {
        message.push_str(&format!(" ({description})"));
    }
    if let Some(advice) = advice(error) {
        message.push_str(": ");
        message.push_str(advice);
    }
    message
}

/// Turns an openidconnect token-request failure into a [`FlowError`] without quoting the
/// response body, which may hold tokens when it failed to parse.
pub(super) fn from_token_request<RE, T>(
    err: RequestTokenError<RE, StandardErrorResponse<T>>,
    token_url: &str,
) -> FlowError
where
    RE: std::error::Error + 'static,
    T: openidconnect::ErrorResponseType + 'static,
    StandardErrorResponse<T>: ErrorResponse,
{
    match err {
        RequestTokenError::ServerResponse(response) => FlowError::TokenEndpoint {
            error: error_code(response.error()),
            description: response.error_description().cloned(),
        },
        RequestTokenError::Request(err) => FlowError::Http {
            url: token_url.to_owned(),
            reason: crate::http::error_chain(&err),
        },
        RequestTokenError::Parse(err, _body) => FlowError::Http {
            url: token_url.to_owned(),
            reason: format!("unreadable token response (at `{}`)", err.path()),
        },
        RequestTokenError::Other(reason) => FlowError::Http {
            url: token_url.to_owned(),
            reason,
        },
    }
}

/// The wire spelling of an OAuth error code (`invalid_grant`, `slow_down`, ...).
pub(super) fn error_code<T: serde::Serialize>(code: &T) -> String {
    match serde_json::to_value(code) {
        Ok(serde_json::Value::String(code)) => code,
        _ => "unknown_error".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openidconnect::core::CoreErrorResponseType;

    #[test]
    fn invalid_client_names_what_to_check() {
        let err = FlowError::TokenEndpoint {
            error: "invalid_client".into(),
            description: Some("client authentication failed".into()),
        };
        let text = err.to_string();
        assert!(text.contains("`invalid_client`"), "{text}");
        assert!(text.contains("(client authentication failed)"), "{text}");
        assert!(
            text.contains("web_identity_token_endpoint_auth_method"),
            "{text}"
        );
    }

    #[test]
    fn unknown_codes_are_shown_without_advice() {
        let err = FlowError::TokenEndpoint {
            error: "temporarily_unavailable".into(),
            description: None,
        };
        assert_eq!(
            err.to_string(),
            "the IdP's token endpoint answered `temporarily_unavailable`"
        );
        assert!(advice("unauthorized_client").is_some());
    }

    #[test]
    fn server_responses_keep_the_wire_code() {
        let response = StandardErrorResponse::new(
            CoreErrorResponseType::InvalidGrant,
            Some("grant request is invalid".into()),
            None,
        );
        let err: FlowError = from_token_request::<std::io::Error, _>(
            RequestTokenError::ServerResponse(response),
            "http://127.0.0.1:1/token",
        );
        match err {
            FlowError::TokenEndpoint { error, description } => {
                assert_eq!(error, "invalid_grant");
                assert_eq!(description.as_deref(), Some("grant request is invalid"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
