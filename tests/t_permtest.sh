#!/usr/bin/env bash
# t_permtest.sh: the permutation test (canonical and kuzovkin2018, with and without
# sequential stopping) against a brute-force Python reference with its own Philox stream
# and scipy.stats.spearmanr (tests/ref/permtest.py drives build/tests/test_permtest).
source "$(dirname "$0")/lib.sh"
plan 48 # printed by tests/ref/permtest.py
root=${BA_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
tmp=${BA_TMP:-$(mktemp -d)}
checks_of "${BA_PY:-/usr/bin/python3}" "$root/tests/ref/permtest.py" "$root/build/tests/test_permtest" "$tmp"
