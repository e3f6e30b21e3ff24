#!/usr/bin/env bash
# t_simulate.sh: the simulate stage on the tiny preset: identical files at 1 and 3 ranks,
# a different seed gives different data, bad option values give the one-line error and no
# output, and an independent check in Python (nibabel, MNE, scipy; tests/ref/simulate.py)
# of the anatomy and of the planted power increases.
set -u
: "${BA_ROOT:=$(cd "$(dirname "$0")/.." && pwd)}" "${BA_BIN:=$BA_ROOT/bin/bandalign}" "${BA_PY:=/usr/bin/python3}"
: "${BA_MPIRUN:=mpirun --allow-run-as-root --oversubscribe}" "${BA_TMP:=$(mktemp -d)}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
d=$BA_TMP/simulate
rm -rf "$d" && mkdir -p "$d"
atlas=/usr/share/mricron/templates/brodmann.nii.gz

check() { if [ "$1" -eq 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fi; }

$BA_MPIRUN -np 1 "$BA_BIN" simulate -preset tiny -out "$d/r1" -quiet
check $? "simulate -preset tiny on 1 rank"
$BA_MPIRUN -np 3 "$BA_BIN" simulate -preset tiny -out "$d/r3" -quiet
check $? "simulate -preset tiny on 3 ranks"
"$BA_BIN" simulate -preset tiny -seed 1 -out "$d/s1" -quiet
check $? "simulate -preset tiny -seed 1"

# the root attributes record the rank count, so compare every top-level group
same=0 n=0
for f in dataset network truth; do
  for g in $(h5ls "$d/r1/$f.h5" | awk '{print $1}'); do
    n=$((n + 1))
    h5diff -q "$d/r1/$f.h5" "$d/r3/$f.h5" "/$g" "/$g" && same=$((same + 1))
  done
done
check $((n < 5 || same != n)) "identical groups at 1 and 3 ranks ($same/$n: h5diff)"
h5diff -q "$d/r1/dataset.h5" "$d/s1/dataset.h5" /patients /patients >/dev/null 2>&1
check $((! $?)) "another seed gives other recordings (h5diff finds differences)"
r=$(h5dump -a /ranks "$d/r3/truth.h5" | grep -c '(0): 3')
check $((r != 1)) "truth.h5 records the rank count"
ls "$d/r1" | grep -q partial
check $((! $?)) "no partial file left behind"

for bad in "-sim_hierarchy_band gamma" "-preset huge" "-sim_images 52" "-sim_channels 2"; do
  err=$("$BA_BIN" simulate -preset tiny $bad -out "$d/bad" 2>&1 >/dev/null)
  rc=$?
  lines=$(printf '%s\n' "$err" | grep -c .)
  [ $rc -ne 0 ] && [ "$lines" -eq 1 ] && [[ "$err" == "bandalign: error: -"* ]] && [ ! -e "$d/bad" ]
  check $? "simulate $bad: exit $rc, one line: $err"
done

$BA_PY "$BA_ROOT/tests/ref/simulate.py" "$d/r1" "$atlas"
