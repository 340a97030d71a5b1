#!/usr/bin/env bash
# Opens the runas TUI against the loopback test peers, for a person to try it (and for
# screenshots): installs the peers if needed (tests/peers/install.sh), starts the IdP in
# auto-login mode (device codes approved as alice too) and the AWS peer on loopback ports
# (9400-9402, or free ones when those are taken), creates the demo roles, writes
# assets/demo/config filled in to a temporary directory and runs the TUI with it. The peers are
# stopped (by PID) when the TUI exits. Nothing leaves 127.0.0.1.
#
#   scripts/demo.sh                 the TUI (stdout: export lines if you press e)
#   RUNAS_BIN=path scripts/demo.sh  another binary that opens the TUI with no arguments
#   DEMO_BROWSER=cmd                the $BROWSER to use (default: tests/browser/follow.sh,
#                                   which completes the auto-login without a real browser)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
peers=$root/tests/peers
say() { echo "demo: $*" >&2; }

# A port is used only if nothing listens on it: a second demo (or anything else) holding the
# default would otherwise answer in place of this demo's peers, and vanish when it quits.
port_is_free() { # port
  python3 -c 'import socket,sys
s=socket.socket()
try: s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError: sys.exit(1)' "$1"
}
pick_port() { # wanted-port: the wanted one when free, else one the system hands out
  if port_is_free "$1"; then
    echo "$1"
  else
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
  fi
}
IDP_PORT=$(pick_port "${DEMO_IDP_PORT:-9400}")
AWS_PORT=$(pick_port "${DEMO_AWS_PORT:-9401}")
CALLBACK_PORT=$(pick_port "${DEMO_CALLBACK_PORT:-9402}")
if [[ $IDP_PORT == "$AWS_PORT" || $CALLBACK_PORT == "$IDP_PORT" || $CALLBACK_PORT == "$AWS_PORT" ]]; then
  say "could not find three different free ports (got $IDP_PORT, $AWS_PORT, $CALLBACK_PORT); set DEMO_IDP_PORT, DEMO_AWS_PORT, DEMO_CALLBACK_PORT"
  exit 1
fi
[[ $IDP_PORT == "${DEMO_IDP_PORT:-9400}" ]] || say "port ${DEMO_IDP_PORT:-9400} is taken (another demo?): the IdP uses $IDP_PORT"
[[ $AWS_PORT == "${DEMO_AWS_PORT:-9401}" ]] || say "port ${DEMO_AWS_PORT:-9401} is taken: the AWS peer uses $AWS_PORT"
[[ $CALLBACK_PORT == "${DEMO_CALLBACK_PORT:-9402}" ]] || say "port ${DEMO_CALLBACK_PORT:-9402} is taken: the login callback uses $CALLBACK_PORT"
issuer=http://127.0.0.1:$IDP_PORT
callback=http://127.0.0.1:$CALLBACK_PORT/callback
endpoint=http://127.0.0.1:$AWS_PORT

say "installing the test peers if missing (the first time: npm and PyPI downloads, a minute or two)"
bash "$peers/install.sh" >&2
work=$(mktemp -d "${TMPDIR:-/tmp}/runas-demo.XXXXXX")
pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap stop EXIT

# The peers exit when their stdin closes (so a killed harness leaves none behind): hand them a
# FIFO this script holds open until it exits.
mkfifo "$work/stdin"
exec 3<>"$work/stdin"
say "starting the identity provider on $issuer and the AWS peer on $endpoint"
# The device approver stands in for the person's phone: it approves each device code as alice.
(cd "$peers/idp" && IDP_PORT=$IDP_PORT IDP_JWKS=$work/jwks.json IDP_AUTO_LOGIN=alice \
  IDP_EXTRA_REDIRECT_URIS=$callback IDP_DEVICE_APPROVER=$root/tests/browser/browser.py \
  exec node server.mjs) <&3 >"$work/idp.log" 2>&1 &
pids+=($!)
(cd "$peers" && PEER_IGNORE_STDIN=1 exec venv/bin/python aws_peer.py -H 127.0.0.1 -p "$AWS_PORT") <&3 >"$work/aws.log" 2>&1 &
pids+=($!)

wait_for() { # url: polls for up to 30 s, while this demo's peers are still running
  for _ in $(seq 300); do
    for pid in "${pids[@]}"; do
      kill -0 "$pid" 2>/dev/null && continue
      say "a peer exited before answering (its log follows)"
      tail -n 20 "$work"/*.log >&2
      exit 1
    done
    curl --silent --fail --noproxy '*' --max-time 1 --output /dev/null "$1" && return 0
    sleep 0.1
  done
  echo "demo: no answer from $1" >&2
  tail -n 20 "$work"/*.log >&2
  exit 1
}
wait_for "$issuer/.well-known/openid-configuration"
wait_for "$endpoint/moto-api/"

create_role() { # name -> ARN; moto routes by the SigV4-shaped header and checks no signature
  local policy='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*","Federated":"*"},"Action":["sts:AssumeRole","sts:AssumeRoleWithWebIdentity"]}]}'
  curl --silent --fail --noproxy '*' --max-time 10 --output /dev/null "$endpoint/" \
    -H 'Authorization: AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0' \
    --data-urlencode Action=CreateRole --data-urlencode Version=2010-05-08 \
    --data-urlencode "RoleName=$1" --data-urlencode "AssumeRolePolicyDocument=$policy" \
    --data-urlencode MaxSessionDuration=43200
  echo "arn:aws:iam::123456789012:role/$1"
}
admin=$(create_role demo-admin)
readonly_role=$(create_role demo-readonly)
audit=$(create_role demo-audit)

sed -e "s|@ISSUER@|$issuer|g" -e "s|@CALLBACK@|$callback|g" -e "s|@ADMIN_ROLE@|$admin|g" \
  -e "s|@READONLY_ROLE@|$readonly_role|g" -e "s|@AUDIT_ROLE@|$audit|g" \
  "$root/assets/demo/config" >"$work/config"
: >"$work/credentials"

if [[ -z ${RUNAS_BIN:-} ]]; then
  say "building runas (the first build compiles every dependency: a few minutes)"
  cargo build --manifest-path "$root/Cargo.toml" --bin runas >&2
  RUNAS_BIN=$(cargo metadata --format-version 1 --no-deps --manifest-path "$root/Cargo.toml" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/runas
fi

say "opening the TUI (q quits and stops the peers; d shows a device login, approved as alice)"
# The TUI gets no copy of the FIFO (3>&-): a shell started from it would keep the peers alive.
AWS_CONFIG_FILE=$work/config AWS_SHARED_CREDENTIALS_FILE=$work/credentials \
  RUNAS_CACHE_DIR=$work/cache AWS_ENDPOINT_URL_STS=$endpoint AWS_EC2_METADATA_DISABLED=true \
  BROWSER=${DEMO_BROWSER:-$root/tests/browser/follow.sh} "$RUNAS_BIN" 3>&-
