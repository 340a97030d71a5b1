//! The bytes the endpoint sends back: the container-credentials JSON the AWS SDKs and CLI
//! read (`AccessKeyId`, `SecretAccessKey`, `Token`, `Expiration`, `AccountId`), and the JSON
//! error (`Code`, `Message`) they show when there are none. Pure functions; the credentials
//! leave runas only through [`credentials_body`], whose purpose is to hand them on.

use serde::Serialize;

use crate::cache::store::CredentialEntry;
use crate::shell::rfc3339_utc;

/// The JSON of a successful answer.
pub fn credentials_body(entry: &CredentialEntry) -> String {
    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct ContainerCredentials<'a> {
        access_key_id: &'a str,
        secret_access_key: &'a str,
        token: &'a str,
        expiration: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        account_id: Option<&'a str>,
    }
    let credentials = &entry.credentials;
    let body = ContainerCredentials {
        access_key_id: &credentials.access_key_id,
        secret_access_key: credentials.secret_access_key.expose(),
        token: credentials.session_token.expose(),
        expiration: rfc3339_utc(credentials.expiration),
        account_id: account_id(entry),
    };
    // A struct of strings cannot fail to serialise.
    serde_json::to_string(&body).unwrap_or_default()
}

/// The JSON of an error answer: the SDKs put the whole body into the error they raise.
pub fn error_body(code: &str, message: &str) -> String {
    serde_json::json!({ "Code": code, "Message": message }).to_string()
}

/// A complete HTTP/1.1 answer that closes the connection.
pub fn http_response(status: u16, body: &str) -> Vec<u8> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Error",
    };
    let allow = if status == 405 { "Allow: GET\r\n" } else { "" };
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nCache-Control: no-store\r\n{allow}Connection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// The account of the role session (`arn:aws:sts::ACCOUNT:assumed-role/...`), else of the
/// role; `None` when neither is known.
fn account_id(entry: &CredentialEntry) -> Option<&str> {
    let arn = entry
        .assumed_role_arn
        .as_deref()
        .or(entry.role_arn.as_deref())?;
    let account = arn.split(':').nth(4)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then_some(account)
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::creds::{Credentials, Secret};

    fn entry(assumed_role_arn: Option<&str>) -> CredentialEntry {
        CredentialEntry {
            profile: "dev".into(),
            credentials: Credentials {
                access_key_id: "ASIAKEY".into(),
                secret_access_key: Secret::new("sec\"ret"),
                session_token: Secret::new("tok"),
                expiration: DateTime::from_timestamp(2_000_000_000, 0).unwrap(),
            },
            obtained_at: DateTime::from_timestamp(1_999_996_400, 0).unwrap(),
            role_arn: None,
            assumed_role_arn: assumed_role_arn.map(str::to_owned),
            session_name: None,
            identity_enhanced: false,
            definition: None,
        }
    }

    #[test]
    fn credentials_have_the_container_shape_with_the_account() {
        let arn = "arn:aws:sts::123456789012:assumed-role/dev/alice";
        let json: serde_json::Value =
            serde_json::from_str(&credentials_body(&entry(Some(arn)))).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "AccessKeyId": "ASIAKEY",
                "SecretAccessKey": "sec\"ret",
                "Token": "tok",
                "Expiration": "2033-05-18T03:33:20Z",
                "AccountId": "123456789012",
            })
        );
        let without: serde_json::Value =
            serde_json::from_str(&credentials_body(&entry(None))).unwrap();
        assert!(without.get("AccountId").is_none(), "{without}");
    }

    #[test]
    fn responses_carry_length_and_close() {
        let text = String::from_utf8(http_response(503, "{}")).unwrap();
        assert!(
            text.starts_with("HTTP/1.1 503 Service Unavailable\r\n"),
            "{text}"
        );
        assert!(text.contains("Content-Length: 2\r\n") && text.ends_with("\r\n\r\n{}"));
        assert!(
            String::from_utf8(http_response(405, ""))
                .unwrap()
                .contains("Allow: GET")
        );
    }
}
