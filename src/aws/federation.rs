//! AWS console sign-in through the federation endpoint (`/federation` on the partition's
//! sign-in host): `Action=getSigninToken` turns a role session's credentials into a sign-in
//! token, and `Action=login` with `Issuer`, `Destination` and that token is the URL a browser
//! opens to land in the console as the role. It owns the partition's hosts, the endpoint
//! override (`AWS_ENDPOINT_URL_SIGNIN`), the request and the URL. The token and the URL are
//! credentials: they are returned as [`Secret`]s and never logged; errors never carry them.
//! It must not read the config, the cache or the environment beyond what callers pass in.

use std::time::Duration;

use openidconnect::url::Url;
use serde::Deserialize;

use crate::creds::{Credentials, Secret};
use crate::http::reqwest;

/// The environment variable that replaces the sign-in endpoint (scheme, host, port and an
/// optional path prefix; `/federation` is appended), named like the AWS SDKs' per-service
/// endpoint variables.
pub const ENV_ENDPOINT_URL_SIGNIN: &str = "AWS_ENDPOINT_URL_SIGNIN";

/// The console session AWS accepts for a role session, in seconds (the documented range of
/// `SessionDuration`).
pub const SESSION_DURATION_RANGE: std::ops::RangeInclusive<u64> = 900..=43_200;

/// The AWS partition a role lives in; each has its own sign-in and console hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partition {
    Aws,
    AwsUsGov,
    AwsCn,
}

impl Partition {
    /// The partition named by an ARN (`arn:PARTITION:...`); `None` for anything else.
    pub fn from_arn(arn: &str) -> Option<Partition> {
        let mut parts = arn.split(':');
        if parts.next() != Some("arn") {
            return None;
        }
        match parts.next()? {
            "aws" => Some(Partition::Aws),
            "aws-us-gov" => Some(Partition::AwsUsGov),
            "aws-cn" => Some(Partition::AwsCn),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::AwsUsGov => "aws-us-gov",
            Partition::AwsCn => "aws-cn",
        }
    }

    fn signin_host(self) -> &'static str {
        match self {
            Partition::Aws => "signin.aws.amazon.com",
            Partition::AwsUsGov => "signin.amazonaws-us-gov.com",
            Partition::AwsCn => "signin.amazonaws.cn",
        }
    }

    fn console_host(self) -> &'static str {
        match self {
            Partition::Aws => "console.aws.amazon.com",
            Partition::AwsUsGov => "console.amazonaws-us-gov.com",
            Partition::AwsCn => "console.amazonaws.cn",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FederationError {
    #[error("{ENV_ENDPOINT_URL_SIGNIN}={value:?} is not an http(s) URL")]
    BadEndpoint { value: String },
    #[error("--destination {value:?} is not an http(s) URL")]
    BadDestination { value: String },
    #[error("--service {value:?} is not a console service name (letters, digits, '-', '_', '/')")]
    BadService { value: String },
    #[error("cannot reach the AWS sign-in endpoint {endpoint}: {reason}")]
    Unreachable { endpoint: String, reason: String },
    #[error(
        "the AWS sign-in endpoint {endpoint} refused these credentials (HTTP {status}){}: {hint}",
        detail(.body)
    )]
    Refused {
        endpoint: String,
        status: u16,
        body: String,
        hint: &'static str,
    },
    #[error("the AWS sign-in endpoint {endpoint} answered without a SigninToken")]
    NoToken { endpoint: String },
}

fn detail(body: &str) -> String {
    if body.is_empty() {
        String::new()
    } else {
        format!(" saying {body:?}")
    }
}

/// Where the console should open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// The console home of the region.
    Home,
    /// A service's console page, e.g. `s3`, `ec2`, `cloudwatch`.
    Service(String),
    /// A URL given as is.
    Url(String),
}

/// The `federation` URL of `partition`, or the override's.
pub fn endpoint(partition: Partition, override_url: Option<&str>) -> Result<Url, FederationError> {
    let base = match override_url.map(str::trim).filter(|v| !v.is_empty()) {
        Some(value) => {
            let url = Url::parse(value).map_err(|_| FederationError::BadEndpoint {
                value: value.to_owned(),
            })?;
            if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                return Err(FederationError::BadEndpoint {
                    value: value.to_owned(),
                });
            }
            url
        }
        None => Url::parse(&format!("https://{}/", partition.signin_host()))
            .expect("the partition hosts are valid URLs"),
    };
    let mut url = base;
    let path = format!("{}/federation", url.path().trim_end_matches('/'));
    url.set_path(&path);
    url.set_query(None);
    Ok(url)
}

/// The console URL to land on after sign-in.
pub fn destination_url(
    partition: Partition,
    region: &str,
    destination: &Destination,
) -> Result<String, FederationError> {
    let console = |service: &str| {
        let mut url = Url::parse(&format!(
            "https://{}/{service}/home",
            partition.console_host()
        ))
        .expect("console hosts and checked service names form valid URLs");
        url.query_pairs_mut().append_pair("region", region);
        url.to_string()
    };
    match destination {
        Destination::Home => Ok(console("console")),
        Destination::Service(name) => {
            let valid = !name.is_empty()
                && !name.starts_with('/')
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/'));
            if !valid {
                return Err(FederationError::BadService {
                    value: name.clone(),
                });
            }
            Ok(console(name))
        }
        Destination::Url(value) => match Url::parse(value) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(url.to_string()),
            _ => Err(FederationError::BadDestination {
                value: value.clone(),
            }),
        },
    }
}

/// The longest console session for a role session obtained by role chaining (assumed with
/// another role session's credentials): AWS limits such sessions to one hour.
pub const CHAINED_SESSION_LIMIT: u64 = 3600;

/// The `SessionDuration` to send: only for role sessions (AWS refuses it for other
/// credentials), no longer than the credentials live, an hour at most for chained role
/// sessions, and within AWS's range; `None` when the credentials live less than the smallest
/// console session AWS accepts.
pub fn session_duration(is_role_session: bool, chained: bool, remaining: Duration) -> Option<u64> {
    if !is_role_session {
        return None;
    }
    let limit = if chained {
        CHAINED_SESSION_LIMIT
    } else {
        *SESSION_DURATION_RANGE.end()
    };
    let seconds = remaining.as_secs().min(limit);
    SESSION_DURATION_RANGE.contains(&seconds).then_some(seconds)
}

#[derive(Deserialize)]
struct SigninTokenAnswer {
    #[serde(rename = "SigninToken")]
    signin_token: Option<String>,
}

/// `Action=getSigninToken`: the credentials (as the documented `Session` JSON) for a sign-in
/// token, valid for 15 minutes.
pub async fn signin_token(
    http: &reqwest::Client,
    endpoint: &Url,
    credentials: &Credentials,
    session_duration: Option<u64>,
) -> Result<Secret, FederationError> {
    let session = serde_json::json!({
        "sessionId": credentials.access_key_id,
        "sessionKey": credentials.secret_access_key.expose(),
        "sessionToken": credentials.session_token.expose(),
    })
    .to_string();
    let mut url = endpoint.clone();
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("Action", "getSigninToken");
        if let Some(seconds) = session_duration {
            query.append_pair("SessionDuration", &seconds.to_string());
        }
        query.append_pair("Session", &session);
    }
    let shown = endpoint.to_string();
    // The documented request is a GET with the session in the query. The URL holds the
    // credentials, so no error built here carries it (`without_url`).
    let answer = http
        .get(url)
        .send()
        .await
        .map_err(|error| FederationError::Unreachable {
            endpoint: shown.clone(),
            reason: error.without_url().to_string(),
        })?;
    let status = answer.status();
    let body = answer
        .text()
        .await
        .map_err(|error| FederationError::Unreachable {
            endpoint: shown.clone(),
            reason: error.without_url().to_string(),
        })?;
    if !status.is_success() {
        return Err(FederationError::Refused {
            endpoint: shown,
            status: status.as_u16(),
            body: shown_body(&body, credentials),
            hint: refusal_hint(status.as_u16(), session_duration.is_some()),
        });
    }
    let token = serde_json::from_str::<SigninTokenAnswer>(&body)
        .ok()
        .and_then(|answer| answer.signin_token)
        .filter(|token| !token.is_empty())
        .ok_or(FederationError::NoToken { endpoint: shown })?;
    Ok(Secret::new(token))
}

/// `Action=login`: the URL that signs a browser in and sends it to `destination`.
pub fn login_url(endpoint: &Url, issuer: &str, destination: &str, token: &Secret) -> Secret {
    let mut url = endpoint.clone();
    url.query_pairs_mut()
        .append_pair("Action", "login")
        .append_pair("Issuer", issuer)
        .append_pair("Destination", destination)
        .append_pair("SigninToken", token.expose());
    Secret::new(url.to_string())
}

/// The refusal's body as a short single line, or nothing if it could hold a credential (an
/// endpoint that echoes the request must not put the secret into an error message).
fn shown_body(body: &str, credentials: &Credentials) -> String {
    let line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    let echoes_secret = line.contains(credentials.secret_access_key.expose())
        || line.contains(credentials.session_token.expose());
    if echoes_secret {
        return String::new();
    }
    line.chars().take(200).collect()
}

fn refusal_hint(status: u16, sent_duration: bool) -> &'static str {
    match status {
        400 | 401 | 403 if sent_duration => {
            "the console accepts only role sessions (not long-term keys or GetSessionToken \
             credentials), and a role session assumed with DurationSeconds by anything but an \
             IAM user cannot be federated; the session may also have expired"
        }
        400 | 401 | 403 => {
            "the console accepts only temporary credentials of a role or federated user that are \
             still valid; long-term keys and GetSessionToken credentials cannot sign in"
        }
        _ => "the sign-in service failed; try again",
    }
}

#[cfg(test)]
#[path = "federation_tests.rs"]
mod tests;
