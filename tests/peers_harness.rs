//! Proves the test harness and the STS client against the real peers: OIDC discovery and an
//! authorization-code + PKCE login at the IdP, the ID token exchanged for role credentials at
//! the strict AWS peer, refusals with real STS error codes, request counters, fault injection,
//! and peers that are gone once the harness is dropped. The Identity Center operations of the
//! AWS peer are proven in tests/peers_identity_center.rs.

mod common;

use std::time::Duration;

use common::{PUBLIC_CLIENT_ID, PeerOptions, Peers, REDIRECT_URI, log_in, log_in_with_expiry};
use runas::aws::{StsClient, StsSettings};
use runas::creds::Secret;

/// Registered through `IDP_EXTRA_REDIRECT_URIS`; the confidential client needs exact matches.
const EXTRA_REDIRECT_URI: &str = "http://127.0.0.1:8123/extra/callback";

fn sts_for(peers: &Peers) -> StsClient {
    StsClient::new(&StsSettings::new("us-east-1", peers.aws_endpoint()))
}

fn process_is_alive(pid: u32) -> bool {
    std::process::Command::new("kill")
        .args(["-0", &pid.to_string()])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

#[tokio::test]
async fn an_idp_login_becomes_role_credentials_and_the_peers_stop_on_drop() {
    let peers = Peers::start(PeerOptions::default().auto_login("alice").strict_sts());
    let role_arn = peers.create_role("runas-web", Duration::from_secs(7200));
    let id_token = log_in(&peers, PUBLIC_CLIENT_ID, None).await;

    let assumed = sts_for(&peers)
        .assume_role_with_web_identity(
            &role_arn,
            "alice-session",
            &id_token,
            Some(Duration::from_secs(900)),
        )
        .await
        .unwrap();

    assert!(
        assumed.credentials.access_key_id.starts_with("ASIA"),
        "{assumed:?}"
    );
    assert!(
        assumed
            .assumed_role_arn
            .ends_with(":assumed-role/runas-web/alice-session"),
        "{assumed:?}"
    );
    assert!(
        assumed.assumed_role_id.ends_with(":alice-session"),
        "{assumed:?}"
    );
    assert_eq!(assumed.subject.as_deref(), Some("alice"));
    assert_eq!(assumed.audience.as_deref(), Some(PUBLIC_CLIENT_ID));
    assert_eq!(assumed.provider.as_deref(), Some(peers.issuer().as_str()));
    let lifetime = assumed.credentials.expiration - chrono::Utc::now();
    assert!(
        (850..=900).contains(&lifetime.num_seconds()),
        "{lifetime:?}"
    );

    let aws_stats = peers.aws_stats();
    assert_eq!(
        aws_stats.get("sts:AssumeRoleWithWebIdentity"),
        Some(&1),
        "{aws_stats:?}"
    );
    let idp_stats = peers.idp_stats();
    assert_eq!(idp_stats.get("POST /token"), Some(&1), "{idp_stats:?}");
    assert!(
        !idp_stats.contains_key("GET /runas-peer/stats"),
        "{idp_stats:?}"
    );

    let (idp_pid, aws_pid) = peers.pids();
    assert!(process_is_alive(idp_pid) && process_is_alive(aws_pid));
    drop(peers);
    assert!(
        !process_is_alive(idp_pid),
        "the IdP peer {idp_pid} outlived the harness"
    );
    assert!(
        !process_is_alive(aws_pid),
        "the AWS peer {aws_pid} outlived the harness"
    );
}

#[tokio::test]
async fn the_strict_aws_peer_refuses_what_real_sts_refuses() {
    let peers = Peers::start(
        PeerOptions::default()
            .auto_login("alice")
            .strict_sts()
            .extra_redirect_uri(EXTRA_REDIRECT_URI),
    );
    let role_arn = peers.create_role("runas-web", Duration::from_secs(3600));
    let sts = sts_for(&peers);
    let refusal = |token: &Secret, role: &str, duration: u64| {
        let sts = sts.clone();
        let (token, role) = (token.clone(), role.to_owned());
        async move {
            sts.assume_role_with_web_identity(
                &role,
                "s",
                &token,
                Some(Duration::from_secs(duration)),
            )
            .await
            .expect_err("the strict peer must refuse this")
        }
    };

    let garbage = Secret::new("not.a-token.at-all");
    let error = refusal(&garbage, &role_arn, 900).await;
    assert_eq!(error.code(), Some("InvalidIdentityToken"), "{error}");
    assert!(
        !error.to_string().contains("a-token"),
        "the token leaked: {error}"
    );

    // Signed by the right IdP, but issued to another client: the audience does not match.
    let other_audience = log_in_with_expiry(
        &peers,
        "runas-confidential",
        Some("runas-confidential-secret"),
        EXTRA_REDIRECT_URI,
    )
    .await
    .0;
    let error = refusal(&other_audience, &role_arn, 900).await;
    assert_eq!(error.code(), Some("InvalidIdentityToken"), "{error}");
    assert!(error.to_string().contains("audience"), "{error}");

    let good = log_in(&peers, PUBLIC_CLIENT_ID, None).await;
    let error = refusal(&good, &role_arn, 3601).await;
    assert_eq!(error.code(), Some("ValidationError"), "{error}");
    assert!(error.to_string().contains("MaxSessionDuration"), "{error}");
    let missing_role = format!("arn:aws:iam::{}:role/no-such-role", common::ACCOUNT_ID);
    let error = refusal(&good, &missing_role, 900).await;
    assert_eq!(error.code(), Some("AccessDenied"), "{error}");

    let aws_stats = peers.aws_stats();
    assert_eq!(
        aws_stats.get("sts:AssumeRoleWithWebIdentity"),
        Some(&4),
        "{aws_stats:?}"
    );
}

#[tokio::test]
async fn an_expired_id_token_is_refused_with_expired_token_exception() {
    let peers = Peers::start(
        PeerOptions::default()
            .auto_login("alice")
            .strict_sts()
            .id_token_ttl(1),
    );
    let role_arn = peers.create_role("runas-web", Duration::from_secs(3600));
    let (id_token, expires_at) =
        log_in_with_expiry(&peers, PUBLIC_CLIENT_ID, None, REDIRECT_URI).await;

    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while chrono::Utc::now() <= expires_at {
        assert!(
            std::time::Instant::now() < deadline,
            "the 1 s id_token never expired"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let error = sts_for(&peers)
        .assume_role_with_web_identity(&role_arn, "s", &id_token, None)
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("ExpiredTokenException"), "{error}");
}

#[tokio::test]
async fn injected_faults_answer_the_next_calls_in_sts_format_then_calls_proceed() {
    let peers = Peers::start(PeerOptions::default().auto_login("alice").strict_sts());
    let role_arn = peers.create_role("runas-web", Duration::from_secs(3600));
    let id_token = log_in(&peers, PUBLIC_CLIENT_ID, None).await;
    // Codes no SDK retries, so each queued fault answers exactly one call of ours.
    peers.inject_aws_faults(
        "sts:AssumeRoleWithWebIdentity",
        &[(400, "IDPRejectedClaim"), (403, "AccessDenied")],
    );
    let sts = sts_for(&peers);
    let assume = || sts.assume_role_with_web_identity(&role_arn, "s", &id_token, None);

    let first = assume().await.unwrap_err();
    assert_eq!(first.code(), Some("IDPRejectedClaim"), "{first}");
    let second = assume().await.unwrap_err();
    assert_eq!(second.code(), Some("AccessDenied"), "{second}");
    let third = assume().await.unwrap();
    assert!(third.credentials.access_key_id.starts_with("ASIA"));

    let aws_stats = peers.aws_stats();
    assert_eq!(
        aws_stats.get("sts:AssumeRoleWithWebIdentity"),
        Some(&3),
        "{aws_stats:?}"
    );
}
