#!/usr/bin/env bash
# t_dataset_mpi.sh: the dataset module at 1, 2 and 3 ranks (each rank writes its own rows,
# reads back with other splits), reading a monopolar file written by h5py, and h5py's view
# of the file the C writer made (types of interface.md, every value).
set -u
cd "${BA_ROOT:-$(dirname "$0")/..}"
PY=${BA_PY:-/usr/bin/python3}
MPIRUN=${BA_MPIRUN:-mpirun --allow-run-as-root --oversubscribe}
TMP=${BA_TMP:-$(mktemp -d)}/dataset_mpi
mkdir -p "$TMP"
"$PY" tests/ref/dataset_format.py write "$TMP/h5py.h5"
for np in 1 2 3; do
  dir=$TMP/np$np
  mkdir -p "$dir"
  out=$(timeout 300 $MPIRUN -np $np build/tests/test_dataset -dir "$dir" -keep -h5py_file "$TMP/h5py.h5" 2>&1)
  rc=$?
  sed -n "s/^\(ok\|not ok\) - /\1 - [$np ranks] /p" <<<"$out"
  if [ $rc -ne 0 ]; then
    echo "not ok - [$np ranks] test_dataset exited with status $rc"
    grep -v '^ok - ' <<<"$out" | head -n 20
  fi
  "$PY" tests/ref/dataset_format.py check "$dir/bipolar.h5" | sed "s/^\(ok\|not ok\) - /\1 - [$np ranks] /"
done
