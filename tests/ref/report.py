"""Inputs and checks of tests/t_report.sh (the report stage).

    report.py gen DIR        writes DIR/results.h5 (a valid bandalign-results file whose
                             summaries are computed by tests/ref/alignment.py from its own
                             per-channel arrays), DIR/results_nocorr.h5 (no layer RDM
                             correlation), DIR/results_k2018.h5 (protocol kuzovkin2018, with
                             a control network's summaries), DIR/results_next_<tag>.h5 (other
                             bands' stored alignments edited so that the verdict's next band
                             is known: DIR/expect_next.txt), truth files and DIR/expect.txt
                             (expected verdicts)
    report.py check DIR OUT  checks summary.csv, pairs.csv, area_layer_<roi>.csv, the PNGs
                             and report.html written by `bandalign report` into OUT
    report.py published DIR OUT PUBLISHED_TSV
                             checks the page of results_k2018.h5: the published table,
                             the extra bar series, the control figure

The planted structure: channels of the hierarchy band (lowgamma) are significant at a layer
that grows with their ventral area; the other bands get unstructured significant pairs.
Expected verdicts follow the rule of docs/report.md, re-implemented here.
"""
import csv
import os
import re
import struct
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import alignment  # noqa: E402

BANDS = ["theta", "alpha", "beta", "lowgamma", "highgamma"]
WINDOWS = [(50, 250), (150, 350), (250, 450)]
AREAS = [17, 18, 19, 37, 20]
LAYERS = ["pixels", "conv1", "conv_3", "fc6", "fc8"]
ALIGNED_P = 0.005 / 15
HIER = 3  # lowgamma
Q = 0.05


def roi_name(b, w):
    return "%s_%d_%d" % (BANDS[b], WINDOWS[w][0], WINDOWS[w][1])


def strings(f, name, values):
    f.create_dataset(name, data=np.array(values, dtype=object), dtype=h5py.string_dtype("utf-8"))


def make_cohort(rng):
    npat, per = 4, 30
    patient = ["P%02d" % (p + 1) for p in range(npat) for _ in range(per)]
    name = ["%s%d-%s%d" % ("ABCDEFGH"[c % 8], c, "ABCDEFGH"[c % 8], c + 1) for p in range(npat) for c in range(per)]
    n = npat * per
    labels = rng.choice(AREAS + [0, 4, 22], n, p=[0.13] * 5 + [0.15, 0.1, 0.1])
    area_idx = np.array([AREAS.index(a) if a in AREAS else -1 for a in labels])
    # planted: 60 % of the ventral channels, layer = area index +- 1
    planted = (area_idx >= 0) & (rng.random(n) < 0.6)
    planted_layer = np.where(planted, np.clip(area_idx + rng.integers(-1, 2, n), 0, len(LAYERS) - 1), -1)
    return patient, name, labels, area_idx, planted, planted_layer


def make_roi(rng, b, area_idx, planted, planted_layer):
    n, nl = len(area_idx), len(LAYERS)
    resp = (rng.random(n) < 0.5).astype(np.uint8)
    rho = rng.uniform(-0.05, 0.1, (n, nl))
    pval = rng.uniform(0, 1, (n, nl))
    sig = np.zeros((n, nl), dtype=np.uint8)
    if b == HIER:
        for c in np.nonzero(planted)[0]:
            resp[c] = 1
            sig[c, planted_layer[c]] = 1
            rho[c, planted_layer[c]] = rng.uniform(0.1, 0.4)
            pval[c, planted_layer[c]] = 1e-4
        # one false discovery among unplanted channels: FDP well below q
        c = int(np.nonzero(~planted)[0][0])
        resp[c], sig[c, 1], rho[c, 1] = 1, 1, 0.05
    else:
        k = rng.integers(3, 12)
        for c in rng.choice(n, k, replace=False):
            resp[c] = 1
            l = rng.integers(0, nl)
            sig[c, l], rho[c, l] = 1, rng.uniform(0.05, 0.2)
    rho[resp == 0] = np.nan
    pval[resp == 0] = np.nan
    qval = np.minimum(pval * 3, 1)
    return resp, rho, pval, qval, sig


def write_results(path, rng, cohort, rois, with_corr, protocol="canonical", control=False):
    patient, name, labels, area_idx, planted, planted_layer = cohort
    n, nl, nsplits = len(patient), len(LAYERS), 10
    with h5py.File(path, "w") as f:
        a = f.attrs
        a["format"], a["version"] = "bandalign-results", np.int64(1)
        a["protocol"], a["permutations"], a["seed"] = protocol, np.int64(1000), np.int64(7)
        a["correction"], a["q"], a["ranks"] = "bh", Q, np.int64(2)
        a["bandalign_version"], a["stage"], a["noise_splits"] = "test", "rsa", np.int64(nsplits)
        a["options"] = "-features a.h5 -network n.h5 -out r.h5 -note <x&y>"
        strings(f, "/stimuli/name", ["img%03d" % i for i in range(10)])
        strings(f, "/layers/name", LAYERS)
        strings(f, "/channels/patient", patient)
        strings(f, "/channels/name", name)
        f["/channels/mni"] = rng.normal(0, 30, (n, 3))
        f.create_dataset("/channels/area", data=labels.astype(np.int32))
        for b in range(5):
            for w in range(3):
                resp, rho, pval, qval, sig = rois[b][w]
                g = f.create_group("/roi/" + roi_name(b, w))
                g.create_dataset("responsive", data=resp)
                g["rho"], g["pvalue"], g["qvalue"] = rho, pval, qval
                g.create_dataset("significant", data=sig)
                s = alignment.summary(area_idx, sig, np.nan_to_num(rho), resp)
                g["area_layer"] = s["area_layer"]
                g.create_dataset("area_significant", data=s["area_significant"].astype(np.int32))
                g.create_dataset("area_responsive", data=s["area_responsive"].astype(np.int32))
                noise = rng.normal(s["alignment_rho"], 0.05, nsplits)
                g["noise_alignment"] = noise
                for k in ("alignment_rho", "alignment_p", "volume", "specificity"):
                    g.attrs[k] = float(s[k])
                g.attrs["n_responsive"] = np.int64(s["n_responsive"])
                g.attrs["n_significant_pairs"] = np.int64(s["n_significant_pairs"])
                g.attrs["noise_median"] = float(np.median(noise))
                if control:  # the control: weaker, never aligned
                    c = f.create_group("/control/" + roi_name(b, w))
                    c["area_layer"] = s["area_layer"] / 2
                    c.attrs["alignment_rho"] = -0.5 * float(s["alignment_rho"])
                    c.attrs["alignment_p"] = min(1.0, 100 * float(s["alignment_p"]) + 0.01)
                    c.attrs["volume"] = float(s["volume"]) / 2
                    c.attrs["specificity"] = float(s["specificity"])
                    c.attrs["n_responsive"] = np.int64(s["n_responsive"])
                    c.attrs["n_significant_pairs"] = np.int64(s["n_significant_pairs"] // 2)
        if control:
            a["control_network"] = "control.h5"
        cmp = rng.uniform(0, 1, (15, 15)) ** 3
        np.fill_diagonal(cmp, np.nan)
        f["/comparisons/mannwhitney_p"] = cmp
        if with_corr:
            m = rng.uniform(-0.3, 1, (nl, nl))
            m = (m + m.T) / 2
            np.fill_diagonal(m, 1)
            f["/layers/rdm_correlation"] = m


def write_truth(path, cohort, hierarchy, planted_band, expected=None):
    """A truth file; expected (15 ints: 1 aligned, 0 not, -1 none) adds a kuzovkin2018
    profile with those verdicts (truth.h, /rois)."""
    patient, name, labels, area_idx, planted, planted_layer = cohort
    order = np.arange(len(patient))[::-1]  # another channel order than the results file
    with h5py.File(path, "w") as f:
        f.attrs["format"], f.attrs["version"] = "bandalign-truth", np.int64(1)
        f.attrs["hierarchy_band"] = hierarchy
        strings(f, "/channels/patient", [patient[i] for i in order])
        strings(f, "/channels/name", [name[i] for i in order])
        f.create_dataset("/channels/planted_band", data=planted_band[order].astype(np.int32))
        f.create_dataset("/channels/planted_layer", data=np.where(planted_band >= 0, np.maximum(planted_layer, 0), -1)[order].astype(np.int32))
        f["/channels/gain"] = np.ones(len(patient))[order]
        if expected is not None:
            f.attrs["profile"] = "kuzovkin2018"
            for k in ("planted_responsive", "planted_encoding", "planted_hierarchy"):
                f.create_dataset("/rois/" + k, data=np.arange(15, dtype=np.int32))
            f.create_dataset("/rois/expected_aligned", data=np.asarray(expected, dtype=np.int32))
            f["/rois/expected_rho"] = np.full(15, np.nan)
            f["/rois/expected_responsive"] = np.full(15, np.nan)


def scores(summ):
    """A band's alignment score (docs/report.md): rho averaged over the windows, a window
    adding its rho only when its alignment p < 0.05."""
    return [sum(summ[b][w]["alignment_rho"] for w in range(3) if summ[b][w]["alignment_p"] < 0.05) / 3 for b in range(5)]


def next_band(summ, hier):
    """The band the verdict names next: the highest score but the planted band's, ties to the
    higher mean alignment rho, then to the earlier band."""
    score = scores(summ)
    mean = [np.mean([summ[b][w]["alignment_rho"] for w in range(3)]) for b in range(5)]
    others = [b for b in range(5) if b != hier]
    return max(others, key=lambda b: (score[b], mean[b], -b)), score


def verdict(summ, sigs, hier, planted_band, expected=None):
    """The recovery rule of docs/report.md: (pass, reason)."""
    if hier < 0:
        bad = [(b, w) for b in range(5) for w in range(3) if summ[b][w]["alignment_p"] < ALIGNED_P]
        return (not bad), "no hierarchy" if not bad else "aligned %s" % roi_name(*bad[0])
    score = scores(summ)
    best = all(score[hier] > score[b] for b in range(5) if b != hier)
    aligned = any(summ[hier][w]["alignment_p"] < ALIGNED_P for w in range(3))
    nsig = sum(int(sigs[hier][w].sum()) for w in range(3))
    nfalse = sum(int(sigs[hier][w][planted_band != hier].sum()) for w in range(3))
    fdp = nfalse / nsig if nsig else 0.0
    reasons = []
    if not best:
        reasons.append("not the best aligned")
    if not aligned:
        reasons.append("aligned in no window")
    if fdp > Q:
        reasons.append("false discovery proportion")
    if expected is not None:
        differ = [roi_name(b, w) for b in range(5) for w in range(3)
                  if expected[3 * b + w] >= 0 and (summ[b][w]["alignment_p"] < ALIGNED_P) != (expected[3 * b + w] == 1)]
        if differ:
            reasons.append("differ from the kuzovkin2018 profile's verdict: " + differ[0])
    return (not reasons), "; ".join(reasons) or "passed (FDP %.4f)" % fdp


def gen(d):
    rng = np.random.default_rng(1234)
    cohort = make_cohort(rng)
    patient, name, labels, area_idx, planted, planted_layer = cohort
    rois = [[make_roi(rng, b, area_idx, planted, planted_layer) for w in range(3)] for b in range(5)]
    write_results(os.path.join(d, "results.h5"), np.random.default_rng(5), cohort, rois, True)
    write_results(os.path.join(d, "results_nocorr.h5"), np.random.default_rng(5), cohort, rois, False)
    summ = [[alignment.summary(area_idx, rois[b][w][4], np.nan_to_num(rois[b][w][1]), rois[b][w][0]) for w in range(3)] for b in range(5)]
    sigs = [[rois[b][w][4].astype(bool) for w in range(3)] for b in range(5)]
    write_results(os.path.join(d, "results_k2018.h5"), np.random.default_rng(5), cohort, rois, True, "kuzovkin2018", True)
    # the next band of the verdict: other bands' stored alignments edited (the page then warns
    # that summaries disagree with the per-channel data; the verdict uses the stored ones)
    edits = {
        # every rival scores 0: the tie goes to the highest mean rho, alpha (not theta, the first)
        "tie": {0: ([0.0, 0.0, 0.0], [1, 1, 1]), 1: ([0.3, 0.1, 0.05], [0.2, 0.5, 0.6]),
                2: ([-0.2, -0.1, 0.0], [0.3, 0.4, 1]), 4: ([0.05, 0.02, 0.01], [0.7, 0.8, 0.9])},
        # beta has one nominally significant window: it scores above alpha's higher mean rho
        "score": {0: ([0.0, 0.0, 0.0], [1, 1, 1]), 1: ([0.3, 0.1, 0.05], [0.2, 0.5, 0.6]),
                  2: ([-0.1, 0.12, 0.0], [0.3, 0.01, 1]), 4: ([0.05, 0.02, 0.01], [0.7, 0.8, 0.9])},
    }
    with open(os.path.join(d, "expect_next.txt"), "w") as out:
        for tag, edit in edits.items():
            path = os.path.join(d, "results_next_%s.h5" % tag)
            write_results(path, np.random.default_rng(5), cohort, rois, True)
            s2 = [[dict(summ[b][w]) for w in range(3)] for b in range(5)]
            with h5py.File(path, "a") as f:
                for b, (rho, p) in edit.items():
                    for w in range(3):
                        f["/roi/" + roi_name(b, w)].attrs["alignment_rho"] = rho[w]
                        f["/roi/" + roi_name(b, w)].attrs["alignment_p"] = float(p[w])
                        s2[b][w]["alignment_rho"], s2[b][w]["alignment_p"] = rho[w], p[w]
            nb, score = next_band(s2, HIER)
            out.write("%s %s %.4f %.4f\n" % (tag, BANDS[nb], score[nb], score[HIER]))
    pb = np.where(planted, HIER, -1)
    # a truth that drops half of the planted channels' encodings: their discoveries turn false
    pb_fdp = pb.copy()
    pb_fdp[np.nonzero(planted)[0][::2]] = -1
    # profiles: the run's own verdicts in every ROI but one without an expectation (passes),
    # and the same with the last ROI's expectation turned round (fails on that ROI)
    own = [int(summ[b][w]["alignment_p"] < ALIGNED_P) for b in range(5) for w in range(3)]
    agree = own[:1] + [-1] + own[2:]
    flipped = agree[:14] + [1 - agree[14]]
    cases = [("ok", "lowgamma", pb, None), ("wrongband", "theta", np.where(planted, 0, -1), None), ("none", "none", pb, None),
             ("fdp", "lowgamma", pb_fdp, None), ("profile", "lowgamma", pb, agree), ("profileflip", "lowgamma", pb, flipped)]
    with open(os.path.join(d, "expect.txt"), "w") as f:
        for tag, hier, band, expected in cases:
            write_truth(os.path.join(d, "truth_%s.h5" % tag), cohort, hier, band, expected)
            ok, why = verdict(summ, sigs, BANDS.index(hier) if hier in BANDS else -1, band, expected)
            f.write("%s %d %s\n" % (tag, int(ok), why))


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def report(ok, what):
    print("%s - %s" % ("ok" if ok else "not ok", what))
    return ok


def check(d, out):
    f = h5py.File(os.path.join(d, "results.h5"), "r")
    n = len(f["/channels/name"])
    rows = list(csv.reader(open(os.path.join(out, "summary.csv"))))
    header = "band,t0_ms,t1_ms,n_channels,n_responsive,n_significant_pairs,alignment_rho,alignment_p,volume,specificity,noise_median"
    report(rows and ",".join(rows[0]) == header, "summary.csv header is exactly the interface's (noise_median last)")
    report(len(rows) == 16 and all(len(r) == 11 for r in rows[1:]), "summary.csv has 15 rows of 11 fields")
    worst, order_ok, ints_ok = 0.0, True, True
    for k, r in enumerate(rows[1:16]):
        b, w = divmod(k, 3)
        order_ok &= r[0] == BANDS[b] and int(r[1]) == WINDOWS[w][0] and int(r[2]) == WINDOWS[w][1]
        g = f["/roi/" + roi_name(b, w)]
        ints_ok &= int(r[3]) == n and int(r[4]) == int(g.attrs["n_responsive"]) and int(r[5]) == int(g.attrs["n_significant_pairs"])
        for col, key, tol in ((6, "alignment_rho", 1e-9), (7, "alignment_p", 1e-5), (8, "volume", 1e-9), (9, "specificity", 1e-9),
                              (10, "noise_median", 1e-9)):
            v, ref = float(r[col]), float(g.attrs[key])
            worst = max(worst, abs(v - ref) / max(abs(ref), 1e-300) / tol)
    report(order_ok, "summary.csv rows in band order, then window order")
    report(ints_ok, "summary.csv channel, responsive and significant-pair counts match the results file")
    report(worst <= 1.0, "summary.csv values match the results file (rho/volume/specificity/noise_median to 1e-9, p to 1e-5 relative; worst %.3g of tolerance)" % worst)
    check_pairs(f, out)
    al_ok, al_worst, nfiles = True, 0.0, 0
    for b in range(5):
        for w in range(3):
            path = os.path.join(out, "area_layer_%s.csv" % roi_name(b, w))
            if not os.path.exists(path):
                al_ok = False
                continue
            nfiles += 1
            g = f["/roi/" + roi_name(b, w)]
            t = list(csv.reader(open(path)))
            al_ok &= t[0] == ["area", "label", "n_significant", "n_responsive"] + LAYERS and len(t) == 6
            for a in range(5):
                r = t[a + 1]
                ns, nr = int(g["area_significant"][a]), int(g["area_responsive"][a])
                al_ok &= r[0] == "BA%d" % AREAS[a] and r[1] == "BA%d (%d/%d)" % (AREAS[a], ns, nr) and int(r[2]) == ns and int(r[3]) == nr
                vals = np.array([float(x) for x in r[4:]])
                al_worst = max(al_worst, float(np.abs(vals - g["area_layer"][a]).max()))
    report(al_ok and nfiles == 15, "area_layer_<roi>.csv: 15 files, rows BA17..BA20 with (significant/responsive) labels, columns the layers")
    report(al_worst <= 1e-9, "area_layer values match /roi/<roi>/area_layer (max diff %.3g)" % al_worst)
    pngs = ["alignment.png", "volume_specificity.png", "overview.png", "area_layer.png", "electrodes.png",
            "layer_rdm_correlation.png"] + ["area_layer_%s.png" % roi_name(b, w) for b in range(5) for w in range(3)]
    sizes = [png_size(os.path.join(out, p)) if os.path.exists(os.path.join(out, p)) else None for p in pngs]
    bad = [p for p, s in zip(pngs, sizes) if not s or s[0] < 100 or s[1] < 100]
    report(not bad, "%d figures are valid PNGs of at least 100x100 pixels%s" % (len(pngs), "" if not bad else " (bad: %s)" % bad))
    html = open(os.path.join(out, "report.html"), encoding="utf-8").read()
    nimg = html.count("<img ")
    ndata = html.count('src="data:image/png;base64,')
    report(nimg == 6 and ndata == 6, "report.html embeds its 6 figures as data URIs (%d img, %d data URIs)" % (nimg, ndata))
    report("http://" not in html and "https://" not in html and "<link" not in html and "<script" not in html,
           "report.html refers to nothing outside itself")
    report("lowgamma_150_350" in html and "-note &lt;x&amp;y&gt;" in html and ">bh<" in html and ">1000<" in html,
           "report.html shows ROIs, the run's options (escaped), correction and permutations")
    check_page(f, html, ["recovery", "summary", "alignment", "volume", "overview", "area-layer", "electrodes", "layers",
                         "comparisons", "provenance"])
    left = [p for p in os.listdir(out) if p.endswith(".partial") or p.endswith(".gp")]
    report(not left, "no partial files or gnuplot scripts left behind%s" % ("" if not left else ": %s" % left))


def check_pairs(f, out):
    """pairs.csv: one row per (responsive channel, layer) of every ROI, values as in the file."""
    rows = list(csv.reader(open(os.path.join(out, "pairs.csv"))))
    names = [x.decode() if isinstance(x, bytes) else x for x in f["/channels/name"][()]]
    patients = [x.decode() if isinstance(x, bytes) else x for x in f["/channels/patient"][()]]
    layers = [x.decode() if isinstance(x, bytes) else x for x in f["/layers/name"][()]]
    area = f["/channels/area"][()]
    want, nl = [], len(layers)
    for b in range(5):
        for w in range(3):
            g = f["/roi/" + roi_name(b, w)]
            resp, rho, p, q, sig = g["responsive"][()], g["rho"][()], g["pvalue"][()], g["qvalue"][()], g["significant"][()]
            for c in np.nonzero(resp)[0]:
                for l in range(nl):
                    want.append((roi_name(b, w), names[c], patients[c], int(area[c]), layers[l], rho[c, l], p[c, l], q[c, l], int(sig[c, l])))
    report(rows and rows[0] == ["roi", "channel", "patient", "area", "layer", "rho", "p", "q", "significant"]
           and len(rows) - 1 == len(want),
           "pairs.csv: header and %d rows = responsive channels x %d layers summed over the 15 ROIs (%d)" % (len(rows) - 1, nl, len(want)))
    ok, worst = len(rows) - 1 == len(want), 0.0
    for r, e in zip(rows[1:], want):
        ok &= tuple(r[:5]) == (e[0], e[1], e[2], str(e[3]), e[4]) and int(r[8]) == e[8]
        for k in (5, 6, 7):
            worst = max(worst, abs(float(r[k]) - e[k]) / max(abs(e[k]), 1e-300))
    report(ok and worst <= 1e-9, "pairs.csv rows equal the file's responsive, rho, pvalue, qvalue, significant, channels and layers (worst rel. diff %.2g)" % worst)


def captions(html):
    """[(number, title, caption text)] of the page's figures, in order."""
    out = []
    for m in re.finditer(r"<figcaption><b>Figure (\d+)\. ([^<]*)\.</b> (.*?)</figcaption>", html, re.S):
        out.append((int(m.group(1)), m.group(2), m.group(3)))
    return out


def check_page(f, html, sections):
    """Table of contents, captions, the shared colour scale, the electrodes' best bands."""
    hrefs = re.findall(r'<a href="#([^"]+)"', html)
    ids = set(re.findall(r' id="([^"]+)"', html))
    report(hrefs == sections and all(h in ids for h in hrefs),
           "the table of contents links %d sections, each to an id of the page (%s)" % (len(hrefs), ", ".join(hrefs)))
    caps = captions(html)
    nfig = html.count("<figure")
    report(len(caps) == nfig and [c[0] for c in caps] == sorted(c[0] for c in caps) and all(len(c[2]) > 150 for c in caps)
           and "0.005/15" in caps[0][2] and not any(c[1].endswith(".png") for c in caps),
           "every figure has a numbered caption in words, not a file name (%d figures)" % nfig)
    report("doi:10.1038/s42003-018-0110-y" in html and "Kuzovkin I, Vicente R" in html and re.search(r"Computed by bandalign \S+", html),
           "the page cites the study (doi) and names bandalign's version")
    # one colour scale: the largest area x layer value of all ROIs, rounded up to 2 digits
    vmax = max(float(np.nanmax(f["/roi/" + roi_name(b, w) + "/area_layer"][()])) for b in range(5) for w in range(3))
    e = 10 ** (np.floor(np.log10(vmax)) - 1)
    want = np.ceil(vmax / e * (1 - 1e-12)) * e
    m = re.search(r"One colour scale for all 15 panels, 0 to ([0-9.eE+-]+)", html)
    got = float(m.group(1)) if m else float("nan")
    report(m and abs(got - want) <= 1e-3 * want and got >= vmax * (1 - 1e-6),
           "area x layer: one colour scale 0..%s for all 15 ROIs, the largest value %.4g rounded up" % (m.group(1) if m else "?", vmax))
    # electrodes: each channel's best band, counted
    nl = len(f["/layers/name"])
    n = len(f["/channels/name"])
    top, band = np.full(n, -np.inf), np.full(n, -1)
    for b in range(5):
        for w in range(3):
            g = f["/roi/" + roi_name(b, w)]
            rho = np.where(g["significant"][()].astype(bool), g["rho"][()], -np.inf)
            best = rho.max(axis=1)
            upd = best > top
            top[upd], band[upd] = best[upd], b
    counts = " ".join("%s %d," % (BANDS[b], int((band == b).sum())) for b in range(5)) + " none %d." % int((band < 0).sum())
    el = [c for c in caps if c[1].startswith("Electrode")]
    report(el and ("Best band: " + counts) in el[0][2], "electrodes: channels per best band as recomputed (%s)" % counts)


def published(d, out, tsv):
    html = open(os.path.join(out, "report.html"), encoding="utf-8").read()
    f = h5py.File(os.path.join(d, "results_k2018.h5"), "r")
    pub = {}
    for line in open(tsv).read().splitlines()[1:]:
        x = line.split("\t")
        pub[(x[0], int(x[3]), int(x[4]))] = x
    m = re.search(r'<h2 id="published">.*?</table>', html, re.S)
    rows = re.findall(r"<tr[^>]*><td class=\"l\">(\w+)</td>(.*?)</tr>", m.group(0)) if m else []
    ok = len(rows) == 15
    for (name, cells), (b, w) in zip(rows, [(b, w) for b in range(5) for w in range(3)]):
        v = [re.sub("<[^>]+>", "", c) for c in re.findall(r"<td>(.*?)</td>", cells)]
        x = pub[(BANDS[b], WINDOWS[w][0], WINDOWS[w][1])]
        g = f["/roi/" + roi_name(b, w)]
        pp = "< 1e-4" if float(x[7]) <= 1e-4 else "%g" % float(x[7])
        ok &= name == roi_name(b, w) and len(v) == 10 and int(v[0]) == int(g.attrs["n_responsive"])
        ok &= abs(float(v[1]) - float(g.attrs["alignment_rho"])) <= 5.01e-4
        ok &= int(v[5]) == int(x[5]) and abs(float(v[6]) - float(x[6])) <= 5.01e-4 and v[7].replace("&lt;", "<") == pp
        ok &= abs(float(v[8]) - float(x[8])) <= 5e-3 * max(1, float(x[8])) and abs(float(v[9]) - float(x[9])) <= 5.01e-4
    report(ok, "kuzovkin2018: the published table, 15 rows of this run (from the file) beside the published figures (from %s)" % os.path.basename(tsv))
    caps = captions(html)
    npub = sum(float(x[7]) < ALIGNED_P for x in pub.values())
    report(caps and "Outlined bars: the figures published" in caps[0][2] and "(%d of 15 with * there)" % npub in caps[0][2],
           "kuzovkin2018: figure 1 has the published rho as a series (%d published ROIs below 0.005/15)" % npub)
    hrefs = re.findall(r'<a href="#([^"]+)"', html)
    report("published" in hrefs and "control" in hrefs and html.count("<img ") == 7 and os.path.exists(os.path.join(out, "control.png")),
           "kuzovkin2018 with a control: the contents list the published table and figure 7, 7 figures")
    ccap = [c for c in caps if c[0] == 7]
    nt = sum(float(f["/roi/" + roi_name(b, w)].attrs["alignment_p"]) < ALIGNED_P for b in range(5) for w in range(3))
    report(ccap and ccap[0][1] == "Trained vs control network" and "%d of 15 ROIs with the trained network, 0 with the control" % nt in ccap[0][2],
           "figure 7, trained vs control: %d aligned with the trained network, none with the control" % nt)


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2])
    elif sys.argv[1] == "published":
        published(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        check(sys.argv[2], sys.argv[3])
