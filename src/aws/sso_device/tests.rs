//! Test-only code: compiled solely under its parent module's `#[cfg(test)]`.

use super::*;

fn refusal(code: &str) -> SsoError {
    SsoError::Call(CallError::Service {
        service: SERVICE,
        operation: "CreateToken",
        code: code.into(),
        message: String::new(),
    })
}

#[test]
fn poll_answers_steer_the_loop() {
    assert_eq!(
        poll_verdict(&refusal("AuthorizationPendingException")),
        PollVerdict::Pending
    );
    assert_eq!(
        poll_verdict(&refusal("SlowDownException")),
        PollVerdict::SlowDown
    );
    assert_eq!(
        poll_verdict(&refusal("ExpiredTokenException")),
        PollVerdict::Expired
    );
    assert_eq!(
        poll_verdict(&refusal("AccessDeniedException")),
        PollVerdict::Denied
    );
    assert_eq!(
        poll_verdict(&refusal("InvalidClientException")),
        PollVerdict::Fail
    );
    assert_eq!(poll_verdict(&SsoError::DeviceExpired), PollVerdict::Fail);
}

#[tokio::test]
async fn an_unreachable_endpoint_is_reported_without_the_secret() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = SsoOidcClient::new("us-east-1", &endpoint, Timeouts::default());
    let registration = ClientRegistration {
        client_id: "client-id".into(),
        client_secret: Secret::new("client-secret-that-must-not-leak"),
        expires_at: Utc::now(),
    };
    let error = client
        .refresh(&registration, &Secret::new("refresh-that-must-not-leak"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, SsoError::Call(CallError::Unreachable { .. })),
        "{error:?}"
    );
    let shown = format!("{error} {error:?}");
    assert!(shown.contains(&endpoint), "{shown}");
    assert!(!shown.contains("must-not-leak"), "{shown}");
    // One sentence, not the SDK's chain of internal error types.
    assert!(
        error.to_string().ends_with(": connection refused"),
        "{error}"
    );
}
