//! The Identity Center half of the AWS peer's options: the constants tests code against, the
//! `PeerOptions` builders that turn it on, and the JSON config the peer reads
//! (`PEER_IDENTITY_CENTER`, format in tests/peers/identity_center.py). Also the AWS CLI v1 the
//! peer install brings. Re-exported from `peers`.

use std::path::PathBuf;

use super::peers::{ACCOUNT_ID, PUBLIC_CLIENT_ID, PeerOptions, Peers, peers_dir};

/// The Identity Center application whose trusted token issuer is the test IdP: the client id
/// of `CreateTokenWithIAM`.
pub const IDC_APPLICATION_ARN: &str =
    "arn:aws:sso::123456789012:application/ssoins-7223a1b2c3d4e5f6/apl-0a1b2c3d4e5f6a7b";
/// The Identity Store user of IdP user "alice" (email alice@example.test).
pub const IDC_USER_ID: &str = "94482488-3041-7026-18f3-be45837cd0e4";
/// The Identity Center instance the peer plays.
pub const IDC_INSTANCE_ARN: &str = "arn:aws:sso:::instance/ssoins-7223a1b2c3d4e5f6";
pub const IDC_IDENTITY_STORE_ID: &str = "d-9067c0ffee";
/// The access portal's start URL (StartDeviceAuthorization refuses any other).
pub const SSO_START_URL: &str = "https://d-9067c0ffee.awsapps.com/start";
pub const SSO_REGION: &str = "us-east-1";
/// The role whose sessions S3 Access Grants vends (the grants' location role).
pub const ACCESS_GRANTS_LOCATION_ROLE_ARN: &str =
    "arn:aws:iam::123456789012:role/runas-access-grants-location";
/// An issuer URL nothing answers on: with [`PeerOptions::untrusted_issuer`] the peer trusts it
/// instead of the test IdP. Loopback, so even a stray fetch stays on this machine.
const UNTRUSTED_ISSUER: &str = "http://127.0.0.1:9/untrusted-issuer";

impl PeerOptions {
    /// Identity Center on: trusted token issuer = this IdP (audience runas-cli, user matched by
    /// the token's email claim), device user "alice".
    pub fn identity_center(mut self) -> Self {
        self.identity_center = true;
        self
    }
    /// The trusted token issuer is some other URL: this IdP's tokens are untrusted.
    pub fn untrusted_issuer(mut self) -> Self {
        self.identity_center = true;
        self.untrusted_issuer = true;
        self
    }
    /// A grant for alice: scope like "s3://reports/team-a/*", permission READ|WRITE|READWRITE.
    pub fn access_grant(mut self, scope: &str, permission: &str) -> Self {
        self.identity_center = true;
        self.access_grants
            .push((scope.to_owned(), permission.to_owned()));
        self
    }
    /// alice may use `role_name` in `account_id` through the portal.
    pub fn account_assignment(mut self, account_id: &str, role_name: &str) -> Self {
        self.identity_center = true;
        self.account_assignments
            .push((account_id.to_owned(), role_name.to_owned()));
        self
    }
    /// alice is assigned every role of `roles` in `count` generated accounts (100000000000, ...):
    /// a test switch of the peer.
    pub fn seed_accounts(mut self, count: usize, roles: &[&str]) -> Self {
        self.identity_center = true;
        self.portal.seed = Some((count, roles.iter().map(|r| (*r).to_owned()).collect()));
        self
    }
    /// The portal names `account_id` so (default `account-<id>`).
    pub fn account_name(mut self, account_id: &str, name: &str) -> Self {
        self.identity_center = true;
        self.portal
            .names
            .push((account_id.to_owned(), name.to_owned()));
        self
    }
    /// Every portal answer waits this long first: a test switch of the peer.
    pub fn portal_delay_ms(mut self, delay: u64) -> Self {
        self.identity_center = true;
        self.portal.delay_ms = delay;
        self
    }
    /// Identity Center access tokens (and identity contexts) live `seconds`, so a test can see
    /// them expire.
    pub fn sso_token_ttl(mut self, seconds: u64) -> Self {
        self.identity_center = true;
        self.sso_token_ttl = Some(seconds);
        self
    }

    /// The AWS peer's Identity Center configuration (see tests/peers/identity_center.py).
    pub(super) fn identity_center_config(&self, issuer: &str) -> serde_json::Value {
        let issuer_url = if self.untrusted_issuer {
            UNTRUSTED_ISSUER
        } else {
            issuer
        };
        let grants: Vec<serde_json::Value> = self
            .access_grants
            .iter()
            .map(|(scope, permission)| {
                serde_json::json!({
                    "user": "alice",
                    "account_id": ACCOUNT_ID,
                    "scope": scope,
                    "permission": permission,
                    "location_role_arn": ACCESS_GRANTS_LOCATION_ROLE_ARN,
                })
            })
            .collect();
        let assignments: Vec<serde_json::Value> = self
            .account_assignments
            .iter()
            .map(|(account_id, role_name)| {
                serde_json::json!({"user": "alice", "account_id": account_id, "role_name": role_name})
            })
            .collect();
        serde_json::json!({
            "region": SSO_REGION,
            "instance_arn": IDC_INSTANCE_ARN,
            "identity_store_id": IDC_IDENTITY_STORE_ID,
            "start_url": SSO_START_URL,
            "application_arn": IDC_APPLICATION_ARN,
            "trusted_token_issuer": {
                "issuer_url": issuer_url,
                "audience": PUBLIC_CLIENT_ID,
                "user_claim": "email",
            },
            "users": [{"user_id": IDC_USER_ID, "user_name": "alice", "email": "alice@example.test"}],
            "device_user": "alice",
            "token_ttl_seconds": self.sso_token_ttl.unwrap_or(28800),
            "account_assignments": assignments,
            "account_names": self
                .portal
                .names
                .iter()
                .map(|(id, name)| (id.clone(), serde_json::Value::from(name.as_str())))
                .collect::<serde_json::Map<String, serde_json::Value>>(),
            "seed_accounts": self.portal.seed.as_ref().map(|(count, roles)| serde_json::json!({"user": "alice", "count": count, "roles": roles})),
            "portal_delay_ms": self.portal.delay_ms,
            "access_grants": grants,
        })
    }
}

impl Peers {
    /// Removes alice's assignment of `role_name` in `account_id` at the portal (a test switch:
    /// what an administrator does with sso-admin's DeleteAccountAssignment).
    pub fn unassign(&self, account_id: &str, role_name: &str) {
        let path =
            format!("/runas-peer/sso/unassign?account_id={account_id}&role_name={role_name}");
        let answer = super::raw_http::post_json(self.aws_port, &path, "{}")
            .unwrap_or_else(|error| panic!("unassign {account_id}/{role_name}: {error}"));
        assert_eq!(answer.status, 200, "unassign: {}", answer.body);
    }
}

/// The portal's test switches (tests/peers/idc_portal.py).
#[derive(Debug, Clone, Default)]
pub struct PortalSwitches {
    /// Generated accounts for alice: how many, and the roles in each.
    pub seed: Option<(usize, Vec<String>)>,
    /// (account id, account name) the portal answers with.
    pub names: Vec<(String, String)>,
    pub delay_ms: u64,
}

/// The PyPI AWS CLI v1 (honours `AWS_ENDPOINT_URL_<SERVICE>`), installed by
/// tests/peers/install.sh into the peer venv (it vendors its own botocore, apart from moto's).
pub fn aws_cli_v1() -> PathBuf {
    peers_dir().join("venv").join("bin").join("aws")
}

/// An `AWS_DATA_PATH` directory whose endpoint rules send every request of these services
/// (name, API version) to the peer: AWS CLI 2.9 predates `AWS_ENDPOINT_URL`, but reads
/// endpoint rule sets from this path first.
pub fn aws_data_path_to(
    peers: &Peers,
    home: &super::RunasHome,
    services: &[(&str, &str)],
) -> PathBuf {
    let data = home.path().join("aws-data");
    let parameter = |built_in: &str, kind: &str, required: bool| {
        let mut value = serde_json::json!({
            "builtIn": built_in, "required": required, "documentation": "", "type": kind
        });
        if required {
            value["default"] = serde_json::Value::Bool(false);
        }
        value
    };
    let rules = serde_json::json!({
        "version": "1.0",
        "parameters": {
            "Region": parameter("AWS::Region", "String", false),
            "UseDualStack": parameter("AWS::UseDualStack", "Boolean", true),
            "UseFIPS": parameter("AWS::UseFIPS", "Boolean", true),
            "Endpoint": parameter("SDK::Endpoint", "String", false),
        },
        "rules": [{
            "conditions": [],
            "endpoint": {"url": peers.aws_endpoint(), "properties": {}, "headers": {}},
            "type": "endpoint"
        }]
    });
    for (service, version) in services {
        let dir = data.join(service).join(version);
        std::fs::create_dir_all(&dir).expect("create the data path");
        std::fs::write(dir.join("endpoint-rule-set-1.json"), rules.to_string())
            .expect("write the endpoint rules");
    }
    data
}
