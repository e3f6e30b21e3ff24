#!/usr/bin/env bash
# t_rdm_interop.sh: rsatoolbox interop. rsa -save_rdms writes the layer and channel RDMs in
# rsatoolbox's HDF5 layout, checked by tests/ref/rsatoolbox_layout.py (h5py alone, against the
# activations, features and results) and independent of the rank count; the saved layers file
# and a file written as rsatoolbox writes one (its own squared Euclidean, shuffled patterns)
# given back as -network reproduce rho and p exactly; bad rsatoolbox files are refused in one line.
source "$(dirname "$0")/lib.sh"
cd "${BA_ROOT:-$(dirname "$0")/..}"
: "${BA_BIN:?run through tests/run}"
TMP=$BA_TMP/rdm_interop
mkdir -p "$TMP"
run() { $BA_MPIRUN -np "$1" "$BA_BIN" "${@:2}" -quiet; }
bad=(nan pairs names ambiguous dataset)
# 5 checks here, 7 printed by the reference's check, 1 by check-empty, and one per bad file
plan $((5 + 7 + 1 + ${#bad[@]}))
same() { h5diff -q "$1" "$2" /roi /roi >/dev/null && h5diff -q "$1" "$2" /layers /layers >/dev/null &&
  h5diff -q "$1" "$2" /channels /channels >/dev/null && h5diff -q "$1" "$2" /comparisons /comparisons >/dev/null; }
samedir() { for f in "$1"/*.h5; do h5diff -q "$f" "$2/${f##*/}" >/dev/null || return 1; done; }

run 2 simulate -preset tiny -out "$TMP/sim"
run 2 features -dataset "$TMP/sim/dataset.h5" -out "$TMP/f.h5"
opts="-features $TMP/f.h5 -permutations 200 -noise_splits 20"

run 2 rsa $opts -network "$TMP/sim/network.h5" -save_rdms "$TMP/rdms" -out "$TMP/r.h5"
run 3 rsa $opts -network "$TMP/sim/network.h5" -save_rdms "$TMP/rdms3" -out "$TMP/r3.h5"
check "-save_rdms: layers.h5 and 15 channels_<roi>.h5, the same on 2 and 3 ranks" \
  '[ "$(ls "$TMP/rdms" | wc -l)" -eq 16 ] && samedir "$TMP/rdms" "$TMP/rdms3"'
checks_of "$BA_PY" tests/ref/rsatoolbox_layout.py check "$TMP/rdms" "$TMP/sim/network.h5" "$TMP/f.h5" "$TMP/r.h5"

# the saved layer RDMs back as the network: the same rho, p, q, correction, alignment
run 2 rsa $opts -network "$TMP/rdms/layers.h5" -out "$TMP/back.h5"
check "-network layers.h5 (rsatoolbox file) gives the results of the original network" 'same "$TMP/r.h5" "$TMP/back.h5"'
# as rsatoolbox writes them: squared Euclidean / n_features, patterns shuffled (same ranks)
"$BA_PY" tests/ref/rsatoolbox_layout.py gen "$TMP" "$TMP/sim/network.h5" "$TMP/f.h5"
run 3 rsa $opts -network "$TMP/tb.h5" -out "$TMP/tb_r.h5"
check "-network of rsatoolbox's squared Euclidean, shuffled patterns: the same results" 'same "$TMP/r.h5" "$TMP/tb_r.h5"'

declare -A want=([nan]="complete RDMs" [pairs]="not the pairs of any number" [names]="is not in the network file"
  [ambiguous]="several descriptors could name the images" [dataset]="not an RDMs object")
for b in "${bad[@]}"; do
  rc=0
  run 2 rsa $opts -network "$TMP/bad_$b.h5" -out "$TMP/bad_$b.out.h5" >"$TMP/err_$b" 2>&1 || rc=$?
  check "bad_$b.h5 refused: one line naming the file ($(head -c 150 "$TMP/err_$b"))" \
    '[ $rc -ne 0 ] && [ "$(wc -l <"$TMP/err_$b")" -eq 1 ] && grep -q "^bandalign: error: .*bad_$b.h5.*${want[$b]}" "$TMP/err_$b" &&
     [ ! -e "$TMP/bad_$b.out.h5" ] && [ ! -e "$TMP/bad_$b.out.h5.partial" ]'
done

touch "$TMP/afile"
rc=0
run 2 rsa $opts -network "$TMP/sim/network.h5" -save_rdms "$TMP/afile/sub" -out "$TMP/nodir.h5" >"$TMP/err_dir" 2>&1 || rc=$?
check "-save_rdms into a folder that cannot be made: one error line, no results" \
  '[ $rc -ne 0 ] && [ "$(wc -l <"$TMP/err_dir")" -eq 1 ] && grep -q "^bandalign: error: -save_rdms: .*afile/sub" "$TMP/err_dir" &&
   [ ! -e "$TMP/nodir.h5" ]'

# no responsive channel anywhere: every channels file holds 0 RDMs
run 2 rsa $opts -network "$TMP/sim/network.h5" -responsive_q 1e-300 -save_rdms "$TMP/empty" -out "$TMP/empty.h5"
check "no responsive channel: the run completes with 16 files" '[ "$(ls "$TMP/empty" | wc -l)" -eq 16 ]'
checks_of "$BA_PY" tests/ref/rsatoolbox_layout.py check-empty "$TMP/empty"
