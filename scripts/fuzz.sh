#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ one after another, each for a fixed time, and prints
# what they did. Not part of CI or scripts/test.sh: fuzzing needs nightly and minutes per
# target. On a shared machine run it under `nice -n 19`.
#
#   scripts/fuzz.sh                       every target, 600 s each
#   scripts/fuzz.sh 60                    every target, 60 s each
#   scripts/fuzz.sh 600 callback_request  one target
#
# Each target starts from its committed seeds (fuzz/seeds/TARGET) plus whatever earlier runs
# found (fuzz/corpus/TARGET, ignored by git). Crash inputs land in fuzz/artifacts/TARGET;
# reproduce one with `cd fuzz && cargo +nightly fuzz run -s none TARGET artifacts/TARGET/crash-…`.
# Exit status: 0 no crash, 1 a target crashed (or failed to run), 2 no nightly toolchain.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

ALL_TARGETS=(config_parse callback_request cache_decode)
seconds=${1:-600}
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${ALL_TARGETS[@]}")

if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz.sh: SECONDS_PER_TARGET must be a positive integer, got '$seconds'" >&2
  exit 1
fi
for target in "${targets[@]}"; do
  if [[ ! -f fuzz_targets/$target.rs ]]; then
    echo "fuzz.sh: no target '$target'; targets: ${ALL_TARGETS[*]}" >&2
    exit 1
  fi
done

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "fuzz.sh: cargo-fuzz needs a nightly toolchain and none is installed;" \
    "install it with: rustup toolchain install nightly" >&2
  exit 2
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz (cargo +stable install cargo-fuzz --locked)" >&2
  cargo +stable install cargo-fuzz --locked
fi

# Safe Rust gains little from AddressSanitizer and it halves the speed; the build keeps debug
# assertions and overflow checks, so arithmetic surprises still crash. The same options go to
# build and run, or `run` would rebuild everything.
build_options=(-s none --codegen-units 16)

# Bigger inputs only where the format has limits worth reaching: the callback parser's
# request line (8 KiB) and head (32 KiB) limits.
max_len_for() {
  case $1 in
    callback_request) echo 40000 ;;
    config_parse) echo 8192 ;;
    *) echo 4096 ;;
  esac
}

echo "== building the fuzz targets" >&2
cargo +nightly fuzz build "${build_options[@]}"

count_files() { find "$1" -maxdepth 1 -type f 2>/dev/null | wc -l; }
count_crashes() {
  find "$1" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' -o -name 'leak-*' \) \
    2>/dev/null | wc -l
}

results=()
failed=0
for target in "${targets[@]}"; do
  corpus=corpus/$target
  artifacts=artifacts/$target
  log=$artifacts/last-run.log
  mkdir -p "$corpus" "$artifacts"
  cp -n seeds/"$target"/* "$corpus"/ 2>/dev/null || true
  crashes_before=$(count_crashes "$artifacts")
  dict=()
  [[ -f dicts/$target.dict ]] && dict=(-dict="dicts/$target.dict")

  echo "== fuzzing $target for $seconds s (log: fuzz/$log)" >&2
  status=0
  cargo +nightly fuzz run "${build_options[@]}" "$target" "$corpus" -- \
    -max_total_time="$seconds" -max_len="$(max_len_for "$target")" -timeout=10 \
    -print_final_stats=1 "${dict[@]}" >"$log" 2>&1 || status=$?

  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  # libFuzzer's own corpus count (its last status line); the directory also keeps inputs that
  # later, smaller ones replaced.
  units=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  crashes=$(($(count_crashes "$artifacts") - crashes_before))
  if [[ $status -ne 0 && $crashes -eq 0 ]]; then
    echo "fuzz.sh: $target exited with status $status without a crash file; see fuzz/$log" >&2
    tail -20 "$log" >&2
    crashes="error"
  fi
  [[ $crashes == 0 ]] || failed=1
  results+=("$target $seconds ${runs:-?} ${units:-?} $(count_files "$corpus") $crashes")
done

printf '\n%-18s %8s %14s %8s %13s %8s\n' target seconds runs corpus corpus_files crashes
for row in "${results[@]}"; do
  # shellcheck disable=SC2086 # the row is six space-free words
  printf '%-18s %8s %14s %8s %13s %8s\n' $row
done
if [[ $failed -ne 0 ]]; then
  echo "fuzz.sh: at least one target crashed; inputs are in fuzz/artifacts/TARGET" >&2
  exit 1
fi
