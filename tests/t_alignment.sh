#!/usr/bin/env bash
# t_alignment.sh: the alignment kernel (alignment, volume, specificity, area x layer
# matrix, half-cohort alignment) against scipy.stats.spearmanr and numpy on random
# significant-pair sets, degenerate cases included.
set -eu
cd "${BA_ROOT:-$(dirname "$0")/..}"
PY=${BA_PY:-/usr/bin/python3}
TMP=${BA_TMP:-$(mktemp -d)}/alignment
mkdir -p "$TMP"
PKGS="petsc ompi-c fftw3 hdf5-openmpi"
mpicc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude $(pkg-config --cflags $PKGS) \
  tests/drivers/alignment.c build/libbandalign.a \
  $(pkg-config --libs $PKGS) -lfftw3_mpi -lfftw3 -lniftiio -lznz -lz -lopenblas -lm -o "$TMP/alignment"
"$PY" tests/ref/alignment.py gen "$TMP/cases.txt"
"$TMP/alignment" "$TMP/cases.txt" "$TMP/out.txt"
"$PY" tests/ref/alignment.py check "$TMP/cases.txt" "$TMP/out.txt"
