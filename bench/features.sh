#!/usr/bin/env bash
# bench/features.sh: the features stage against the MNE/scipy reference (bench/ref_features.py)
# on the same simulated data with the same number of cores, and the ratio of their times.
# Usage: bench/features.sh [patients channels]   (defaults 2 patients, 40 channels, 250 images)
# Run on an otherwise idle machine after `make`.
set -eu
cd "$(dirname "$0")/.."
np=2
patients=${1:-2} channels=${2:-40}
dir=$(mktemp -d /tmp/bench-features.XXXXXX)
trap 'rm -rf "$dir"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun -q -np $np bin/bandalign simulate -preset demo -sim_patients "$patients" -sim_channels "$channels" -out "$dir" -quiet
for planner in estimate measure; do
  t0=$(date +%s.%N)
  mpirun -q -np $np bin/bandalign features -dataset "$dir/dataset.h5" -out "$dir/f_$planner.h5" -quiet \
    -fftw_planner $planner -fftw_wisdom "$dir/wisdom_$planner"
  t1=$(date +%s.%N)
  # second run: plans come from the wisdom file, as in a job array
  mpirun -q -np $np bin/bandalign features -dataset "$dir/dataset.h5" -out "$dir/f_$planner.h5" -quiet \
    -fftw_planner $planner -fftw_wisdom "$dir/wisdom_$planner"
  t2=$(date +%s.%N)
  eval "t_$planner=$(echo "$t2 - $t1" | bc)"
  echo "bandalign features ($planner plans, $np ranks): $(echo "$t2 - $t1" | bc) s (first run with planning $(echo "$t1 - $t0" | bc) s)"
done
t0=$(date +%s.%N)
/usr/bin/python3 bench/ref_features.py time "$dir/dataset.h5" $np
t1=$(date +%s.%N)
tref=$(echo "$t1 - $t0" | bc)
echo "reference (MNE tfr_array_morlet + scipy, n_jobs=$np): $tref s"
echo "speed-up: $(echo "scale=1; $tref / $t_estimate" | bc)x (estimate plans), $(echo "scale=1; $tref / $t_measure" | bc)x (measure plans)"
