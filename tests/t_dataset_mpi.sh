#!/usr/bin/env bash
# t_dataset_mpi.sh: the dataset module at 1, 2 and 3 ranks (each rank writes its own rows,
# reads back with other splits), reading a monopolar file written by h5py, and h5py's view
# of the file the C writer made (types of interface.md, every value).
source "$(dirname "$0")/lib.sh"
cd "${BA_ROOT:-$(dirname "$0")/..}"
PY=${BA_PY:-/usr/bin/python3}
MPIRUN=${BA_MPIRUN:-mpirun --allow-run-as-root --oversubscribe}
TMP=${BA_TMP:-$(mktemp -d)}/dataset_mpi
mkdir -p "$TMP"
# the h5py file (1 check), then at each rank count test_dataset with that file (83 checks)
# and dataset_format.py's view of the C-written file (23 checks)
plan $((1 + 3 * (83 + 23)))
checks_of "$PY" tests/ref/dataset_format.py write "$TMP/h5py.h5"
for np in 1 2 3; do
  dir=$TMP/np$np
  mkdir -p "$dir"
  checks_of -p "[$np ranks] " timeout 300 $MPIRUN -np $np build/tests/test_dataset -dir "$dir" -keep -h5py_file "$TMP/h5py.h5"
  checks_of -p "[$np ranks] " "$PY" tests/ref/dataset_format.py check "$dir/bipolar.h5"
done
