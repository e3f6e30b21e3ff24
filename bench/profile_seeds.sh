#!/usr/bin/env bash
# bench/profile_seeds.sh: the paper preset (kuzovkin2018 profile) at several seeds, then the
# table of each ROI against the study's published figures, seed by seed
# (bench/profile_table.py).
#
# Usage: bench/profile_seeds.sh [--out DIR] [--np NP] SEED ...
#   --out DIR   where each seed's run goes, DIR/seed<S> (default bench-out/profile)
#   --np NP     MPI ranks (default 2)
# One seed takes about 6 minutes on 2 cores and 9 GB of disk while it runs: the trained
# network only (-sim_control_network false) and -permutation_strategy adaptive, which gives
# the significant pairs of the full strategy; the dataset is deleted after each run, the
# results, truth and report are kept. A run whose recovery check fails exits 1, and the
# table still reads its report.
set -u
cd "$(dirname "$0")/.."
out=bench-out/profile np=2
while [ $# -gt 0 ]; do
  case $1 in
  --out) out=$2 && shift 2 ;;
  --np) np=$2 && shift 2 ;;
  *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: bench/profile_seeds.sh [--out DIR] [--np NP] SEED ..." >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
make -s >/dev/null || exit 1
mkdir -p "$out" || exit 1
dirs=()
for s in "$@"; do
  d=$out/seed$s
  rm -rf "$d"
  start=$(date +%s)
  mpirun -np "$np" bin/bandalign run -preset paper -seed "$s" -sim_control_network false \
    -permutation_strategy adaptive -out "$d" -quiet >"$d.log" 2>&1
  rc=$?
  rm -f "$d/dataset.h5"
  if [ $rc = 0 ]; then why="recovered"; else why=$(grep -m1 -o 'recovery failed.*' "$d.log" || echo "see $d.log"); fi
  echo "seed $s: exit $rc, $(($(date +%s) - start)) s: $why"
  [ -e "$d/report/summary.csv" ] && dirs+=("$s=$d")
done
[ ${#dirs[@]} -gt 0 ] && /usr/bin/python3 bench/profile_table.py "${dirs[@]}"
