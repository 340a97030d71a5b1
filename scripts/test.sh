#!/usr/bin/env bash
# The one command that tests runas: installs the loopback test peers if missing, compiles
# everything while the network is still there, then runs every test (unit, integration, doc)
# inside a network namespace that has nothing but loopback, so a test that tries to reach
# anything else fails fast instead of sending traffic.
#
#   scripts/test.sh                    everything
#   scripts/test.sh peers_harness      one integration test file (tests/peers_harness.rs)
#   scripts/test.sh config:: -- --nocapture      other arguments go to `cargo test` as they are
#
# env: RUNAS_TEST_NO_NETNS=1 skips the namespace (the run prints a WARNING).
#      RUNAS_TEST_RUST_LOG=LEVEL is the RUST_LOG of every runas the tests start (default trace:
#      each test's runs are then searched for the secrets left in its caches at the most
#      talkative level; RUNAS_TEST_RUST_LOG= runs them at the default level).
set -euo pipefail
cd "$(dirname "$0")/.."

phase_start=$SECONDS
phase() { # name: prints how long the previous phase took
  echo "== $1 (previous phase: $((SECONDS - phase_start)) s)" >&2
  phase_start=$SECONDS
}

# Tests set their own AWS files and endpoints; nothing from the developer's environment may
# steer an SDK towards real credentials, IMDS or a proxy.
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN \
  AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_STS \
  AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \
  AWS_CONTAINER_AUTHORIZATION_TOKEN RUNAS_CACHE_DIR \
  HTTP_PROXY HTTPS_PROXY ALL_PROXY NO_PROXY http_proxy https_proxy all_proxy no_proxy

export RUNAS_TEST_RUST_LOG=${RUNAS_TEST_RUST_LOG-trace}

phase "installing the test peers"
tests/peers/install.sh

# tests/cli_handoff.rs drives the AWS CLI v2 (/usr/bin/aws) and tests/shell_exports.rs real fish
# and zsh; both skip with a note when these are absent. Only root on apt systems installs them.
missing_tools=""
[ -x /usr/bin/aws ] || missing_tools="$missing_tools awscli"
command -v fish >/dev/null || missing_tools="$missing_tools fish"
command -v zsh >/dev/null || missing_tools="$missing_tools zsh"
if [ -n "$missing_tools" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  phase "installing$missing_tools"
  # shellcheck disable=SC2086 # one word per package
  apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing_tools
fi

phase "compiling"
cargo build --all-targets
cargo test --no-run
# tests/aws_shared_config_suite.rs finds the AWS SDKs' parser suite with `cargo metadata
# --offline`, which needs every package's source, the other platforms' too: fetch it now.
cargo metadata --format-version 1 >/dev/null

# `scripts/test.sh NAME` with a tests/NAME.rs runs that integration test file only; cargo
# would otherwise read NAME as a filter on test function names.
args=() # expanded as ${args[@]+...}: bash 3.2 (macOS) calls an empty array unbound
for arg in "$@"; do
  if [[ $arg != -* && -f tests/$arg.rs ]]; then args+=(--test "$arg"); else args+=("$arg"); fi
done

phase "testing"
if [[ $(uname -s) == Linux && ${RUNAS_TEST_NO_NETNS:-} != 1 ]] &&
  unshare -rn sh -c 'ip link set lo up' 2>/dev/null; then
  echo "tests run in a network namespace with only loopback" >&2
  unshare -rn sh -c 'ip link set lo up && exec "$@"' sh cargo test --offline --no-fail-fast ${args[@]+"${args[@]}"}
else
  echo "WARNING: no loopback-only network namespace here (not Linux, unshare not allowed," \
    "or RUNAS_TEST_NO_NETNS=1): the tests run with the normal network" >&2
  cargo test --offline --no-fail-fast ${args[@]+"${args[@]}"}
fi
phase "done"
