#!/usr/bin/env bash
# t_network_mpi.sh: the network module at 1, 2 and 3 ranks; from 2 ranks on, each rank reads
# different layers with a different number of independent reads (a collective call would hang).
set -u
cd "${BA_ROOT:-$(dirname "$0")/..}"
MPIRUN=${BA_MPIRUN:-mpirun --allow-run-as-root --oversubscribe}
TMP=${BA_TMP:-$(mktemp -d)}/network_mpi
for np in 1 2 3; do
  dir=$TMP/np$np
  mkdir -p "$dir"
  out=$(timeout 120 $MPIRUN -np $np build/tests/test_network -dir "$dir" 2>&1)
  rc=$?
  sed -n "s/^\(ok\|not ok\) - /\1 - [$np ranks] /p" <<<"$out"
  if [ $rc -ne 0 ]; then
    echo "not ok - [$np ranks] test_network exited with status $rc (124: timed out)"
    grep -v '^ok - ' <<<"$out" | head -n 20
  fi
done
