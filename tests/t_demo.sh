#!/usr/bin/env bash
# The README's main job: the whole pipeline on the demo preset, which verifies itself
# against the simulator's planted truth (exit 0 only when low gamma is recovered).
source "$(dirname "$0")/lib.sh"
: "${BA_BIN:?run through tests/run}"
dir=$BA_TMP/demo
plan 5
rc=0
out=$($BA_MPIRUN -np 2 "$BA_BIN" run -preset demo -out "$dir" 2>&1) || rc=$?
check "run -preset demo exits 0 (exit $rc)" '[ $rc -eq 0 ]'
check "the planted low-gamma hierarchy is recovered ($(grep -m1 recovery <<<"$out" || true))" \
  'grep -q "^recovery passed: planted band lowgamma" <<<"$out"'
csv=$dir/report/summary.csv
check "summary.csv has the interface's header and 15 ROI rows" \
  '[ "$(head -1 "$csv")" = "band,t0_ms,t1_ms,n_channels,n_responsive,n_significant_pairs,alignment_rho,alignment_p,volume,specificity,noise_median" ] &&
  [ "$(wc -l <"$csv")" -eq 16 ]'
missing=""
for f in dataset.h5 network.h5 network_control.h5 truth.h5 features.h5 results.h5 report/report.html report/overview.png report/control.csv; do
  [ -s "$dir/$f" ] || missing="$missing $f"
done
check "every output of the run is there${missing:+ (missing:$missing)}" '[ -z "$missing" ]'
# the study's control: the untrained network finds fewer significant pairs in the planted
# band and no aligned window there
ctl=$dir/report/control.csv
check "the untrained control network: fewer significant pairs in low gamma, no aligned window" \
  'awk -F, '"'"'$1 == "lowgamma" { n++; if ($5 >= $4 || $9 < 0.005 / 15) bad++ } END { exit !(n == 3 && !bad) }'"'"' "$ctl"'
