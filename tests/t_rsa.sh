#!/usr/bin/env bash
# The rsa stage end to end: identical results for 1, 2 and 3 ranks, for one features file
# or two halves, and after a kill and -resume (on another rank count), also when stopped in
# the middle of an extension round; the global responsiveness FDR and the pair correction
# against statsmodels; the resolution of small p-values (-permutations_max) re-checked
# from the results: p = (b + 1) / (used + 1) with an integer b, and no pair left that the
# rule would take further.
source "$(dirname "$0")/lib.sh"
: "${BA_BIN:?run through tests/run}"
dir=$BA_TMP/rsa
mkdir -p "$dir"
run() { $BA_MPIRUN -np "$1" "$BA_BIN" "${@:2}" -quiet; }
# 12 checks here and 3 printed by each of the two Python blocks
plan $((12 + 2 * 3))
same() { h5diff -q "$1" "$2" /roi /roi >/dev/null && h5diff -q "$1" "$2" /channels /channels >/dev/null &&
  h5diff -q "$1" "$2" /comparisons /comparisons >/dev/null && h5diff -q "$1" "$2" /layers /layers >/dev/null; }

run 2 simulate -preset tiny -out "$dir/sim"
run 2 features -dataset "$dir/sim/dataset.h5" -out "$dir/f.h5"
run 2 features -dataset "$dir/sim/dataset.h5" -patients 0:1 -out "$dir/h1.h5"
run 1 features -dataset "$dir/sim/dataset.h5" -patients 1:4 -out "$dir/h2.h5"
opts="-network $dir/sim/network.h5 -permutations 400 -noise_splits 30"

for np in 1 2 3; do run $np rsa -features "$dir/f.h5" $opts -out "$dir/r$np.h5"; done
check "results identical on 1 and 2 ranks" 'same "$dir/r1.h5" "$dir/r2.h5"'
check "results identical on 1 and 3 ranks" 'same "$dir/r1.h5" "$dir/r3.h5"'
run 2 rsa -features "$dir/f.h5" $opts -permtest_kernel avx2 -out "$dir/rd.h5"
check "the double AVX2 kernel gives the results of best (float32-screened)" 'same "$dir/r1.h5" "$dir/rd.h5"'
run 3 rsa -features "$dir/h1.h5,$dir/h2.h5" $opts -out "$dir/rh.h5"
check "two features files give the results of one" 'same "$dir/r1.h5" "$dir/rh.h5"'

# corrections against statsmodels, read from the files themselves
checks_of "$BA_PY" - "$dir/f.h5" "$dir/r2.h5" <<'PY'
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

# resolution of small p-values: the runs above extend pairs by default (M = 100 m)
run 2 rsa -features "$dir/f.h5" $opts -permutations_max 0 -out "$dir/noext.h5"
checks_of "$BA_PY" - "$dir/r1.h5" "$dir/noext.h5" 400 40000 10 <<'PY'
import sys, h5py, numpy as np
from statsmodels.stats.multitest import multipletests
r, z = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
m, M, h = (int(a) for a in sys.argv[3:6])
ok_int = ok_fix = ok_off = True
nres = nbelow = 0
for roi in r["roi"]:
    p, used = r["roi/%s/pvalue" % roi][()], r["roi/%s/permutations_used" % roi][()]
    t = ~np.isnan(p)
    ok_off &= bool(np.all(z["roi/%s/permutations_used" % roi][()][t] <= m))
    if not t.sum():
        continue
    p, used = p[t], used[t].astype(float)
    b = p * (used + 1) - 1  # an integer unless the pair stopped early (p = h / used)
    run = np.abs(b - np.round(b)) < 1e-6
    stopped = np.abs(p * used - h) < 1e-6
    ok_int &= bool(np.all(run | stopped)) and bool(np.all(used[run] <= M))
    # levels: m, then x10 (capped at M)
    lev = {m}
    while max(lev) < M:
        lev.add(min(M, 10 * max(lev)))
    ok_int &= all(u in lev for u in used[run & ~stopped])
    nres += int(np.sum(used > m))
    nbelow += int(np.sum(p < 1 / (m + 1)))
    # fixed point: every candidate at its best at the next level would not change BH
    rej = multipletests(p, 0.05, "fdr_bh")[0]
    cand = run & ~stopped & (np.round(b) < h) & (used < M) & ~rej
    best = np.where(cand, (np.round(b) + 1) / (np.minimum(M, 10 * used) + 1), p)
    ok_fix &= not np.any(cand & multipletests(best, 0.05, "fdr_bh")[0])
print("%s - -permutations_max 0: no pair beyond m = %d" % ("ok" if ok_off else "not ok", m))
print("%s - %d pairs taken beyond m, %d p-values below 1/(m+1): every p is (b+1)/(used+1) with an integer b "
      "at a level m 10^k (or h/used, stopped early)" % ("ok" if ok_int and nres and nbelow else "not ok", nres, nbelow))
print("%s - no pair left that would pass BH with no exceedance in its next x10 permutations" % ("ok" if ok_fix else "not ok"))
PY

# stopped in the middle of an extension round (right after a checkpoint), resumed on 3 ranks
ext="-features $dir/f.h5 $opts -perm_chunk 200 -checkpoint $dir/cke.h5 -checkpoint_interval 0"
run 2 rsa $ext -checkpoint_stop_extension 4 -out "$dir/stopped.h5" 2>/dev/null || true # stops on purpose
check "stopped during extension: checkpoint with a round under way, no results" '[ ! -e "$dir/stopped.h5" ] &&
  "$BA_PY" - "$dir/cke.h5" 400 <<PY
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
c = np.concatenate([f[k]["count"][()] for k in f])
b, used, done, goal = c.T
assert np.any((done == 0) & (used > int(sys.argv[2])) & (used < goal))
PY'
run 3 rsa $ext -resume -out "$dir/extresumed.h5"
check "stopped during extension and resumed on 3 ranks gives the uninterrupted results" 'same "$dir/r1.h5" "$dir/extresumed.h5"'

# kill in the middle, then resume on another number of ranks
slow="-permutations 3000 -sequential 0 -perm_chunk 100 -noise_splits 30 -network $dir/sim/network.h5"
run 2 rsa -features "$dir/f.h5" $slow -out "$dir/full.h5"
setsid $BA_MPIRUN -np 2 "$BA_BIN" rsa -features "$dir/f.h5" $slow -checkpoint "$dir/ck.h5" -checkpoint_interval 0 \
  -out "$dir/killed.h5" -quiet >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 600); do [ -e "$dir/ck.h5" ] && break; sleep 0.1; done
sleep 1
kill -KILL -- -"$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
check "the killed run left a checkpoint and no results" '[ -e "$dir/ck.h5" ] && [ ! -e "$dir/killed.h5" ]'
run 3 rsa -features "$dir/f.h5" $slow -checkpoint "$dir/ck.h5" -resume -out "$dir/resumed.h5"
check "kill and -resume on 3 ranks gives the uninterrupted results" 'same "$dir/full.h5" "$dir/resumed.h5"'
check "the checkpointed cohort has a ROI with no responsive channel (its checkpoint rows are empty)" \
  'h5dump -a /roi/alpha_250_450/n_responsive "$dir/resumed.h5" | grep -q "(0): 0\$"'

# the same with chunks of 2 channels: a checkpoint then holds finished chunks and one part
# way, and the 3-rank resume cuts chunks that mix channels at different counts
rm -f "$dir/ck2.h5"
setsid $BA_MPIRUN -np 2 "$BA_BIN" rsa -features "$dir/f.h5" $slow -channel_chunk 2 -checkpoint "$dir/ck2.h5" \
  -checkpoint_interval 0 -out "$dir/killed2.h5" -quiet >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 600); do [ -e "$dir/ck2.h5" ] && break; sleep 0.1; done
sleep 1.5
kill -KILL -- -"$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
check "chunks of 2: the checkpoint mixes channels at different counts within one ROI" '"$BA_PY" - "$dir/ck2.h5" <<PY
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
mixed = False
for k in f:
    c = f[k]["count"][()]
    run = c[c[:, 2] == 0]
    mixed |= len(np.unique(run[:, 1])) > 1
assert mixed
PY'
run 3 rsa -features "$dir/f.h5" $slow -channel_chunk 3 -checkpoint "$dir/ck2.h5" -resume -out "$dir/resumed2.h5"
check "chunks of 2, killed, resumed on 3 ranks with chunks of 3: the uninterrupted results" 'same "$dir/full.h5" "$dir/resumed2.h5"'

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
