#!/usr/bin/env bash
# Benchmarks that are not part of CI (numbers go to README): cached `runas credential-process`
# against the AWS CLI v2 asking for the same profile's credentials, and `runas list --json` at
# growing profile counts. Starts its own loopback peers and stops them at the end.
#
#   scripts/bench.sh            needs tests/peers installed (scripts/test.sh does it), hyperfine
#                               and /usr/bin/aws (apt-get install hyperfine awscli)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
command -v hyperfine >/dev/null || { echo "bench.sh: needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }
AWS=${AWS_CLI:-/usr/bin/aws}
[ -x "$AWS" ] || { echo "bench.sh: needs the AWS CLI v2 at $AWS (apt-get install awscli)" >&2; exit 2; }
tests/peers/install.sh >/dev/null
cargo build --release --quiet
RUNAS=$ROOT/target/release/runas

WORK=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
IDP_PORT=$(free_port); AWS_PORT=$(free_port); CB_PORT=$(free_port)
(cd tests/peers/idp && PEER_IGNORE_STDIN=1 IDP_PORT=$IDP_PORT IDP_AUTO_LOGIN=alice IDP_JWKS=$WORK/jwks.json \
  exec node server.mjs >"$WORK/idp.log" 2>&1) & pids+=($!)
(PEER_IGNORE_STDIN=1 exec tests/peers/venv/bin/python tests/peers/aws_peer.py -H 127.0.0.1 -p "$AWS_PORT" \
  >"$WORK/aws.log" 2>&1) & pids+=($!)
for _ in $(seq 200); do
  curl -sf -o /dev/null "http://127.0.0.1:$IDP_PORT/.well-known/openid-configuration" &&
    curl -sf -o /dev/null "http://127.0.0.1:$AWS_PORT/moto-api/" && break
  sleep 0.1
done

cat >"$WORK/browser.sh" <<'SH'
#!/bin/sh
# Follows the IdP's redirects (auto-login mode) with a cookie jar, then calls the callback.
url=$1; jar=$(mktemp)
for _ in 1 2 3 4 5 6 7 8 9 10; do
  next=$(curl -s -o /dev/null -b "$jar" -c "$jar" -w '%{redirect_url}' "$url")
  [ -n "$next" ] || break
  url=$next
  case $url in *"/callback?"*) curl -s -o /dev/null "$url"; exit 0 ;; esac
done
exit 1
SH
chmod +x "$WORK/browser.sh"

cat >"$WORK/config" <<CFG
[profile web]
web_identity_auth_url = http://127.0.0.1:$IDP_PORT
web_identity_client_id = runas-cli
web_identity_provider = oidc
web_identity_callback_uri = http://127.0.0.1:$CB_PORT/callback
role_arn = arn:aws:iam::123456789012:role/bench
region = us-east-1

[profile via-runas]
credential_process = $RUNAS credential-process web
region = us-east-1
CFG
export AWS_CONFIG_FILE=$WORK/config AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true \
  RUNAS_CACHE_DIR=$WORK/cache BROWSER=$WORK/browser.sh AWS_ENDPOINT_URL_STS=http://127.0.0.1:$AWS_PORT
unset AWS_PROFILE HTTP_PROXY HTTPS_PROXY http_proxy https_proxy
"$RUNAS" login web 2>/dev/null

echo "## cached credentials: runas credential-process vs aws configure export-credentials"
hyperfine -N --warmup 5 --runs 50 --export-json "$WORK/cp.json" \
  -n "runas credential-process web" "$RUNAS credential-process web" \
  -n "aws configure export-credentials --profile via-runas" \
  "$AWS configure export-credentials --profile via-runas" >/dev/null
python3 - "$WORK/cp.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
runas, aws = (x["median"] * 1000 for x in r)
print(f"| runas credential-process (cached) | {runas:.2f} ms |")
print(f"| aws configure export-credentials (same profile) | {aws:.1f} ms |")
print(f"| ratio | {aws / runas:.0f}x |")
PY

echo "## runas list --json by profile count"
for n in 100 1000 10000; do
  python3 - "$n" "$WORK/list-$n" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    for i in range(n):
        f.write(f"[profile p{i}]\nweb_identity_auth_url = https://example{i % 7}.okta.com/oauth2/default\n"
                f"web_identity_client_id = client{i}\nweb_identity_callback_uri = http://127.0.0.1:8090/callback\n"
                f"role_arn = arn:aws:iam::123456789012:role/r{i}\nregion = eu-west-1\n\n")
PY
  hyperfine -N --warmup 3 --runs 20 --export-json "$WORK/list-$n.json" "$RUNAS --config $WORK/list-$n list --json" >/dev/null
  python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print(f'| {sys.argv[2]} profiles | {r[\"median\"]*1000:.1f} ms |')" "$WORK/list-$n.json" "$n"
done
