#!/usr/bin/env bash
# bench/spectral.sh: builds and runs bench/spectral.c (single core) against build/libbandalign.a.
# Usage: bench/spectral.sh [seconds]   (runs with FFTW_ESTIMATE plans, then FFTW_MEASURE)   (run `make` first)
set -eu
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
build/bench/spectral "${1:-3}" estimate
build/bench/spectral "${1:-3}" measure
