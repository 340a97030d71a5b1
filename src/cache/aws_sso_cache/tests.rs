//! Test-only code: compiled solely under its parent module's `#[cfg(test)]`.

use super::*;

const START_URL: &str = "https://d-9067c0ffee.awsapps.com/start";

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn token_files_are_named_like_the_aws_cli_names_them() {
    // `printf %s corp | sha1sum` and `printf %s https://d-9067c0ffee.awsapps.com/start | sha1sum`
    assert_eq!(
        token_file_name(TokenKey::Session("corp")),
        "ee0bfd2552fbd840c02cc48b6e823320543c450f.json"
    );
    assert_eq!(
        token_file_name(TokenKey::StartUrl(START_URL)),
        "024cf46d984fbdda53a05b87cb61ab6d0e12d5f8.json"
    );
}

#[test]
fn registration_files_are_named_like_botocore_names_them() {
    // python3: hashlib.sha1(json.dumps({...}, sort_keys=True).encode()).hexdigest()
    let mut key = RegistrationKey {
        start_url: START_URL.into(),
        region: "us-east-1".into(),
        scopes: Some(vec!["sso:account:access".into()]),
        session_name: Some("corp".into()),
    };
    assert_eq!(
        registration_file_name(&key),
        "5b615146ddc42329bb232c562795d9bcceb3821c.json"
    );
    key.scopes = None;
    assert_eq!(
        registration_file_name(&key),
        "4712936a0543e6c34f9d5febeefea3cb04025ac3.json"
    );
    // Python's ensure_ascii escaping: non-ASCII and DEL as \uXXXX, quotes backslashed.
    let odd = RegistrationKey {
        start_url: "https://x/\u{e9}".into(),
        region: "us-east-1".into(),
        scopes: None,
        session_name: Some("caf\u{e9} \"q\"\u{7f}".into()),
    };
    assert_eq!(
        registration_file_name(&odd),
        "34ca6cd44e43e85412f63b6b11e17b303c0e8b94.json"
    );
}

#[test]
fn python_strings_escape_outside_printable_ascii() {
    assert_eq!(python_json_string("a\"b\\c\n"), r#""a\"b\\c\n""#);
    assert_eq!(python_json_string("\u{1F600}"), r#""\ud83d\ude00""#);
}

#[test]
fn a_token_file_round_trips_in_the_aws_cli_format() {
    let dir = tempfile::tempdir().unwrap();
    let cache = AwsSsoCache::under_home(dir.path());
    let token = SsoTokenFile {
        start_url: START_URL.into(),
        region: "us-east-1".into(),
        access_token: Secret::new("access-token-value"),
        expires_at: at("2030-01-02T03:04:05Z"),
        client_id: Some("client-id".into()),
        client_secret: Some(Secret::new("client-secret-value")),
        registration_expires_at: Some(at("2030-03-01T00:00:00Z")),
        refresh_token: Some(Secret::new("refresh-token-value")),
    };
    cache.put_token(TokenKey::Session("corp"), &token).unwrap();
    let path = dir
        .path()
        .join(".aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json");
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(
        written,
        serde_json::json!({
            "startUrl": START_URL,
            "region": "us-east-1",
            "accessToken": "access-token-value",
            "expiresAt": "2030-01-02T03:04:05Z",
            "clientId": "client-id",
            "clientSecret": "client-secret-value",
            "registrationExpiresAt": "2030-03-01T00:00:00Z",
            "refreshToken": "refresh-token-value",
        })
    );
    assert_eq!(
        cache.token(TokenKey::Session("corp")).unwrap(),
        Some(token.clone())
    );
    let shown = format!("{token:?}");
    assert!(!shown.contains("token-value"), "{shown}");
    assert!(!shown.contains("secret-value"), "{shown}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(cache.dir()), 0o700);
    }
    assert!(cache.remove_token(TokenKey::Session("corp")).unwrap());
    assert!(!cache.remove_token(TokenKey::Session("corp")).unwrap());
}

#[test]
fn legacy_and_foreign_timestamps_are_read() {
    let legacy = r#"{"startUrl": "u", "region": "r", "accessToken": "a",
        "expiresAt": "2030-01-02T03:04:05UTC"}"#;
    let token: SsoTokenFile = serde_json::from_str(legacy).unwrap();
    assert_eq!(token.expires_at, at("2030-01-02T03:04:05Z"));
    assert_eq!(token.refresh_token, None);
    let js = r#"{"accessToken": "a", "expiresAt": "2030-01-02T03:04:05.000Z",
        "registrationExpiresAt": "2030-01-02T05:04:05+02:00"}"#;
    let token: SsoTokenFile = serde_json::from_str(js).unwrap();
    assert_eq!(token.registration_expires_at, Some(token.expires_at));
    // Legacy tokens carry no registration: none is written back either.
    let text = serde_json::to_string(&token).unwrap();
    assert!(!text.contains("clientId"), "{text}");
}

#[test]
fn a_registration_round_trips_and_garbage_reads_as_absent() {
    let dir = tempfile::tempdir().unwrap();
    let cache = AwsSsoCache::under_home(dir.path());
    let key = RegistrationKey {
        start_url: START_URL.into(),
        region: "us-east-1".into(),
        scopes: None,
        session_name: Some("corp".into()),
    };
    assert_eq!(cache.registration(&key).unwrap(), None);
    let registration = RegistrationFile {
        client_id: "id".into(),
        client_secret: Secret::new("s"),
        expires_at: at("2030-01-01T00:00:00Z"),
        scopes: None,
    };
    cache.put_registration(&key, &registration).unwrap();
    let text = std::fs::read_to_string(cache.registration_path(&key)).unwrap();
    assert_eq!(
        text,
        r#"{"clientId":"id","clientSecret":"s","expiresAt":"2030-01-01T00:00:00Z"}"#
    );
    assert_eq!(cache.registration(&key).unwrap(), Some(registration));
    std::fs::write(cache.registration_path(&key), b"{not json").unwrap();
    assert_eq!(cache.registration(&key).unwrap(), None);
}
