//! Writes the `cache_decode` seed corpus with the store's own encoder, so the seeds are real
//! cache files: `cargo run --example cache_seeds -- fuzz/seeds/cache_decode` (from the fuzz
//! directory: `cargo run --example cache_seeds -- seeds/cache_decode`).

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use runas::cache::store::{CredentialEntry, Store, TokenEntry};
use runas::creds::{Credentials, Secret};

fn at(seconds: i64) -> DateTime<Utc> {
    // 2027-01-15: within chrono's range, so the conversion cannot fail.
    DateTime::from_timestamp(1_800_000_000 + seconds, 0).expect("a timestamp in range")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: cache_seeds OUT_DIR")?,
    );
    let scratch = std::env::temp_dir().join(format!("runas-cache-seeds-{}", std::process::id()));
    let store = Store::new(&scratch);

    store.put_tokens(&TokenEntry {
        issuer: "http://127.0.0.1:9400".into(),
        client_id: "runas-cli".into(),
        id_token: Secret::new("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"),
        refresh_token: Some(Secret::new("refresh-token-value")),
        id_token_expires_at: at(3600),
        subject: Some("alice".into()),
        email: Some("alice@example.test".into()),
        preferred_username: Some("alice".into()),
        updated_at: at(0),
    })?;
    store.put_tokens(&TokenEntry {
        issuer: "https://login.microsoftonline.com/tenant-id/v2.0".into(),
        client_id: "azure-client".into(),
        id_token: Secret::new("header.payload.signature"),
        refresh_token: None,
        // In range, as in `at`.
        id_token_expires_at: DateTime::from_timestamp(1_800_003_600, 123_456_789)
            .expect("a timestamp in range"),
        subject: None,
        email: None,
        preferred_username: None,
        updated_at: at(0),
    })?;
    store.put_credentials(&CredentialEntry {
        profile: "dev".into(),
        credentials: Credentials {
            access_key_id: "ASIAEXAMPLEEXAMPLE".into(),
            secret_access_key: Secret::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            session_token: Secret::new("FwoGZXIvYXdzEXAMPLE//////////token"),
            expiration: at(3600),
        },
        obtained_at: at(0),
        role_arn: Some("arn:aws:iam::123456789012:role/dev".into()),
        assumed_role_arn: Some("arn:aws:sts::123456789012:assumed-role/dev/alice".into()),
        session_name: Some("alice".into()),
    })?;
    store.put_credentials(&CredentialEntry {
        profile: "chained \"prod\" ✓".into(),
        credentials: Credentials {
            access_key_id: "ASIACHAINED".into(),
            secret_access_key: Secret::new("chained-secret"),
            session_token: Secret::new("chained-token"),
            expiration: at(900),
        },
        obtained_at: at(0),
        role_arn: None,
        assumed_role_arn: None,
        session_name: None,
    })?;

    std::fs::create_dir_all(&out)?;
    let mut written = 0;
    for sub in ["tokens", "credentials"] {
        for file in std::fs::read_dir(scratch.join(sub))? {
            let file = file?;
            let name = format!("{sub}-{}", file.file_name().to_string_lossy());
            std::fs::copy(file.path(), out.join(name))?;
            written += 1;
        }
    }
    std::fs::remove_dir_all(&scratch)?;
    println!("wrote {written} cache files to {}", out.display());
    Ok(())
}
