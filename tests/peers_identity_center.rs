//! Proves the AWS peer's IAM Identity Center, SSO portal and S3 Access Grants operations
//! (tests/peers/identity_center.py) with three kinds of client: boto3
//! (tests/peers/prove_identity_center.py), the Rust SDKs runas uses (signatures and answer
//! shapes), and the AWS CLI v1 (tests/peers/prove_aws_cli_v1.sh: device flow, portal, and its
//! SSO credential provider reading ~/.aws/sso/cache).

mod common;

use std::time::Duration;

use common::{PUBLIC_CLIENT_ID, PeerOptions, Peers, log_in};
use runas::aws::{StsClient, StsSettings};
use runas::creds::Secret;

fn sts_for(peers: &Peers) -> StsClient {
    StsClient::new(&StsSettings::new("us-east-1", peers.aws_endpoint()))
}

/// Runs tests/peers/prove_identity_center.py (boto3 from the peer venv) against `peers`.
fn prove_identity_center(peers: &Peers, id_token: &Secret, mode: &str) -> std::process::Output {
    let dir = common::peers::peers_dir();
    let web_role = peers.create_role("runas-web", Duration::from_secs(3600));
    let enhanced_role = peers.create_role("runas-identity-enhanced", Duration::from_secs(3600));
    std::process::Command::new(dir.join("venv").join("bin").join("python"))
        .arg(dir.join("prove_identity_center.py"))
        .env("PROVE_AWS_ENDPOINT", peers.aws_endpoint())
        .env("PROVE_ID_TOKEN", id_token.expose())
        .env("PROVE_WEB_ROLE_ARN", web_role)
        .env("PROVE_IE_ROLE_ARN", enhanced_role)
        .env("PROVE_MODE", mode)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .expect("run prove_identity_center.py")
}

#[tokio::test]
async fn identity_center_sso_portal_and_access_grants_behave_like_aws() {
    let peers = Peers::start(
        PeerOptions::default()
            .auto_login("alice")
            .strict_sts()
            .identity_center()
            .access_grant("s3://reports/team-a/*", "READ")
            .access_grant("s3://reports/shared/*", "READWRITE")
            .account_assignment(common::ACCOUNT_ID, "runas-sso-admin"),
    );
    let id_token = log_in(&peers, PUBLIC_CLIENT_ID, None).await;
    let output = prove_identity_center(&peers, &id_token, "trusted");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "prove_identity_center.py failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("ok   GetRoleCredentials"), "{stdout}");
    let stats = peers.aws_stats();
    assert_eq!(stats.get("sso-oidc:RegisterClient"), Some(&1), "{stats:?}");
    assert_eq!(stats.get("sso:Logout"), Some(&1), "{stats:?}");
}

#[tokio::test]
async fn create_token_with_iam_refuses_an_untrusted_issuer() {
    let peers = Peers::start(
        PeerOptions::default()
            .auto_login("alice")
            .strict_sts()
            .untrusted_issuer(),
    );
    let id_token = log_in(&peers, PUBLIC_CLIENT_ID, None).await;
    let output = prove_identity_center(&peers, &id_token, "untrusted");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "prove_identity_center.py failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("InvalidGrantException"), "{stdout}");
}

#[test]
fn the_aws_cli_v1_runs_the_device_flow_and_its_sso_provider_against_the_peer() {
    let peers = Peers::start(
        PeerOptions::default().account_assignment(common::ACCOUNT_ID, "runas-sso-admin"),
    );
    assert!(
        common::aws_cli_v1().exists(),
        "tests/peers/install.sh installs the AWS CLI v1"
    );
    let home = tempfile::tempdir().unwrap();
    let output = std::process::Command::new("bash")
        .arg(common::peers::peers_dir().join("prove_aws_cli_v1.sh"))
        .env("PROVE_AWS_ENDPOINT", peers.aws_endpoint())
        .env("PROVE_HOME", home.path())
        .output()
        .expect("run prove_aws_cli_v1.sh");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "prove_aws_cli_v1.sh failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stats = peers.aws_stats();
    // The pending poll, the device-code token, then the CLI's refresh of the sso-session token.
    assert_eq!(stats.get("sso-oidc:CreateToken"), Some(&3), "{stats:?}");
    assert_eq!(stats.get("sso:GetRoleCredentials"), Some(&3), "{stats:?}");
}

/// Sends every s3control call to the peer as it is: the endpoint rules would put the account id
/// in front of the host (`123456789012.127.0.0.1`), a DNS lookup.
#[derive(Debug)]
struct PeerEndpoint(String);

impl aws_sdk_s3control::config::endpoint::ResolveEndpoint for PeerEndpoint {
    fn resolve_endpoint<'a>(
        &'a self,
        _params: &'a aws_sdk_s3control::config::endpoint::Params,
    ) -> aws_sdk_s3control::config::endpoint::EndpointFuture<'a> {
        aws_sdk_s3control::config::endpoint::EndpointFuture::ready(Ok(
            aws_sdk_s3control::config::endpoint::Endpoint::builder()
                .url(self.0.clone())
                .build(),
        ))
    }
}

#[tokio::test]
async fn the_rust_sdks_signatures_and_shapes_pass_the_identity_center_peer() {
    use aws_sdk_s3control::error::ProvideErrorMetadata;

    let peers = Peers::start(
        PeerOptions::default()
            .auto_login("alice")
            .strict_sts()
            .access_grant("s3://reports/team-a/*", "READ"),
    );
    let web_role = peers.create_role("runas-web", Duration::from_secs(3600));
    let enhanced_role = peers.create_role("runas-identity-enhanced", Duration::from_secs(3600));
    let id_token = log_in(&peers, PUBLIC_CLIENT_ID, None).await;
    let web = sts_for(&peers)
        .assume_role_with_web_identity(&web_role, "alice", &id_token, None)
        .await
        .unwrap()
        .credentials;
    let web_keys = aws_sdk_sts::config::Credentials::new(
        &web.access_key_id,
        web.secret_access_key.expose(),
        Some(web.session_token.expose().to_owned()),
        None,
        "test",
    );
    let region = aws_sdk_sts::config::Region::new("us-east-1");

    let oidc = aws_sdk_ssooidc::Client::from_conf(
        aws_sdk_ssooidc::Config::builder()
            .behavior_version(aws_sdk_ssooidc::config::BehaviorVersion::latest())
            .region(region.clone())
            .endpoint_url(peers.aws_endpoint())
            .http_client(runas::aws::sdk::http_client())
            .credentials_provider(web_keys.clone())
            .build(),
    );
    let create_token_with_iam = || {
        oidc.create_token_with_iam()
            .client_id(common::IDC_APPLICATION_ARN)
            .grant_type("urn:ietf:params:oauth:grant-type:jwt-bearer")
            .assertion(id_token.expose())
            .send()
    };
    peers.inject_aws_faults(
        "sso-oidc:CreateTokenWithIAM",
        &[(400, "InvalidRequestException")],
    );
    let error = create_token_with_iam().await.unwrap_err();
    assert_eq!(error.code(), Some("InvalidRequestException"), "{error:?}");
    let token = create_token_with_iam().await.unwrap();
    let identity_context = token
        .aws_additional_details()
        .and_then(|details| details.identity_context())
        .expect("an identity context")
        .to_owned();
    assert!(token.id_token().is_some());

    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::Config::builder()
            .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
            .region(region.clone())
            .endpoint_url(peers.aws_endpoint())
            .http_client(runas::aws::sdk::http_client())
            .credentials_provider(web_keys.clone())
            .build(),
    );
    let enhanced = sts
        .assume_role()
        .role_arn(&enhanced_role)
        .role_session_name("alice")
        .provided_contexts(
            aws_sdk_sts::types::ProvidedContext::builder()
                .provider_arn("arn:aws:iam::aws:contextProvider/IdentityCenter")
                .context_assertion(identity_context)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let enhanced = enhanced.credentials().expect("credentials");
    let enhanced_keys = aws_sdk_sts::config::Credentials::new(
        enhanced.access_key_id(),
        enhanced.secret_access_key(),
        Some(enhanced.session_token().to_owned()),
        None,
        "test",
    );

    let s3control = |keys: aws_sdk_sts::config::Credentials| {
        aws_sdk_s3control::Client::from_conf(
            aws_sdk_s3control::Config::builder()
                .behavior_version(aws_sdk_s3control::config::BehaviorVersion::latest())
                .region(region.clone())
                .endpoint_resolver(PeerEndpoint(peers.aws_endpoint()))
                .http_client(runas::aws::sdk::http_client())
                .credentials_provider(keys)
                .build(),
        )
    };
    let get_data_access = |keys| {
        s3control(keys)
            .get_data_access()
            .account_id(common::ACCOUNT_ID)
            .target("s3://reports/team-a/q1.csv")
            .permission(aws_sdk_s3control::types::Permission::Read)
            .duration_seconds(900)
            .send()
    };
    let access = get_data_access(enhanced_keys).await.unwrap();
    assert_eq!(access.matched_grant_target(), Some("s3://reports/team-a/*"));
    assert_eq!(
        access.grantee().and_then(|g| g.grantee_identifier()),
        Some(common::IDC_USER_ID)
    );
    assert!(
        access
            .credentials()
            .and_then(|c| c.access_key_id())
            .is_some_and(|key| key.starts_with("ASIA"))
    );
    let error = get_data_access(web_keys).await.unwrap_err();
    assert_eq!(error.code(), Some("AccessDenied"), "{error:?}");
    assert!(
        error
            .message()
            .is_some_and(|m| m.contains("identity-enhanced")),
        "{error:?}"
    );
}

#[tokio::test]
async fn identity_center_tokens_expire_after_the_configured_ttl() {
    let peers = Peers::start(
        PeerOptions::default()
            .auto_login("alice")
            .strict_sts()
            .account_assignment(common::ACCOUNT_ID, "runas-sso-admin")
            .sso_token_ttl(1),
    );
    let id_token = log_in(&peers, PUBLIC_CLIENT_ID, None).await;
    let output = prove_identity_center(&peers, &id_token, "expiry");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "prove_identity_center.py failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("ok   an expired access token is refused"),
        "{stdout}"
    );
}
