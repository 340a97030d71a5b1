#!/usr/bin/env bash
# Measures the real TUI in tmux with PROFILES profiles (1,000 unless told): time from launch to
# the first frame (goal ≤ 50 ms; median of RUNS launches), CPU use while idle for IDLE_SECONDS
# (goal < 1 % at 1,000, < 0.5 % at 10,000) and peak RSS from /usr/bin/time -v (goal < 30 MiB at
# 1,000, < 40 MiB at 10,000). The profiles are never logged in to, so
# nothing touches the network. Linux only (reads /proc). Prints `key=value` lines that
# scripts/bench.sh folds into its table.
#
#   scripts/tui-bench.sh [BINARY]   default: the release build of runas (no arguments opens the TUI)
#   RUNS=5 IDLE_SECONDS=30 PROFILES=1000   defaults
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-5}
idle_seconds=${IDLE_SECONDS:-30}
profiles=${PROFILES:-1000}
target=$(cargo metadata --format-version 1 --no-deps --manifest-path "$root/Cargo.toml" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
binary=${1:-$target/release/runas}
[[ -x $binary ]] || cargo build --quiet --release --manifest-path "$root/Cargo.toml" --bin runas
[[ -x /usr/bin/time ]] || { echo "tui-bench.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
work=$(mktemp -d)
socket=$work/tmux.sock
trap 'tmux -S "$socket" kill-server 2>/dev/null || true; rm -rf "$work"' EXIT

for i in $(seq 0 $((profiles - 1))); do
  printf '[profile team-%d]\nweb_identity_auth_url = https://example.okta.com/oauth2/default\nweb_identity_client_id = c%d\nweb_identity_callback_uri = http://127.0.0.1:8090/callback\nrole_arn = arn:aws:iam::%012d:role/r%d\n\n' \
    "$i" $((i % 7)) $((100000000000 + i)) "$i"
done >"$work/config"

# Launch is stamped by bash's own clock just before it execs runas, and the frame's sighting by
# the same clock: a forked `date` before and after, and /usr/bin/time in between, were charged
# to runas before (about 3 ms). Only the idle run, which reports peak RSS, goes through
# /usr/bin/time.
cat >"$work/run.sh" <<SCRIPT
export AWS_CONFIG_FILE=$work/config RUNAS_CACHE_DIR=$work/cache NO_COLOR=1
echo \$\$ > $work/pid
if [ "\$1" = measured ]; then
  echo "\${EPOCHREALTIME/./}" > $work/start
  exec "$binary"
fi
exec /usr/bin/time -v -o $work/time.txt "$binary"
SCRIPT

# Starts the TUI in a fresh tmux session and prints the ms from launch until tmux shows the
# list title. Polls as fast as tmux answers, so the number includes one poll's latency.
launch() { # $1 = measured: runas alone; else under /usr/bin/time
  rm -f "$work/pid" "$work/start" "$work/time.txt"
  tmux -S "$socket" new-session -d -x 120 -y 40 -s bench "bash $work/run.sh ${1:-}"
  local seen=""
  for _ in $(seq 4000); do
    if tmux -S "$socket" capture-pane -p -t bench 2>/dev/null | grep -q "Profiles ($profiles)"; then
      seen=${EPOCHREALTIME/./}
      break
    fi
  done
  [[ -n $seen ]] || { echo "tui-bench.sh: the TUI never showed its list" >&2; exit 1; }
  # Only a measured launch stamps its start; the idle one under /usr/bin/time has no figure.
  if [[ ${1:-} == measured ]]; then echo $(((seen - $(cat "$work/start")) / 1000)); fi
}

# Quits the TUI and waits until it has ended (and /usr/bin/time has reported, if it ran).
quit() {
  tmux -S "$socket" send-keys -t bench q
  for _ in $(seq 100); do tmux -S "$socket" has-session -t bench 2>/dev/null || break; sleep 0.1; done
  tmux -S "$socket" kill-session -t bench 2>/dev/null || true
}

frames=()
for _ in $(seq "$runs"); do
  frames+=("$(launch measured)")
  sleep 0.5
  quit
done
echo "first_frame_ms_runs=${frames[*]}"
python3 -c 'import statistics,sys; print(f"first_frame_ms={statistics.median(map(int, sys.argv[1:]))}")' "${frames[@]}"

# One more launch, left idle: CPU over idle_seconds, then peak RSS when it quits.
launch >/dev/null
time_pid=$(cat "$work/pid")
pid=$(ps -o pid= --ppid "$time_pid" | tr -d ' ')
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
sleep 2 # the background cache read finishes after the first frame
before=$(ticks)
sleep "$idle_seconds"
after=$(ticks)
hz=$(getconf CLK_TCK)
python3 -c "print(f'idle_cpu_pct={($after - $before) / $hz / $idle_seconds * 100:.2f}')"
echo "idle_seconds=$idle_seconds"
quit
rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
echo "peak_rss_kib=$rss"
