//! A tiny blocking HTTP/1.0 client for the harness's own calls to the peers (readiness polls,
//! request counters, IAM setup). Blocking and runtime-free on purpose: the harness is used from
//! plain `#[test]`s and from inside tokio tests alike, and must not need a runtime of its own.
//! HTTP/1.0 keeps answers unchunked and closes the connection, so reading to EOF is the body.
//! Loopback only: it refuses any other address.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// Status code and body of an answer.
pub struct RawResponse {
    pub status: u16,
    pub body: String,
}

pub fn get(port: u16, path: &str) -> std::io::Result<RawResponse> {
    request(
        port,
        &format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n"),
    )
}

/// POSTs an `application/x-www-form-urlencoded` body, with extra header lines if given.
pub fn post_form(
    port: u16,
    path: &str,
    extra_headers: &[(&str, &str)],
    form: &[(&str, &str)],
) -> std::io::Result<RawResponse> {
    let body = form
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let headers: String = extra_headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    request(
        port,
        &format!(
            "POST {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n{headers}\r\n{body}",
            body.len()
        ),
    )
}

/// POSTs a JSON body.
pub fn post_json(port: u16, path: &str, json: &str) -> std::io::Result<RawResponse> {
    request(
        port,
        &format!(
            "POST {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{json}",
            json.len()
        ),
    )
}

fn request(port: u16, raw: &str) -> std::io::Result<RawResponse> {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&address, IO_TIMEOUT)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    stream.write_all(raw.as_bytes())?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let answer = String::from_utf8_lossy(&answer);
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP answer: {head:?}")))?;
    Ok(RawResponse {
        status,
        body: body.to_owned(),
    })
}

/// RFC 3986 unreserved characters pass; everything else is %XX (what form decoding expects).
pub fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
