#!/usr/bin/env bash
# rsa -control_network: the study's control (the same network untrained) runs the same tests
# on the same channels. Tested against itself: with the trained network as its own control
# the control summaries equal the trained ones exactly; the control changes none of the
# trained results; its summaries are identical on 1 and 3 ranks; report writes control.csv
# and the trained vs control table; a missing control file is one error line.
source "$(dirname "$0")/lib.sh"
: "${BA_BIN:?run through tests/run}"
dir=$BA_TMP/control
mkdir -p "$dir"
run() { $BA_MPIRUN -np "$1" "$BA_BIN" "${@:2}" -quiet; }
plan 6

run 2 simulate -preset tiny -out "$dir/sim"
run 2 features -dataset "$dir/sim/dataset.h5" -out "$dir/f.h5"
opts="-features $dir/f.h5 -network $dir/sim/network.h5 -permutations 300 -noise_splits 20"
check "simulate writes the untrained control network" '[ -s "$dir/sim/network_control.h5" ]'

run 2 rsa $opts -out "$dir/plain.h5"
run 2 rsa $opts -control_network "$dir/sim/network.h5" -out "$dir/self.h5"
checks_of "$BA_PY" - "$dir/self.h5" <<'PY'
import sys, h5py, numpy as np
r = h5py.File(sys.argv[1], "r")
keys = ["alignment_rho", "alignment_p", "volume", "specificity", "n_significant_pairs", "n_responsive"]
same = all(r["roi"][roi].attrs[k] == r["control"][roi].attrs[k] for roi in r["roi"] for k in keys) and all(
    np.array_equal(r["roi/%s/area_layer" % roi][()], r["control/%s/area_layer" % roi][()]) for roi in r["roi"])
print("%s - the trained network as its own control: every control summary equals the trained one" % ("ok" if same else "not ok"))
PY
check "a control changes none of the trained results" \
  'h5diff -q "$dir/plain.h5" "$dir/self.h5" /roi /roi >/dev/null && h5diff -q "$dir/plain.h5" "$dir/self.h5" /comparisons /comparisons >/dev/null'

run 1 rsa $opts -control_network "$dir/sim/network_control.h5" -out "$dir/c1.h5"
run 3 rsa $opts -control_network "$dir/sim/network_control.h5" -out "$dir/c3.h5"
check "control summaries identical on 1 and 3 ranks" 'h5diff -q "$dir/c1.h5" "$dir/c3.h5" /control /control >/dev/null'

run 1 report -results "$dir/c1.h5" -out "$dir/report"
check "report: control.csv (15 ROIs) and the trained vs control table" \
  '[ "$(wc -l <"$dir/report/control.csv")" -eq 16 ] && grep -q "Trained vs control network" "$dir/report/report.html"'

rc=0
err=$($BA_MPIRUN -np 2 "$BA_BIN" rsa $opts -control_network "$dir/nothere.h5" -out "$dir/bad.h5" 2>&1) || rc=$?
check "a missing control file: one error line naming it, exit $rc" \
  '[ $rc -ne 0 ] && [ "$(grep -c "bandalign: error:.*nothere.h5" <<<"$err")" -eq 1 ] && [ ! -e "$dir/bad.h5" ]'
