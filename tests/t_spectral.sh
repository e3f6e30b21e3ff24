#!/usr/bin/env bash
# t_spectral.sh: Morlet power and window sums of the spectral module against
# mne.time_frequency.tfr_array_morlet on random 768-sample epochs at 512 Hz.
set -eu
cd "${BA_ROOT:-$(dirname "$0")/..}"
PY=${BA_PY:-/usr/bin/python3}
TMP=${BA_TMP:-$(mktemp -d)}/spectral
mkdir -p "$TMP"
PKGS="petsc ompi-c fftw3 hdf5-openmpi"
mpicc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude $(pkg-config --cflags $PKGS) \
  tests/drivers/spectral.c build/libbandalign.a \
  $(pkg-config --libs $PKGS) -lfftw3_mpi -lfftw3 -lniftiio -lznz -lz -lopenblas -lm -o "$TMP/spectral"
NE=4 N=768 FS=512 ONSET=256
"$PY" tests/ref/spectral.py gen "$TMP" $NE $N $FS
"$TMP/spectral" "$TMP" $NE $N $FS $ONSET
"$PY" tests/ref/spectral.py check "$TMP" $NE $N $FS $ONSET
