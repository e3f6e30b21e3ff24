#!/usr/bin/env bash
# bench/rsa.sh: throughput of the RSA permutation kernel (bench/rsa.c) against the OpenBLAS
# dgemm peak and the core's theoretical FMA peak measured in the same run, the exact double
# kernel against the float32-screened one (alternating rounds, ROUNDS=3), the previous engine
# (gather + OpenBLAS dgemm, -permtest_kernel blas), sequential stopping, and the speed against
# numpy/scipy (bench/ref_rsa.py).
# Usage: bench/rsa.sh [nimages nch nlayers m]   (defaults 250 256 9 1000)
# Needs `make` first (links build/libbandalign.a). On a shared machine compare the
# per-CPU-second figures: wall-clock ones move with the load.
set -eu
cd "$(dirname "$0")/.."
n=${1:-250} nch=${2:-256} nl=${3:-9} m=${4:-1000}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
field() { awk -v k="$1" '/^RESULT/ {print $k}' <<<"$2"; }

best="" bestcpu=""
for threads in 1 2; do
  out=$(build/bench/rsa "$n" "$nch" "$nl" "$m" "$threads" 0 best)
  grep -v '^RESULT' <<<"$out"
  trun=$(field 8 "$out")
  if [ -z "$best" ] || awk -v a="$trun" -v b="$best" 'BEGIN{exit !(a < b)}'; then best=$trun; fi
  [ "$threads" = 1 ] && bestcpu=$(field 11 "$out") && cpu1=$(field 14 "$out")
  echo
done

# the double kernel against the float32-screened one (what best runs), in alternating rounds
# so that both see the same load; best of the rounds per CPU-second
dbl=avx512
grep -qw avx512f /proc/cpuinfo || dbl=avx2
rounds=${ROUNDS:-3}
for h in 0 10; do
  echo "double ($dbl) against float32-screened (best) kernel, h = $h, 1 thread, best of $rounds alternating rounds:"
  declare -A rate=() cpu=() rec=() name=()
  for ((r = 0; r < rounds; r++)); do
    for k in $dbl best; do
      out=$(build/bench/rsa "$n" "$nch" "$nl" "$m" 1 "$h" "$k" 0)
      rt=$(field 11 "$out") c=$(field 14 "$out")
      if [ -z "${rate[$k]:-}" ] || awk -v a="$rt" -v b="${rate[$k]}" 'BEGIN{exit !(a > b)}'; then
        rate[$k]=$rt cpu[$k]=$c
      fi
      rec[$k]=$(field 19 "$out") name[$k]=$(field 20 "$out")
    done
  done
  for k in $dbl best; do
    awk -v nm="${name[$k]}" -v r="${rate[$k]}" -v c="${cpu[$k]}" -v m="$m" -v x="${rec[$k]}" \
      'BEGIN{printf "  %-11s %6.1f GFLOP/s per CPU-second, %.3f CPU-ms per permutation, %.3f%% of comparisons recomputed exactly\n", nm, r, 1e3 * c / m, x}'
  done
  awk -v a="${rate[best]}" -v b="${rate[$dbl]}" 'BEGIN{printf "  float32-screened / double: %.2fx\n\n", a / b}'
  unset rate cpu rec name
done

mb=$((m < 256 ? m : 256))
echo "previous engine (gather + OpenBLAS dgemm), $mb permutations, 1 thread:"
out=$(build/bench/rsa "$n" "$nch" "$nl" "$mb" 1 0 blas)
grep -v '^RESULT' <<<"$out" | sed 's/^/  /'
awk -v a="$bestcpu" -v b="$(field 11 "$out")" \
  'BEGIN{printf "  own kernel / previous engine, per CPU-second: %.1fx\n\n", a / b}'

echo "sequential stopping (h = 10, Besag-Clifford), 1 thread, random (null) data:"
out=$(build/bench/rsa "$n" "$nch" "$nl" "$m" 1 10 best)
grep -v '^RESULT' <<<"$out" | grep -v '^dgemm\|^kernel /\|^core' | sed 's/^/  /'
awk -v a="$cpu1" -v b="$(field 14 "$out")" \
  'BEGIN{printf "  CPU time without stopping / with: %.1fx\n\n", a / b}'

echo "numpy/scipy references (timed on a few permutations, scaled to m = $m):"
/usr/bin/python3 bench/ref_rsa.py "$n" "$nch" "$nl" "$m" | while read -r tag name secs; do
  awk -v s="$secs" -v b="$best" -v nm="$name" 'BEGIN{printf "  %-13s %10.1f s  -> C kernel (best thread count, %.2f s wall, no stopping) is %.0fx faster\n", nm, s, b, s / b}'
done
