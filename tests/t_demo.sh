#!/usr/bin/env bash
# The README's main job: the whole pipeline on the demo preset, which verifies itself
# against the simulator's planted truth (exit 0 only when low gamma is recovered).
set -u
: "${BA_BIN:?run through tests/run}"
dir=$BA_TMP/demo
out=$($BA_MPIRUN -np 2 "$BA_BIN" run -preset demo -out "$dir" 2>&1)
rc=$?
if [ $rc -eq 0 ]; then echo "ok - run -preset demo exits 0"; else echo "not ok - run -preset demo exit $rc"; fi
if grep -q "^recovery passed: planted band lowgamma" <<<"$out"; then
  echo "ok - the planted low-gamma hierarchy is recovered"
else
  echo "not ok - recovery: $(grep -m1 recovery <<<"$out")"
fi
csv=$dir/report/summary.csv
if [ "$(head -1 "$csv")" = "band,t0_ms,t1_ms,n_channels,n_responsive,n_significant_pairs,alignment_rho,alignment_p,volume,specificity" ] &&
  [ "$(wc -l <"$csv")" -eq 16 ]; then
  echo "ok - summary.csv has the interface's header and 15 ROI rows"
else
  echo "not ok - summary.csv shape"
fi
missing=""
for f in dataset.h5 network.h5 truth.h5 features.h5 results.h5 report/report.html report/overview.png; do
  [ -s "$dir/$f" ] || missing="$missing $f"
done
if [ -z "$missing" ]; then echo "ok - every output of the run is there"; else echo "not ok - missing:$missing"; fi
