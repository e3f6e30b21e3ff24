#!/usr/bin/env bash
# Bad input ends the program with a non-zero exit, one line "bandalign: error: ..." on
# stderr, and no output file (neither the output nor its temporary .partial).
source "$(dirname "$0")/lib.sh"
: "${BA_BIN:?run through tests/run}"
dir=$BA_TMP/badinput
mkdir -p "$dir"
mk() { "$BA_PY" "$BA_ROOT/tests/ref/make_dataset.py" "$@"; }
# 9 features errors on each of 1 and 2 ranks, the good features run, 3 more errors
plan $((2 * 9 + 1 + 3))

# expect_error NAME PATTERN OUTPUT -- command...
expect_error() {
  local name=$1 pattern=$2 out=$3
  shift 4
  local err rc=0 lines present=no
  err=$("$@" 2>&1 >/dev/null) || rc=$?
  lines=$(printf '%s\n' "$err" | grep -c . || true)
  if [ -e "$out" ] || compgen -G "$out.partial*" >/dev/null; then present=yes; fi
  if [ "$rc" -ne 0 ] && [ "$lines" -eq 1 ] && grep -q "^bandalign: error: .*$pattern" <<<"$err" && [ $present = no ]; then
    check "$name: $err" true
  else
    check "$name: exit $rc, $lines stderr lines, output present: $present" false
    sed -n '1,5s/^/    # /p' <<<"$err"
  fi
}

mk dataset "$dir/good.h5"
for d in missing_mni wrong_shape nan_sample bad_stimulus bad_format; do mk dataset "$dir/$d.h5" "$d"; done
mk network "$dir/net.h5"
mk network "$dir/net_renamed.h5" renamed

out=$dir/out.h5
for np in 1 2; do
  run="$BA_MPIRUN -np $np $BA_BIN"
  expect_error "missing file ($np ranks)" "nosuch.h5: cannot open" "$out" -- $run features -dataset "$dir/nosuch.h5" -out "$out"
  expect_error "missing dataset ($np ranks)" "missing dataset /patients/P001/mni" "$out" -- $run features -dataset "$dir/missing_mni.h5" -out "$out"
  expect_error "wrong shape ($np ranks)" "mni" "$out" -- $run features -dataset "$dir/wrong_shape.h5" -out "$out"
  expect_error "NaN sample ($np ranks)" "non-finite sample" "$out" -- $run features -dataset "$dir/nan_sample.h5" -out "$out"
  expect_error "stimulus index out of range ($np ranks)" "stimulus" "$out" -- $run features -dataset "$dir/bad_stimulus.h5" -out "$out"
  expect_error "wrong format ($np ranks)" "format is 'bandalign-features'" "$out" -- $run features -dataset "$dir/bad_format.h5" -out "$out"
  expect_error "unknown option value ($np ranks)" "-protocol: unknown value 'foo'" "$out" -- $run features -dataset "$dir/good.h5" -protocol foo -out "$out"
  expect_error "missing required option ($np ranks)" "-dataset: option is required" "$out" -- $run features -out "$out"
  expect_error "bad patient range ($np ranks)" "-patients" "$out" -- $run features -dataset "$dir/good.h5" -patients 1:7 -out "$out"
done

# image names that do not match between a features file and a network file
check "features of the good dataset" \
  '$BA_MPIRUN -np 1 "$BA_BIN" features -dataset "$dir/good.h5" -out "$dir/features.h5" -quiet >/dev/null 2>&1'
expect_error "mismatched image names" "image 'AA04' of the features is not in the network file" "$out" -- \
  $BA_MPIRUN -np 2 "$BA_BIN" rsa -features "$dir/features.h5" -network "$dir/net_renamed.h5" -permutations 10 -out "$out"
expect_error "unknown correction" "-correction: unknown value 'bonferroni'" "$out" -- \
  $BA_MPIRUN -np 2 "$BA_BIN" rsa -features "$dir/features.h5" -network "$dir/net.h5" -correction bonferroni -out "$out"
expect_error "unknown stage" "frobnicate: unknown stage" "$out" -- "$BA_BIN" frobnicate
