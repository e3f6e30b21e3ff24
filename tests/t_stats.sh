#!/usr/bin/env bash
# t_stats.sh: ranks, Spearman, Wilcoxon, Mann-Whitney and FDR against scipy 1.10 and
# statsmodels (tests/ref/stats.py drives build/tests/test_stats on random cases).
source "$(dirname "$0")/lib.sh"
plan 8 # printed by tests/ref/stats.py
root=${BA_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
tmp=${BA_TMP:-$(mktemp -d)}
checks_of "${BA_PY:-/usr/bin/python3}" "$root/tests/ref/stats.py" "$root/build/tests/test_stats" "$tmp"
