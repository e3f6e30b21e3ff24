#!/usr/bin/env bash
# Outputs never destroy what they should not: an output that is an input of the run, a
# folder, a file of another kind, an -fftw_wisdom that is not wisdom, and an empty -out are
# refused with one error line, leaving the file as it was and no temporary file; a rerun
# replaces its own earlier output; each run writes under a temporary name of its own (and
# sets disk aside next to it as <temporary>.reserve); two runs writing the same -out at
# once both finish, and the output is whole.
source "$(dirname "$0")/lib.sh"
: "${BA_BIN:?run through tests/run}"
dir=$BA_TMP/outputs
mkdir -p "$dir"
run() { $BA_MPIRUN -np "$1" "$BA_BIN" "${@:2}" -quiet; }
plan 11

run 2 simulate -preset tiny -sim_control_network false -out "$dir/sim"
run 2 features -dataset "$dir/sim/dataset.h5" -out "$dir/f.h5"
cp "$dir/sim/dataset.h5" "$dir/dataset.orig"
cp "$dir/f.h5" "$dir/f.orig"
cp "$dir/sim/network.h5" "$dir/network.orig"

# refused TARGET ORIGINAL PATTERN NAME -- command: exit != 0, one error line matching
# PATTERN, TARGET byte-identical to ORIGINAL (or absent when ORIGINAL is -), no temporary
refused() {
  local target=$1 orig=$2 pattern=$3 name=$4 err rc=0 lines kept
  shift 5
  err=$("$@" 2>&1 >/dev/null) || rc=$?
  lines=$(printf '%s\n' "$err" | grep -c . || true)
  if [ "$orig" = - ]; then [ ! -e "$target" ] && kept=yes || kept=no; else cmp -s "$target" "$orig" && kept=yes || kept=no; fi
  compgen -G "$target.partial*" >/dev/null && kept="$kept, temporary left"
  check "$name: exit $rc, $lines line(s), target kept: $kept ($err)" \
    '[ $rc -ne 0 ] && [ $lines -eq 1 ] && grep -q "^bandalign: error: .*$pattern" <<<"$err" && [ "$kept" = yes ]'
}

refused "$dir/sim/dataset.h5" "$dir/dataset.orig" "is an input of this run" "features -out = -dataset" -- \
  $BA_MPIRUN -np 2 "$BA_BIN" features -dataset "$dir/sim/dataset.h5" -out "$dir/sim/dataset.h5"
opts="-network $dir/sim/network.h5 -permutations 50 -noise_splits 0"
refused "$dir/f.h5" "$dir/f.orig" "is an input of this run" "rsa -out = -features" -- \
  $BA_MPIRUN -np 2 "$BA_BIN" rsa -features "$dir/f.h5" $opts -out "$dir/f.h5"
refused "$dir/sim/network.h5" "$dir/network.orig" "is an input of this run" "rsa -out = -network" -- \
  $BA_MPIRUN -np 2 "$BA_BIN" rsa -features "$dir/f.h5" $opts -out "$dir/sim/network.h5"
refused "$dir/f.h5" "$dir/f.orig" "is an input of this run" "rsa -checkpoint = -features" -- \
  $BA_MPIRUN -np 2 "$BA_BIN" rsa -features "$dir/f.h5" $opts -checkpoint "$dir/f.h5" -checkpoint_interval 0 \
  -out "$dir/r.h5"
mkdir -p "$dir/folder"
refused "$dir/folder/x" - "is a folder" "features -out an existing folder" -- \
  $BA_MPIRUN -np 2 "$BA_BIN" features -dataset "$dir/sim/dataset.h5" -out "$dir/folder"
echo "my notes" >"$dir/notes.txt"
cp "$dir/notes.txt" "$dir/notes.orig"
refused "$dir/notes.txt" "$dir/notes.orig" "not a bandalign file" "features -out a file of another kind" -- \
  $BA_MPIRUN -np 2 "$BA_BIN" features -dataset "$dir/sim/dataset.h5" -out "$dir/notes.txt"
refused "$dir/sim/dataset.h5" "$dir/dataset.orig" "not FFTW wisdom" "features -fftw_wisdom = the dataset" -- \
  $BA_MPIRUN -np 2 "$BA_BIN" features -dataset "$dir/sim/dataset.h5" -fftw_wisdom "$dir/sim/dataset.h5" -out "$dir/g.h5"
refused "$dir/none" - "empty file name" "features -out ''" -- \
  $BA_MPIRUN -np 2 "$BA_BIN" features -dataset "$dir/sim/dataset.h5" -out ""

rc=0
run 2 features -dataset "$dir/sim/dataset.h5" -out "$dir/f.h5" || rc=$?
check "a rerun replaces its own earlier output (exit $rc)" '[ $rc -eq 0 ] && h5diff -q "$dir/f.h5" "$dir/f.orig" >/dev/null'

# the temporary name belongs to the run: stop a run while it writes and look
$BA_MPIRUN -np 1 "$BA_BIN" features -dataset "$dir/sim/dataset.h5" -out "$dir/slow.h5" -quiet &
pid=$!
tmp=""
for _ in $(seq 1 200); do
  tmp=$(compgen -G "$dir/slow.h5.partial-*" | grep -v '\.reserve$' || true)
  [ -n "$tmp" ] && break
  sleep 0.02
done
wait $pid || true
check "the temporary file is named after the run's host and process ($(basename "${tmp:-none}"))" \
  '[[ "$(basename "$tmp")" =~ ^slow\.h5\.partial-.+-[0-9]+$ ]]'

# two runs writing the same -out at once: each under its own temporary name, the last rename
# wins, and what is left is one whole output and nothing else
rm -f "$dir/twice.h5"
$BA_MPIRUN -np 1 "$BA_BIN" features -dataset "$dir/sim/dataset.h5" -out "$dir/twice.h5" -quiet &
pid1=$!
$BA_MPIRUN -np 1 "$BA_BIN" features -dataset "$dir/sim/dataset.h5" -out "$dir/twice.h5" -quiet &
pid2=$!
rc1=0 rc2=0
wait $pid1 || rc1=$?
wait $pid2 || rc2=$?
check "two runs writing the same -out at once: exits $rc1 and $rc2, one whole output, nothing else left" \
  '[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && h5diff -q "$dir/twice.h5" "$dir/f.orig" /roi /roi >/dev/null &&
   ! compgen -G "$dir/twice.h5.partial*" >/dev/null'
