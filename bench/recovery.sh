#!/usr/bin/env bash
# bench/recovery.sh: for every band, plant the hierarchy there (-sim_hierarchy_band) on the
# demo preset, run the whole pipeline and report whether that band comes out best aligned
# and passes the study's threshold (the report's recovery verdict), per window too.
# Usage: bench/recovery.sh [NP=2] [extra run options]   (about 4 minutes per band on 2 cores)
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
  # alignment rho (p) of the planted band's three windows
  windows=$(awk -F, -v b=$band 'NR > 1 && $1 == b {printf " %s-%s ms %.3f (p %.2g);", $2, $3, $7, $8}' \
    "$out/$band/report/summary.csv" 2>/dev/null)
  echo "$band: recovery $verdict in $(($(date +%s) - t0)) s;${windows}"
  grep -h "recovery" "$out/$band.log" | head -1 | sed 's/^/    /'
done
echo "$fails of 6 planted bands not recovered"
exit $((fails > 0))
