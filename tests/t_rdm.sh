#!/usr/bin/env bash
# t_rdm.sh: Euclidean and correlation RDMs from the blockwise Gram matrix against
# scipy.spatial.distance.pdist (tests/ref/rdm.py drives build/tests/test_rdm).
source "$(dirname "$0")/lib.sh"
plan 8 # printed by tests/ref/rdm.py
root=${BA_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
tmp=${BA_TMP:-$(mktemp -d)}
checks_of "${BA_PY:-/usr/bin/python3}" "$root/tests/ref/rdm.py" "$root/build/tests/test_rdm" "$tmp"
