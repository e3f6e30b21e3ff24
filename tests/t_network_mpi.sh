#!/usr/bin/env bash
# t_network_mpi.sh: the network module at 1, 2 and 3 ranks; from 2 ranks on, each rank reads
# different layers with a different number of independent reads (a collective call would hang).
source "$(dirname "$0")/lib.sh"
cd "${BA_ROOT:-$(dirname "$0")/..}"
MPIRUN=${BA_MPIRUN:-mpirun --allow-run-as-root --oversubscribe}
TMP=${BA_TMP:-$(mktemp -d)}/network_mpi
plan $((3 * 36)) # test_network's 36 checks at each rank count
for np in 1 2 3; do
  dir=$TMP/np$np
  mkdir -p "$dir"
  checks_of -p "[$np ranks] " timeout 120 $MPIRUN -np $np build/tests/test_network -dir "$dir"
done
