#!/usr/bin/env bash
# t_activations.sh: scripts/bandalign-activations against AlexNet and ResNet-18 run directly in
# tests/ref/activations.py (same seed or state_dict, torchvision's transforms spelt out, forward
# hooks), the --npz round trip, the simulator's network.h5 layout, a full `rsa` run on its
# output, and the one-line errors.
source "$(dirname "$0")/lib.sh"
cd "${BA_ROOT:-$(dirname "$0")/..}"
TMP=${BA_TMP:-$(mktemp -d)}/activations
PY=${BA_PY:-/usr/bin/python3}
BIN=${BA_BIN:-bin/bandalign}
ACT=scripts/bandalign-activations
REF=tests/ref/activations.py
rm -rf "$TMP"
mkdir -p "$TMP"
plan 23 # 14 checks here, 9 printed by tests/ref/activations.py

"$PY" "$REF" gen "$TMP"

rc=0
$ACT "$TMP/img" -o "$TMP/net.h5" --model alexnet --random-weights 3 --batch 4 --quiet || rc=$?
check "alexnet --random-weights 3 on a folder of 6 images exits 0 ($rc)" '[ $rc -eq 0 ]'
rc=0
$ACT --npz "$TMP/alexnet.npz" --names "$TMP/names.txt" -o "$TMP/npz.h5" --quiet || rc=$?
check "--npz --names exits 0 ($rc)" '[ $rc -eq 0 ]'
rc=0
(cd "$TMP" && "$BA_ROOT/$ACT" list.txt --names names.tsv -o resnet18.h5 --model resnet18 \
  --weights resnet18.pth --batch 4 --quiet) || rc=$?
check "resnet18 --weights on a list file with a names TSV exits 0 ($rc)" '[ $rc -eq 0 ]'

# a full rsa run: the tiny preset's dataset and features, images named as its stimuli
"$BIN" simulate -preset tiny -out "$TMP/sim" -quiet
"$BIN" features -dataset "$TMP/sim/dataset.h5" -out "$TMP/f.h5" -quiet
"$PY" "$REF" stimuli "$TMP/stim" "$TMP/sim/dataset.h5"
rc=0
$ACT "$TMP/stim" -o "$TMP/stim.h5" --random-weights 1 --match "$TMP/f.h5" --batch 25 --quiet || rc=$?
check "50 images named as the tiny dataset's stimuli, --match the features file: exits 0 ($rc)" '[ $rc -eq 0 ]'
rc=0
"$BIN" rsa -features "$TMP/f.h5" -network "$TMP/stim.h5" -permutations 50 -noise_splits 0 -out "$TMP/r.h5" \
  -quiet >"$TMP/rsa.log" 2>&1 || rc=$?
check "bandalign rsa reads the script's network file: exits 0 ($rc)" '[ $rc -eq 0 ] || { cat "$TMP/rsa.log"; false; }'

checks_of "$PY" "$REF" check "$TMP"

# errors: non-zero exit, one line "bandalign-activations: error: ...", no output file left
mkdir -p "$TMP/err"
fails() { # fails MESSAGE ARGS...: the script given ARGS must fail with one error line
  local msg=$1 rc=0
  shift
  $ACT "$@" -o "$TMP/err/out.h5" >"$TMP/err/stdout" 2>"$TMP/err/stderr" || rc=$?
  check "$msg: exit $rc, one line: $(head -c 150 "$TMP/err/stderr")" \
    '[ $rc -ne 0 ] && [ "$(wc -l <"$TMP/err/stderr")" -eq 1 ] && grep -q "^bandalign-activations: error: " "$TMP/err/stderr"'
}
fails "a missing folder" "$TMP/nothere" --random-weights 1
fails "a folder without images" "$TMP/noimages" --random-weights 1
fails "an unreadable image" "$TMP/badimg" --random-weights 1
fails "an unknown model" "$TMP/img" --model nosuchnet --random-weights 1
fails "an unknown layer" "$TMP/img" --layers conv1,features.99 --random-weights 1
fails "weights that do not fit (resnet18's for alexnet)" "$TMP/img" --weights "$TMP/resnet18.pth"
fails "npz arrays with different image counts" --npz "$TMP/bad.npz" --names "$TMP/names.txt"
fails "names that differ from the dataset's (--match)" "$TMP/img" --random-weights 1 --match "$TMP/sim/dataset.h5"
check "no output file (nor temporary) left behind by the failures" '[ -z "$(ls -A "$TMP/err" | grep -v "^std")" ]'
