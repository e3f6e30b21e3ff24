#!/usr/bin/env bash
# bench/paper-slurm.sh: the paper preset end to end through Slurm on this machine.
#
# Brings up the throwaway one-node cluster of the tests (tests/slurm/cluster.sh), then
#   1. simulate: one 2-rank job (skipped when DIR/dataset.h5 exists),
#   2. slurm/submit: the features job array (CHUNKS tasks of one rank, as many at once as
#      the node has cores) and the dependent 2-rank rsa + report job, waited for,
# and prints the wall time and the peak resident memory per rank of each stage, read from
# the jobs' own logs (every bandalign stage ends with its peak memory line).
#
# Usage: bench/paper-slurm.sh DIR [CHUNKS=10]   (run `make` first; about 25 minutes on 2
#        cores; DIR needs 10 GB)
set -eu
cd "$(dirname "$0")/.."
dir=${1:?usage: bench/paper-slurm.sh DIR [CHUNKS]}
chunks=${2:-10}
preset=${BA_PRESET:-paper} # BA_PRESET=tiny tries the script in a minute
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
bin=$PWD/bin/bandalign

# shellcheck source=../tests/slurm/cluster.sh
. tests/slurm/cluster.sh
cl=$(mktemp -d /tmp/bandalign-cluster.XXXXXX)
trap 'cluster_stop; rm -rf "$cl"' EXIT
cluster_start "$cl"

seconds() { date -d "$1" +%s; }
peak() { sed -n 's/.*peak resident memory \([0-9]*\) MB per rank.*/\1/p' "$@" | sort -n | tail -1; }

if [ ! -f "$dir/dataset.h5" ]; then
  echo "paper-slurm: simulate (one 2-rank job) ..."
  t0=$(date +%s)
  sbatch --wait -J simulate -n 2 --mem 8G -o "$dir/simulate.log" \
    --wrap "srun --mpi=pmix -n 2 $bin simulate -preset $preset -out $dir" >/dev/null
  echo "simulate $(($(date +%s) - t0)) s, peak $(peak "$dir/simulate.log") MB per rank" | tee "$dir/slurm-times.txt"
fi

echo "paper-slurm: features array of $chunks tasks, then rsa + report on 2 ranks ..."
rm -rf "$dir/slurm"
t0=$(date +%s)
slurm/submit --out "$dir/slurm" --chunks "$chunks" --array-ntasks 1 --ntasks 2 --mem 16G \
  --network "$dir/network.h5" --truth "$dir/truth.h5" --wait --poll 10 "configs/$preset.yaml" "$dir/dataset.h5" ||
  echo "paper-slurm: slurm/submit reports a failure (timings follow)"
total=$(($(date +%s) - t0))

# features: from the first task's start to the last task's end
logs=("$dir"/slurm/logs/features_*.log)
first=$(grep -h "started" "${logs[@]}" | sed 's/.*started //' | while read -r d; do seconds "$d"; done | sort -n | head -1)
last=$(grep -h "ended" "${logs[@]}" | sed 's/.*ended //' | while read -r d; do seconds "$d"; done | sort -n | tail -1)
rlog=$(ls "$dir"/slurm/logs/rsa_*.log 2>/dev/null | head -1)
[ -n "$rlog" ] || { echo "paper-slurm: the rsa job never ran (see $dir/slurm/logs)"; exit 1; }
rsd=$(sed -n 's/.*rsa done //p' "$rlog")
[ -n "$rsd" ] || { echo "paper-slurm: rsa failed, see $rlog"; exit 1; }
rs=$(seconds "$(sed -n 's/.*started //p' "$rlog")")
rd=$(seconds "$rsd")
pd=$(sed -n 's/.*report done //p' "$rlog")
{
  echo "features array ($chunks tasks x 1 rank): $((last - first)) s, peak $(peak "${logs[@]}") MB per rank"
  echo "rsa (2 ranks): $((rd - rs)) s, peak $(grep -h "^rsa: peak" "$rlog" | sed 's/.*memory \([0-9]*\) MB.*/\1/') MB per rank"
  if [ -n "$pd" ]; then
    echo "report (2 ranks): $(($(seconds "$pd") - rd)) s, peak $(grep -h "^report: peak" "$rlog" | sed 's/.*memory \([0-9]*\) MB.*/\1/') MB per rank"
  else
    echo "report: failed (recovery or error), see $rlog"
  fi
  echo "submit to results, with queueing and polling: $total s"
  grep -h "recovery" "$rlog" | head -3
} | tee -a "$dir/slurm-times.txt"
