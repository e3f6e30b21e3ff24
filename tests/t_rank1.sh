#!/usr/bin/env bash
# t_rank1.sh: bad data that only rank 1 reads (tests/ref/rank1.py plants it by the
# documented rules of who reads what), on 2 and 3 ranks, per stage: features (a NaN sample,
# a damaged compressed chunk of the samples), rsa (responsive_p NaN and 1.5, a NaN and an
# Inf feature of a responsive channel, a NaN activation and a damaged chunk of the layer
# rank 1 builds), import-bids (a NaN sample of a channel rank 1 imports). Each must end
# within 60 s with a non-zero exit, exactly one line "bandalign: error: ..." naming what
# is wrong, and no output nor <out>.partial-* left: the other ranks must not wait for
# rank 1. (report reads on rank 0 alone: nothing to agree on.)
source "$(dirname "$0")/lib.sh"
: "${BA_BIN:?run through tests/run}"
cd "$BA_ROOT"
dir=$BA_TMP/rank1
rm -rf "$dir" && mkdir -p "$dir"
run() { $BA_MPIRUN -np "$1" "$BA_BIN" "${@:2}" -quiet; }
ncases=9
plan $((2 * ncases))

run 2 simulate -preset tiny -sim_control_network false -out "$dir/sim"
run 2 features -dataset "$dir/sim/dataset.h5" -out "$dir/f.h5"
rsa_opts=(-permutations 100 -noise_splits 0)
run 2 rsa -features "$dir/f.h5" -network "$dir/sim/network.h5" "${rsa_opts[@]}" -out "$dir/good.h5"

# refused NAME PATTERN OUT -- command: within 60 s, exit != 0, one line, no OUT nor partial
refused() {
  local name=$1 pattern=$2 out=$3 err rc=0 lines left=no
  shift 4
  err=$(timeout -k 5 60 "$@" 2>&1 >/dev/null) || rc=$?
  lines=$(printf '%s\n' "$err" | grep -c . || true)
  if [ -e "$out" ] || compgen -G "$out.partial*" >/dev/null; then left=yes; fi
  check "$name: exit $rc, $lines line(s), output left: $left: $(head -c 300 <<<"$err")" \
    '[ $rc -ne 0 ] && [ $rc -ne 124 ] && [ $rc -ne 137 ] && [ $lines -eq 1 ] &&
     grep -q "^bandalign: error: .*$pattern" <<<"$err" && [ $left = no ]'
  rm -f "$out" "$out".partial*
}

for np in 2 3; do
  d=$dir/np$np
  while IFS=$'\t' read -r name what; do
    echo "# $np ranks: $name: $what"
  done < <("$BA_PY" tests/ref/rank1.py "$dir" $np)
  out=$d/out.h5
  refused "features, NaN sample ($np ranks)" "non-finite sample in channel" "$out" -- \
    $BA_MPIRUN -np $np "$BA_BIN" features -dataset "$d/nan_sample.h5" -out "$out" -quiet
  refused "features, damaged chunk ($np ranks)" "cannot read rows .* of /patients/.*/lfp" "$out" -- \
    $BA_MPIRUN -np $np "$BA_BIN" features -dataset "$d/bad_chunk.h5" -out "$out" -quiet
  for c in p_nan p_high; do
    refused "rsa, responsive_p ${c#p_} ($np ranks)" "responsive_p of channel .* not a p-value in \[0, 1\]" "$out" -- \
      $BA_MPIRUN -np $np "$BA_BIN" rsa -features "$d/$c.h5" -network "$dir/sim/network.h5" "${rsa_opts[@]}" \
      -out "$out" -quiet
  done
  refused "rsa, NaN feature of a responsive channel ($np ranks)" "feature of channel .* is missing (NaN) for image" \
    "$out" -- $BA_MPIRUN -np $np "$BA_BIN" rsa -features "$d/feature_nan.h5" -network "$dir/sim/network.h5" \
    "${rsa_opts[@]}" -out "$out" -quiet
  refused "rsa, Inf feature of a responsive channel ($np ranks)" "feature of channel .* is infinite for image" \
    "$out" -- $BA_MPIRUN -np $np "$BA_BIN" rsa -features "$d/feature_inf.h5" -network "$dir/sim/network.h5" \
    "${rsa_opts[@]}" -out "$out" -quiet
  refused "rsa, NaN activation in layer 1 ($np ranks)" "has a non-finite activation (NaN)" "$out" -- \
    $BA_MPIRUN -np $np "$BA_BIN" rsa -features "$dir/f.h5" -network "$d/act_nan.h5" "${rsa_opts[@]}" -out "$out" -quiet
  refused "rsa, damaged chunk of layer 1 ($np ranks)" "cannot read columns .* of /layers/.*/activations" "$out" -- \
    $BA_MPIRUN -np $np "$BA_BIN" rsa -features "$dir/f.h5" -network "$d/act_chunk.h5" "${rsa_opts[@]}" -out "$out" \
    -quiet
  refused "import-bids, NaN sample in a BrainVision file ($np ranks)" "has a non-finite sample (NaN)" "$out" -- \
    $BA_MPIRUN -np $np "$BA_BIN" import-bids -bids "$d/bids" -task vis -exclude target,response -out "$out" -quiet
done
