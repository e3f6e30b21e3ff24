#!/usr/bin/env bash
# bench/paper.sh: the paper preset (100 patients, 11,293 channels, 250 images) stage by
# stage on NP ranks with mpirun, each stage timed, with its peak resident memory per rank.
#
# Usage: bench/paper.sh DIR [NP=2] [STAGES="simulate features rsa rsa-adaptive compare report"]
#   DIR keeps dataset.h5 (9 GB), network.h5, truth.h5, features.h5, results.h5, report/,
#   one log per stage and times.txt. rsa runs -permutation_strategy full (results.h5),
#   rsa-adaptive the adaptive one (results-adaptive.h5), and compare prints whether their
#   significant pairs are the same and the permutations each ran. A stage listed in STAGES runs again even if its
#   output exists; leave simulate out to reuse a dataset.
# Run on an otherwise idle machine after `make` (about 20 minutes on 2 cores).
set -eu
cd "$(dirname "$0")/.."
dir=${1:?usage: bench/paper.sh DIR [NP] [STAGES]}
np=${2:-2}
stages=${3:-simulate features rsa rsa-adaptive compare report}
mkdir -p "$dir"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi="mpirun -q --oversubscribe -np $np"

# stage NAME COMMAND...: runs one stage, its output going to DIR/NAME.log, and appends
# "NAME wall_seconds cpu_seconds peak_MB_per_rank" to DIR/times.txt.
stage() {
  local name=$1 t0 t1 peak cpu
  shift
  echo "paper: $name on $np ranks ..."
  t0=$(date +%s.%N)
  /usr/bin/time -f "cpu %U %S" -o "$dir/$name.time" "$@" >"$dir/$name.log" 2>&1 || {
    echo "paper: $name failed, see $dir/$name.log" >&2
    tail -5 "$dir/$name.log" >&2
    exit 1
  }
  t1=$(date +%s.%N)
  peak=$(sed -n 's/.*peak resident memory \([0-9]*\) MB per rank.*/\1/p' "$dir/$name.log" | tail -1)
  cpu=$(awk '/^cpu/ { print $2 + $3 }' "$dir/$name.time")
  printf '%s %.1f %.1f %s\n' "$name" "$(echo "$t1 - $t0" | bc)" "$cpu" "${peak:-?}" | tee -a "$dir/times.txt"
}

for s in $stages; do
  case $s in
  simulate) stage simulate $mpi bin/bandalign simulate -preset paper -out "$dir" ;;
  features)
    stage features $mpi bin/bandalign features -dataset "$dir/dataset.h5" -out "$dir/features.h5" \
      -fftw_planner measure -fftw_wisdom "$dir/wisdom.fftw"
    ;;
  rsa | rsa-adaptive)
    strategy=full results=results.h5
    [ "$s" = rsa-adaptive ] && strategy=adaptive results=results-adaptive.h5
    control=()
    [ -e "$dir/network_control.h5" ] && control=(-control_network "$dir/network_control.h5")
    stage "$s" $mpi bin/bandalign rsa -features "$dir/features.h5" -network "$dir/network.h5" "${control[@]}" \
      -permutation_strategy $strategy -out "$dir/$results"
    ;;
  compare) # the significant pairs of the two strategies, ROI by ROI
    /usr/bin/python3 - "$dir/results.h5" "$dir/results-adaptive.h5" <<'PY' | tee -a "$dir/times.txt"
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
sig = differ = 0
pf = pa = 0
for roi in a["roi"]:
    x, y = a["roi"][roi], b["roi"][roi]
    sig += int(x["significant"][()].sum()); differ += int((x["significant"][()] != y["significant"][()]).sum())
    pf += int(x["permutations_used"][()].sum()); pa += int(y["permutations_used"][()].sum())
for roi in a.get("control", {}):
    differ += abs(int(a["control"][roi].attrs["n_significant_pairs"]) - int(b["control"][roi].attrs["n_significant_pairs"]))
print("compare: %d significant pairs (full), %d differ; permutations run %d (full) vs %d (adaptive), %.1fx"
      % (sig, differ, pf, pa, pf / max(pa, 1)))
PY
    ;;
  report)
    stage report $mpi bin/bandalign report -results "$dir/results.h5" -truth "$dir/truth.h5" -out "$dir/report"
    ;;
  *) echo "paper: unknown stage '$s'" >&2 && exit 2 ;;
  esac
done
echo "paper: stage wall_s cpu_s peak_MB_per_rank (all runs so far in $dir/times.txt)"
