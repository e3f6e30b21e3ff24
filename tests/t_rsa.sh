#!/usr/bin/env bash
# The rsa stage end to end: identical results for 1, 2 and 3 ranks, for one features file
# or two halves, and after a kill and -resume (on another rank count); the global
# responsiveness FDR and the pair correction against statsmodels.
set -u
: "${BA_BIN:?run through tests/run}"
dir=$BA_TMP/rsa
mkdir -p "$dir"
run() { $BA_MPIRUN -np "$1" "$BA_BIN" "${@:2}" -quiet; }
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi; }
same() { h5diff -q "$1" "$2" /roi /roi >/dev/null && h5diff -q "$1" "$2" /channels /channels >/dev/null &&
  h5diff -q "$1" "$2" /comparisons /comparisons >/dev/null && h5diff -q "$1" "$2" /layers /layers >/dev/null; }

run 2 simulate -preset tiny -out "$dir/sim"
run 2 features -dataset "$dir/sim/dataset.h5" -out "$dir/f.h5"
run 2 features -dataset "$dir/sim/dataset.h5" -patients 0:1 -out "$dir/h1.h5"
run 1 features -dataset "$dir/sim/dataset.h5" -patients 1:4 -out "$dir/h2.h5"
opts="-network $dir/sim/network.h5 -permutations 400 -noise_splits 30"

for np in 1 2 3; do run $np rsa -features "$dir/f.h5" $opts -out "$dir/r$np.h5" || echo "not ok - rsa on $np ranks failed"; done
check "results identical on 1 and 2 ranks" 'same "$dir/r1.h5" "$dir/r2.h5"'
check "results identical on 1 and 3 ranks" 'same "$dir/r1.h5" "$dir/r3.h5"'
run 3 rsa -features "$dir/h1.h5,$dir/h2.h5" $opts -out "$dir/rh.h5"
check "two features files give the results of one" 'same "$dir/r1.h5" "$dir/rh.h5"'

# corrections against statsmodels, read from the files themselves
"$BA_PY" - "$dir/f.h5" "$dir/r2.h5" <<'PY'
import sys, h5py, numpy as np
from statsmodels.stats.multitest import multipletests
f, r = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
ok_resp = ok_q = ok_sig = True
worst = 0.0
for roi in r["roi"]:
    p = f["roi/%s/responsive_p" % roi][()]
    inc = f["roi/%s/increase" % roi][()].astype(bool)
    rej = multipletests(p, 0.05, "fdr_bh")[0]
    ok_resp &= np.array_equal(rej & inc, r["roi/%s/responsive" % roi][()].astype(bool))
    pv, qv = r["roi/%s/pvalue" % roi][()], r["roi/%s/qvalue" % roi][()]
    rho, sig = r["roi/%s/rho" % roi][()], r["roi/%s/significant" % roi][()].astype(bool)
    tested = ~np.isnan(pv)
    if tested.sum():
        rj, q = multipletests(pv[tested], 0.05, "fdr_bh")[:2]
        worst = max(worst, float(np.max(np.abs(q - qv[tested]) / q)))
        ok_sig &= np.array_equal(rj & (rho[tested] > 0), sig[tested])
    ok_sig &= not sig[~tested].any()
print("%s - responsive channels = BH(0.05) over all channels and increase, as statsmodels" % ("ok" if ok_resp else "not ok"))
print("%s - pair q-values as statsmodels fdr_bh (max relative error %.1e)" % ("ok" if worst <= 1e-12 else "not ok", worst))
print("%s - significant = rejected and rho > 0, nothing untested" % ("ok" if ok_sig else "not ok"))
PY

# kill in the middle, then resume on another number of ranks
slow="-permutations 3000 -sequential 0 -perm_chunk 100 -noise_splits 30 -network $dir/sim/network.h5"
run 2 rsa -features "$dir/f.h5" $slow -out "$dir/full.h5"
setsid $BA_MPIRUN -np 2 "$BA_BIN" rsa -features "$dir/f.h5" $slow -checkpoint "$dir/ck.h5" -checkpoint_interval 0 \
  -out "$dir/killed.h5" -quiet >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 600); do [ -e "$dir/ck.h5" ] && break; sleep 0.1; done
sleep 1
kill -KILL -- -"$pid" 2>/dev/null
wait "$pid" 2>/dev/null
check "the killed run left a checkpoint and no results" '[ -e "$dir/ck.h5" ] && [ ! -e "$dir/killed.h5" ]'
run 3 rsa -features "$dir/f.h5" $slow -checkpoint "$dir/ck.h5" -resume -out "$dir/resumed.h5"
check "kill and -resume on 3 ranks gives the uninterrupted results" 'same "$dir/full.h5" "$dir/resumed.h5"'

# max-statistic FWER: never below the per-pair p of the same permutations
run 2 rsa -features "$dir/f.h5" -network "$dir/sim/network.h5" -permutations 400 -sequential 0 -noise_splits 0 -out "$dir/plain.h5"
run 2 rsa -features "$dir/f.h5" -network "$dir/sim/network.h5" -permutations 400 -correction maxstat -noise_splits 0 -out "$dir/maxstat.h5"
check "maxstat p >= per-pair p, equal counts of tested pairs" '"$BA_PY" - "$dir/plain.h5" "$dir/maxstat.h5" <<PY
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
for roi in a["roi"]:
    p, m = a["roi/%s/pvalue" % roi][()], b["roi/%s/qvalue" % roi][()]
    t = ~np.isnan(p)
    assert np.array_equal(t, ~np.isnan(m)), roi
    assert np.all(m[t] >= p[t] - 1e-15), roi
PY'
