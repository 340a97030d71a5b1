#!/usr/bin/env bash
# Plots `runas list --json` wall time (hyperfine median) against the number of profiles, one
# line per binary, with the 100 ms goal at 10,000 profiles. Not part of CI; the picture goes
# to README's Performance section.
#
#   scripts/plot-list.sh OUT.png LABEL=BINARY [LABEL=BINARY ...]
#   needs hyperfine and gnuplot (apt-get install hyperfine gnuplot-nox)
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 OUT.png LABEL=BINARY [LABEL=BINARY ...]" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "plot-list.sh: needs hyperfine" >&2; exit 2; }
command -v gnuplot >/dev/null || { echo "plot-list.sh: needs gnuplot (apt-get install gnuplot-nox)" >&2; exit 2; }
out=$1; shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export RUNAS_CACHE_DIR=$work/cache
counts=(100 1000 2500 5000 7500 10000)
for n in "${counts[@]}"; do
  python3 "$(dirname "$0")/gen-profiles.py" "$n" "$work/list-$n"
done
plots=()
for pair in "$@"; do
  label=${pair%%=*}; binary=${pair#*=}
  data=$work/$(echo "$label" | tr -c 'A-Za-z0-9' _).dat
  for n in "${counts[@]}"; do
    hyperfine -N --warmup 2 --runs 15 --export-json "$work/h.json" "$binary --config $work/list-$n list --json" >/dev/null
    python3 -c "import json,sys; print(sys.argv[2], json.load(open(sys.argv[1]))['results'][0]['median']*1000)" \
      "$work/h.json" "$n" >>"$data"
  done
  echo "$label:" >&2; cat "$data" >&2
  plots+=("'$data' using 1:2 with linespoints lw 2 pt 7 title '$label'")
done
joined=$(IFS=,; echo "${plots[*]}")
gnuplot <<GP
set terminal pngcairo size 800,480 font 'sans,11'
set output '$out'
set title 'runas list --json: wall time by profile count (hyperfine medians)'
set xlabel 'profiles in the config file'
set ylabel 'ms'
set key top left
set grid
set xrange [0:10500]
set yrange [0:*]
set arrow from 9700,100 to 10300,100 nohead lw 2 lc rgb 'red'
set label 'goal at 10,000: 100 ms' at 7000,108 textcolor rgb 'red'
plot $joined
GP
echo "wrote $out" >&2
