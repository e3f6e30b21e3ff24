#!/usr/bin/env bash
# t_import_bids.sh: import-bids on a small BIDS-iEEG folder built here (EDF+ written with
# EDFlib, BrainVision written by the reference script) and on tests/data/bids-mne-bids (as
# mne-bids 0.17 writes it): samples against MNE's readers and analytic sinusoids, events,
# BAD spans against MNE's reject_by_annotation, stimuli, coordinates, inherited sidecars,
# and clear errors for broken folders.
source "$(dirname "$0")/lib.sh"
cd "${BA_ROOT:-$(dirname "$0")/..}"
: "${BA_BIN:?run through tests/run}"
PY=${BA_PY:-/usr/bin/python3}
TMP=${BA_TMP:-$(mktemp -d)}/import_bids
rm -rf "$TMP" && mkdir -p "$TMP"
plan 55 # printed by import_bids.py
checks_of "$PY" tests/ref/import_bids.py build/drivers/edfwrite "$TMP"
