"""Reference for the alignment kernel (methods.md section 6) with numpy and scipy.

    alignment.py gen CASES      writes random cases for tests/drivers/alignment.c
    alignment.py check CASES OUT  compares the driver's output with scipy.stats.spearmanr

summary() is also used by tests/ref/report_results.py to give a results file summaries
consistent with its per-channel data.
"""
import sys

import numpy as np
from scipy import stats

NAREAS = 5


def alignment(area, sig, mask=None):
    """Spearman (rho, p) of area index vs layer index over significant pairs in the five areas."""
    nch, nl = sig.shape
    xs, ys = [], []
    for c in range(nch):
        if not 0 <= area[c] < NAREAS or (mask is not None and not mask[c]):
            continue
        for l in range(nl):
            if sig[c, l]:
                xs.append(area[c])
                ys.append(l)
    if len(xs) < 3 or len(set(xs)) == 1 or len(set(ys)) == 1:
        return 0.0, 1.0
    r = stats.spearmanr(xs, ys)
    return float(r[0]), float(r[1])


def summary(area, sig, rho, resp):
    """Dictionary of the ROI summary as AlignmentCompute fills it."""
    nch, nl = sig.shape
    inareas = (area >= 0) & (area < NAREAS)
    sigb = sig.astype(bool)
    r_sig = np.where(sigb, rho, 0.0)
    vol = float(r_sig[inareas].sum())
    allsum = float(r_sig.sum())
    al = np.zeros((NAREAS, nl))
    asig = np.zeros(NAREAS, dtype=int)
    aresp = np.zeros(NAREAS, dtype=int)
    for a in range(NAREAS):
        rows = area == a
        asig[a] = int((sigb[rows].any(axis=1)).sum())
        aresp[a] = int(resp[rows].astype(bool).sum())
        if asig[a]:
            al[a] = r_sig[rows].sum(axis=0) / asig[a]
    arho, ap = alignment(area, sig)
    return dict(alignment_rho=arho, alignment_p=ap, volume=vol,
                specificity=vol / allsum if allsum != 0 else 0.0,
                n_responsive=int(resp.astype(bool).sum()), n_significant_pairs=int(sigb.sum()),
                area_layer=al, area_significant=asig, area_responsive=aresp)


def random_case(rng, kind):
    nch = int(rng.integers(0, 60))
    nl = int(rng.integers(1, 10))
    npat = int(rng.integers(1, 7))
    area = rng.integers(-1, NAREAS, nch)
    psig = rng.choice([0.0, 0.03, 0.2, 0.6])
    if kind == "one-area":
        area[:] = rng.integers(0, NAREAS)
    if kind == "one-layer":
        nl = 1
    if kind == "tiny":
        nch = int(rng.integers(1, 4))
        area = rng.integers(-1, NAREAS, nch)
        psig = 0.5
    if kind == "large":
        nch, nl = 2000, 9
        area = rng.integers(-1, NAREAS, nch)
        psig = 0.0
    sig = (rng.random((nch, nl)) < psig).astype(np.uint8)
    if kind == "large":
        # layer grows with area: a strongly aligned multiset, p far below 1e-12
        for c in range(nch):
            l = int(np.clip(round(2 * max(area[c], 0) + rng.normal(0, 1.5)), 0, nl - 1))
            sig[c, l] = 1
    rho = np.round(rng.random((nch, nl)), int(rng.integers(2, 17)))
    resp = (rng.random(nch) < 0.7).astype(np.uint8)
    patient = rng.integers(0, npat, nch)
    half = (rng.random(npat) < 0.5).astype(np.uint8)
    return nch, nl, npat, area, resp, patient, sig, rho, half


def gen(path):
    rng = np.random.default_rng(20240501)
    kinds = ["random"] * 200 + ["one-area"] * 20 + ["one-layer"] * 20 + ["tiny"] * 40 + ["large"] * 4
    with open(path, "w") as f:
        f.write("%d\n" % len(kinds))
        for kind in kinds:
            nch, nl, npat, area, resp, patient, sig, rho, half = random_case(rng, kind)
            f.write("%d %d %d\n" % (nch, nl, npat))
            for arr in (area, resp, patient, sig.ravel()):
                f.write(" ".join(str(int(v)) for v in arr) + "\n")
            f.write(" ".join(repr(float(v)) for v in rho.ravel()) + "\n")
            f.write(" ".join(str(int(v)) for v in half) + "\n")


def read_cases(path):
    tok = open(path).read().split()
    pos = 0

    def take(n, conv):
        nonlocal pos
        out = [conv(t) for t in tok[pos:pos + n]]
        pos += n
        return out

    ncases = int(tok[0])
    pos = 1
    cases = []
    for _ in range(ncases):
        nch, nl, npat = take(3, int)
        area = np.array(take(nch, int))
        resp = np.array(take(nch, int))
        patient = np.array(take(nch, int))
        sig = np.array(take(nch * nl, int)).reshape(nch, nl)
        rho = np.array(take(nch * nl, float)).reshape(nch, nl)
        half = np.array(take(npat, int))
        cases.append((nch, nl, area, resp, patient, sig, rho, half))
    return cases


def check(cases_path, out_path):
    cases = read_cases(cases_path)
    lines = open(out_path).read().splitlines()
    ok = len(lines) == len(cases)
    print("%s - driver wrote one line per case (%d of %d)" % ("ok" if ok else "not ok", len(lines), len(cases)))
    worst = dict(rho=0.0, p=0.0, prel=0.0, sums=0.0, half=0.0)
    bad_int, bad = 0, []
    nsmallp, ndegenerate = 0, 0
    for k, ((nch, nl, area, resp, patient, sig, rho, half), line) in enumerate(zip(cases, lines)):
        v = line.split()
        got_rho, got_p, got_vol, got_spec = map(float, v[:4])
        got_nresp, got_nsig = int(v[4]), int(v[5])
        got_al = np.array(list(map(float, v[6:6 + NAREAS * nl]))).reshape(NAREAS, nl)
        got_asig = np.array(list(map(int, v[6 + NAREAS * nl:11 + NAREAS * nl])))
        got_aresp = np.array(list(map(int, v[11 + NAREAS * nl:16 + NAREAS * nl])))
        got_half = float(v[16 + NAREAS * nl])
        ref = summary(area, sig, rho, resp)
        href, _ = alignment(area, sig, mask=half[patient].astype(bool) if nch else None)
        if ref["alignment_p"] == 1.0 and ref["alignment_rho"] == 0.0:
            ndegenerate += 1
        if ref["alignment_p"] < 1e-12:
            nsmallp += 1
        worst["rho"] = max(worst["rho"], abs(got_rho - ref["alignment_rho"]))
        worst["p"] = max(worst["p"], abs(got_p - ref["alignment_p"]))
        if ref["alignment_p"] > 1e-300:
            worst["prel"] = max(worst["prel"], abs(got_p - ref["alignment_p"]) / ref["alignment_p"])
        scale = max(1.0, abs(ref["volume"]))
        worst["sums"] = max(worst["sums"], abs(got_vol - ref["volume"]) / scale, abs(got_spec - ref["specificity"]),
                            float(np.abs(got_al - ref["area_layer"]).max()) if nl else 0.0)
        worst["half"] = max(worst["half"], abs(got_half - href))
        if (got_nresp != ref["n_responsive"] or got_nsig != ref["n_significant_pairs"]
                or (got_asig != ref["area_significant"]).any() or (got_aresp != ref["area_responsive"]).any()):
            bad_int += 1
            bad.append(k)
    n = len(cases)
    print("%s - alignment rho vs scipy.stats.spearmanr over %d cases: max |diff| %.3g"
          % ("ok" if worst["rho"] <= 1e-12 else "not ok", n, worst["rho"]))
    print("%s - alignment p vs scipy.stats.spearmanr: max |diff| %.3g, max relative %.3g (%d cases with p < 1e-12)"
          % ("ok" if worst["p"] <= 1e-12 and worst["prel"] <= 1e-9 else "not ok", worst["p"], worst["prel"], nsmallp))
    print("%s - degenerate cases (fewer than 3 pairs or a constant index) give rho 0, p 1 (%d cases)"
          % ("ok" if worst["rho"] <= 1e-12 and ndegenerate >= 40 else "not ok", ndegenerate))
    print("%s - volume, specificity, area x layer matrix vs numpy: max diff %.3g"
          % ("ok" if worst["sums"] <= 1e-12 else "not ok", worst["sums"]))
    print("%s - counts (responsive, significant pairs, per area) match exactly%s"
          % ("ok" if bad_int == 0 else "not ok", "" if not bad else " (bad cases %s)" % bad[:10]))
    print("%s - alignment of a half-cohort vs scipy on its channels: max |diff| %.3g"
          % ("ok" if worst["half"] <= 1e-12 else "not ok", worst["half"]))


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2])
    else:
        check(sys.argv[2], sys.argv[3])
