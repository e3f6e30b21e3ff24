#!/usr/bin/env bash
# -permutation_strategy adaptive against full on the tiny cohort: the same significant pairs
# in every ROI, with pairs settled early both by the exact Besag-Clifford bound and (without
# sequential stopping) by the probabilistic one; identical results on 1, 2 and 3 ranks and
# after a kill and -resume on another rank count; settled pairs' p-values are those of the
# permutations they ran; the options it refuses.
source "$(dirname "$0")/lib.sh"
: "${BA_BIN:?run through tests/run}"
dir=$BA_TMP/adaptive
mkdir -p "$dir"
run() { $BA_MPIRUN -np "$1" "$BA_BIN" "${@:2}"; }
plan 11
same() { h5diff -q "$1" "$2" /roi /roi >/dev/null && h5diff -q "$1" "$2" /channels /channels >/dev/null; }
# same significant pairs in every ROI (the p-values differ: settled pairs ran fewer permutations)
same_sig() {
  "$BA_PY" - "$1" "$2" <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
for roi in a["roi"]:
    sa, sb = a["roi/%s/significant" % roi][()], b["roi/%s/significant" % roi][()]
    assert np.array_equal(sa, sb), roi
PY
}
# pairs settled early, and of them by the probabilistic bound, summed over the ROIs of a log
settled() {
  echo "$(grep -o 'adaptive: [0-9]* pairs' "$1" | awk '{n += $2} END {print n + 0}')" \
    "$(grep -o '([0-9]* by a probability' "$1" | tr -d '(' | awk '{n += $1} END {print n + 0}')"
}

run 2 simulate -preset tiny -out "$dir/sim" -quiet
run 2 features -dataset "$dir/sim/dataset.h5" -out "$dir/f.h5" -quiet
# a lenient FDR level, so that many pairs pass and the BH threshold is large enough for
# pairs to settle before m whatever the simulated cohort
opts="-features $dir/f.h5 -network $dir/sim/network.h5 -noise_splits 30 -q 0.5"

# sequential stopping (h = 10): the exact bound
run 2 rsa $opts -permutations 4000 -out "$dir/full.h5" -quiet
for np in 1 2 3; do
  run $np rsa $opts -permutations 4000 -permutation_strategy adaptive -out "$dir/a$np.h5" >"$dir/a$np.log"
done
read -r n_exact _ < <(settled "$dir/a2.log")
check "h = 10: the significant pairs of full, in every ROI" 'same_sig "$dir/full.h5" "$dir/a2.h5"'
check "h = 10: pairs settled before m by the exact bound ($n_exact)" '[ "$n_exact" -gt 0 ]'
check "adaptive results identical on 1 and 2 ranks" 'same "$dir/a1.h5" "$dir/a2.h5"'
check "adaptive results identical on 1 and 3 ranks" 'same "$dir/a1.h5" "$dir/a3.h5"'
check "settled pairs: p = (b + 1) / (used + 1) with used a level below m, and fewer permutations than full" \
  '"$BA_PY" - "$dir/full.h5" "$dir/a2.h5" <<PY
import sys, h5py, numpy as np
f, a = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
levels = {128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072}
tot_f = tot_a = 0
for roi in a["roi"]:
    u, p, s = (a["roi/%s/%s" % (roi, k)][()] for k in ("permutations_used", "pvalue", "significant"))
    tot_a += u.sum(); tot_f += f["roi/%s/permutations_used" % roi][()].sum()
    early = (u < 4000) & (s == 1)
    b = p[early] * (u[early] + 1) - 1
    stopped = np.abs(p[early] * u[early] - 10) < 1e-9
    assert np.all(stopped | ((np.abs(b - np.round(b)) < 1e-6) & np.isin(u[early], list(levels))))
assert tot_a < tot_f, (tot_a, tot_f)
assert a.attrs["permutation_strategy"] in (b"adaptive", "adaptive")
PY'

# no sequential stopping: only the probabilistic bound can settle a pair
slow="$opts -permutations 20000 -sequential 0 -adaptive_delta 0.1"
run 2 rsa $slow -out "$dir/full0.h5" -quiet
run 2 rsa $slow -permutation_strategy adaptive -out "$dir/b.h5" >"$dir/b.log"
read -r n_prob_all n_prob < <(settled "$dir/b.log")
check "h = 0: the significant pairs of full" 'same_sig "$dir/full0.h5" "$dir/b.h5"'
check "h = 0: pairs settled by the probabilistic bound ($n_prob of $n_prob_all)" '[ "$n_prob" -gt 0 ]'

# kill once a ROI has passed decision levels, resume on 3 ranks (chunks of 2 channels, so
# a level's chunks are cut differently on resume)
rm -f "$dir/ck.h5"
setsid $BA_MPIRUN -np 2 "$BA_BIN" rsa $slow -permutation_strategy adaptive -perm_chunk 100 -channel_chunk 2 \
  -checkpoint "$dir/ck.h5" -checkpoint_interval 0 -out "$dir/killed.h5" -quiet >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  "$BA_PY" - "$dir/ck.h5" 2>/dev/null <<'PY' && break
import sys, h5py
f = h5py.File(sys.argv[1], "r")
assert any(f[k]["count"].attrs["adaptive_level"] >= 4 for k in f)
PY
  sleep 0.1
done
kill -KILL -- -"$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
check "the killed run left a checkpoint past 4 decision levels of a ROI" '"$BA_PY" - "$dir/ck.h5" <<PY
import sys, h5py
f = h5py.File(sys.argv[1], "r")
assert any(f[k]["count"].attrs["adaptive_level"] >= 4 for k in f)
PY'
run 3 rsa $slow -permutation_strategy adaptive -channel_chunk 3 -checkpoint "$dir/ck.h5" -resume \
  -out "$dir/resumed.h5" -quiet
check "killed after some decision levels, resumed on 3 ranks: the uninterrupted results" \
  '[ ! -e "$dir/killed.h5" ] && same "$dir/b.h5" "$dir/resumed.h5"'

# what it refuses, in one line
run 2 rsa $opts -permutations 500 -checkpoint "$dir/ckf.h5" -out "$dir/f500.h5" -quiet
out=$(run 2 rsa $opts -permutations 500 -permutation_strategy adaptive -checkpoint "$dir/ckf.h5" -resume \
  -out "$dir/x.h5" -quiet 2>&1 || true)
check "a checkpoint of the full strategy is refused by adaptive, in one line" \
  '[ "$(grep -c "bandalign: error:.*-permutation_strategy" <<<"$out")" = 1 ] && [ ! -e "$dir/x.h5" ]'
out=$(run 2 rsa $opts -permutation_strategy adaptive -correction maxstat -out "$dir/x.h5" 2>&1 || true)
check "adaptive with -correction maxstat is refused, in one line" \
  '[ "$(grep -c "bandalign: error:.*maxstat" <<<"$out")" = 1 ] && [ ! -e "$dir/x.h5" ]'
