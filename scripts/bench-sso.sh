#!/usr/bin/env bash
# A cold `runas sso list` (every page asked of the portal again: `--refresh`, the login's token
# from the cache) against the AWS peer holding 300 accounts with 3 roles each, with the portal
# answering at once and with every portal call delayed 50 ms (the peer's `portal_delay_ms` test
# switch, tests/peers/README.md). Goal: under 3 s each. Prints one markdown row per delay:
# median, fastest and slowest wall time of RUNS runs, and the portal calls of one run.
#
#   scripts/bench-sso.sh             builds the release binary; needs tests/peers installed
#   RUNAS_BIN=PATH RUNS=N            measure this binary / this many runs (default 5)
# Starts its own loopback AWS peer per delay and stops it by PID at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${RUNS:-5}
tests/peers/install.sh >/dev/null
if [ -n "${RUNAS_BIN:-}" ]; then
  RUNAS=$(realpath "$RUNAS_BIN")
else
  cargo build --release --quiet
  TARGET=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
  RUNAS=$TARGET/release/runas
fi

WORK=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
START_URL=https://d-9067c0ffee.awsapps.com/start

echo "| cold \`runas sso list\`, 300 accounts × 3 roles | median (fastest–slowest) of $RUNS | portal calls | < 3 s |"
echo "|---|---|---|---|"
for delay in 0 50; do
  port=$(free_port)
  home=$WORK/home-$delay
  mkdir -p "$home"
  cat >"$WORK/idc-$delay.json" <<JSON
{"region": "us-east-1", "instance_arn": "arn:aws:sso:::instance/ssoins-7223a1b2c3d4e5f6",
 "identity_store_id": "d-9067c0ffee", "start_url": "$START_URL",
 "application_arn": "arn:aws:sso::123456789012:application/ssoins-7223a1b2c3d4e5f6/apl-0a1b2c3d4e5f6a7b",
 "trusted_token_issuer": {"issuer_url": "http://127.0.0.1:9/none", "audience": "runas-cli", "user_claim": "email"},
 "users": [{"user_id": "94482488-3041-7026-18f3-be45837cd0e4", "user_name": "alice", "email": "alice@example.test"}],
 "device_user": "alice", "token_ttl_seconds": 28800, "account_assignments": [], "access_grants": [],
 "seed_accounts": {"user": "alice", "count": 300, "roles": ["AdministratorAccess", "ReadOnlyAccess", "Billing"]},
 "portal_delay_ms": $delay}
JSON
  (PEER_IGNORE_STDIN=1 PEER_IDENTITY_CENTER=$WORK/idc-$delay.json \
    exec tests/peers/venv/bin/python tests/peers/aws_peer.py -H 127.0.0.1 -p "$port" \
    >"$WORK/aws-$delay.log" 2>&1) & pids+=($!)
  for _ in $(seq 300); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/moto-api/" && break
    sleep 0.1
  done
  printf '[sso-session corp]\nsso_start_url = %s\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n' \
    "$START_URL" >"$home/config"
  run() {
    env -i PATH="$PATH" HOME="$home" AWS_CONFIG_FILE="$home/config" AWS_SHARED_CREDENTIALS_FILE=/dev/null \
      RUNAS_CACHE_DIR="$home/cache" AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_EC2_METADATA_DISABLED=true \
      BROWSER="$ROOT/tests/browser/follow.sh" "$RUNAS" "$@"
  }
  run login corp 2>/dev/null
  before=$(curl -s "http://127.0.0.1:$port/runas-peer/stats")
  times=()
  for _ in $(seq "$RUNS"); do
    start=$EPOCHREALTIME
    run sso list --refresh --json >"$WORK/list.json"
    times+=("$(python3 -c "print($EPOCHREALTIME - $start)")")
  done
  after=$(curl -s "http://127.0.0.1:$port/runas-peer/stats")
  python3 - "$delay" "$RUNS" "$WORK/list.json" "$before" "$after" "${times[@]}" <<'PY'
import json, statistics, sys
delay, runs, listed, before, after = sys.argv[1], int(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4]), json.loads(sys.argv[5])
times = [float(t) for t in sys.argv[6:]]
found = json.load(open(listed))[0]["accounts"]
roles = sum(len(a["roles"]) for a in found)
calls = {k: (after.get(k, 0) - before.get(k, 0)) // runs for k in ("sso:ListAccounts", "sso:ListAccountRoles")}
median = statistics.median(times)
print(f"| portal delay {delay} ms ({len(found)} accounts, {roles} roles) | {median:.2f} s ({min(times):.2f}–{max(times):.2f}) "
      f"| {calls['sso:ListAccounts']} ListAccounts + {calls['sso:ListAccountRoles']} ListAccountRoles | {'yes' if median < 3 else '**no**'} |")
PY
done
