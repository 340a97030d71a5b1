//! Cached credentials in a config of 10,000 profiles, where the hand-off commands read only
//! the profile they are asked for: an edit of anything a profile's credentials depend on (its
//! role, duration, endpoint, the `[default]` keys it inherits, its source chain, the
//! credentials-file keys at the chain's root, the files' paths, the endpoint and region
//! variables) means a fresh STS exchange at the next `credential-process`, `env` or `exec`;
//! an edit anywhere else, or none, means no STS call at all. The credentials endpoint of
//! `runas serve` never answers with the credentials of a definition the files no longer give.
//! STS calls are counted at the AWS peer.

#![cfg(unix)]

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::endpoint::Serving;
use common::{PeerOptions, Peers, RunasHome, count, free_callback_uri, idp_defaults, wait_until};

const FILLER: usize = 10_000;

struct World {
    peers: Peers,
    home: RunasHome,
    config: String,
    credentials: PathBuf,
}

impl World {
    /// 10,000 filler profiles with `web` (web identity, inheriting the IdP from `[default]`),
    /// `chained` (assumed from `web`) and `from-keys` (assumed with keys of the credentials
    /// file) in the middle, and `web` logged in.
    fn start() -> World {
        let peers = Peers::start(PeerOptions::default().auto_login("alice").strict_sts());
        for role in ["big-a", "big-b", "chain"] {
            peers.create_role(role, Duration::from_secs(12 * 3600));
        }
        let (key_id, secret) = peers.create_access_key("ci");
        let mut home = RunasHome::new(&peers);
        let credentials = home.path().join("aws-credentials");
        std::fs::write(
            &credentials,
            format!("[ci]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n"),
        )
        .unwrap();
        home.set(
            "AWS_SHARED_CREDENTIALS_FILE",
            &credentials.display().to_string(),
        );
        let mut config = idp_defaults(&peers);
        let filler = |config: &mut String, range: std::ops::Range<usize>| {
            for i in range {
                config.push_str(&format!(
                    "[profile p{i:05}]\nweb_identity_auth_url = https://example{}.okta.com/oauth2/default\n\
                     web_identity_client_id = client{i}\nrole_arn = arn:aws:iam::123456789012:role/r{i}\n\
                     region = eu-west-1\n\n",
                    i % 7
                ));
            }
        };
        filler(&mut config, 0..FILLER / 2);
        config.push_str(&format!(
            "[profile web]\nweb_identity_callback_uri = {}\n\
             role_arn = arn:aws:iam::123456789012:role/big-a\nregion = us-east-1\n\
             duration_seconds = 3600\n\n\
             [profile chained]\nsource_profile = web\nrole_arn = arn:aws:iam::123456789012:role/chain\n\
             region = us-east-1\n\n\
             [profile from-keys]\nsource_profile = ci\nrole_arn = arn:aws:iam::123456789012:role/chain\n\
             region = us-east-1\n\n",
            free_callback_uri()
        ));
        filler(&mut config, FILLER / 2..FILLER);
        home.write_config(&config);
        home.run_ok(&["login", "web"]);
        World {
            peers,
            home,
            config,
            credentials,
        }
    }

    /// Replaces the first `from` in the config with `to` (the file is rewritten in place).
    fn edit(&mut self, from: &str, to: &str) {
        assert!(self.config.contains(from), "the config has no {from:?}");
        self.config = self.config.replacen(from, to, 1);
        self.home.write_config(&self.config);
    }

    fn sts_calls(&self) -> u64 {
        count(&self.peers.aws_stats(), "sts:")
    }

    /// How many STS calls `runas ARGS` made.
    fn calls(&self, args: &[&str]) -> u64 {
        let before = self.sts_calls();
        self.home.run_ok(args);
        self.sts_calls() - before
    }
}

#[test]
fn credential_process_exchanges_again_after_each_edit_of_what_defines_the_profile() {
    let mut world = World::start();
    let cp = ["credential-process", "web"];
    assert_eq!(world.calls(&cp), 0, "logged in: cached");

    // Same-size edits, within one timestamp tick as far as the file's mtime can tell.
    world.edit("role/r123\n", "role/r124\n");
    assert_eq!(world.calls(&cp), 0, "another profile's role");
    world.edit("role/big-a", "role/big-b");
    assert_eq!(world.calls(&cp), 1, "its role");
    assert_eq!(world.calls(&cp), 0, "unchanged");

    world.edit("duration_seconds = 3600", "duration_seconds = 3000");
    assert_eq!(world.calls(&cp), 1, "its duration");
    let endpoint = format!(
        "region = us-east-1\nendpoint_url = {}\n",
        world.peers.aws_endpoint()
    );
    world.edit("region = us-east-1\n", &endpoint);
    assert_eq!(world.calls(&cp), 1, "its endpoint");
    world.edit(
        "web_identity_provider = oidc\n",
        "web_identity_provider = oidc\nweb_identity_username = alice\n",
    );
    assert_eq!(world.calls(&cp), 1, "an IdP key it inherits from [default]");
    assert_eq!(world.calls(&cp), 0, "unchanged");

    world.home.set("AWS_REGION", "eu-central-1");
    assert_eq!(world.calls(&cp), 1, "a region variable");
    assert_eq!(world.calls(&cp), 0, "unchanged");

    let copy = world.home.path().join("aws-config-copy");
    std::fs::write(&copy, &world.config).unwrap();
    let original = world.home.config_path().display().to_string();
    world
        .home
        .set("AWS_CONFIG_FILE", &copy.display().to_string());
    assert_eq!(world.calls(&cp), 1, "AWS_CONFIG_FILE naming another file");
    assert_eq!(world.calls(&cp), 0, "unchanged");
    assert_eq!(
        world.calls(&["--config", &original, "credential-process", "web"]),
        1,
        "--config naming another file"
    );
}

#[test]
fn chains_and_credentials_file_roots_exchange_again_when_a_link_changes() {
    let mut world = World::start();
    let chained = ["credential-process", "chained"];
    assert!(world.calls(&chained) >= 1, "first call assumes the role");
    assert_eq!(world.calls(&chained), 0, "unchanged");
    world.edit("role/big-a", "role/big-b");
    assert_eq!(
        world.calls(&chained),
        2,
        "its source's role: the source's exchange and the AssumeRole"
    );
    assert_eq!(world.calls(&chained), 0, "unchanged");

    let from_keys = ["credential-process", "from-keys"];
    assert_eq!(world.calls(&from_keys), 1);
    assert_eq!(world.calls(&from_keys), 0, "unchanged");
    let (key_id, secret) = world.peers.create_access_key("ci-next");
    std::fs::write(
        &world.credentials,
        format!("[ci]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n"),
    )
    .unwrap();
    assert_eq!(
        world.calls(&from_keys),
        1,
        "its root's keys in the credentials file"
    );
    assert_eq!(world.calls(&from_keys), 0, "unchanged");
    world.home.set("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
    let refused = world.home.run(&from_keys);
    assert!(
        !refused.status.success(),
        "without the credentials file its root is gone: {}",
        refused.stderr
    );
}

#[test]
fn env_and_exec_exchange_again_after_an_edit_and_not_otherwise() {
    let mut world = World::start();
    let env = ["env", "web", "--format", "json"];
    let exec = ["exec", "web", "--", "true"];
    assert_eq!(world.calls(&env), 0, "logged in: cached");
    assert_eq!(world.calls(&exec), 0, "cached");
    world.edit("role/big-a", "role/big-b");
    assert_eq!(world.calls(&env), 1, "env after a role edit");
    assert_eq!(world.calls(&exec), 0, "exec after env renewed it");
    world.edit("region = us-east-1\n", "region = us-west-2\n");
    assert_eq!(world.calls(&exec), 1, "exec after a region edit");
    assert_eq!(world.calls(&env), 0, "env after exec renewed it");
    world.edit("role/r9999\n", "role/r9998\n");
    assert_eq!(world.calls(&env), 0, "another profile's edit");
    assert_eq!(world.calls(&exec), 0, "another profile's edit");
}

#[test]
fn the_credentials_endpoint_never_answers_for_a_definition_the_files_no_longer_give() {
    let mut world = World::start();
    let mut serving = Serving::start(&world.home, "web");
    let key = |answer: &serde_json::Value| {
        answer["AccessKeyId"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let before = world.sts_calls();
    let (status, first) = serving.credentials();
    assert_eq!(status, 200, "{first}");
    let (_, again) = serving.credentials();
    assert_eq!(key(&again), key(&first), "unchanged: the same credentials");
    world.edit("role/r42\n", "role/r43\n");
    assert_eq!(
        key(&serving.credentials().1),
        key(&first),
        "another profile's edit"
    );
    assert_eq!(
        world.sts_calls(),
        before,
        "nothing changed for web: no STS call"
    );

    world.edit("role/big-a", "role/big-b");
    let mut renewed = None;
    wait_until(
        "an answer under the new role",
        Duration::from_secs(30),
        || {
            let (status, answer) = serving.credentials();
            // Until the renewal is done the answer is a 503, never the old role's keys.
            assert!(
                status == 503 || key(&answer) != key(&first),
                "{status} {answer}"
            );
            if status == 200 {
                renewed = Some(answer);
            }
            status == 200
        },
    );
    let renewed = renewed.unwrap_or_default();
    assert_eq!(
        world.sts_calls(),
        before + 1,
        "one exchange for the new role"
    );
    assert_eq!(
        key(&serving.credentials().1),
        key(&renewed),
        "then cached again"
    );
    assert_eq!(world.sts_calls(), before + 1);
    serving.stop();
}
