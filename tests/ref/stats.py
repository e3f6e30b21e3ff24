"""Reference for tests/t_stats.sh: the statistics kernels against scipy and statsmodels.

Usage: stats.py DRIVER DIR. Writes random cases (with ties and zero differences), runs the
C driver (build/tests/test_stats CASES OUT) and compares line by line."""
import subprocess
import sys

import numpy as np
from scipy import stats
from statsmodels.stats.multitest import multipletests

driver, tmp = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(20180107)
cases, expect = [], []


def fmt(v):
    return " ".join(repr(float(a)) for a in v)


def tied(n, levels):
    """n values drawn from a few levels (many ties)."""
    return rng.integers(0, levels, n).astype(float) * 0.25


for n in (5, 17, 60, 250):
    for x in (rng.normal(size=n), tied(n, 7)):
        cases.append(f"rank {n} {fmt(x)}")
        _, t = np.unique(x, return_counts=True)
        expect.append(("rank", stats.rankdata(x), float((t ** 3 - t).sum())))

for n in (10, 30, 250, 1000):
    for x, y in ((rng.normal(size=n), rng.normal(size=n)), (tied(n, 5), tied(n, 9)),
                 (rng.normal(size=n), None)):
        if y is None:
            y = x + rng.normal(scale=0.5, size=n)  # strong correlation, small p
        cases.append(f"spearman {n} {fmt(x)} {fmt(y)}")
        r = stats.spearmanr(x, y)
        expect.append(("spearman", r[0], r[1]))

for n in (12, 40, 250, 3000):
    for shift in (0.0, 0.1, 0.4):
        x = np.round(rng.normal(size=n), 1)
        y = np.round(rng.normal(size=n) - shift, 1)
        y[: n // 10] = x[: n // 10]  # zero differences
        cases.append(f"wilcoxon {n} {fmt(x)} {fmt(y)}")
        p = stats.wilcoxon(x, y, zero_method="wilcox", correction=False, method="approx").pvalue
        expect.append(("wilcoxon", p))

for nx, ny in ((8, 11), (50, 50), (300, 700)):
    for shift in (0.0, 0.3, -0.3):
        x = np.round(rng.normal(size=nx) + shift, 1)
        y = np.round(rng.normal(size=ny), 1)
        cases.append(f"mannwhitney {nx} {ny} {fmt(x)} {fmt(y)}")
        r = stats.mannwhitneyu(x, y, alternative="greater", method="asymptotic", use_continuity=True)
        expect.append(("mannwhitney", r.statistic, r.pvalue))

for m in (1, 10, 200, 5000):
    for method in ("bh", "by"):
        for q in (0.05, 0.2):
            p = np.concatenate([rng.uniform(size=m - m // 4), rng.uniform(0, 0.01, size=m // 4)])
            p = np.round(p, 3)  # ties
            p[rng.uniform(size=m) < 0.1] = np.nan
            cases.append(f"fdr {method} {q!r} {m} {fmt(p)}")
            ok = ~np.isnan(p)
            qv = np.full(m, np.nan)
            rj = np.zeros(m, dtype=bool)
            if ok.any():
                rj[ok], qv[ok] = multipletests(p[ok], alpha=q, method="fdr_" + method)[:2]
            expect.append(("fdr", qv, rj))

with open(f"{tmp}/stats_cases.txt", "w") as f:
    f.write("\n".join(cases) + "\n")
subprocess.run([driver, f"{tmp}/stats_cases.txt", f"{tmp}/stats_out.txt"], check=True)
with open(f"{tmp}/stats_out.txt") as f:
    lines = [np.array([float(a) for a in line.split()]) for line in f]
assert len(lines) == len(expect), "driver returned %d lines for %d cases" % (len(lines), len(expect))

worst = {}
fails = {}


def note(kind, err, ok):
    worst[kind] = max(worst.get(kind, 0.0), err)
    fails[kind] = fails.get(kind, 0) + (not ok)


def rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    if np.any(np.isnan(a) != np.isnan(b)):
        return np.inf
    a, b = a[~np.isnan(b)], b[~np.isnan(b)]
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300), initial=0.0))


for got, e in zip(lines, expect):
    kind = e[0]
    if kind == "rank":
        err = max(rel(got[:-1], e[1]), rel(got[-1:], [e[2]]))
        note("rank (exact)", err, err == 0)
    elif kind == "spearman":
        err = abs(got[0] - e[1])
        note("Spearman rho (abs)", err, err <= 1e-12)
        errp = rel(got[1:], [e[2]])
        note("Spearman p (rel)", errp, errp <= 1e-10)
    elif kind == "wilcoxon":
        err = rel(got, [e[1]])
        note("Wilcoxon p (rel)", err, err <= 1e-10)
    elif kind == "mannwhitney":
        err = rel(got[:1], [e[1]])
        note("Mann-Whitney U (exact)", err, err == 0)
        errp = rel(got[1:], [e[2]])
        note("Mann-Whitney p (rel)", errp, errp <= 1e-10)
    elif kind == "fdr":
        m = len(e[1])
        err = rel(got[:m], e[1])
        note("FDR q-values (rel)", err, err <= 1e-12)
        same = bool(np.all((got[m:] != 0) == e[2]))
        note("FDR reject sets (identical)", 0.0 if same else 1.0, same)

for kind in worst:
    status = "ok" if fails[kind] == 0 else "not ok"
    print(f"{status} - {kind} vs scipy/statsmodels: worst error {worst[kind]:.2e}, {fails[kind]} failures")
