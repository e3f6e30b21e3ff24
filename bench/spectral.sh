#!/usr/bin/env bash
# bench/spectral.sh: builds and runs bench/spectral.c (single core) against build/libbandalign.a,
# with FFTW_ESTIMATE plans, then FFTW_MEASURE.
#
# Usage: bench/spectral.sh [seconds] [REV [rounds]]   (run `make` first)
#   With REV (a git revision), the same bench/spectral.c is also built against REV's
#   library (in a temporary copy of REV's tree) and the two programs run in alternating
#   rounds, `rounds` (default 5) of each per planner, so that the noise of other tenants of
#   the machine falls on both alike; each path reports its best round in CPU time per
#   epoch, and the table gives the best over all rounds, the median of the rounds, and the
#   ratio of the bests.
set -eu
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
seconds=${1:-3}
rev=${2:-}
rounds=${3:-5}
if [ -z "$rev" ]; then
  build/bench/spectral "$seconds" estimate
  build/bench/spectral "$seconds" measure
  exit 0
fi

base=$(mktemp -d /tmp/bench-spectral.XXXXXX)
trap 'rm -rf "$base"' EXIT
git archive "$rev" | tar -x -C "$base"
cp bench/spectral.c "$base/bench/spectral.c"
echo "building $rev ($(git rev-parse --short "$rev")) in $base ..."
make -s -C "$base" -j2 build/bench/spectral >"$base/build.log" 2>&1 || {
  tail -20 "$base/build.log" >&2
  exit 1
}

# run PROGRAM PLANNER: one process, its best-round CPU times (us per epoch) of the sub-bin
# sums, the per-wavelet sums and the preprocessing, on one line
run() {
  "$1" "$seconds" "$2" | awk '
    /^sub-bin sums/     { for (i = 1; i <= NF; i++) if ($i == "round") s = $(i + 1) }
    /^per-wavelet sums/ { for (i = 1; i <= NF; i++) if ($i == "round") w = $(i + 1) }
    /^preprocess/       { for (i = 1; i <= NF; i++) if ($i == "round") p = $(i + 1) }
    END { print s, w, p }'
}

for planner in estimate measure; do
  : >"$base/old" && : >"$base/new"
  for r in $(seq "$rounds"); do
    run "$base/build/bench/spectral" $planner >>"$base/old"
    run build/bench/spectral $planner >>"$base/new"
  done
  echo "$planner plans, $rounds alternating rounds of ${seconds} s per program (us per epoch of CPU: best, median):"
  for col in 1 2 3; do
    name=$(echo "sub-bin sums (the features stage)|per-wavelet sums|preprocess (detrend + notches)" | cut -d'|' -f$col)
    stats() { cut -d' ' -f$col "$1" | sort -g | awk '{ v[NR] = $1 } END { printf "%.1f %.1f", v[1], v[int((NR + 1) / 2)] }'; }
    read -r ob om <<<"$(stats "$base/old")"
    read -r nb nm <<<"$(stats "$base/new")"
    printf '  %-34s %s: %6.1f %6.1f   this tree: %6.1f %6.1f   speed-up %.2fx\n' "$name" "$rev" "$ob" "$om" "$nb" \
      "$nm" "$(echo "$ob / $nb" | bc -l)"
  done
done
