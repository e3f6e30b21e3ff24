"""Reference for tests/t_preprocess.sh: scipy's detrend, iirnotch, filtfilt and lfilter.

  preprocess.py gen DIR NTRIALS N SFREQ   writes random epochs pp_x.f64 and pp_use.f64
  preprocess.py check DIR NTRIALS N SFREQ LINE_HZ   compares the C driver's outputs
Prints "ok - ..." / "not ok - ..." lines."""
import sys
import numpy as np
from scipy import signal

TOL = 1e-10


def report(ok, what):
    print(("ok - " if ok else "not ok - ") + what)


def gen(d, ntrials, n, fs):
    rng = np.random.default_rng(20180107)
    t = np.arange(n) / fs
    x = np.empty((ntrials, n))
    for i in range(ntrials):
        noise = np.cumsum(rng.standard_normal(n)) * 0.3 + rng.standard_normal(n)
        trend = rng.normal(0, 50) + rng.normal(0, 40) * t
        line = rng.uniform(2, 8) * np.sin(2 * np.pi * 50 * t + rng.uniform(0, 2 * np.pi))
        harm = rng.uniform(0.5, 2) * np.sin(2 * np.pi * 150 * t + rng.uniform(0, 2 * np.pi))
        x[i] = noise + trend + line + harm
    # planted artifacts: a large positive spike (both rules), a large negative one (only |x|),
    # and a huge spike on a trial that is not used (must neither count nor be flagged)
    x[2, 400] += 400.0
    x[5, 300] -= 400.0
    x[7, 100] += 4000.0
    use = np.ones(ntrials)
    use[7] = 0
    x.tofile(f"{d}/pp_x.f64")
    use.tofile(f"{d}/pp_use.f64")


def relerr(a, b):
    return np.max(np.abs(a - b)) / np.max(np.abs(b))


def check(d, ntrials, n, fs, line_hz):
    x = np.fromfile(f"{d}/pp_x.f64").reshape(ntrials, n)
    use = np.fromfile(f"{d}/pp_use.f64") != 0

    det = signal.detrend(x, axis=-1, type="linear")
    got = np.fromfile(f"{d}/pp_detrend.f64").reshape(ntrials, n)
    e = max(relerr(got[i], det[i]) for i in range(ntrials))
    report(e <= TOL, f"detrend matches scipy.signal.detrend (max rel err {e:.2e})")

    freqs = []
    m = 1
    while line_hz > 0 and m * line_hz < fs / 2:
        freqs.append(m * line_hz)
        m += 1
    table = np.fromfile(f"{d}/pp_notch.f64")
    nn = int(table[0])
    report(nn == len(freqs), f"{nn} notch frequencies, scipy-side count {len(freqs)}")
    coefs = [signal.iirnotch(f, 50, fs) for f in freqs]
    if nn == len(freqs):
        rows = table[1:].reshape(nn, 7)
        ok = np.allclose(rows[:, 0], freqs, rtol=0, atol=0)
        ce = max(max(np.max(np.abs(rows[k, 1:4] - coefs[k][0])), np.max(np.abs(rows[k, 4:7] - coefs[k][1])))
                 for k in range(nn))
        report(ok and ce <= 1e-14, f"notch frequencies {freqs} and (b, a) match iirnotch (max abs err {ce:.1e})")

    for name, run in (("canonical", lambda b, a, y: signal.filtfilt(b, a, y)),
                      ("kuzovkin2018", lambda b, a, y: signal.lfilter(b, a, y))):
        ref = det.copy()
        for b, a in coefs:
            ref = np.array([run(b, a, r) for r in ref])
        got = np.fromfile(f"{d}/pp_{name}.f64").reshape(ntrials, n)
        e = max(relerr(got[i], ref[i]) for i in range(ntrials))
        fn = "filtfilt" if name == "canonical" else "lfilter"
        report(e <= TOL, f"{name} notch chain matches scipy.signal.{fn} (max rel err {e:.2e})")

    flags = np.fromfile(f"{d}/pp_artifacts.f64").reshape(2, ntrials) != 0
    avg_sd = np.mean(np.std(det[use], axis=1, ddof=1))
    canon = use & (np.max(np.abs(det), axis=1) > 10 * avg_sd)
    kuz = use & (np.max(det, axis=1) > 10 * avg_sd)
    report(np.array_equal(flags[0], canon) and canon.sum() == 2,
           f"canonical artifact flags equal numpy's ({np.flatnonzero(flags[0]).tolist()})")
    report(np.array_equal(flags[1], kuz) and kuz.sum() == 1,
           f"kuzovkin2018 artifact flags equal numpy's ({np.flatnonzero(flags[1]).tolist()})")


if __name__ == "__main__":
    mode, d = sys.argv[1], sys.argv[2]
    ntrials, n, fs = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
    if mode == "gen":
        gen(d, ntrials, n, fs)
    else:
        check(d, ntrials, n, fs, float(sys.argv[6]))
