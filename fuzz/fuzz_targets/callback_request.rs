//! The callback listener's request-head parser over arbitrary bytes. Beyond "no panic": an
//! accepted request has an origin-form target within the size limits, its path and query put
//! back together give the target, bytes after the head change nothing, and every proper prefix
//! of an accepted head asks for more bytes rather than being accepted or refused early, which
//! is what the listener's chunked reading depends on.

#![no_main]

use libfuzzer_sys::fuzz_target;
use runas::idp::callback::request::{
    MAX_HEAD_BYTES, MAX_REQUEST_LINE_BYTES, ParseError, find_head_end, parse_request,
};

fuzz_target!(|bytes: &[u8]| {
    let parsed = parse_request(bytes);
    if let Some(&first) = bytes.first() {
        // Resuming the search anywhere before the blank line finds the same end.
        let from = usize::from(first);
        if let Some(end) = find_head_end(bytes, 0)
            && from + 4 <= end
        {
            assert_eq!(find_head_end(bytes, from), Some(end));
        }
    }
    let Ok(request) = parsed else {
        return;
    };

    assert!(request.target.starts_with('/'), "{request:?}");
    assert!(request.path().starts_with('/'), "{request:?}");
    assert!(request.target.len() <= MAX_REQUEST_LINE_BYTES);
    assert!(!request.method.is_empty());
    assert!(request.target.bytes().all(|byte| byte.is_ascii_graphic()));
    let rebuilt = if request.target.contains('?') {
        format!("{}?{}", request.path(), request.query())
    } else {
        request.path().to_string()
    };
    assert_eq!(rebuilt, request.target);
    if let Some(host) = &request.host {
        assert!(host.len() <= MAX_HEAD_BYTES);
        // Optional whitespace around a field value is SP and HTAB only (RFC 9110 §5.6.3), so
        // str::trim, which also strips Unicode spaces such as U+0085, is the wrong check.
        assert_eq!(
            host.trim_matches([' ', '\t']),
            host,
            "Host value not trimmed"
        );
    }

    // An assertion like the others: a panic here is a finding.
    let end = find_head_end(bytes, 0).expect("an accepted request has a complete head");
    assert!(end <= MAX_HEAD_BYTES);
    assert_eq!(parse_request(&bytes[..end]).as_ref(), Ok(&request));
    // The listener reads in chunks: a prefix of a good head must never be refused early. The
    // cuts that matter most split a CRLF, so every cut just after a CR is tried.
    let after_each_cr = bytes[..end - 1]
        .iter()
        .enumerate()
        .filter(|&(_, &byte)| byte == b'\r')
        .map(|(at, _)| at + 1)
        .take(32);
    for cut in [0, end / 2, end - 1].into_iter().chain(after_each_cr) {
        assert_eq!(
            parse_request(&bytes[..cut]),
            Err(ParseError::Incomplete),
            "prefix of {cut} bytes"
        );
    }
});
