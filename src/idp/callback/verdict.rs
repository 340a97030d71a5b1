//! What a parsed request means for the login: the real callback, the identity provider's
//! refusal, or something to turn away while the listener keeps waiting. Pure functions, so
//! every rule is unit-tested without a socket. It must not do I/O or render pages: the
//! listener answers, `page` renders.

use std::net::IpAddr;

use openidconnect::url::form_urlencoded;

use super::CallbackParams;
use super::request::{ParseError, Request};
use crate::creds::Secret;

/// What the real callback must look like.
#[derive(Debug, Clone, Copy)]
pub struct Expectation<'a> {
    /// The redirect URI's path, compared byte for byte with the request's.
    pub path: &'a str,
    /// The port the listener actually bound (the redirect URI's, or the one port 0 chose).
    pub port: u16,
    pub state: &'a str,
}

#[derive(Debug)]
pub enum Verdict {
    /// The authorization response runas is waiting for.
    Callback(CallbackParams),
    /// An `error=` response carrying the right `state`: the login is over.
    Denied {
        error: String,
        description: Option<String>,
    },
    /// Not the callback: answer with an error page and keep waiting.
    Rejected(Rejection),
}

/// Why a connection was turned away; each has its own status and page text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    Malformed(ParseError),
    /// The client did not finish its request head within the per-connection deadline.
    ReadTimeout,
    MethodNotAllowed,
    MissingHost,
    /// A `Host` that does not name loopback and this port: a page on another origin reached
    /// us through DNS rebinding, or something other than a browser redirect is talking.
    ForeignHost,
    WrongPath,
    MissingState,
    /// The state does not belong to this login: a stale tab, another login, or a forgery.
    StateMismatch,
    /// RFC 6749 §3.1: a parameter sent twice makes the response ambiguous.
    RepeatedParameter(&'static str),
    MissingCode,
}

/// Longest `error` / `error_description` kept from the identity provider; they end up in
/// terminal error messages, so they are bounded and stripped of control characters.
const MAX_ERROR_CHARS: usize = 100;
const MAX_DESCRIPTION_CHARS: usize = 500;

pub fn judge(request: &Request, expected: &Expectation<'_>) -> Verdict {
    match check(request, expected) {
        Ok(verdict) => verdict,
        Err(rejection) => Verdict::Rejected(rejection),
    }
}

fn check(request: &Request, expected: &Expectation<'_>) -> Result<Verdict, Rejection> {
    if request.method != "GET" {
        return Err(Rejection::MethodNotAllowed);
    }
    let host = request.host.as_deref().ok_or(Rejection::MissingHost)?;
    if !names_loopback_port(host, expected.port) {
        return Err(Rejection::ForeignHost);
    }
    if request.path() != expected.path {
        return Err(Rejection::WrongPath);
    }
    let params = AuthorizationResponse::from_query(request.query())?;
    let state = params.state.ok_or(Rejection::MissingState)?;
    if !constant_time_eq(state.as_bytes(), expected.state.as_bytes()) {
        return Err(Rejection::StateMismatch);
    }
    if let Some(error) = params.error {
        return Ok(Verdict::Denied {
            error: sanitized(&error, MAX_ERROR_CHARS),
            description: params
                .error_description
                .map(|text| sanitized(&text, MAX_DESCRIPTION_CHARS)),
        });
    }
    match params.code {
        Some(code) if !code.is_empty() => Ok(Verdict::Callback(CallbackParams {
            code: Secret::new(code),
            iss: params.iss,
        })),
        _ => Err(Rejection::MissingCode),
    }
}

/// The authorization-response parameters runas reads; others (`session_state`, ...) are ignored.
#[derive(Default)]
struct AuthorizationResponse {
    code: Option<String>,
    state: Option<String>,
    iss: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

impl AuthorizationResponse {
    fn from_query(query: &str) -> Result<Self, Rejection> {
        let mut params = AuthorizationResponse::default();
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            let (slot, name) = match name.as_ref() {
                "code" => (&mut params.code, "code"),
                "state" => (&mut params.state, "state"),
                "iss" => (&mut params.iss, "iss"),
                "error" => (&mut params.error, "error"),
                "error_description" => (&mut params.error_description, "error_description"),
                _ => continue,
            };
            if slot.replace(value.into_owned()).is_some() {
                return Err(Rejection::RepeatedParameter(name));
            }
        }
        Ok(params)
    }
}

/// True when `host` (a `Host` header) is `localhost` or a loopback IP literal, with our port.
/// Any loopback name is fine: DNS rebinding needs a foreign name, and a browser may spell
/// the redirect's host either way after a person edits the URL.
fn names_loopback_port(host: &str, port: u16) -> bool {
    let (name, host_port) = if let Some(rest) = host.strip_prefix('[') {
        let Some((inside, after)) = rest.split_once(']') else {
            return false;
        };
        let after_port = match after {
            "" => None,
            _ => match after.strip_prefix(':') {
                Some(digits) => Some(digits),
                None => return false,
            },
        };
        (inside, after_port)
    } else {
        match host.split_once(':') {
            Some((name, digits)) => (name, Some(digits)),
            None => (host, None),
        }
    };
    let port_matches = match host_port {
        // No port in Host means the scheme's default; 80 for the http redirect.
        None => port == 80,
        Some(digits) => {
            digits.bytes().all(|byte| byte.is_ascii_digit()) && digits.parse::<u16>() == Ok(port)
        }
    };
    let name_is_loopback = name.eq_ignore_ascii_case("localhost")
        || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    port_matches && name_is_loopback
}

/// Compares without an early exit on the first differing byte, so response timing does not
/// reveal how much of a guessed `state` was right. The length is not secret.
fn constant_time_eq(left: &[u8], right: &[u8]) -> bool {
    if left.len() != right.len() {
        return false;
    }
    let difference = left
        .iter()
        .zip(right)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    std::hint::black_box(difference) == 0
}

fn sanitized(text: &str, max_chars: usize) -> String {
    text.chars()
        .filter(|c| !c.is_control())
        .take(max_chars)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPECTED: Expectation<'static> = Expectation {
        path: "/callback",
        port: 8090,
        state: "s3cr3t-state",
    };

    fn request(method: &str, target: &str, host: Option<&str>) -> Request {
        Request {
            method: method.into(),
            target: target.into(),
            host: host.map(Into::into),
        }
    }

    fn judge_get(target: &str) -> Verdict {
        judge(&request("GET", target, Some("127.0.0.1:8090")), &EXPECTED)
    }

    fn rejection(verdict: Verdict) -> Rejection {
        match verdict {
            Verdict::Rejected(rejection) => rejection,
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    #[test]
    fn the_real_callback_yields_code_and_issuer() {
        let verdict = judge_get(
            "/callback?code=the%2Bcode&state=s3cr3t-state&iss=https%3A%2F%2Fidp.example&session_state=x",
        );
        let Verdict::Callback(params) = verdict else {
            panic!("expected the callback, got {verdict:?}");
        };
        assert_eq!(params.code.expose(), "the+code");
        assert_eq!(params.iss.as_deref(), Some("https://idp.example"));
    }

    #[test]
    fn iss_is_optional() {
        let Verdict::Callback(params) = judge_get("/callback?state=s3cr3t-state&code=c") else {
            panic!("expected the callback");
        };
        assert_eq!(params.iss, None);
    }

    #[test]
    fn every_rule_turns_away_its_own_case() {
        let cases = [
            ("/callback?code=c", Rejection::MissingState),
            (
                "/callback?code=c&state=s3cr3t-statf",
                Rejection::StateMismatch,
            ),
            ("/callback?code=c&state=s3cr3t", Rejection::StateMismatch),
            ("/callback?code=c&state=", Rejection::StateMismatch),
            ("/callback?state=s3cr3t-state", Rejection::MissingCode),
            ("/callback?state=s3cr3t-state&code=", Rejection::MissingCode),
            ("/Callback?code=c&state=s3cr3t-state", Rejection::WrongPath),
            ("/callback/?code=c&state=s3cr3t-state", Rejection::WrongPath),
            ("/favicon.ico", Rejection::WrongPath),
            (
                "/callback?code=c&state=s3cr3t-state&state=s3cr3t-state",
                Rejection::RepeatedParameter("state"),
            ),
            (
                "/callback?code=a&code=b&state=s3cr3t-state",
                Rejection::RepeatedParameter("code"),
            ),
        ];
        for (target, expected) in cases {
            assert_eq!(rejection(judge_get(target)), expected, "{target}");
        }
    }

    #[test]
    fn only_get_is_accepted() {
        let target = "/callback?code=c&state=s3cr3t-state";
        for method in ["POST", "HEAD", "PUT", "get"] {
            let verdict = judge(&request(method, target, Some("127.0.0.1:8090")), &EXPECTED);
            assert_eq!(rejection(verdict), Rejection::MethodNotAllowed, "{method}");
        }
    }

    #[test]
    fn host_must_name_loopback_and_our_port() {
        let target = "/callback?code=c&state=s3cr3t-state";
        let judged = |host: Option<&str>| judge(&request("GET", target, host), &EXPECTED);
        for good in [
            "127.0.0.1:8090",
            "localhost:8090",
            "LocalHost:8090",
            "[::1]:8090",
            "127.0.0.2:8090",
        ] {
            assert!(matches!(judged(Some(good)), Verdict::Callback(_)), "{good}");
        }
        for bad in [
            "evil.example:8090",
            "127.0.0.1.evil.example:8090",
            "127.0.0.1:8091",
            "127.0.0.1",
            "127.0.0.1:",
            "127.0.0.1:+8090",
            "10.0.0.1:8090",
            "[::2]:8090",
            "[::1]8090",
            "[::1:8090",
            "localhost:8090:1",
            "",
        ] {
            assert_eq!(
                rejection(judged(Some(bad))),
                Rejection::ForeignHost,
                "{bad}"
            );
        }
        assert_eq!(rejection(judged(None)), Rejection::MissingHost);
    }

    #[test]
    fn a_host_without_port_means_port_80() {
        let expected = Expectation {
            port: 80,
            ..EXPECTED
        };
        let verdict = judge(
            &request(
                "GET",
                "/callback?code=c&state=s3cr3t-state",
                Some("localhost"),
            ),
            &expected,
        );
        assert!(matches!(verdict, Verdict::Callback(_)));
    }

    #[test]
    fn an_error_with_the_right_state_ends_the_login() {
        let verdict = judge_get(
            "/callback?error=access_denied&error_description=User+said+%3Cno%3E%1B%5B31m&state=s3cr3t-state",
        );
        let Verdict::Denied { error, description } = verdict else {
            panic!("expected a denial, got {verdict:?}");
        };
        assert_eq!(error, "access_denied");
        // The escape character is dropped so the text cannot drive the terminal.
        assert_eq!(description.as_deref(), Some("User said <no>[31m"));
    }

    #[test]
    fn an_error_with_a_wrong_state_is_a_forgery_and_ignored() {
        let verdict = judge_get("/callback?error=access_denied&state=other");
        assert_eq!(rejection(verdict), Rejection::StateMismatch);
    }

    #[test]
    fn idp_error_text_is_bounded() {
        let long = "x".repeat(5000);
        let verdict = judge_get(&format!(
            "/callback?error={long}&error_description={long}&state=s3cr3t-state"
        ));
        let Verdict::Denied { error, description } = verdict else {
            panic!("expected a denial");
        };
        assert_eq!(error.len(), MAX_ERROR_CHARS);
        assert_eq!(
            description.map(|text| text.len()),
            Some(MAX_DESCRIPTION_CHARS)
        );
    }

    #[test]
    fn constant_time_eq_compares_whole_values() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"xbc"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(constant_time_eq(b"", b""));
    }
}
