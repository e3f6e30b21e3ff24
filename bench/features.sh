#!/usr/bin/env bash
# bench/features.sh: the features stage against the MNE/scipy reference (bench/ref_features.py)
# on the same simulated data with the same number of cores, and the ratio of their times.
#
# Usage: bench/features.sh [patients channels [REV [rounds]]]
#   defaults 2 patients, 40 channels, 250 images. With REV (a git revision), REV's
#   bin/bandalign is built in a temporary copy of its tree and the two programs' features
#   runs alternate, `rounds` (default 3) of each per planner, so that the noise of other
#   tenants of the machine falls on both alike; the table gives the best wall and CPU time
#   (user + system of all ranks) of each, and the MNE reference is skipped (REF=1 runs it
#   too).
# Run on an otherwise idle machine after `make`.
set -eu
cd "$(dirname "$0")/.."
np=2
patients=${1:-2} channels=${2:-40}
rev=${3:-} rounds=${4:-3}
dir=$(mktemp -d /tmp/bench-features.XXXXXX)
trap 'rm -rf "$dir"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun -q -np $np bin/bandalign simulate -preset demo -sim_patients "$patients" -sim_channels "$channels" -out "$dir" -quiet

# features PROGRAM PLANNER TAG: one run of the stage (plans from the wisdom file of TAG after
# the first), printing "wall cpu" in seconds, cpu the user + system time of all ranks (each
# rank runs under /usr/bin/time: mpirun's own rusage misses them)
features() {
  local t0 t1
  rm -f "$dir"/time.*
  t0=$(date +%s.%N)
  mpirun -q -np $np sh -c 'exec /usr/bin/time -f "%U %S" -o "$0.$OMPI_COMM_WORLD_RANK" "$@"' "$dir/time" \
    "$1" features -dataset "$dir/dataset.h5" -out "$dir/f_$3.h5" -quiet -fftw_planner "$2" -fftw_wisdom "$dir/wisdom_$3"
  t1=$(date +%s.%N)
  echo "$(echo "$t1 - $t0" | bc) $(cat "$dir"/time.* | awk '{ s += $1 + $2 } END { print s }')"
}

if [ -z "$rev" ]; then
  for planner in estimate measure; do
    read -r w0 c0 <<<"$(features bin/bandalign $planner $planner)"
    # second run: plans come from the wisdom file, as in a job array
    read -r w c <<<"$(features bin/bandalign $planner $planner)"
    eval "t_$planner=$w"
    echo "bandalign features ($planner plans, $np ranks): $w s, $c s of CPU (first run with planning $w0 s)"
  done
else
  base=$dir/base
  mkdir -p "$base"
  git archive "$rev" | tar -x -C "$base"
  echo "building $rev ($(git rev-parse --short "$rev")) in $base ..."
  make -s -C "$base" -j2 bin/bandalign >"$base/build.log" 2>&1 || {
    tail -20 "$base/build.log" >&2
    exit 1
  }
  for planner in estimate measure; do
    features "$base/bin/bandalign" $planner old_$planner >/dev/null # planning runs
    features bin/bandalign $planner new_$planner >/dev/null
    : >"$dir/old" && : >"$dir/new"
    for r in $(seq "$rounds"); do
      features "$base/bin/bandalign" $planner old_$planner >>"$dir/old"
      features bin/bandalign $planner new_$planner >>"$dir/new"
    done
    best() { sort -g -k"$2" "$1" | head -1 | cut -d' ' -f"$2"; }
    eval "t_$planner=$(best "$dir/new" 1)"
    printf 'features, %s plans, %d ranks, best of %d alternating runs: %s %.2f s wall, %.2f s CPU; this tree %.2f s wall, %.2f s CPU (CPU %.2fx)\n' \
      $planner $np "$rounds" "$rev" "$(best "$dir/old" 1)" "$(best "$dir/old" 2)" "$(best "$dir/new" 1)" \
      "$(best "$dir/new" 2)" "$(echo "$(best "$dir/old" 2) / $(best "$dir/new" 2)" | bc -l)"
  done
  h5diff -q "$dir/f_old_estimate.h5" "$dir/f_new_estimate.h5" /roi /roi >/dev/null 2>&1 &&
    echo "features files (float32) of $rev and this tree: identical" ||
    echo "features files (float32) of $rev and this tree: differ in the last bits (tests/t_features.sh checks the accuracy)"
  [ "${REF:-0}" = 1 ] || exit 0
fi
t0=$(date +%s.%N)
/usr/bin/python3 bench/ref_features.py time "$dir/dataset.h5" $np
t1=$(date +%s.%N)
tref=$(echo "$t1 - $t0" | bc)
echo "reference (MNE tfr_array_morlet + scipy, n_jobs=$np): $tref s"
echo "speed-up: $(echo "scale=1; $tref / $t_estimate" | bc)x (estimate plans), $(echo "scale=1; $tref / $t_measure" | bc)x (measure plans)"
