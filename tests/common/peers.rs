//! The two loopback peers of `tests/peers/` as a value: [`Peers::start`] spawns the IdP
//! (`idp/server.mjs`) and the AWS peer (`aws_peer.py`) on free 127.0.0.1 ports, waits until both
//! answer, and `Drop` kills both by PID and reaps them, also when a test panics. Each run gets
//! its own temp dir for logs and the IdP's signing key. The peers' stdin is a pipe this value
//! holds: if the test process dies outright, the pipe closes and the peers exit by themselves.

use std::collections::BTreeMap;
use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod iam;
mod spawn;

use spawn::{assert_installed, log_tails, spawn_both};

use super::raw_http;

/// How long one start may take before it is abandoned and tried again. Peers normally answer
/// within a second or two; on a machine saturated by parallel builds the IdP peer has, rarely,
/// stayed alive without ever listening (its log ends before its "issuer" line) for over 90 s,
/// so a start that overstays is killed and made again rather than waited out.
const READY_DEADLINE: Duration = Duration::from_secs(45);
const START_ATTEMPTS: usize = 3;
/// The account moto puts every resource in.
pub const ACCOUNT_ID: &str = "123456789012";
/// The public client of the IdP (the audience the strict AWS peer expects).
pub const PUBLIC_CLIENT_ID: &str = "runas-cli";
pub use super::identity_center::{
    ACCESS_GRANTS_LOCATION_ROLE_ARN, IDC_APPLICATION_ARN, IDC_IDENTITY_STORE_ID, IDC_INSTANCE_ARN,
    IDC_USER_ID, SSO_REGION, SSO_START_URL, aws_cli_v1,
};

/// How to start the peers. `PeerOptions::default()` is stock behaviour: IdP with login forms,
/// AWS peer without token checks.
#[derive(Debug, Clone, Default)]
pub struct PeerOptions {
    /// `IDP_AUTO_LOGIN`: every interaction logs in as this user, no forms.
    pub auto_login: Option<String>,
    /// `IDP_ALWAYS_RT=1`: a refresh token even without `prompt=consent`.
    pub always_refresh_token: bool,
    /// `IDP_ID_TOKEN_TTL` in seconds.
    pub id_token_ttl: Option<u64>,
    /// `IDP_EXTRA_REDIRECT_URIS`, added to both clients.
    pub extra_redirect_uris: Vec<String>,
    /// Real-STS token checks (issuer = this IdP, audience `runas-cli`), minimum duration 1 s,
    /// and expiry of temporary credentials while IAM enforcement is on.
    pub strict_sts: bool,
    /// More environment for the AWS peer (e.g. `INITIAL_NO_AUTH_ACTION_COUNT`).
    pub aws_env: Vec<(String, String)>,
    /// More environment for the IdP (e.g. `IDP_QUIRKS`, `IDP_ISSUER_TRAILING_SLASH`).
    pub idp_env: Vec<(String, String)>,
    /// IAM Identity Center, the SSO portal and S3 Access Grants in the AWS peer
    /// (`PEER_IDENTITY_CENTER`); implied by the options below.
    pub identity_center: bool,
    /// The trusted token issuer is a URL nothing answers on, not the test IdP.
    pub untrusted_issuer: bool,
    /// Grants for alice in [`ACCOUNT_ID`]: (scope, permission).
    pub access_grants: Vec<(String, String)>,
    /// Portal assignments for alice: (account id, role name).
    pub account_assignments: Vec<(String, String)>,
    /// Lifetime of the Identity Center access tokens (CreateToken, CreateTokenWithIAM) and of
    /// the identity context; default 8 h (28800 s).
    pub sso_token_ttl: Option<u64>,
    /// Test switches of the portal (tests/peers/README.md): generated accounts (count, roles),
    /// account names, and a delay before every portal answer.
    pub portal: super::identity_center::PortalSwitches,
}

impl PeerOptions {
    pub fn auto_login(mut self, user: &str) -> Self {
        self.auto_login = Some(user.to_owned());
        self
    }
    pub fn always_refresh_token(mut self) -> Self {
        self.always_refresh_token = true;
        self
    }
    pub fn id_token_ttl(mut self, seconds: u64) -> Self {
        self.id_token_ttl = Some(seconds);
        self
    }
    pub fn extra_redirect_uri(mut self, uri: &str) -> Self {
        self.extra_redirect_uris.push(uri.to_owned());
        self
    }
    pub fn strict_sts(mut self) -> Self {
        self.strict_sts = true;
        self
    }
    pub fn aws_env(mut self, name: &str, value: &str) -> Self {
        self.aws_env.push((name.to_owned(), value.to_owned()));
        self
    }
    pub fn idp_env(mut self, name: &str, value: &str) -> Self {
        self.idp_env.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// Both peers, running. Dropping it stops them.
pub struct Peers {
    idp: Child,
    aws: Child,
    idp_port: u16,
    pub(super) aws_port: u16,
    run_dir: tempfile::TempDir,
}

impl Peers {
    /// Starts both peers and waits until they answer. Panics (with the peers' log tails) when
    /// they are not installed or do not come up.
    pub fn start(options: PeerOptions) -> Peers {
        let dir = peers_dir();
        assert_installed(&dir);
        let mut last_failure = String::new();
        for _ in 0..START_ATTEMPTS {
            let mut peers = spawn_both(&dir, &options);
            match peers.wait_until_ready() {
                Ok(()) => return peers,
                // Another process may have taken a port between our probe and the bind; or
                // a start hung (see READY_DEADLINE). Dropping `peers` kills both.
                Err(PeerFailure::Exited(why) | PeerFailure::Timeout(why)) => last_failure = why,
            }
        }
        panic!("the test peers did not start in {START_ATTEMPTS} attempts: {last_failure}");
    }

    /// `http://127.0.0.1:PORT`, no trailing slash: the IdP's issuer.
    pub fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.idp_port)
    }

    /// `http://127.0.0.1:PORT`: what `AWS_ENDPOINT_URL` should say.
    pub fn aws_endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.aws_port)
    }

    /// The IdP's request counts so far, keyed `"<METHOD> <path>"`.
    pub fn idp_stats(&self) -> BTreeMap<String, u64> {
        stats(self.idp_port)
    }

    /// The AWS peer's API call counts so far, keyed `"<service>:<Action>"`.
    pub fn aws_stats(&self) -> BTreeMap<String, u64> {
        stats(self.aws_port)
    }

    /// Process ids of (IdP, AWS peer).
    pub fn pids(&self) -> (u32, u32) {
        (self.idp.id(), self.aws.id())
    }

    /// Stops the IdP now (an IdP that went down after a login); its port then refuses
    /// connections.
    pub fn stop_idp(&mut self) {
        // kill() signals exactly this PID; wait() reaps it, so the port is closed on return.
        let _ = self.idp.kill();
        let _ = self.idp.wait();
    }

    /// Where the logs (`idp.log`, `aws.log`) and the IdP's key live for this run.
    pub fn run_dir(&self) -> &Path {
        self.run_dir.path()
    }

    /// Creates an IAM role in the AWS peer that trusts any principal and allows sessions of
    /// up to `max_session_duration`; returns its ARN. Works while IAM enforcement is off.
    pub fn create_role(&self, name: &str, max_session_duration: Duration) -> String {
        let trust_policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*","Federated":"*"},"Action":["sts:AssumeRole","sts:AssumeRoleWithWebIdentity"]}]}"#;
        let max_seconds = max_session_duration.as_secs().to_string();
        // moto routes an unsigned request by its body and would send CreateRole to S3, so the
        // call carries a SigV4-shaped header naming IAM; moto checks no signature while
        // enforcement is off.
        let routing_only_authorization = "AWS4-HMAC-SHA256 \
             Credential=test/20240101/us-east-1/iam/aws4_request, \
             SignedHeaders=host, Signature=0";
        let answer = raw_http::post_form(
            self.aws_port,
            "/",
            &[("Authorization", routing_only_authorization)],
            &[
                ("Action", "CreateRole"),
                ("Version", "2010-05-08"),
                ("RoleName", name),
                ("AssumeRolePolicyDocument", trust_policy),
                ("MaxSessionDuration", &max_seconds),
            ],
        )
        .unwrap_or_else(|error| panic!("CreateRole {name}: {error}"));
        assert_eq!(answer.status, 200, "CreateRole {name}: {}", answer.body);
        let arn = format!("arn:aws:iam::{ACCOUNT_ID}:role/{name}");
        assert!(
            answer.body.contains(&arn),
            "CreateRole {name} answered {}",
            answer.body
        );
        arn
    }

    /// Queues fault answers for the next calls of `action` (`"sts:AssumeRoleWithWebIdentity"`,
    /// `"sso-oidc:CreateToken"`, ...): each `(status, code)` answers one call, in order, in that
    /// service's own error format; later calls proceed normally. A faulted call still counts
    /// in [`Peers::aws_stats`].
    pub fn inject_aws_faults(&self, action: &str, faults: &[(u16, &str)]) {
        let entries: Vec<serde_json::Value> = faults
            .iter()
            .map(|(status, code)| serde_json::json!({"status": status, "code": code}))
            .collect();
        let body = serde_json::json!({ action: entries }).to_string();
        let answer = raw_http::post_json(self.aws_port, "/runas-peer/faults", &body)
            .unwrap_or_else(|error| panic!("queue faults for {action}: {error}"));
        assert_eq!(
            answer.status, 200,
            "queue faults for {action}: {}",
            answer.body
        );
    }

    /// The last lines of both logs, for failure messages.
    pub fn log_tails(&self) -> String {
        log_tails(self.run_dir.path())
    }

    fn wait_until_ready(&mut self) -> Result<(), PeerFailure> {
        let deadline = Instant::now() + READY_DEADLINE;
        let probes = [
            (self.idp_port, "/.well-known/openid-configuration"),
            (self.aws_port, "/moto-api/"),
        ];
        for (port, path) in probes {
            loop {
                if raw_http::get(port, path).is_ok_and(|answer| answer.status == 200) {
                    break;
                }
                for (name, child) in [("idp", &mut self.idp), ("aws", &mut self.aws)] {
                    if let Ok(Some(status)) = child.try_wait() {
                        return Err(PeerFailure::Exited(format!(
                            "the {name} peer exited early ({status})\n{}",
                            log_tails(self.run_dir.path())
                        )));
                    }
                }
                if Instant::now() > deadline {
                    return Err(PeerFailure::Timeout(format!(
                        "the test peers did not answer within {READY_DEADLINE:?} \
                         (no answer on 127.0.0.1:{port}{path})\n{}",
                        self.log_tails()
                    )));
                }
                std::thread::sleep(Duration::from_millis(25));
            }
        }
        // A peer that lost its port to another process exits, but a server of that other
        // process may have answered the probe: ours must still be running.
        for (name, child) in [("idp", &mut self.idp), ("aws", &mut self.aws)] {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(PeerFailure::Exited(format!(
                    "the {name} peer exited ({status})\n{}",
                    log_tails(self.run_dir.path())
                )));
            }
        }
        Ok(())
    }
}

impl Drop for Peers {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("test peers' logs at the failure:\n{}", self.log_tails());
        }
        for child in [&mut self.idp, &mut self.aws] {
            // kill() signals exactly this PID; wait() reaps it so it cannot linger as a zombie.
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

enum PeerFailure {
    Exited(String),
    Timeout(String),
}

pub fn peers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("peers")
}

fn stats(port: u16) -> BTreeMap<String, u64> {
    let answer = raw_http::get(port, "/runas-peer/stats")
        .unwrap_or_else(|error| panic!("stats of the peer on port {port}: {error}"));
    assert_eq!(answer.status, 200, "stats: {}", answer.body);
    serde_json::from_str(&answer.body)
        .unwrap_or_else(|error| panic!("stats are not a JSON map ({error}): {}", answer.body))
}
