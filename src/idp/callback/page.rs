//! The HTTP responses the callback listener sends: the pages in `assets/callback/`, filled
//! with HTML-escaped text, and the headers that keep them inert (no scripts, no caching, no
//! referrer carrying the code onward). It decides wording and status codes only; it never
//! sees the authorization code or the state, so it cannot echo them.

use super::request::ParseError;
use super::verdict::Rejection;

const SUCCESS_PAGE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/callback/success.html"
));
const ERROR_PAGE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/callback/error.html"
));

const START_AGAIN: &str = "If you were logging in, start the login again from runas.";

/// A complete response: status line, fixed headers and an HTML body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    reason: &'static str,
    body: String,
}

impl Response {
    pub fn success() -> Self {
        Response {
            status: 200,
            reason: "OK",
            body: SUCCESS_PAGE.to_owned(),
        }
    }

    /// The identity provider's own refusal, echoed (escaped) so the person sees its reason.
    pub fn denied(error: &str, description: Option<&str>) -> Self {
        let message = match description {
            Some(description) if !description.is_empty() => {
                format!("The identity provider refused the login: {error} ({description}).")
            }
            _ => format!("The identity provider refused the login: {error}."),
        };
        error_response(
            403,
            "Forbidden",
            "Login refused",
            &message,
            "You can close this tab; runas shows the error in the terminal. If you did not \
             refuse it yourself, check that your account is assigned to this application.",
        )
    }

    pub fn rejected(rejection: &Rejection) -> Self {
        let (status, reason, title, message, next) = wording(rejection);
        error_response(status, reason, title, &message, next)
    }

    #[cfg(test)]
    pub fn body(&self) -> &str {
        &self.body
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let allow = if self.status == 405 {
            "Allow: GET\r\n"
        } else {
            ""
        };
        let head = format!(
            "HTTP/1.1 {status} {reason}\r\n\
             Content-Type: text/html; charset=utf-8\r\n\
             Content-Length: {length}\r\n\
             Connection: close\r\n\
             Cache-Control: no-store\r\n\
             Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'\r\n\
             X-Content-Type-Options: nosniff\r\n\
             Referrer-Policy: no-referrer\r\n\
             {allow}\r\n",
            status = self.status,
            reason = self.reason,
            length = self.body.len(),
        );
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(self.body.as_bytes());
        bytes
    }
}

type Wording = (u16, &'static str, &'static str, String, &'static str);

fn wording(rejection: &Rejection) -> Wording {
    let bad_request = |title: &'static str, message: &str, next: &'static str| -> Wording {
        (400, "Bad Request", title, message.to_owned(), next)
    };
    match rejection {
        Rejection::Malformed(ParseError::RequestLineTooLong) => (
            414,
            "URI Too Long",
            "Address too long",
            "The address is longer than runas accepts, so it is not a login response.".into(),
            START_AGAIN,
        ),
        Rejection::Malformed(ParseError::HeadTooLarge | ParseError::TooManyHeaders) => (
            431,
            "Request Header Fields Too Large",
            "Request headers too large",
            "The browser sent more headers than runas accepts, usually cookies that other local \
             web apps set for this address."
                .into(),
            "Clear this browser's cookies for 127.0.0.1 and localhost, then start the login \
             again from runas.",
        ),
        Rejection::Malformed(ParseError::UnsupportedVersion) => (
            505,
            "HTTP Version Not Supported",
            "Unsupported HTTP version",
            "runas answers HTTP/1.0 and HTTP/1.1 only.".into(),
            START_AGAIN,
        ),
        Rejection::Malformed(_) => bad_request(
            "Malformed request",
            "The request is not valid HTTP, so runas did not read it.",
            START_AGAIN,
        ),
        Rejection::ReadTimeout => (
            408,
            "Request Timeout",
            "Request timed out",
            "The request did not arrive in time.".into(),
            START_AGAIN,
        ),
        Rejection::MethodNotAllowed => (
            405,
            "Method Not Allowed",
            "Method not allowed",
            "runas only accepts the identity provider's redirect, which is a GET request.".into(),
            "Check that the application at the identity provider uses the query response mode.",
        ),
        Rejection::MissingHost => bad_request(
            "Malformed request",
            "The request has no Host header.",
            START_AGAIN,
        ),
        Rejection::ForeignHost => (
            421,
            "Misdirected Request",
            "Wrong address",
            "This page was reached under a name other than this computer's loopback address, \
             so runas did not accept it."
                .into(),
            "Open the login link that runas shows instead.",
        ),
        Rejection::WrongPath => (
            404,
            "Not Found",
            "Not found",
            "runas is waiting for the login redirect on a different path.".into(),
            "Use the login link runas shows. If the identity provider sent you here, make \
             web_identity_callback_uri match the redirect URI registered with it.",
        ),
        Rejection::MissingState => bad_request(
            "Not a login response",
            "The request has no state parameter, so it cannot be matched to the login runas \
             started.",
            START_AGAIN,
        ),
        Rejection::StateMismatch => bad_request(
            "Login response does not match",
            "This response belongs to a different or older login attempt, so runas ignored it.",
            "Use the browser tab opened by the latest login in runas, or start the login again.",
        ),
        Rejection::RepeatedParameter(name) => bad_request(
            "Ambiguous login response",
            &format!("The {name} parameter appears more than once."),
            START_AGAIN,
        ),
        Rejection::MissingCode => bad_request(
            "No authorization code",
            "The identity provider redirected back without an authorization code.",
            "Start the login again from runas. If this repeats, check that the application at \
             the identity provider allows the authorization-code grant.",
        ),
    }
}

fn error_response(
    status: u16,
    reason: &'static str,
    title: &str,
    message: &str,
    next: &str,
) -> Response {
    let body = fill(
        ERROR_PAGE,
        &[
            ("{{title}}", &escape_html(title)),
            ("{{message}}", &escape_html(message)),
            ("{{next}}", &escape_html(next)),
        ],
    );
    Response {
        status,
        reason,
        body,
    }
}

/// Replaces placeholders in one pass over the template, so text substituted for one
/// placeholder is never searched for another.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut filled = String::with_capacity(template.len() + 256);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        filled.push_str(&rest[..start]);
        let candidate = &rest[start..];
        match values.iter().find(|(key, _)| candidate.starts_with(key)) {
            Some((key, value)) => {
                filled.push_str(value);
                rest = &candidate[key.len()..];
            }
            None => {
                filled.push_str("{{");
                rest = &candidate[2..];
            }
        }
    }
    filled.push_str(rest);
    filled
}

fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head_of(response: &Response) -> String {
        let bytes = response.to_bytes();
        let text = String::from_utf8(bytes).unwrap();
        text.split_once("\r\n\r\n").unwrap().0.to_owned()
    }

    #[test]
    fn responses_carry_the_protective_headers_and_exact_length() {
        let response = Response::success();
        let head = head_of(&response);
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        for header in [
            "Content-Type: text/html; charset=utf-8",
            "Connection: close",
            "Cache-Control: no-store",
            "Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'",
            "Referrer-Policy: no-referrer",
        ] {
            assert!(head.contains(header), "missing {header}: {head}");
        }
        let length = format!("Content-Length: {}\r\n", response.body().len());
        assert!(head.contains(&length), "{head}");
        assert!(response.body().contains("You can close this tab"));
    }

    #[test]
    fn method_not_allowed_says_which_method_is() {
        let head = head_of(&Response::rejected(&Rejection::MethodNotAllowed));
        assert!(head.starts_with("HTTP/1.1 405 "), "{head}");
        assert!(head.contains("\r\nAllow: GET"), "{head}");
    }

    #[test]
    fn status_codes_follow_the_rejection() {
        let cases = [
            (Rejection::Malformed(ParseError::RequestLineTooLong), 414),
            (Rejection::Malformed(ParseError::HeadTooLarge), 431),
            (Rejection::Malformed(ParseError::BadHeader), 400),
            (Rejection::ReadTimeout, 408),
            (Rejection::ForeignHost, 421),
            (Rejection::WrongPath, 404),
            (Rejection::StateMismatch, 400),
            (Rejection::MissingCode, 400),
        ];
        for (rejection, status) in cases {
            assert_eq!(
                Response::rejected(&rejection).status,
                status,
                "{rejection:?}"
            );
        }
    }

    #[test]
    fn echoed_idp_text_is_escaped_and_every_placeholder_filled() {
        let response = Response::denied(
            "access_denied",
            Some("<script>alert('x')</script> & {{title}}"),
        );
        let body = response.body();
        assert!(!body.contains("<script>"), "{body}");
        assert!(
            body.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; {{title}}"),
            "{body}"
        );
        assert!(
            body.contains("<title>runas: Login refused</title>"),
            "{body}"
        );
        assert_eq!(
            body.matches("{{").count(),
            1,
            "only the echoed text keeps braces: {body}"
        );
    }

    #[test]
    fn the_error_template_has_every_placeholder() {
        for key in ["{{title}}", "{{message}}", "{{next}}"] {
            assert!(ERROR_PAGE.contains(key), "{key}");
        }
        for rejection in [Rejection::WrongPath, Rejection::RepeatedParameter("code")] {
            assert!(!Response::rejected(&rejection).body().contains("{{"));
        }
    }

    #[test]
    fn pages_load_nothing_from_elsewhere() {
        for page in [SUCCESS_PAGE, ERROR_PAGE] {
            for forbidden in ["<script", "src=", "href=", "@import", "url("] {
                assert!(!page.contains(forbidden), "{forbidden}");
            }
        }
    }

    #[test]
    fn fill_leaves_unknown_braces_alone() {
        assert_eq!(
            fill("a {{x}} {{y}} {{", &[("{{x}}", "{{y}}")]),
            "a {{y}} {{y}} {{"
        );
    }
}
