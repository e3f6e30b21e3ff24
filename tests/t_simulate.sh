#!/usr/bin/env bash
# t_simulate.sh: the simulate stage on the tiny preset: identical files at 1 and 3 ranks,
# a different seed gives different data, bad option values give the one-line error and no
# output, and an independent check in Python (nibabel, MNE, scipy; tests/ref/simulate.py)
# of the anatomy and of the planted power increases.
source "$(dirname "$0")/lib.sh"
: "${BA_ROOT:=$(cd "$(dirname "$0")/.." && pwd)}" "${BA_BIN:=$BA_ROOT/bin/bandalign}" "${BA_PY:=/usr/bin/python3}"
: "${BA_MPIRUN:=mpirun --allow-run-as-root --oversubscribe}" "${BA_TMP:=$(mktemp -d)}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
d=$BA_TMP/simulate
rm -rf "$d" && mkdir -p "$d"
atlas=/usr/share/mricron/templates/brodmann.nii.gz
bad=("-sim_hierarchy_band gamma" "-preset huge" "-sim_images 52" "-sim_channels 2" "-sim_profile study"
  "-sim_profile kuzovkin2018 -sim_hierarchy_band beta")
# 10 checks here, one per bad option value, 10 printed by tests/ref/simulate.py, 4 by
# tests/ref/profile.py
plan $((10 + ${#bad[@]} + 10 + 4))

check "simulate -preset tiny on 1 rank" '$BA_MPIRUN -np 1 "$BA_BIN" simulate -preset tiny -out "$d/r1" -quiet'
check "simulate -preset tiny on 3 ranks" '$BA_MPIRUN -np 3 "$BA_BIN" simulate -preset tiny -out "$d/r3" -quiet'
check "simulate -preset tiny -seed 1" '"$BA_BIN" simulate -preset tiny -seed 1 -out "$d/s1" -quiet'

# the root attributes record the rank count, so compare every top-level group: sets n (the
# groups of DIR_A's files) and same (those h5diff finds identical in DIR_B)
same_groups() {
  local a=$1 b=$2 f g
  shift 2
  same=0 n=0
  for f in "$@"; do
    for g in $(h5ls "$a/$f.h5" | awk '{print $1}'); do
      n=$((n + 1))
      h5diff -q "$a/$f.h5" "$b/$f.h5" "/$g" "/$g" && same=$((same + 1))
    done
  done
}
same_groups "$d/r1" "$d/r3" dataset network truth
check "identical groups at 1 and 3 ranks ($same/$n: h5diff)" '[ $n -ge 5 ] && [ $same -eq $n ]'
check "another seed gives other recordings (h5diff finds differences)" \
  '! h5diff -q "$d/r1/dataset.h5" "$d/s1/dataset.h5" /patients /patients >/dev/null 2>&1'
r=$(h5dump -a /ranks "$d/r3/truth.h5" | grep -c '(0): 3' || true)
check "truth.h5 records the rank count" '[ "$r" -eq 1 ]'
check "no partial file left behind" '! ls "$d/r1" | grep partial >/dev/null'

# the kuzovkin2018 profile: its files too are the same at any rank count
check "simulate -preset tiny -sim_profile kuzovkin2018 on 1 rank" \
  '"$BA_BIN" simulate -preset tiny -sim_profile kuzovkin2018 -out "$d/k1" -quiet'
check "simulate -preset tiny -sim_profile kuzovkin2018 on 3 ranks" \
  '$BA_MPIRUN -np 3 "$BA_BIN" simulate -preset tiny -sim_profile kuzovkin2018 -out "$d/k3" -quiet'
same_groups "$d/k1" "$d/k3" dataset network network_control truth
check "kuzovkin2018: identical groups at 1 and 3 ranks ($same/$n: h5diff)" '[ $n -ge 7 ] && [ $same -eq $n ]'

for b in "${bad[@]}"; do
  rc=0
  err=$("$BA_BIN" simulate -preset tiny $b -out "$d/bad" 2>&1 >/dev/null) || rc=$?
  lines=$(printf '%s\n' "$err" | grep -c . || true)
  check "simulate $b: exit $rc, one line: $err" \
    '[ $rc -ne 0 ] && [ "$lines" -eq 1 ] && [[ "$err" == "bandalign: error: -"* ]] && [ ! -e "$d/bad" ]'
done

checks_of $BA_PY "$BA_ROOT/tests/ref/simulate.py" "$d/r1" "$atlas"
checks_of $BA_PY "$BA_ROOT/tests/ref/profile.py" "$d/r1" "$d/k1" "$BA_ROOT/data/kuzovkin2018/published-figures.tsv"
