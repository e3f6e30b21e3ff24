#!/usr/bin/env bash
# t_pipeline.sh: the tiny pipeline stage by stage (simulate, features, rsa, report) on 1
# and 2 ranks: each stage exits 0 and writes nothing to stderr (under make check-sanitize a
# report of AddressSanitizer, LeakSanitizer or UBSan would land there), no temporary
# .partial file is left, and rsa's results are the same on 1 and 2 ranks.
source "$(dirname "$0")/lib.sh"
: "${BA_BIN:?run through tests/run}"
dir=$BA_TMP/pipeline
rm -rf "$dir" && mkdir -p "$dir"
# 4 stages on each of 1 and 2 ranks, no partial file, the same results
plan $((2 * 4 + 2))

# stage NP NAME OPTIONS...: runs one stage, stderr to $dir/NAME.NP.err
stage() {
  local np=$1 name=$2 rc=0
  shift 2
  $BA_MPIRUN -np "$np" "$BA_BIN" "$name" "$@" -quiet >"$dir/$name.$np.out" 2>"$dir/$name.$np.err" || rc=$?
  check "$name on $np rank(s): exit $rc, $(grep -c . "$dir/$name.$np.err" || true) stderr lines" \
    '[ $rc -eq 0 ] && ! [ -s "$dir/$name.$np.err" ] || { sed -n "1,30s/^/    # /p" "$dir/$name.$np.err"; false; }'
}

for np in 1 2; do
  o=$dir/np$np
  mkdir -p "$o"
  stage $np simulate -preset tiny -out "$o/sim"
  stage $np features -dataset "$o/sim/dataset.h5" -out "$o/f.h5"
  stage $np rsa -features "$o/f.h5" -network "$o/sim/network.h5" -permutations 200 -noise_splits 10 -out "$o/r.h5"
  stage $np report -results "$o/r.h5" -out "$o/report"
done
check "no temporary .partial file left" '[ -z "$(find "$dir" -name "*.partial*")" ]'
check "rsa's results are the same on 1 and 2 ranks (h5diff)" \
  'h5diff -q "$dir/np1/r.h5" "$dir/np2/r.h5" /roi /roi && h5diff -q "$dir/np1/r.h5" "$dir/np2/r.h5" /channels /channels'
