"""Independent reference of bandalign's features stage, built on MNE and scipy.

Computes, from a bandalign-dataset file, the same per (channel, image, ROI) features and
responsiveness p-values as `bandalign features` (methods.md sections 1-3), with
scipy.signal.detrend / iirnotch / filtfilt, mne.time_frequency.tfr_array_morlet and
scipy.stats.wilcoxon. Used by tests/t_features.sh (accuracy) and bench/features (speed).

usage: ref_features.py compare DATASET FEATURES [protocol] [line_hz]
       ref_features.py time DATASET [n_jobs]
"""
import math
import sys
import time

import h5py
import numpy as np
import scipy.signal as ss
import scipy.stats as st
from mne.time_frequency import tfr_array_morlet

BANDS = [  # name, lo, hi, n_cycles, sub-bins
    ("theta", 5, 8, 3, [(5, 8)]),
    ("alpha", 9, 14, 4, [(9, 14)]),
    ("beta", 15, 30, 5, [(15, 22), (23, 30)]),
    ("lowgamma", 30, 70, 6, [(30, 39), (40, 49), (50, 59), (60, 70)]),
    ("highgamma", 70, 150, 6, [(70 + 10 * k, 79 + 10 * k + (1 if k == 7 else 0)) for k in range(8)]),
]
WINDOWS = [(50, 250), (150, 350), (250, 450)]


def sample_range(fs, onset, t0, t1):
    lo = onset + math.ceil(t0 * fs / 1000 - 1e-9)
    hi = onset + math.floor(t1 * fs / 1000 + 1e-9)
    return max(lo, 0), hi


def channel_features(x, stim, fs, onset, protocol, line_hz, n_jobs=1):
    """x: [trials, samples] float64 of used trials; returns feature[roi][trial], win, base, artifacts."""
    det = ss.detrend(x, axis=-1, type="linear")
    sd = det.std(axis=-1, ddof=1).mean()
    peak = np.abs(det).max(axis=-1) if protocol == "canonical" else det.max(axis=-1)
    artifact = peak > 10 * sd
    y = det.copy()
    if line_hz > 0:
        f = line_hz
        while f < fs / 2:
            b, a = ss.iirnotch(f, 50, fs)
            y = ss.filtfilt(b, a, y, axis=-1) if protocol == "canonical" else ss.lfilter(b, a, y, axis=-1)
            f += line_hz
    shifted = onset - 1 if protocol == "kuzovkin2018" else onset
    base = sample_range(fs, onset, -500, -100)
    wins = [sample_range(fs, shifted, t0, t1) for t0, t1 in WINDOWS]
    feats, wmeans, bmeans = [], [], []
    for name, lo, hi, nc, subs in BANDS:
        freqs = np.arange(lo, hi + 1, dtype=float)
        p = tfr_array_morlet(y[:, None, :], fs, freqs, n_cycles=float(nc), zero_mean=True, use_fft=True,
                             output="power", n_jobs=n_jobs, verbose=False)[:, 0]
        pb = p[:, :, base[0]:base[1] + 1].mean(axis=-1)  # [trials, freqs]
        for (w0, w1) in wins:
            pw = p[:, :, w0:w1 + 1].mean(axis=-1)
            ratios = []
            for (s0, s1) in subs:
                k = slice(s0 - lo, s1 - lo + 1)
                ratios.append(pw[:, k].mean(axis=1) / pb[:, k].mean(axis=1))
            feats.append(np.max(ratios, axis=0))
            wmeans.append(pw.mean(axis=1))
            bmeans.append(pb.mean(axis=1))
    return feats, wmeans, bmeans, artifact


def compute(path, protocol="canonical", line_hz=50.0, n_jobs=1):
    out = {}
    with h5py.File(path, "r") as f:
        fs = float(f.attrs["sfreq"])
        onset = int(f.attrs["onset_sample"])
        names = [s.decode() if isinstance(s, bytes) else s for s in f["stimuli/name"][()]]
        order = np.argsort(np.array(names, dtype=object), kind="stable")
        rank_of = np.empty(len(names), int)
        rank_of[order] = np.arange(len(names))
        feature = [[] for _ in range(15)]
        resp_p = [[] for _ in range(15)]
        increase = [[] for _ in range(15)]
        nart = []
        for pid in sorted(f["patients"].keys()):
            g = f["patients"][pid]
            stim = g["stimulus"][()]
            use = stim >= 0
            lfp = g["lfp"]
            for c in range(lfp.shape[0]):
                x = lfp[c][use].astype(np.float64)
                s = stim[use]
                feats, wm, bm, art = channel_features(x, s, fs, onset, protocol, line_hz, n_jobs)
                nart.append(int(art.sum()))
                clean = ~art
                for roi in range(15):
                    w, b = wm[roi][clean], bm[roi][clean]
                    d = w - b
                    if np.count_nonzero(d) == 0:
                        p = 1.0
                    else:
                        p = st.wilcoxon(w, b, zero_method="wilcox", correction=False, method="approx").pvalue
                    resp_p[roi].append(p)
                    increase[roi].append(bool(w.mean() > b.mean()) if clean.any() else False)
                    fv = feats[roi].copy()
                    if art.any():
                        fv[art] = np.median(fv[clean]) if protocol == "canonical" else 0.0
                    acc = np.zeros(len(names))
                    cnt = np.zeros(len(names))
                    np.add.at(acc, rank_of[s], fv)
                    np.add.at(cnt, rank_of[s], 1)
                    with np.errstate(invalid="ignore"):
                        feature[roi].append(acc / cnt)
    out["feature"] = [np.array(v) for v in feature]
    out["responsive_p"] = [np.array(v) for v in resp_p]
    out["increase"] = [np.array(v) for v in increase]
    out["n_artifacts"] = np.array(nart)
    return out


def roi_names():
    return ["%s_%d_%d" % (b[0], w[0], w[1]) for b in BANDS for w in WINDOWS]


def compare(dataset, features, protocol, line_hz):
    ref = compute(dataset, protocol, line_hz)
    fails = 0
    with h5py.File(features, "r") as f:
        nart = f["channels/n_artifacts"][()]
        ok = np.array_equal(nart, ref["n_artifacts"])
        print("%s - n_artifacts equal (%d artifact trials)" % ("ok" if ok else "not ok", nart.sum()))
        fails += not ok
        worst_f = worst_p = 0.0
        inc_ok = True
        for roi, name in enumerate(roi_names()):
            got = f["roi/%s/feature" % name][()].astype(np.float64)
            want = ref["feature"][roi]
            worst_f = max(worst_f, float(np.nanmax(np.abs(got - want) / np.abs(want))))
            gp = f["roi/%s/responsive_p" % name][()]
            worst_p = max(worst_p, float(np.max(np.abs(gp - ref["responsive_p"][roi]) / ref["responsive_p"][roi])))
            inc_ok &= np.array_equal(f["roi/%s/increase" % name][()].astype(bool), ref["increase"][roi])
        # features are stored as float32: allow its rounding (6e-8) on top of 1e-6
        ok = worst_f <= 1e-6
        print("%s - features vs MNE/scipy reference (%s): max relative error %.2e" % ("ok" if ok else "not ok", protocol, worst_f))
        fails += not ok
        ok = worst_p <= 1e-9
        print("%s - responsiveness p vs scipy.stats.wilcoxon (%s): max relative error %.2e" % ("ok" if ok else "not ok", protocol, worst_p))
        fails += not ok
        print("%s - increase flags equal (%s)" % ("ok" if inc_ok else "not ok", protocol))
        fails += not inc_ok
    return fails


if __name__ == "__main__":
    if sys.argv[1] == "compare":
        protocol = sys.argv[4] if len(sys.argv) > 4 else "canonical"
        line_hz = float(sys.argv[5]) if len(sys.argv) > 5 else 50.0
        sys.exit(1 if compare(sys.argv[2], sys.argv[3], protocol, line_hz) else 0)
    else:
        n_jobs = int(sys.argv[3]) if len(sys.argv) > 3 else 1
        t = time.time()
        r = compute(sys.argv[2], n_jobs=n_jobs)
        print("reference: %d channels in %.2f s" % (len(r["n_artifacts"]), time.time() - t))
