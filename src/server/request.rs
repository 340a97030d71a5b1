//! Reading and judging one request to the credentials endpoint: the request head (request
//! line and headers, never a body) read under a size limit, a header-count limit and a
//! deadline, then checked against what this endpoint accepts. Parsing and judging are pure
//! functions over bytes and strings so they are tested without sockets; only [`read_head`]
//! touches the connection. It never logs a header value: the `Authorization` header is the
//! endpoint's secret.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};

/// Largest request head accepted. An SDK's request (request line, Host, the token, a
/// User-Agent and a few more headers) is well under 1 KiB; the margin is for long user agents.
pub const MAX_HEAD_BYTES: usize = 8 * 1024;
/// More headers than any SDK sends.
pub const MAX_HEADERS: usize = 32;
/// How long a connection may take to deliver its request head. An SDK sends it at once;
/// anything slower is a stalled or hostile client holding a connection open.
pub const HEAD_DEADLINE: Duration = Duration::from_secs(2);

const HEAD_END: &[u8] = b"\r\n\r\n";

/// The parts of a request the endpoint judges.
#[derive(Clone, PartialEq, Eq)]
pub struct Head {
    pub method: String,
    pub target: String,
    /// Every `Host` header value, in order (more than one is refused).
    pub hosts: Vec<String>,
    /// Whether any `Origin` header was sent.
    pub has_origin: bool,
    /// Every `Authorization` header value (more than one is refused).
    pub authorizations: Vec<String>,
}

impl std::fmt::Debug for Head {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The Authorization values are the endpoint's token: only their count is shown.
        f.debug_struct("Head")
            .field("method", &self.method)
            .field("target", &self.target)
            .field("hosts", &self.hosts)
            .field("has_origin", &self.has_origin)
            .field("authorizations", &self.authorizations.len())
            .finish()
    }
}

/// Why a request gets no credentials. Each maps to one HTTP status; none carries a value
/// from the request, so an answer or a log line built from it cannot echo a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The connection closed or stalled before a full request head arrived.
    Incomplete,
    Malformed,
    TooLarge,
    TooManyHeaders,
    /// `Host` is not the address and port runas bound (DNS rebinding), or is missing.
    ForeignHost,
    /// An `Origin` header: a web page in the person's browser is asking.
    BrowserOrigin,
    MethodNotAllowed,
    NotFound,
    MissingToken,
    WrongToken,
}

impl Refusal {
    pub fn status(self) -> u16 {
        match self {
            Refusal::Incomplete => 408,
            Refusal::Malformed => 400,
            Refusal::TooLarge | Refusal::TooManyHeaders => 431,
            Refusal::ForeignHost | Refusal::BrowserOrigin | Refusal::WrongToken => 403,
            Refusal::MethodNotAllowed => 405,
            Refusal::NotFound => 404,
            Refusal::MissingToken => 401,
        }
    }

    /// A short reason for the answer body and the request log; names no value.
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::Incomplete => "the request did not arrive in time",
            Refusal::Malformed => "malformed request",
            Refusal::TooLarge => "request head too large",
            Refusal::TooManyHeaders => "too many headers",
            Refusal::ForeignHost => "Host is not this endpoint's loopback address",
            Refusal::BrowserOrigin => "requests from web pages (Origin) are refused",
            Refusal::MethodNotAllowed => "only GET is allowed",
            Refusal::NotFound => "no such path",
            Refusal::MissingToken => "no authorization token",
            Refusal::WrongToken => "wrong authorization token",
        }
    }
}

/// What a request must match to get credentials.
pub struct Expected<'a> {
    /// `127.0.0.1:PORT` as bound.
    pub host: &'a str,
    pub path: &'a str,
    pub token: &'a str,
}

/// Reads bytes until the blank line that ends the head, at most [`MAX_HEAD_BYTES`], within
/// [`HEAD_DEADLINE`]; returns the head's bytes.
pub async fn read_head<R: AsyncRead + Unpin>(reader: &mut R) -> Result<Vec<u8>, Refusal> {
    let reading = async {
        let mut bytes = Vec::with_capacity(1024);
        let mut chunk = [0u8; 2048];
        loop {
            let read = reader
                .read(&mut chunk)
                .await
                .map_err(|_| Refusal::Incomplete)?;
            if read == 0 {
                return Err(Refusal::Incomplete);
            }
            let searched_from = bytes.len().saturating_sub(HEAD_END.len() - 1);
            bytes.extend_from_slice(&chunk[..read]);
            if let Some(position) = bytes[searched_from..]
                .windows(HEAD_END.len())
                .position(|window| window == HEAD_END)
            {
                let end = searched_from + position + HEAD_END.len();
                if end > MAX_HEAD_BYTES {
                    return Err(Refusal::TooLarge);
                }
                bytes.truncate(end);
                return Ok(bytes);
            }
            if bytes.len() > MAX_HEAD_BYTES {
                return Err(Refusal::TooLarge);
            }
        }
    };
    tokio::time::timeout(HEAD_DEADLINE, reading)
        .await
        .unwrap_or(Err(Refusal::Incomplete))
}

/// Parses a complete head (as [`read_head`] returns it).
pub fn parse(bytes: &[u8]) -> Result<Head, Refusal> {
    let text = std::str::from_utf8(bytes).map_err(|_| Refusal::Malformed)?;
    let mut lines = text.split("\r\n");
    let request_line = lines.next().ok_or(Refusal::Malformed)?;
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Refusal::Malformed);
    };
    if method.is_empty() || !target.starts_with('/') || !version.starts_with("HTTP/1.") {
        return Err(Refusal::Malformed);
    }
    let mut head = Head {
        method: method.to_owned(),
        target: target.to_owned(),
        hosts: Vec::new(),
        has_origin: false,
        authorizations: Vec::new(),
    };
    let mut count = 0;
    for line in lines.take_while(|line| !line.is_empty()) {
        count += 1;
        if count > MAX_HEADERS {
            return Err(Refusal::TooManyHeaders);
        }
        let (name, value) = line.split_once(':').ok_or(Refusal::Malformed)?;
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(Refusal::Malformed);
        }
        let value = value.trim_matches([' ', '\t']);
        if name.eq_ignore_ascii_case("host") {
            head.hosts.push(value.to_owned());
        } else if name.eq_ignore_ascii_case("origin") {
            head.has_origin = true;
        } else if name.eq_ignore_ascii_case("authorization") {
            head.authorizations.push(value.to_owned());
        }
    }
    Ok(head)
}

/// Whether `head` may have credentials. The checks run from the cheapest to the token, and
/// the token is compared in constant time.
pub fn judge(head: &Head, expected: &Expected<'_>) -> Result<(), Refusal> {
    match head.hosts.as_slice() {
        [host] if host.eq_ignore_ascii_case(expected.host) => {}
        _ => return Err(Refusal::ForeignHost),
    }
    if head.has_origin {
        return Err(Refusal::BrowserOrigin);
    }
    if head.method != "GET" {
        return Err(Refusal::MethodNotAllowed);
    }
    if head.target != expected.path {
        return Err(Refusal::NotFound);
    }
    match head.authorizations.as_slice() {
        [] => Err(Refusal::MissingToken),
        [token] if constant_time_equal(token.as_bytes(), expected.token.as_bytes()) => Ok(()),
        _ => Err(Refusal::WrongToken),
    }
}

/// Compares without returning early at the first differing byte, so the time taken does not
/// tell a caller how much of a guessed token was right. The length is not secret (every token
/// is 64 hex digits).
pub fn constant_time_equal(given: &[u8], expected: &[u8]) -> bool {
    if given.len() != expected.len() {
        return false;
    }
    let difference = given
        .iter()
        .zip(expected)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    std::hint::black_box(difference) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPECTED: Expected<'static> = Expected {
        host: "127.0.0.1:4242",
        path: "/runas/credentials",
        token: "0123456789abcdef",
    };

    fn head(extra: &str) -> String {
        format!(
            "GET /runas/credentials HTTP/1.1\r\nHost: 127.0.0.1:4242\r\n\
             Authorization: 0123456789abcdef\r\n{extra}\r\n"
        )
    }

    fn verdict(text: &str) -> Result<(), Refusal> {
        judge(&parse(text.as_bytes())?, &EXPECTED)
    }

    #[test]
    fn the_sdk_request_is_accepted() {
        assert_eq!(verdict(&head("User-Agent: aws-sdk\r\n")), Ok(()));
    }

    #[test]
    fn each_departure_is_refused_with_its_own_reason() {
        let cases = [
            (
                head("Origin: https://evil.example\r\n"),
                Refusal::BrowserOrigin,
            ),
            (head("Host: 127.0.0.1:4242\r\n"), Refusal::ForeignHost),
            (
                head("").replace("127.0.0.1:4242", "localhost:4242"),
                Refusal::ForeignHost,
            ),
            (
                head("").replacen("GET", "POST", 1),
                Refusal::MethodNotAllowed,
            ),
            (
                head("").replace("/runas/credentials", "/runas/credentials?x"),
                Refusal::NotFound,
            ),
            (
                head("").replace("Authorization: 0123456789abcdef\r\n", ""),
                Refusal::MissingToken,
            ),
            (
                head("").replace("0123456789abcdef", "0123456789abcdeX"),
                Refusal::WrongToken,
            ),
            (
                head("Authorization: 0123456789abcdef\r\n"),
                Refusal::WrongToken,
            ),
            ("GET /x\r\n\r\n".to_owned(), Refusal::Malformed),
        ];
        for (request, refusal) in cases {
            assert_eq!(verdict(&request), Err(refusal), "{request:?}");
        }
    }

    #[test]
    fn too_many_headers_are_refused() {
        let many: String = (0..=MAX_HEADERS).map(|i| format!("X-{i}: y\r\n")).collect();
        assert_eq!(verdict(&head(&many)), Err(Refusal::TooManyHeaders));
    }

    #[tokio::test]
    async fn a_head_over_the_limit_is_refused_before_it_ends() {
        let mut oversized = head(&format!("X-Big: {}\r\n", "a".repeat(MAX_HEAD_BYTES)));
        oversized.push_str("more");
        let mut reader = oversized.as_bytes();
        assert_eq!(read_head(&mut reader).await, Err(Refusal::TooLarge));
        let mut complete = head("").into_bytes();
        complete.extend_from_slice(b"ignored body");
        let mut reader = complete.as_slice();
        let read = read_head(&mut reader).await.unwrap();
        assert!(read.ends_with(b"\r\n\r\n"));
        let mut cut_short = &b"GET / HTTP/1.1\r\n"[..];
        assert_eq!(read_head(&mut cut_short).await, Err(Refusal::Incomplete));
    }

    #[test]
    fn debug_of_a_head_hides_the_token() {
        let shown = format!("{:?}", parse(head("").as_bytes()).unwrap());
        assert!(!shown.contains("0123456789abcdef"), "{shown}");
    }

    #[test]
    fn constant_time_equal_is_equality() {
        assert!(constant_time_equal(b"abc", b"abc"));
        assert!(!constant_time_equal(b"abc", b"abd"));
        assert!(!constant_time_equal(b"abc", b"abcd"));
    }
}
