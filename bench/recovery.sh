#!/usr/bin/env bash
# bench/recovery.sh: for every band, plant the hierarchy there (-sim_hierarchy_band) on the
# demo preset, run the whole pipeline at each seed and report whether the run recovers it
# (the report's verdict: the planted band is the best aligned, passes the study's threshold
# 0.005/15 in some window and keeps its FDP within q), then a pass table of band x seed.
#
# Usage: bench/recovery.sh [--seeds N] [--bands "B ..."] [--np NP] [NP] [extra run options]
#   --seeds N   seeds 0 .. N-1 (default 1: seed 0)
#   --bands     planted bands (default: theta alpha beta lowgamma highgamma none; "none" plants
#               no hierarchy and passes when no ROI is aligned)
#   --np NP     MPI ranks (default 2; a bare number as the first argument is the same)
# One run takes 1-2 minutes on 2 cores (more under load). The control network is not
# simulated (-sim_control_network false): the verdict reads the trained network's results
# only. Each run's line shows the planted band's alignment rho, p and significant pairs per
# window and whether it is the best aligned band of that window; the table's last column
# is the largest, over seeds, of the planted band's smallest alignment p (the threshold is
# 3.3e-4).
set -u
cd "$(dirname "$0")/.."
seeds=1 np=2 bands="theta alpha beta lowgamma highgamma none"
while [ $# -gt 0 ]; do
  case $1 in
  --seeds) seeds=$2 && shift 2 ;;
  --bands) bands=$2 && shift 2 ;;
  --np) np=$2 && shift 2 ;;
  [0-9]*) np=$1 && shift ;;
  *) break ;;
  esac
done
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
out=$(mktemp -d /tmp/bandalign-recovery.XXXXXX)
trap 'rm -rf "$out"' EXIT
echo "bench/recovery.sh: demo preset, $np ranks, seeds 0..$((seeds - 1)), $(date -u +%Y-%m-%d)"
for band in $bands; do
  for ((s = 0; s < seeds; s++)); do
    d=$out/$band-$s
    t0=$(date +%s)
    if nice mpirun -q --oversubscribe -np "$np" bin/bandalign run -preset demo -sim_hierarchy_band "$band" -seed "$s" \
      -sim_control_network false -out "$d" -quiet "$@" >"$d.log" 2>&1; then
      verdict=passed
    else
      verdict=FAILED
    fi
    # alignment rho (p, significant pairs) of the planted band's three windows, and whether it
    # is the best aligned band of the window (smallest alignment p; else the band that is)
    windows=$(awk -F, -v b="$band" 'NR > 1 {
        w = $2 "-" $3; if (!(w in bp) || $8 + 0 < bp[w]) { bp[w] = $8 + 0; bb[w] = $1 }
        if ($1 == b) { n++; win[n] = w; rho[w] = $7; p[w] = $8 + 0; pairs[w] = $6 } }
      END { for (i = 1; i <= n; i++) { w = win[i]
        printf " %s ms %.3f (p %.2g, %d pairs, %s);", w, rho[w], p[w], pairs[w],
          p[w] <= bp[w] ? "best" : "best " bb[w] } }' "$d/report/summary.csv" 2>/dev/null)
    pmin=$(awk -F, -v b="$band" 'NR > 1 && $1 == b { if (m == "" || $8 + 0 < m) m = $8 + 0 } END { print m }' \
      "$d/report/summary.csv" 2>/dev/null)
    echo "$band seed $s: recovery $verdict in $(($(date +%s) - t0)) s;${windows}"
    grep -h "recovery" "$d.log" | head -1 | sed 's/^/    /'
    echo "$band $s $verdict ${pmin:-1}" >>"$out/table"
    rm -rf "$d"
  done
done
echo
awk -v seeds="$seeds" '
  { band[$1] = 1; if (!($1 in order)) { order[$1] = ++nb; name[nb] = $1 }
    v[$1, $2] = $3 == "passed" ? "ok" : "FAIL"; ok[$1] += $3 == "passed"
    if ($1 != "none" && (!($1 in worst) || $4 + 0 > worst[$1])) worst[$1] = $4 + 0
    total += $1 != "none"; passed += $1 != "none" && $3 == "passed"; failed += $3 != "passed" }
  END {
    printf "%-10s", "planted"; for (s = 0; s < seeds; s++) printf " %4d", s; printf "  passed  largest p\n"
    for (i = 1; i <= nb; i++) { b = name[i]; printf "%-10s", b
      for (s = 0; s < seeds; s++) printf " %4s", v[b, s]
      printf "  %2d/%-3d  %s\n", ok[b], seeds, b == "none" ? "-" : sprintf("%.2g", worst[b]) }
    printf "%d of %d runs with a planted band passed\n", passed, total
    exit failed > 0 }' "$out/table"
