#!/usr/bin/env bash
# t_import_kuzovkin.sh: import-kuzovkin on MATLAB files written with matio like the
# study's (one folder per ROI, one file per patient): every value against scipy's
# loadmat, rsa -protocol kuzovkin2018 on the result, clear errors for broken folders.
source "$(dirname "$0")/lib.sh"
cd "${BA_ROOT:-$(dirname "$0")/..}"
: "${BA_BIN:?run through tests/run}"
PY=${BA_PY:-/usr/bin/python3}
TMP=${BA_TMP:-$(mktemp -d)}/import_kuzovkin
rm -rf "$TMP" && mkdir -p "$TMP"
plan 21 # printed by import_kuzovkin.py
build/drivers/matwrite "$TMP/study"
checks_of "$PY" tests/ref/import_kuzovkin.py "$TMP/study" "$TMP"
