#!/usr/bin/env bash
# bench/recovery.sh: for every band, plant the hierarchy there (-sim_hierarchy_band) on the
# demo preset, run the whole pipeline and report whether that band comes out best aligned
# and passes the study's threshold (the report's recovery verdict), per window too (its
# alignment, and whether it is the best aligned band of that window).
# Usage: bench/recovery.sh [NP=2] [extra run options]   (1-2 minutes per band on 2 cores)
set -u
cd "$(dirname "$0")/.."
np=${1:-2}
shift $(($# < 1 ? $# : 1))
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
out=$(mktemp -d /tmp/bandalign-recovery.XXXXXX)
trap 'rm -rf "$out"' EXIT
fails=0
for band in theta alpha beta lowgamma highgamma none; do
  t0=$(date +%s)
  if mpirun -q --oversubscribe -np "$np" bin/bandalign run -preset demo -sim_hierarchy_band $band -out "$out/$band" -quiet "$@" \
    >"$out/$band.log" 2>&1; then
    verdict=passed
  else
    verdict=FAILED
    fails=$((fails + 1))
  fi
  # alignment rho (p, significant pairs) of the planted band's three windows, and whether it
  # is the best aligned band of the window (smallest alignment p; else the band that is)
  windows=$(awk -F, -v b=$band 'NR > 1 {
      w = $2 "-" $3; if (!(w in bp) || $8 + 0 < bp[w]) { bp[w] = $8 + 0; bb[w] = $1 }
      if ($1 == b) { n++; win[n] = w; rho[w] = $7; p[w] = $8 + 0; pairs[w] = $6 } }
    END { for (i = 1; i <= n; i++) { w = win[i]
      printf " %s ms %.3f (p %.2g, %d pairs, %s);", w, rho[w], p[w], pairs[w],
        p[w] <= bp[w] ? "best" : "best " bb[w] } }' "$out/$band/report/summary.csv" 2>/dev/null)
  echo "$band: recovery $verdict in $(($(date +%s) - t0)) s;${windows}"
  grep -h "recovery" "$out/$band.log" | head -1 | sed 's/^/    /'
done
echo "$fails of 6 planted bands not recovered"
exit $((fails > 0))
