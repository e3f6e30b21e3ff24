#!/usr/bin/env bash
# t_import_bids.sh: import-bids on a small BIDS-iEEG folder built here (EDF+ written with
# EDFlib, BrainVision written by the reference script): samples against MNE's readers and
# analytic sinusoids, events, stimuli, coordinates, and clear errors for broken folders.
set -eu
cd "${BA_ROOT:-$(dirname "$0")/..}"
: "${BA_BIN:?run through tests/run}"
PY=${BA_PY:-/usr/bin/python3}
TMP=${BA_TMP:-$(mktemp -d)}/import_bids
rm -rf "$TMP" && mkdir -p "$TMP"
"$PY" tests/ref/import_bids.py build/drivers/edfwrite "$TMP"
