#!/usr/bin/env bash
# t_preprocess.sh: detrend, notch chain (both protocols) and artifact flags of the preprocess
# module against scipy.signal on random 768-sample epochs at 512 Hz with trend and line noise.
source "$(dirname "$0")/lib.sh"
cd "${BA_ROOT:-$(dirname "$0")/..}"
PY=${BA_PY:-/usr/bin/python3}
TMP=${BA_TMP:-$(mktemp -d)}/preprocess
mkdir -p "$TMP"
plan 7 # printed by preprocess.py check
NT=12 N=768 FS=512 LINE=50
"$PY" tests/ref/preprocess.py gen "$TMP" $NT $N $FS
build/drivers/preprocess "$TMP" $NT $N $FS $LINE
checks_of "$PY" tests/ref/preprocess.py check "$TMP" $NT $N $FS $LINE
