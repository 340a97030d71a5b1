//! A failed call to an AWS service other than STS (sso-oidc, S3 Control), in one shape: the
//! service's own refusal (code and message), a timeout, an unreachable endpoint, or an answer
//! runas cannot use. Built from the SDK's error by [`translate`]; it never holds a request
//! parameter, so no token or credential can travel inside it.

use aws_sdk_sts::config::http::HttpResponse;
use aws_sdk_sts::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("{service} {operation} failed: {code}: {message}")]
    Service {
        service: &'static str,
        operation: &'static str,
        code: String,
        message: String,
    },
    #[error("{service} {operation} timed out ({endpoint})")]
    Timeout {
        service: &'static str,
        operation: &'static str,
        endpoint: String,
    },
    #[error("cannot reach {service} at {endpoint} for {operation}: {detail}")]
    Unreachable {
        service: &'static str,
        operation: &'static str,
        endpoint: String,
        detail: String,
    },
    #[error("unexpected answer from {service} {operation}: {detail}")]
    BadResponse {
        service: &'static str,
        operation: &'static str,
        detail: String,
    },
}

impl CallError {
    /// The service's error code, when the service itself refused.
    pub fn code(&self) -> Option<&str> {
        match self {
            CallError::Service { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// Where a call went, for the error it may become.
pub(super) struct Call<'a> {
    pub service: &'static str,
    pub operation: &'static str,
    pub endpoint: &'a str,
}

impl Call<'_> {
    pub fn bad_response(&self, detail: impl Into<String>) -> CallError {
        CallError::BadResponse {
            service: self.service,
            operation: self.operation,
            detail: detail.into(),
        }
    }

    /// The SDK's error as ours. `message` picks the refusal's text where the service keeps it
    /// outside the usual `message` field (sso-oidc's `error_description`).
    pub fn translate<E>(
        &self,
        error: SdkError<E, HttpResponse>,
        message: impl Fn(&E) -> Option<String>,
    ) -> CallError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let (service, operation) = (self.service, self.operation);
        match &error {
            SdkError::ServiceError(context) => {
                let refusal = context.err();
                // An answer without a code still has a status worth naming.
                let code = refusal.code().map_or_else(
                    || format!("HTTP {}", context.raw().status().as_u16()),
                    str::to_owned,
                );
                CallError::Service {
                    service,
                    operation,
                    code,
                    message: message(refusal)
                        .or_else(|| refusal.message().map(str::to_owned))
                        .unwrap_or_default(),
                }
            }
            SdkError::TimeoutError(_) => CallError::Timeout {
                service,
                operation,
                endpoint: self.endpoint.to_owned(),
            },
            SdkError::DispatchFailure(failure) if failure.is_timeout() => CallError::Timeout {
                service,
                operation,
                endpoint: self.endpoint.to_owned(),
            },
            SdkError::DispatchFailure(failure) => CallError::Unreachable {
                service,
                operation,
                endpoint: self.endpoint.to_owned(),
                detail: failure
                    .as_connector_error()
                    .map_or_else(|| "the connection failed".to_owned(), connection_failure),
            },
            // Construction failures and unparseable answers: the SDK's text names what was
            // wrong but never echoes request parameters such as the assertion.
            _ => self.bad_response(DisplayErrorContext(&error).to_string()),
        }
    }
}

/// Why a request never got an answer, in a few words: the I/O error deep in the SDK's source
/// chain (`connection refused`, `connection reset`), not the chain itself, whose text is a dump
/// of the SDK's internal types.
pub(super) fn connection_failure(error: &aws_sdk_sts::error::ConnectorError) -> String {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return io.kind().to_string();
        }
        source = cause.source();
    }
    "the connection failed".to_owned()
}
