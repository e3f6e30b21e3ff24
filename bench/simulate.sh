#!/usr/bin/env bash
# bench/simulate.sh: time the simulate stage at the study's scale (-preset paper: 100
# patients, 11,293 channels, 250 images + 10 target trials, ~8.8 GB of float32) and report
# the dataset's generate+write time and rate. Not part of the tests.
#   bench/simulate.sh [NP=2] [OUT=/tmp/bandalign-bench-simulate] [extra simulate options]
set -eu
cd "$(dirname "$0")/.."
np=${1:-2}
out=${2:-/tmp/bandalign-bench-simulate}
shift $(($# < 2 ? $# : 2))
need=$((10 * 1024 * 1024)) # KB: the dataset is ~8.8 GB
avail=$(df -Pk "$(dirname "$out")" | awk 'NR == 2 {print $4}')
if [ "$avail" -lt "$need" ]; then
  echo "bench/simulate.sh: $(dirname "$out") has $((avail / 1024)) MB free, need about 10 GB" >&2
  exit 1
fi
rm -rf "$out"
start=$(date +%s.%N)
mpirun --allow-run-as-root --oversubscribe -np "$np" bin/bandalign simulate -preset paper -out "$out" \
  -log_view :"$out.log_view.txt" "$@" 2>/dev/null | tee "$out.txt"
end=$(date +%s.%N)
size=$(du -sb "$out/dataset.h5" | awk '{print $1}')
echo "bench/simulate.sh: $np ranks, dataset.h5 $(echo "$size / 1e6" | bc) MB, wall $(echo "$end - $start" | bc) s for the whole stage"
grep -E "^(SimSignal|IOWrite) " "$out.log_view.txt" | awk '{printf "bench/simulate.sh: %-10s max %8.1f s over ranks\n", $1, $4}'
rm -rf "$out"
