//! Misbehaving loopback servers for the fault tests: a port where nothing listens, a listener
//! that accepts connections and never answers, and an HTTP server that gives every request the
//! same canned answer (a 500, malformed JSON). Each runs on 127.0.0.1 only, on a thread that
//! stops when its handle is dropped; none of them knows anything about runas.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// A loopback port that was free a moment ago and has nothing listening on it now.
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free loopback port");
    listener.local_addr().expect("bound address").port()
}

/// What a [`LoopbackServer`] does with each connection it accepts.
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// Keeps the connection open and reads nothing back: the peer waits for an answer forever.
    Hang,
    /// Reads the request head and answers `status` with `body` as `application/json`.
    Answer { status: u16, body: String },
}

/// A server on a free loopback port, stopped (and its held connections closed) when dropped.
pub struct LoopbackServer {
    port: u16,
    requests: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl LoopbackServer {
    pub fn start(behaviour: Behaviour) -> LoopbackServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("bound address").port();
        // Non-blocking accepts let the thread notice `stop` instead of blocking forever.
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let requests = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (requests, stop) = (requests.clone(), stop.clone());
            std::thread::spawn(move || serve(&listener, &behaviour, &requests, &stop))
        };
        LoopbackServer {
            port,
            requests,
            stop,
            thread: Some(thread),
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Connections accepted so far (one per request for a client that does not reuse them).
    pub fn connections(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(listener: &TcpListener, behaviour: &Behaviour, requests: &AtomicU64, stop: &AtomicBool) {
    let mut held = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                requests.fetch_add(1, Ordering::SeqCst);
                match behaviour {
                    Behaviour::Hang => held.push(stream),
                    Behaviour::Answer { status, body } => answer(stream, *status, body),
                }
            }
            // Nothing to accept yet: poll again shortly (the thread has no other work).
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

fn answer(mut stream: TcpStream, status: u16, body: &str) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 64 * 1024 {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    let response = format!(
        "HTTP/1.1 {status} Canned\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
}
