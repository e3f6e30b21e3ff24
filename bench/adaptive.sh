#!/usr/bin/env bash
# bench/adaptive.sh: -permutation_strategy adaptive against full on simulated demo cohorts,
# one per seed: the significant (channel, layer) pairs of the trained network in every ROI
# must be the same (and the control network's count and area x layer matrix, which is what
# its results keep); prints per seed the pairs, how many differ, the
# permutations run (sum over pairs) and the rsa stage's CPU seconds under each strategy.
#
# Usage: bench/adaptive.sh [SEEDS=20] [NP=2] [extra rsa options]
#   SEEDS is a count (seeds 0 .. SEEDS-1) or a range FIRST:LAST (seeds FIRST .. LAST-1)
#   e.g. bench/adaptive.sh 20 2            (about 2 minutes per seed on 2 quiet cores)
# The split-half noise estimate is left out (-noise_splits 0): it does not touch the tests.
set -u
cd "$(dirname "$0")/.."
seeds=${1:-20}
np=${2:-2}
shift $(($# < 2 ? $# : 2))
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi="mpirun -q --oversubscribe -np $np"
out=$(mktemp -d /tmp/bandalign-adaptive.XXXXXX)
trap 'rm -rf "$out"' EXIT

# cpu NAME COMMAND...: runs it, prints its user + system CPU seconds
cpu() {
  local name=$1
  shift
  /usr/bin/time -f "%U %S" -o "$out/$name.time" "$@" >"$out/$name.log" 2>&1 || {
    echo "adaptive: $name failed:" >&2
    tail -3 "$out/$name.log" >&2
    exit 1
  }
  awk '{ printf "%.1f", $1 + $2 }' "$out/$name.time"
}

printf '%-6s %9s %7s %14s %14s %8s %8s\n' seed sig_pairs differ perms_full perms_adapt cpu_full cpu_adapt
total=0 bad=0
first=0 last=$seeds
case $seeds in *:*) first=${seeds%%:*} last=${seeds##*:} ;; esac
for ((seed = first; seed < last; seed++)); do
  d=$out/s$seed
  $mpi bin/bandalign simulate -preset demo -seed "$seed" -out "$d" -quiet || exit 1
  $mpi bin/bandalign features -dataset "$d/dataset.h5" -out "$d/features.h5" -quiet || exit 1
  rm -f "$d/dataset.h5"
  opts="-features $d/features.h5 -network $d/network.h5 -control_network $d/network_control.h5 -permutations 2000
        -noise_splits 0 -seed $seed $*"
  cf=$(cpu full $mpi bin/bandalign rsa $opts -permutation_strategy full -out "$d/full.h5")
  ca=$(cpu adaptive $mpi bin/bandalign rsa $opts -permutation_strategy adaptive -out "$d/adaptive.h5")
  read -r sig differ pf pa < <(/usr/bin/python3 - "$d/full.h5" "$d/adaptive.h5" <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
sig = differ = pf = pa = 0
for roi in a["roi"]:
    x, y = a["roi"][roi], b["roi"][roi]
    sa, sb = x["significant"][()], y["significant"][()]
    sig += int(sa.sum()); differ += int((sa != sb).sum())
    pf += int(x["permutations_used"][()].sum()); pa += int(y["permutations_used"][()].sum())
# the control's results file keeps per-ROI summaries: its significant pairs per area and layer
for roi in a.get("control", {}):
    x, y = a["control"][roi], b["control"][roi]
    n = int(x.attrs["n_significant_pairs"]); sig += n
    differ += abs(n - int(y.attrs["n_significant_pairs"]))
    differ += int(not np.array_equal(x["area_layer"][()], y["area_layer"][()]))
print(sig, differ, pf, pa)
PY
  )
  printf '%-6s %9s %7s %14s %14s %8s %8s\n' "$seed" "$sig" "$differ" "$pf" "$pa" "$cf" "$ca"
  total=$((total + 1))
  [ "$differ" = 0 ] || bad=$((bad + 1))
  rm -rf "$d"
done
echo "adaptive: $((total - bad)) of $total seeds with the significant pairs of full"
[ "$bad" = 0 ]
