#!/usr/bin/env bash
# Measures the real TUI in tmux: time from launch to the first frame with 1,000 profiles
# (goal ≤ 50 ms) and its CPU use while idle for 10 s (goal < 1 %). Loopback-free: the profiles
# are never logged in to. Linux only (reads /proc).
#
#   scripts/tui-bench.sh [BINARY]   default: the release build of runas (no arguments opens the TUI)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=$(cargo metadata --format-version 1 --no-deps --manifest-path "$root/Cargo.toml" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
binary=${1:-$target/release/runas}
[[ -x $binary ]] || cargo build --quiet --release --manifest-path "$root/Cargo.toml" --bin runas
work=$(mktemp -d)
socket=$work/tmux.sock
trap 'tmux -S "$socket" kill-server 2>/dev/null || true; rm -rf "$work"' EXIT

for i in $(seq 0 999); do
  printf '[profile team-%d]\nweb_identity_auth_url = https://example.okta.com/oauth2/default\nweb_identity_client_id = c%d\nweb_identity_callback_uri = http://127.0.0.1:8090/callback\nrole_arn = arn:aws:iam::%012d:role/r%d\n\n' \
    "$i" $((i % 7)) $((100000000000 + i)) "$i"
done >"$work/config"

cat >"$work/run.sh" <<SCRIPT
export AWS_CONFIG_FILE=$work/config RUNAS_CACHE_DIR=$work/cache NO_COLOR=1
echo \$\$ > $work/pid
date +%s%N > $work/start
exec "$binary"
SCRIPT
tmux -S "$socket" new-session -d -x 120 -y 40 -s bench "sh $work/run.sh"
# Poll the screen as fast as tmux answers; the first frame is the first with the list title.
for _ in $(seq 2000); do
  if tmux -S "$socket" capture-pane -p -t bench 2>/dev/null | grep -q 'Profiles (1000)'; then
    seen=$(date +%s%N)
    break
  fi
done
start=$(cat "$work/start")
echo "first frame (launch to visible, incl. tmux polling): $(( (seen - start) / 1000000 )) ms"

pid=$(cat "$work/pid")
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
sleep 2 # let the background cache read finish
before=$(ticks)
sleep 10
after=$(ticks)
hz=$(getconf CLK_TCK)
python3 -c "print(f'idle CPU over 10 s: {($after - $before) / $hz / 10 * 100:.2f} %')"
tmux -S "$socket" send-keys -t bench q
