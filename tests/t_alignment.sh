#!/usr/bin/env bash
# t_alignment.sh: the alignment kernel (alignment, volume, specificity, area x layer
# matrix, half-cohort alignment) against scipy.stats.spearmanr and numpy on random
# significant-pair sets, degenerate cases included.
source "$(dirname "$0")/lib.sh"
cd "${BA_ROOT:-$(dirname "$0")/..}"
PY=${BA_PY:-/usr/bin/python3}
TMP=${BA_TMP:-$(mktemp -d)}/alignment
mkdir -p "$TMP"
plan 7 # printed by alignment.py check
"$PY" tests/ref/alignment.py gen "$TMP/cases.txt"
build/drivers/alignment "$TMP/cases.txt" "$TMP/out.txt"
checks_of "$PY" tests/ref/alignment.py check "$TMP/cases.txt" "$TMP/out.txt"
