#!/usr/bin/env bash
# t_spectral.sh: Morlet power and window sums of the spectral module against
# mne.time_frequency.tfr_array_morlet on random 768-sample epochs at 512 Hz.
source "$(dirname "$0")/lib.sh"
cd "${BA_ROOT:-$(dirname "$0")/..}"
PY=${BA_PY:-/usr/bin/python3}
TMP=${BA_TMP:-$(mktemp -d)}/spectral
mkdir -p "$TMP"
plan 6 # printed by spectral.py check
NE=4 N=768 FS=512 ONSET=256
"$PY" tests/ref/spectral.py gen "$TMP" $NE $N $FS
build/drivers/spectral "$TMP" $NE $N $FS $ONSET
checks_of "$PY" tests/ref/spectral.py check "$TMP" $NE $N $FS $ONSET
