#!/usr/bin/env bash
# rsa refuses what would give wrong numbers, with one error line and no output, whichever
# rank meets it and without leaving another rank waiting: a non-finite activation or RDM
# entry in a layer that rank 1 builds (2 and 3 ranks, within a time limit), and -resume
# from a checkpoint of another seed, network or -distance, or with counts no run writes.
# A stop signal writes a checkpoint and exits 3; -resume then finishes the run. A channel
# given twice (the same features file twice) is refused.
source "$(dirname "$0")/lib.sh"
: "${BA_BIN:?run through tests/run}"
dir=$BA_TMP/rsaguards
mkdir -p "$dir"
run() { $BA_MPIRUN -np "$1" "$BA_BIN" "${@:2}" -quiet; }
plan 11

run 2 simulate -preset tiny -sim_control_network false -out "$dir/sim"
run 2 features -dataset "$dir/sim/dataset.h5" -out "$dir/f.h5"
opts="-features $dir/f.h5 -permutations 200 -noise_splits 0"

# refused NAME PATTERN OUT -- command: within 120 s, exit != 0, one error line, no OUT
refused() {
  local name=$1 pattern=$2 out=$3 err rc=0 lines
  shift 4
  err=$(timeout 120 "$@" 2>&1 >/dev/null) || rc=$?
  lines=$(printf '%s\n' "$err" | grep -c . || true)
  check "$name: exit $rc, $lines line(s): $err" \
    '[ $rc -ne 0 ] && [ $rc -ne 124 ] && [ $lines -eq 1 ] && grep -q "^bandalign: error: .*$pattern" <<<"$err" &&
     [ ! -e "$out" ] && ! compgen -G "$out.partial*" >/dev/null'
}

# conv3 is layer 3: built by rank 1 on 2 ranks and by rank 0 on 3
for v in nan inf; do
  "$BA_PY" - "$dir/sim/network.h5" "$dir/net_$v.h5" "$v" <<'PY'
import sys, shutil, h5py
shutil.copy(sys.argv[1], sys.argv[2])
with h5py.File(sys.argv[2], "r+") as f:
    a = f["layers/conv3/activations"]
    a[2, 5] = float(sys.argv[3])
PY
done
for np in 2 3; do
  refused "NaN activation in conv3 ($np ranks)" "net_nan.h5: layer conv3 has a non-finite activation" "$dir/r.h5" -- \
    $BA_MPIRUN -np $np "$BA_BIN" rsa $opts -network "$dir/net_nan.h5" -out "$dir/r.h5"
done
refused "+Inf activation in conv3 (2 ranks)" "layer conv3 has a non-finite activation (+Inf)" "$dir/r.h5" -- \
  $BA_MPIRUN -np 2 "$BA_BIN" rsa $opts -network "$dir/net_inf.h5" -out "$dir/r.h5"

# a checkpoint of a finished run, then resumes that must not take it
run 2 rsa $opts -network "$dir/sim/network.h5" -checkpoint "$dir/ck.h5" -out "$dir/good.h5"
refused "-resume with another -seed" "written for other inputs or options" "$dir/r.h5" -- \
  $BA_MPIRUN -np 2 "$BA_BIN" rsa $opts -network "$dir/sim/network.h5" -checkpoint "$dir/ck.h5" -resume -seed 7 \
  -out "$dir/r.h5"
refused "-resume with another -distance" "written for other inputs or options" "$dir/r.h5" -- \
  $BA_MPIRUN -np 2 "$BA_BIN" rsa $opts -network "$dir/sim/network.h5" -checkpoint "$dir/ck.h5" -resume \
  -distance correlation -out "$dir/r.h5"
run 2 simulate -preset tiny -seed 3 -sim_control_network false -out "$dir/sim3"
refused "-resume with another network of the same shape" "written for other inputs or options" "$dir/r.h5" -- \
  $BA_MPIRUN -np 2 "$BA_BIN" rsa $opts -network "$dir/sim3/network.h5" -checkpoint "$dir/ck.h5" -resume -out "$dir/r.h5"
"$BA_PY" - "$dir/ck.h5" "$dir/hostile.h5" <<'PY'
import sys, shutil, h5py
shutil.copy(sys.argv[1], sys.argv[2])
with h5py.File(sys.argv[2], "r+") as f:
    roi = next(k for k in f if isinstance(f[k], h5py.Group) and f[k]["count"].shape[0] > 0)
    c = f[roi]["count"]
    row = c[-1]  # the last pair: read by rank 1 on 2 ranks
    row[0] = row[1] + 5  # more exceedances than permutations
    c[-1] = row
PY
refused "-resume from a checkpoint with counts no run writes (in rank 1's rows)" "holds counts no run writes" "$dir/r.h5" -- \
  $BA_MPIRUN -np 2 "$BA_BIN" rsa $opts -network "$dir/sim/network.h5" -checkpoint "$dir/hostile.h5" -resume \
  -out "$dir/r.h5"
rc=0
run 2 rsa $opts -network "$dir/sim/network.h5" -checkpoint "$dir/ck.h5" -resume -out "$dir/again.h5" || rc=$?
check "the same run resumes from its own checkpoint, results identical (exit $rc)" \
  '[ $rc -eq 0 ] && h5diff -q "$dir/good.h5" "$dir/again.h5" /roi /roi >/dev/null'

# SIGUSR1 (what a Slurm job gets before its time limit): checkpoint, one line, exit 3, and
# -resume finishes with the results of an uninterrupted run
slow="$opts -network $dir/sim/network.h5 -permutations 20000 -sequential 0 -perm_chunk 100"
run 2 rsa $slow -out "$dir/whole.h5"
rm -f "$dir/cks.h5"
$BA_MPIRUN -np 2 "$BA_BIN" rsa $slow -checkpoint "$dir/cks.h5" -checkpoint_interval 1 -out "$dir/sig.h5" -quiet \
  2>"$dir/sig.err" &
pid=$!
for _ in $(seq 1 300); do [ -e "$dir/cks.h5" ] && break; sleep 0.1; done
kill -USR1 $pid
rc=0
wait $pid || rc=$?
check "SIGUSR1: exit 3, one line, checkpoint written, no results (exit $rc: $(cat "$dir/sig.err"))" \
  '[ $rc -eq 3 ] && [ "$(grep -c . "$dir/sig.err")" -eq 1 ] && grep -q "stopped by a signal: the checkpoint" "$dir/sig.err" &&
   [ -e "$dir/cks.h5" ] && [ ! -e "$dir/sig.h5" ]'
rc=0
run 2 rsa $slow -checkpoint "$dir/cks.h5" -resume -out "$dir/sig.h5" || rc=$?
check "resumed after the signal: the results of an uninterrupted run (exit $rc)" \
  '[ $rc -eq 0 ] && h5diff -q "$dir/whole.h5" "$dir/sig.h5" /roi /roi >/dev/null'

# the same features file twice (or array parts that overlap) would count channels twice
refused "the same features file given twice" "is in the cohort twice" "$dir/r.h5" -- \
  $BA_MPIRUN -np 2 "$BA_BIN" rsa -features "$dir/f.h5,$dir/f.h5" -network "$dir/sim/network.h5" -permutations 50 \
  -noise_splits 0 -out "$dir/r.h5"
