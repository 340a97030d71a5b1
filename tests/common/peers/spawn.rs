//! Starting the two peer processes: each on a free loopback port, its output in a log file of
//! the run's temp dir, its stdin a pipe the [`Peers`] value holds; and the logs' tails for a
//! failure message.

use super::*;

pub(super) fn assert_installed(dir: &Path) {
    let needed = [
        dir.join("venv").join("bin").join("python"),
        dir.join("idp")
            .join("node_modules")
            .join("oidc-provider")
            .join("package.json"),
    ];
    for path in needed {
        assert!(
            path.exists(),
            "the test peers are not installed ({} is missing): run tests/peers/install.sh \
             (or scripts/test.sh)",
            path.display()
        );
    }
}

fn free_loopback_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free loopback port");
    listener
        .local_addr()
        .expect("local address of a bound socket")
        .port()
}

pub(super) fn spawn_both(dir: &Path, options: &PeerOptions) -> Peers {
    let run_dir = tempfile::Builder::new()
        .prefix("runas-peers-")
        .tempdir()
        .expect("temp dir");
    let idp_port = free_loopback_port();
    let aws_port = free_loopback_port();
    let issuer = format!("http://127.0.0.1:{idp_port}");

    let mut idp = peer_command("node", run_dir.path(), "idp.log");
    idp.arg(dir.join("idp").join("server.mjs"))
        .current_dir(dir.join("idp"))
        .env("IDP_PORT", idp_port.to_string())
        .env("IDP_JWKS", run_dir.path().join("jwks.json"));
    if let Some(user) = &options.auto_login {
        idp.env("IDP_AUTO_LOGIN", user);
    }
    if options.always_refresh_token {
        idp.env("IDP_ALWAYS_RT", "1");
    }
    if let Some(ttl) = options.id_token_ttl {
        idp.env("IDP_ID_TOKEN_TTL", ttl.to_string());
    }
    if !options.extra_redirect_uris.is_empty() {
        idp.env(
            "IDP_EXTRA_REDIRECT_URIS",
            options.extra_redirect_uris.join(","),
        );
    }
    idp.envs(options.idp_env.iter().map(|(name, value)| (name, value)));

    let python = dir.join("venv").join("bin").join("python");
    let mut aws = peer_command(python.as_os_str(), run_dir.path(), "aws.log");
    aws.arg(dir.join("aws_peer.py"))
        .args(["-H", "127.0.0.1", "-p", &aws_port.to_string()])
        .current_dir(dir);
    if options.strict_sts {
        aws.env("PEER_OIDC_ISSUER", &issuer)
            .env("PEER_OIDC_AUDIENCE", PUBLIC_CLIENT_ID)
            .env("PEER_MIN_DURATION", "1")
            .env("PEER_EXPIRE_CREDS", "1");
    }
    if options.identity_center {
        let config_path = run_dir.path().join("identity_center.json");
        let config = options.identity_center_config(&issuer);
        std::fs::write(&config_path, config.to_string()).expect("write the Identity Center config");
        aws.env("PEER_IDENTITY_CENTER", &config_path);
    }
    aws.envs(options.aws_env.iter().map(|(k, v)| (k, v)));

    let idp = idp.spawn().expect("spawn the IdP peer (is node on PATH?)");
    let aws = aws.spawn().expect("spawn the AWS peer");
    Peers {
        idp,
        aws,
        idp_port,
        aws_port,
        run_dir,
    }
}

/// A command with stdin piped (held open by the `Child`), output to a log file, and no proxy
/// settings: the peers only ever talk to each other over loopback.
fn peer_command(program: impl AsRef<std::ffi::OsStr>, run_dir: &Path, log_name: &str) -> Command {
    let log = File::create(run_dir.join(log_name)).expect("create a peer log file");
    let log_for_stderr = log.try_clone().expect("clone a log file handle");
    let mut command = Command::new(program);
    command
        .stdin(Stdio::piped())
        .stdout(log)
        .stderr(log_for_stderr);
    for proxy in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        command.env_remove(proxy);
    }
    command.env("NO_PROXY", "*");
    command
}

pub(super) fn log_tails(run_dir: &Path) -> String {
    ["idp.log", "aws.log"]
        .iter()
        .map(|name| {
            let text = std::fs::read_to_string(run_dir.join(name)).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            let tail = lines[lines.len().saturating_sub(30)..].join("\n");
            format!("--- {name} (last 30 lines) ---\n{tail}")
        })
        .collect::<Vec<_>>()
        .join("\n")
}
