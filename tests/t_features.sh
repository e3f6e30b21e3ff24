#!/usr/bin/env bash
# The features stage: accuracy against an independent MNE/scipy reference, identical
# results for 1, 2 and 3 ranks, and one run equal to two -patients halves.
source "$(dirname "$0")/lib.sh"
: "${BA_BIN:?run through tests/run}"
dir=$BA_TMP/features
mkdir -p "$dir"
run() { $BA_MPIRUN -np "$1" "$BA_BIN" "${@:2}" -quiet; }
# 3 checks here, then 4 for each of the 3 comparisons with bench/ref_features.py
plan $((3 + 3 * 4))

# a small synthetic cohort with artifacts and line noise, and a plain noise dataset
run 2 simulate -preset tiny -out "$dir/sim"
"$BA_PY" "$BA_ROOT/tests/ref/make_dataset.py" dataset "$dir/noise.h5"

for np in 1 2 3; do
  run $np features -dataset "$dir/sim/dataset.h5" -out "$dir/f$np.h5"
done
same() { h5diff -q "$1" "$2" /roi /roi >/dev/null && h5diff -q "$1" "$2" /channels /channels >/dev/null; }
check "features identical on 1 and 2 ranks" 'same "$dir/f1.h5" "$dir/f2.h5"'
check "features identical on 1 and 3 ranks" 'same "$dir/f1.h5" "$dir/f3.h5"'

npat=$("$BA_PY" -c "import h5py,sys; print(len(h5py.File(sys.argv[1])['patients']))" "$dir/sim/dataset.h5")
half=$((npat / 2))
run 2 features -dataset "$dir/sim/dataset.h5" -patients 0:$half -out "$dir/h1.h5"
run 3 features -dataset "$dir/sim/dataset.h5" -patients $half:$npat -out "$dir/h2.h5"
check "one run equals two -patients halves" '"$BA_PY" - "$dir/f1.h5" "$dir/h1.h5" "$dir/h2.h5" <<PY
import sys, h5py, numpy as np
whole, a, b = (h5py.File(p, "r") for p in sys.argv[1:])
def walk(f):
    out = {}
    f.visititems(lambda n, o: out.__setitem__(n, o[()]) if isinstance(o, h5py.Dataset) and not n.startswith("stimuli") else None)
    return out
W, A, B = walk(whole), walk(a), walk(b)
assert W.keys() == A.keys() == B.keys(), (W.keys() ^ A.keys())
for k in W:
    cat = np.concatenate([A[k], B[k]])
    assert np.array_equal(W[k], cat), k
assert list(a["stimuli/name"][()]) == list(whole["stimuli/name"][()])
PY'

# accuracy against MNE + scipy (2 patients of the tiny cohort keep the reference quick)
run 2 features -dataset "$dir/sim/dataset.h5" -patients 0:2 -out "$dir/c.h5"
"$BA_PY" - "$dir/sim/dataset.h5" "$dir/sub.h5" <<PY
import sys, h5py
src, dst = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "w")
for k, v in src.attrs.items(): dst.attrs[k] = v
src.copy("stimuli", dst)
for pid in sorted(src["patients"])[:2]: src.copy("patients/" + pid, dst, name="patients/" + pid)
PY
checks_of "$BA_PY" "$BA_ROOT/bench/ref_features.py" compare "$dir/sub.h5" "$dir/c.h5" canonical 50
run 2 features -dataset "$dir/sim/dataset.h5" -patients 0:2 -protocol kuzovkin2018 -out "$dir/k.h5"
checks_of "$BA_PY" "$BA_ROOT/bench/ref_features.py" compare "$dir/sub.h5" "$dir/k.h5" kuzovkin2018 50
run 1 features -dataset "$dir/noise.h5" -line_hz 0 -out "$dir/n.h5"
checks_of "$BA_PY" "$BA_ROOT/bench/ref_features.py" compare "$dir/noise.h5" "$dir/n.h5" canonical 0
