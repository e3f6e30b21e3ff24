"""Independent checks of the profile a simulated cohort records (tests/t_simulate.sh).

usage: profile.py SINGLE_DIR KUZOVKIN_DIR PUBLISHED_TSV

- kuzovkin2018: /rois/expected_aligned, expected_rho and expected_responsive are the
  published figures of data/kuzovkin2018/published-figures.tsv (aligned where p < 0.005/15,
  the rho only there, the count scaled by the cohort's channels over the study's 11,293);
- both profiles: the planted counts per ROI are those of the channels in truth.h5 (channels
  of the band; ventral encoding ones whose time course covers half the window; of those the
  ones that follow the hierarchy), and every responsive ventral channel of profile single
  lies in the hierarchy band or encodes nothing;
- profile single expects nothing (-1 and NaN everywhere);
- outer codes: kuzovkin2018 gives one, on a layer 0..8, to exactly the high gamma channels
  that follow the hierarchy with the middle course (its outer share is 1 there, 0 elsewhere);
  single gives none.
"""
import csv
import sys

import h5py
import numpy as np

single, kuz, tsv = sys.argv[1:4]
BANDS = ["theta", "alpha", "beta", "lowgamma", "highgamma"]
WINDOWS = [(50, 250), (150, 350), (250, 450)]
COURSES = [(20, 480), (30, 230), (200, 300), (270, 470)]  # full, early, middle, late (docs/simulator.md)
VENTRAL = [17, 18, 19, 37, 20]


def ok(cond, msg):
    print(("ok - " if cond else "not ok - ") + msg)


pub = list(csv.DictReader(open(tsv), delimiter="\t"))
order = [(r["band"], int(r["t0_ms"])) for r in pub]
ok(order == [(b, w[0]) for b in BANDS for w in WINDOWS], "published-figures.tsv lists the 15 ROIs in band, window order")
t = h5py.File(f"{kuz}/truth.h5", "r")
n = len(t["channels/name"])
aligned = np.array([float(r["alignment_p"]) < 0.005 / 15 for r in pub])
rho = np.where(aligned, [float(r["alignment_rho"]) for r in pub], np.nan)
resp = np.array([float(r["responsive_channels"]) for r in pub]) * n / 11293
attr = t.attrs["profile"]
good = (attr in ("kuzovkin2018", b"kuzovkin2018") and np.array_equal(t["rois/expected_aligned"][()], aligned.astype(int))
        and np.allclose(t["rois/expected_rho"][()], rho, equal_nan=True)
        and np.allclose(t["rois/expected_responsive"][()], resp, rtol=1e-12))
ok(good, f"kuzovkin2018: truth.h5 expects the published verdicts ({aligned.sum()} aligned), rho and responsive counts "
   f"(scaled to {n} channels)")


def planted(path):
    f = h5py.File(path, "r")
    c = f["channels"]
    band, layer, area = c["planted_band"][()], c["planted_layer"][()], c["area"][()]
    hier, course = c["hierarchy"][()], c["course"][()]
    vent = np.isin(area, VENTRAL)
    want = np.zeros((3, 15), dtype=int)
    for b in range(5):
        for w, (t0, t1) in enumerate(WINDOWS):
            r = 3 * b + w
            reach = np.array([min(COURSES[k][1], t1) - max(COURSES[k][0], t0) >= 0.5 * (t1 - t0) for k in course])
            enc = (band == b) & vent & (layer >= 0) & reach
            want[:, r] = (band == b).sum(), enc.sum(), (enc & (hier == 1)).sum()
    got = np.array([f["rois/planted_responsive"][()], f["rois/planted_encoding"][()], f["rois/planted_hierarchy"][()]])
    return np.array_equal(got, want), f, band, layer, vent


ok_k, _, _, _, _ = planted(f"{kuz}/truth.h5")
ok_s, fs, band, layer, vent = planted(f"{single}/truth.h5")
hb = BANDS.index(fs.attrs["hierarchy_band"] if isinstance(fs.attrs["hierarchy_band"], str) else fs.attrs["hierarchy_band"].decode())
clean = np.all((band[vent] == hb) | (layer[vent] < 0) | (band[vent] < 0))
none = (np.all(fs["rois/expected_aligned"][()] == -1) and np.all(np.isnan(fs["rois/expected_rho"][()]))
        and np.all(np.isnan(fs["rois/expected_responsive"][()])))
ok(ok_k and ok_s and clean and none, "planted counts per ROI match the channels in both profiles; single: ventral codes only "
   "in the hierarchy band, no expectations")


def outer(path):
    c = h5py.File(path, "r")["channels"]
    return (c["outer_layer"][()], c["planted_band"][()], c["hierarchy"][()], c["course"][()],
            c["planted_layer"][()])


ol, band, hier, course, layer = outer(f"{kuz}/truth.h5")
want = (band == BANDS.index("highgamma")) & (hier == 1) & (course == 2) & (layer >= 0)
ok(want.any() and np.array_equal(ol >= 0, want) and np.all(ol[want] <= 8) and np.all(ol[~want] == -1)
   and np.all(outer(f"{single}/truth.h5")[0] == -1),
   f"outer codes: kuzovkin2018 on the {want.sum()} high gamma hierarchy channels with the middle course, single on none")
