#!/usr/bin/env bash
# bench/rsa.sh: throughput of the RSA permutation kernel (bench/rsa.c) against the OpenBLAS
# dgemm peak of the same run, and its speed against numpy/scipy (bench/ref_rsa.py).
# Usage: bench/rsa.sh [nimages nch nlayers m]   (defaults 250 256 9 1000)
# Run on an otherwise idle machine; needs `make` first (links build/libbandalign.a).
set -eu
cd "$(dirname "$0")/.."
n=${1:-250} nch=${2:-256} nl=${3:-9} m=${4:-1000}
pkgs="petsc ompi-c fftw3 hdf5-openmpi"
mkdir -p build/bench
mpicc -O3 -march=x86-64-v2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude \
  $(pkg-config --cflags $pkgs) bench/rsa.c build/libbandalign.a \
  $(pkg-config --libs $pkgs) -lfftw3_mpi -lfftw3 -lniftiio -lznz -lz -lopenblas -lm -o build/bench/rsa
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
best=""
for threads in 1 2; do
  out=$(build/bench/rsa "$n" "$nch" "$nl" "$m" "$threads")
  grep -v '^RESULT' <<<"$out"
  res=$(grep '^RESULT' <<<"$out")
  trun=$(awk '{print $8}' <<<"$res")
  if [ -z "$best" ] || awk -v a="$trun" -v b="$best" 'BEGIN{exit !(a < b)}'; then best=$trun; fi
  echo
done
echo "numpy/scipy references (timed on a few permutations, scaled to m = $m):"
/usr/bin/python3 bench/ref_rsa.py "$n" "$nch" "$nl" "$m" | while read -r tag name secs; do
  awk -v s="$secs" -v b="$best" -v nm="$name" 'BEGIN{printf "  %-13s %10.1f s  -> C kernel (best thread count, %.2f s) is %.0fx faster\n", nm, s, b, s / b}'
done
