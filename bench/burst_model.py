"""bench/burst_model.py: how well one simulated channel's feature follows its image code, per band.

usage: /usr/bin/python3 bench/burst_model.py [BANDS] [DRAWS] [ERP] [THETA_HZ]
  BANDS     comma-separated (default theta,alpha,beta,lowgamma)
  DRAWS     independent channels per case (default 4; the same draws for each burst kind)
  ERP       evoked response amplitude in background SDs (default 1.25, the middle of U[0.5, 2])
  THETA_HZ  theta's burst range as lo,hi (default 4.5,5, src/sim/sim_profile.c's; 5,5.5 and 5.5,6.5 were older)

A model of src/sim/sim_signal.c for one channel (R 1.25, g 0.8, 1/f exponent 1.5, 250 images
with a standard normal code z), analysed as methods.md 2 says (Morlet power at the band's
integer frequencies and cycles, max over sub-bins of window over baseline power), and the
Spearman correlation of the feature with z per window. Bursts are either the sum of four
random-phase sinusoids at the channel's four frequencies ("four", the old generator) or one
oscillation at one of them per trial ("one", the current one); "one-noerp" leaves out the
evoked response. Numpy only; no line noise, artifacts or detrending (they are small here).
docs/simulator.md quotes its output.
"""
import sys

import numpy as np
from scipy.stats import spearmanr

FS, NS, ONSET, NFFT = 512.0, 768, 256, 1024
# band: (lo, hi, n_cycles, sub-bins, burst frequency range of src/sim/sim_profile.c)
BANDS = {
    "theta": (5, 8, 3, [(5, 8)], (4.5, 5.0)),
    "alpha": (9, 14, 4, [(9, 14)], (10.5, 11.5)),
    "beta": (15, 30, 5, [(15, 22), (23, 30)], (19.5, 21.5)),
    "lowgamma": (30, 70, 6, [(30, 39), (40, 49), (50, 59), (60, 70)], (41, 46)),
    "highgamma": (70, 150, 6, [(a, a + 9) for a in range(70, 140, 10)] + [(140, 150)], (100, 130)),
}
WINDOWS = [(50, 250), (150, 350), (250, 450)]
T = (np.arange(NS) - ONSET) / FS


def envelope(t, a=0.020, b=0.070, c=0.430, d=0.480):
    e = np.zeros_like(t)
    m = (t > a) & (t < b)
    e[m] = 0.5 - 0.5 * np.cos(np.pi * (t[m] - a) / (b - a))
    e[(t >= b) & (t <= c)] = 1
    m = (t > c) & (t < d)
    e[m] = 0.5 + 0.5 * np.cos(np.pi * (t[m] - c) / (d - c))
    return e


def erp(t):
    g1, g2, g3 = (t - 0.10) / 0.035, (t - 0.19) / 0.05, (t - 0.32) / 0.07
    return (-np.exp(-0.5 * g1**2) + 0.8 * np.exp(-0.5 * g2**2) - 0.3 * np.exp(-0.5 * g3**2)) * (t >= 0)


def morlet_power(x, f, nc):
    """|x * w|^2 for the zero-mean Morlet wavelet at f Hz, nc cycles, truncated at +-5 sigma_t."""
    st = nc / (2 * np.pi * f)
    tt = np.arange(-5 * st, 5 * st + 0.5 / FS, 1 / FS)
    w = (np.exp(2j * np.pi * f * tt) - np.exp(-0.5 * (2 * np.pi * f * st) ** 2)) * np.exp(-(tt**2) / (2 * st**2))
    return np.abs(np.array([np.convolve(row, w, mode="same") for row in x])) ** 2


def samples(a, b):
    ms = 1000 * (np.arange(NS) - ONSET) / FS
    return (ms >= a) & (ms <= b)


def channel(band, mode, seed, erp_amp, ntr=250, R=1.25, g=0.8, beta=1.5):
    rng = np.random.default_rng(seed)
    lo, hi, nc, sub, burst = BANDS[band]
    k = np.arange(NFFT // 2 + 1)
    f = np.maximum(k * FS / NFFT, 1.0)
    a2 = f**-beta
    a2[0] = a2[-1] = 0
    a2 /= 2 * a2[1:-1].sum()  # the 1/f part has SD 1
    a2 += 0.01 / (2 * (NFFT / 2 - 1))  # white floor of SD 0.1
    a2[0] = a2[-1] = 0
    p_band = 2 * a2[(k * FS / NFFT >= lo) & (k * FS / NFFT <= hi)].sum()
    z = rng.standard_normal(ntr)
    spec = np.sqrt(a2 / 2) * (rng.standard_normal((ntr, k.size)) + 1j * rng.standard_normal((ntr, k.size)))
    x = np.fft.irfft(spec, NFFT, axis=1)[:, :NS] * NFFT  # FFTW's c2r does not divide by N
    hz = rng.uniform(*burst, 4)
    m = np.sqrt(R * p_band) * np.maximum(0, 1 + g * z) * np.exp(0.15 * rng.standard_normal(ntr) - 0.5 * 0.15**2)
    if mode == "four":
        ph = rng.uniform(0, 2 * np.pi, (ntr, 4))
        b = np.sqrt(0.5) * np.sin(2 * np.pi * hz[None, :, None] * T + ph[:, :, None]).sum(axis=1)
    else:
        ph, fr = rng.uniform(0, 2 * np.pi, ntr), hz[rng.integers(0, 4, ntr)]
        b = np.sqrt(2) * np.sin(2 * np.pi * fr[:, None] * T + ph[:, None])
    x += m[:, None] * b * envelope(T)
    if mode != "one-noerp":
        x += erp_amp * (1 + 0.2 * rng.standard_normal(ntr))[:, None] * erp(T)
    freqs = np.arange(lo, hi + 1)
    P = np.array([morlet_power(x, fq, nc) for fq in freqs])  # freqs x trials x samples
    base = samples(-500, -100)
    out = []
    for a, b_ in WINDOWS:
        w = samples(a, b_)
        ratios = []
        for s0, s1 in sub:
            sel = (freqs >= s0) & (freqs <= s1)
            ratios.append(P[sel][:, :, w].mean(axis=(0, 2)) / P[sel][:, :, base].mean(axis=(0, 2)))
        out.append(spearmanr(np.max(ratios, axis=0), z)[0])
    return out


if __name__ == "__main__":
    bands = (sys.argv[1] if len(sys.argv) > 1 else "theta,alpha,beta,lowgamma").split(",")
    draws = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    erp_amp = float(sys.argv[3]) if len(sys.argv) > 3 else 1.25
    if len(sys.argv) > 4:
        BANDS["theta"] = BANDS["theta"][:4] + (tuple(float(v) for v in sys.argv[4].split(",")),)
    print("band        burst       rho(feature, z) at 50-250 / 150-350 / 250-450 ms")
    for band in bands:
        for mode in ("four", "one", "one-noerp"):
            r = np.mean([channel(band, mode, s, erp_amp) for s in range(draws)], axis=0)
            print(f"{band:11s} {mode:11s} " + " / ".join(f"{v:.2f}" for v in r))
