#!/usr/bin/env bash
# bench/spectral.sh: builds and runs bench/spectral.c (single core) against build/libbandalign.a.
# Usage: bench/spectral.sh [seconds]   (runs with FFTW_ESTIMATE plans, then FFTW_MEASURE)   (run `make` first)
set -eu
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
PKGS="petsc ompi-c fftw3 hdf5-openmpi"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mpicc -O3 -march=x86-64-v2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude $(pkg-config --cflags $PKGS) \
  bench/spectral.c build/libbandalign.a \
  $(pkg-config --libs $PKGS) -lfftw3_mpi -lfftw3 -lniftiio -lznz -lz -lopenblas -lm -o "$out/spectral"
"$out/spectral" "${1:-3}" estimate
"$out/spectral" "${1:-3}" measure
