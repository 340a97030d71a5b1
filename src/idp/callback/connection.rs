//! One accepted connection of the login listener: read the request head under a deadline,
//! judge it, answer a rejection with its error page (then drain, so the page survives the
//! close), or hand the ending request back to the listener. It must not touch the listening
//! sockets: only `wait` decides when the port closes.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

use super::page::Response;
use super::request::{self, parse_request};
use super::verdict::{Expectation, Rejection, Verdict, judge};
use super::{CallbackError, CallbackParams};

/// Bounds writing a page and draining a rejected request, so no client can hold a task.
const WRITE_DEADLINE: Duration = Duration::from_secs(5);
/// Unread request bytes left when a socket closes make the kernel send a reset, which can
/// destroy the error page before the client reads it; so rejected connections are drained,
/// up to this much.
const DRAIN_LIMIT: usize = 1024 * 1024;

/// The request that ends the login, with its page still to be sent.
pub(super) struct Ending {
    pub stream: TcpStream,
    pub response: Response,
    pub result: Result<CallbackParams, CallbackError>,
}

pub(super) struct OwnedExpectation {
    pub path: String,
    pub port: u16,
    pub state: String,
}

/// Serves one connection. Rejections are answered here; the callback and a denial are
/// handed back to `wait`, which closes the listener before answering.
pub(super) async fn serve(
    mut stream: TcpStream,
    expected: Arc<OwnedExpectation>,
    read_deadline: Duration,
) -> Option<Ending> {
    let verdict = match timeout(read_deadline, read_head(&mut stream)).await {
        Err(_elapsed) => Verdict::Rejected(Rejection::ReadTimeout),
        // The client went away without a request (a browser's speculative preconnect does).
        Ok(Ok(head)) if head.is_empty() => return None,
        Ok(Ok(head)) => match parse_request(&head) {
            Ok(request) => judge(
                &request,
                &Expectation {
                    path: &expected.path,
                    port: expected.port,
                    state: &expected.state,
                },
            ),
            Err(error) => Verdict::Rejected(Rejection::Malformed(error)),
        },
        Ok(Err(_io)) => return None,
    };
    match verdict {
        Verdict::Callback(params) => Some(Ending {
            stream,
            response: Response::success(),
            result: Ok(params),
        }),
        Verdict::Denied { error, description } => Some(Ending {
            stream,
            response: Response::denied(&error, description.as_deref()),
            result: Err(CallbackError::Denied { error, description }),
        }),
        Verdict::Rejected(rejection) => {
            tracing::debug!(?rejection, "login listener turned a request away");
            if send(&mut stream, &Response::rejected(&rejection))
                .await
                .is_ok()
            {
                let _ = timeout(WRITE_DEADLINE, drain(&mut stream)).await;
            }
            None
        }
    }
}

/// Reads until the head is complete, the client closes, or the head outgrows the parser's
/// limits; `parse_request` then judges what arrived. Scans only new bytes, so a client
/// dripping one byte at a time costs linear work.
async fn read_head(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(2048);
    let mut chunk = [0u8; 4096];
    let mut line_ended = false;
    loop {
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Ok(head);
        }
        // Back up so a terminator split across two reads is still found.
        let scan_from = head.len().saturating_sub(3);
        head.extend_from_slice(&chunk[..read]);
        if request::find_head_end(&head, scan_from).is_some() {
            return Ok(head);
        }
        line_ended = line_ended || head[scan_from..].windows(2).any(|pair| pair == b"\r\n");
        let line_too_long = !line_ended && request::unfinished_line_too_long(&head);
        if line_too_long || head.len() >= request::MAX_HEAD_BYTES {
            return Ok(head);
        }
    }
}

pub(super) async fn send(stream: &mut TcpStream, response: &Response) -> io::Result<()> {
    let write = async {
        stream.write_all(&response.to_bytes()).await?;
        stream.shutdown().await
    };
    timeout(WRITE_DEADLINE, write)
        .await
        .unwrap_or_else(|elapsed| Err(io::Error::new(io::ErrorKind::TimedOut, elapsed)))
}

async fn drain(stream: &mut TcpStream) {
    let mut sink = [0u8; 8192];
    let mut drained = 0;
    while drained < DRAIN_LIMIT {
        match stream.read(&mut sink).await {
            Ok(0) | Err(_) => return,
            Ok(read) => drained += read,
        }
    }
}
