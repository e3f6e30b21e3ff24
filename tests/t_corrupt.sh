#!/usr/bin/env bash
# t_corrupt.sh: hostile files (tests/ref/corrupt.py) and a full disk end a run with a
# non-zero exit, exactly one line "bandalign: error: ..." on stderr, within a time limit,
# on 1 and 2 ranks, and no output left (neither -out nor a <out>.partial-* temporary):
# HDF5 files whose format attribute is an array of strings, a long fixed-length string or
# an integer, whose dimensions are 2^32 + 4 (chunked, nothing written), truncated or not
# HDF5; network and features files broken against rsa, results files against report (wrong
# values, shapes, types, missing datasets, truncated; 2 ranks); BrainVision and EDF+
# recordings cut short; simulate, features and rsa writing to a
# 2 MB tmpfs that fills up, on 2 and 3 ranks (on 3, Open MPI's collective writes lose the
# error: docs/reliability.md), and a disk too full for the reserve set aside for closing.
source "$(dirname "$0")/lib.sh"
: "${BA_BIN:?run through tests/run}"
cd "$BA_ROOT"
dir=$BA_TMP/corrupt
rm -rf "$dir" && mkdir -p "$dir/h5" "$dir/bids" "$dir/out"
LIMIT=120 # seconds a failing run may take (timeout's 124 is a failure)

"$BA_PY" tests/ref/make_dataset.py dataset "$dir/good.h5"
mapfile -t h5cases < <("$BA_PY" tests/ref/corrupt.py hdf5 "$dir/good.h5" "$dir/h5" | grep -v '^format_fixed_ok$')
mapfile -t bidscases < <("$BA_PY" tests/ref/corrupt.py bids tests/data/bids-mne-bids "$dir/bids" build/drivers/edfwrite |
  grep -v '^edf$')
"$BA_BIN" simulate -preset tiny -sim_control_network false -out "$dir/sim" -quiet
$BA_MPIRUN -np 2 "$BA_BIN" features -dataset "$dir/sim/dataset.h5" -out "$dir/f.h5" -quiet
$BA_MPIRUN -np 2 "$BA_BIN" rsa -features "$dir/f.h5" -network "$dir/sim/network.h5" -permutations 50 -noise_splits 2 \
  -out "$dir/r.h5" -quiet
mkdir -p "$dir/rsa"
mapfile -t rsacases < <("$BA_PY" tests/ref/corrupt.py rsa "$dir/sim/network.h5" "$dir/f.h5" "$dir/r.h5" "$dir/rsa")
# each hostile file on 1 and 2 ranks, the fixed-length format read right, the good EDF
# imported, the rsa and report cases on 2 ranks, the full disk (simulate, features and rsa
# on 2 and 3 ranks, no room for the reserve, and nothing left there)
plan $((2 * ${#h5cases[@]} + 2 * ${#bidscases[@]} + 2 + ${#rsacases[@]} + 7))

# fails WHAT OUT -- command...: exit 1, one stderr line "bandalign: error: ...", within
# LIMIT seconds, no OUT nor OUT.partial-*. Open MPI's own lines about a failed write
# (mca_fbtl_posix_pwritev: ... No space left on device) are not bandalign's and not
# counted. want: a pattern the error line must hold (empty: any).
want=
fails() {
  local what=$1 out=$2 rc=0 lines t0=$SECONDS err left=no
  shift 3
  timeout -k 10 $LIMIT "$@" >/dev/null 2>"$dir/err.all" </dev/null || rc=$?
  grep -v '^mca_fbtl_posix_pwritev: ' "$dir/err.all" >"$dir/err" || true
  lines=$(grep -c . "$dir/err" || true)
  err=$(head -c 300 "$dir/err")
  if [ -e "$out" ] || compgen -G "$out.partial*" >/dev/null; then left=yes; fi
  check "$what: exit $rc, $lines stderr lines, $((SECONDS - t0))s, output left: $left: $err" \
    '[ $rc -eq 1 ] && [ $lines -eq 1 ] && grep -q "^bandalign: error: .*$want" "$dir/err" && [ $left = no ] ||
     { sed -n "2,20s/^/    # /p" "$dir/err"; false; }'
  rm -f "$out" "$out".partial*
}

out=$dir/out/f.h5
for c in "${h5cases[@]}"; do
  for np in 1 2; do
    fails "features on $c.h5 ($np ranks)" "$out" -- $BA_MPIRUN -np $np "$BA_BIN" features -dataset "$dir/h5/$c.h5" -out "$out" -quiet
  done
done
check "a fixed-length format attribute of the right value is read as a string" \
  '$BA_MPIRUN -np 2 "$BA_BIN" features -dataset "$dir/h5/format_fixed_ok.h5" -out "$out" -quiet && rm -f "$out"'

out=$dir/out/d.h5
imp=(import-bids -task vis -exclude target,response -out "$out" -quiet -bids)
check "the EDF+ version of the BIDS folder imports" \
  '$BA_MPIRUN -np 2 "$BA_BIN" "${imp[@]}" "$dir/bids/edf" 2>"$dir/err" && rm -f "$out" || { cat "$dir/err"; false; }'
for c in "${bidscases[@]}"; do
  for np in 1 2; do
    fails "import-bids with $c ($np ranks)" "$out" -- $BA_MPIRUN -np $np "$BA_BIN" "${imp[@]}" "$dir/bids/$c"
  done
done

# hostile network and features files against rsa, results files against report
for c in "${rsacases[@]}"; do
  read -r kind name want <<<"$c"
  f=$dir/rsa/${kind}_$name.h5
  case $kind in
    network) args=(rsa -features "$dir/f.h5" -network "$f" -permutations 50 -noise_splits 0 -out "$dir/out/r.h5") ;;
    features) args=(rsa -features "$f" -network "$dir/sim/network.h5" -permutations 50 -noise_splits 0 -out "$dir/out/r.h5") ;;
    results) args=(report -results "$f" -out "$dir/out/report") ;;
  esac
  fails "${args[0]} on a $kind file: $name (2 ranks)" "${args[-1]}" -- $BA_MPIRUN -np 2 "$BA_BIN" "${args[@]}" -quiet
  rm -rf "$dir/out/report"
done
want=

# a full disk: a 2 MB tmpfs as the output folder (simulate writes ~10 MB; for features and
# rsa the tmpfs is filled up first but for the 1024 kB an output sets aside for closing
# (RESERVE_BYTES in src/formats/h5io.c) and 40 kB, so that the writes fail)
disk=$dir/disk
mkdir -p "$disk"
if mount -t tmpfs -o size=2m tmpfs "$disk" 2>"$dir/mount.err"; then
  trap 'umount "$disk" 2>/dev/null || true' EXIT
  fails "simulate -preset tiny to a full disk (2 ranks)" "$disk/sim/dataset.h5" -- \
    $BA_MPIRUN -np 2 "$BA_BIN" simulate -preset tiny -out "$disk/sim" -quiet
  rm -rf "$disk"/*
  dd if=/dev/zero of="$disk/filler" bs=1k count=$((2048 - 1024 - 40)) status=none 2>/dev/null || true
  for np in 2 3; do
    fails "features to a full disk ($np ranks)" "$disk/f.h5" -- \
      $BA_MPIRUN -np $np "$BA_BIN" features -dataset "$dir/sim/dataset.h5" -out "$disk/f.h5" -quiet
    fails "rsa to a full disk ($np ranks)" "$disk/r.h5" -- \
      $BA_MPIRUN -np $np "$BA_BIN" rsa -features "$dir/f.h5" -network "$dir/sim/network.h5" -permutations 100 \
      -noise_splits 5 -out "$disk/r.h5" -quiet
  done
  rm -f "$disk/filler"
  dd if=/dev/zero of="$disk/filler" bs=1k count=2000 status=none 2>/dev/null || true
  want="cannot set 1024 kB aside"
  fails "features to a disk without room for the reserve (2 ranks)" "$disk/f.h5" -- \
    $BA_MPIRUN -np 2 "$BA_BIN" features -dataset "$dir/sim/dataset.h5" -out "$disk/f.h5" -quiet
  want=
  rm -f "$disk/filler"
  check "nothing left on the full disk ($(ls -A "$disk" | tr '\n' ' '))" '[ -z "$(ls -A "$disk")" ]'
  umount "$disk"
else
  for s in simulate "features (2)" "rsa (2)" "features (3)" "rsa (3)" reserve "nothing left"; do
    check "$s on a full disk: skipped, tmpfs cannot be mounted here ($(head -c 100 "$dir/mount.err"))" true
  done
fi
