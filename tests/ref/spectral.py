"""Reference for tests/t_spectral.sh: MNE's Morlet power (tfr_array_morlet).

  spectral.py gen DIR NEPOCHS N SFREQ          writes random epochs sp_x.f64
  spectral.py check DIR NEPOCHS N SFREQ ONSET  compares the C driver's outputs
The bands, their n_cycles and the sample ranges are rebuilt here from methods.md.
Prints "ok - ..." / "not ok - ..." lines."""
import math
import sys
import numpy as np

BANDS = [(5, 8, 3.0), (9, 14, 4.0), (15, 30, 5.0), (30, 70, 6.0), (70, 150, 6.0)]
# sub-bins (Hz, inclusive) with their band's n_cycles, band by band
SUBBINS = ([(5, 8, 3.0), (9, 14, 4.0), (15, 22, 5.0), (23, 30, 5.0)]
           + [(lo, hi, 6.0) for lo, hi in ((30, 39), (40, 49), (50, 59), (60, 70))]
           + [(lo, lo + 9, 6.0) for lo in range(70, 140, 10)] + [(140, 150, 6.0)])
WINDOWS = [(50, 250), (150, 350), (250, 450)]


def report(ok, what):
    print(("ok - " if ok else "not ok - ") + what)


def gen(d, ne, n, fs):
    rng = np.random.default_rng(20181107)
    t = np.arange(n) / fs
    x = np.empty((ne, n))
    for e in range(ne):
        # pink-ish noise plus a gamma burst after onset, so the bands differ in power
        white = rng.standard_normal(n)
        spec = np.fft.rfft(white)
        spec[1:] /= np.sqrt(np.arange(1, len(spec)))
        x[e] = np.fft.irfft(spec, n) * 10 + rng.standard_normal(n) * 0.2
        x[e] += 0.5 * np.sin(2 * np.pi * 45 * t) * np.exp(-((t - 0.8) / 0.1) ** 2)
        x[e] += rng.normal(0, 3) + rng.normal(0, 2) * t
    x.tofile(f"{d}/sp_x.f64")


def analysis_freqs():
    freqs, cycles = [], []
    for lo, hi, nc in BANDS:
        for f in range(lo, hi + 1):
            if (f, nc) not in zip(freqs, cycles):
                freqs.append(f)
                cycles.append(nc)
    return np.array(freqs, float), np.array(cycles)


def ranges(fs, onset):
    def samples(t0, t1):
        return onset + math.ceil(t0 * fs / 1000 - 1e-9), onset + math.floor(t1 * fs / 1000 + 1e-9)
    lo, hi = samples(-500, -100)
    r = [(max(lo, 0), hi)]
    return r + [samples(t0, t1) for t0, t1 in WINDOWS]


def check(d, ne, n, fs, onset):
    from mne.time_frequency import tfr_array_morlet

    freqs, cycles = analysis_freqs()
    nf = len(freqs)
    got_f = np.fromfile(f"{d}/sp_freqs.f64").reshape(-1, 2)
    report(got_f.shape[0] == nf and np.array_equal(got_f[:, 0], freqs) and np.array_equal(got_f[:, 1], cycles),
           f"{got_f.shape[0]} analysis frequencies with n_cycles, as rebuilt from the band table ({nf})")
    rg = ranges(fs, onset)
    got_r = np.fromfile(f"{d}/sp_ranges.f64").reshape(-1, 2).astype(int)
    report([tuple(v) for v in got_r] == rg, f"sample ranges {rg}")
    if got_f.shape[0] != nf:
        return
    x = np.fromfile(f"{d}/sp_x.f64").reshape(ne, n)
    power = np.fromfile(f"{d}/sp_power.f64").reshape(ne, nf, n)
    sums = np.fromfile(f"{d}/sp_sums.f64").reshape(ne, nf, len(rg))
    mask = np.zeros(n, bool)
    for lo, hi in rg:
        mask[lo:hi + 1] = True
    bins = np.fromfile(f"{d}/sp_bins.f64").reshape(ne, len(SUBBINS), len(rg))
    bins0 = np.fromfile(f"{d}/sp_bins0.f64").reshape(ne, len(SUBBINS), len(rg))
    emax_in, emax_all, esum, ebin, ebin0 = 0.0, 0.0, 0.0, 0.0, 0.0
    for e in range(ne):
        ref = tfr_array_morlet(x[e][None, None], fs, freqs, cycles, zero_mean=True, use_fft=True,
                               output="power", verbose=False)[0, 0]
        rel = np.abs(power[e] - ref) / ref
        emax_in = max(emax_in, rel[:, mask].max())
        emax_all = max(emax_all, rel.max())
        ref_sums = np.stack([ref[:, lo:hi + 1].sum(axis=1) for lo, hi in rg], axis=1)
        esum = max(esum, np.max(np.abs(sums[e] - ref_sums) / ref_sums))
        for b, (lo, hi, nc) in enumerate(SUBBINS):
            k = [i for i in range(nf) if lo <= freqs[i] <= hi and cycles[i] == nc]
            ref_bin = ref_sums[k].sum(axis=0)
            ebin = max(ebin, np.max(np.abs(bins[e, b] - ref_bin) / ref_bin))
            ebin0 = max(ebin0, np.max(np.abs(bins0[e, b] - ref_bin) / ref_bin))
    report(emax_in <= 1e-6, f"SpectralPower equals MNE power at every baseline/window sample of {ne} epochs x "
           f"{nf} freqs (max rel err {emax_in:.2e}; over all samples {emax_all:.2e})")
    report(esum <= 1e-9, f"SpectralWindowSums equal sums of MNE power over the 4 ranges (max rel err {esum:.2e})")
    report(ebin0 <= 1e-9, f"SpectralBinSums with every sub-bin component equal MNE power summed over the "
           f"{len(SUBBINS)} sub-bins and 4 ranges (max rel err {ebin0:.2e})")
    report(ebin <= 1e-10, f"SpectralBinSums with the default component tolerance (1e-10) equal them to "
           f"max rel err {ebin:.2e}")


if __name__ == "__main__":
    mode, d = sys.argv[1], sys.argv[2]
    ne, n, fs = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
    if mode == "gen":
        gen(d, ne, n, fs)
    else:
        check(d, ne, n, fs, int(sys.argv[6]))
