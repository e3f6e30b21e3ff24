"""Brute-force reference for tests/t_permtest.sh: the Spearman RSA permutation test.

Usage: permtest.py DRIVER DIR. Written from the specification (permtest.h, methods.md
sections 5 and 7), not from the C code:

- permutation i for a seed: Fisher-Yates (for k = n-1 .. 1: j = (u (k + 1)) >> 32, swap
  perm[k] and perm[j]) on the 32-bit words of Philox4x32-10 with key (seed lo, seed hi)
  and counter (i, block, 0, 0), 4 words per block, the block counting from 0; implemented
  here in pure Python and checked against Random123's known-answer vectors.
- permutation perm relabels the images of the layer RDM: L'[a, b] = L[perm[a], perm[b]].
- canonical: rho = scipy.stats.spearmanr over the pairs i < j; b counts rho_perm >= rho_obs;
  p = (b + 1) / (m + 1), or h / used when b reaches h at permutation used - 1.
  The doubled centred ranks make every rho a ratio dot / (|r_c| |r_l|) with an integer
  dot product, so two different values of rho differ by at least 1 / (|r_c| |r_l|)
  (> 1e-8 here); comparing with a slack of 1e-11 decides ">=" exactly despite scipy's
  rounding.
- kuzovkin2018: channel RDMs rounded to 3 decimals, layer RDMs to 6, Spearman over the full
  n x n matrices; observed score on column-wise min-max scaled matrices, null without;
  scores rounded to 4 decimals; p = b / m.

Runs the C driver with [0, m) cut into several calls and the channels split into groups,
checks every run against the brute force and all runs against each other (bit for bit),
then runs it again with each product kernel this CPU has (-permtest_kernel blas, avx2,
avx512) and checks their results are identical to the default's, bit for bit."""
import os
import subprocess
import sys
import warnings

import numpy as np
from scipy import stats

driver, tmp = sys.argv[1], sys.argv[2]
M32 = 0xFFFFFFFF
warnings.simplefilter("ignore")  # spearmanr of a constant channel warns and returns nan


def philox4x32_10(ctr, key):
    c0, c1, c2, c3 = ctr
    k0, k1 = key
    for r in range(10):
        if r:
            k0 = (k0 + 0x9E3779B9) & M32
            k1 = (k1 + 0xBB67AE85) & M32
        p0 = 0xD2511F53 * c0
        p1 = 0xCD9E8D57 * c2
        c0, c1, c2, c3 = ((p1 >> 32) ^ c1 ^ k0, p1 & M32, (p0 >> 32) ^ c3 ^ k1, p0 & M32)
    return c0, c1, c2, c3


KAT = [((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
       ((M32,) * 4, (M32, M32), (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
       ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
        (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1))]
kat_ok = all(philox4x32_10(c, k) == want for c, k, want in KAT)
print(f"{'ok' if kat_ok else 'not ok'} - reference Philox4x32-10 matches Random123's known-answer vectors")


def permutation(seed, index, n):
    key = (seed & M32, seed >> 32)
    words, block = [], 0
    perm = list(range(n))
    for k in range(n - 1, 0, -1):
        if not words:
            words = list(philox4x32_10((index & M32, block, index >> 32, 0), key))
            block += 1
        u = words.pop(0)
        j = (u * (k + 1)) >> 32
        perm[k], perm[j] = perm[j], perm[k]
    return np.array(perm)


def spearman(a, b):
    return stats.spearmanr(a, b)[0]


def scale_columns(m):
    lo, hi = m.min(axis=0), m.max(axis=0)
    rng_ = hi - lo
    out = np.zeros_like(m)
    nz = rng_ > 0
    out[:, nz] = (m[:, nz] - lo[nz]) / rng_[nz]
    return out


def brute(x, rdm, protocol, seed, m):
    """Observed rho[c, l] and null rho[i, c, l] (kuzovkin2018: rounded to 4 decimals)."""
    nch, n = x.shape
    nl = rdm.shape[0]
    iu = np.triu_indices(n, 1)
    chan = [np.abs(xc.astype(np.float64)[:, None] - xc.astype(np.float64)[None, :]) for xc in x]
    if protocol == 0:
        cvec = [c[iu] for c in chan]
        lay = list(rdm)
        obs = np.array([[spearman(c, l[iu]) for l in lay] for c in cvec])
    else:
        chan = [np.round(c, 3) for c in chan]
        lay = [np.round(l, 6) for l in rdm]
        cvec = [c.ravel() for c in chan]
        obs = np.round(np.array([[spearman(scale_columns(c).ravel(), scale_columns(l).ravel()) for l in lay]
                                 for c in chan]), 4)
    null = np.empty((m, nch, nl))
    for i in range(m):
        perm = permutation(seed, i, n)
        for li, l in enumerate(lay):
            lp = l[np.ix_(perm, perm)]
            lv = lp[iu] if protocol == 0 else lp.ravel()
            for c in range(nch):
                null[i, c, li] = spearman(cvec[c], lv)
    raw = null.copy()
    if protocol == 1:
        null = np.round(null, 4)
    return obs, null, raw


def pvalues(obs, null, protocol, h, m):
    ge = null >= obs[None] - (1e-11 if protocol == 0 else 0.0)
    nch, nl = obs.shape
    p, b, used, done = (np.zeros((nch, nl)) for _ in range(4))
    for c in range(nch):
        for l in range(nl):
            if np.isnan(obs[c, l]):
                p[c, l], done[c, l] = np.nan, -1
                continue
            cum = np.cumsum(ge[:, c, l])
            if h and cum[-1] >= h:
                u = int(np.argmax(cum >= h)) + 1
                p[c, l], b[c, l], used[c, l], done[c, l] = h / u, h, u, 1
            else:
                b[c, l], used[c, l] = cum[-1], m
                p[c, l] = (cum[-1] + 1) / (m + 1) if protocol == 0 else cum[-1] / m
    return p, b, used, done


def case(name, n, nch, nl, m, seed, rng):
    """Layer RDMs from random activations (one with ties), channels related to layers,
    unrelated, with ties, and one constant."""
    rdm = []
    acts = []
    for l in range(nl):
        a = rng.normal(size=(n, 1 + 3 * l))
        acts.append(a)
        d = np.sqrt(((a[:, None, :] - a[None, :, :]) ** 2).sum(-1))
        if l == nl - 1:
            d = np.round(d, 1)
        rdm.append(d)
    rdm = np.array(rdm)
    x = np.empty((nch, n), dtype=np.float32)
    for c in range(nch):
        kind = c % 4
        if kind == 0:
            x[c] = acts[0][:, 0] + 0.3 * rng.normal(size=n)  # related to layer 0
        elif kind == 1:
            x[c] = rng.normal(size=n)  # unrelated
        elif kind == 2:
            x[c] = np.round(acts[0][:, 0] + rng.normal(size=n), 0) * 0.5  # strong ties
        else:
            x[c] = rng.normal(size=n) * 0.01 + 1.0
    x[nch - 1] = 2.5  # constant: rho and p NaN
    return name, n, nch, nl, m, seed, x, rdm


flags = set()
with open("/proc/cpuinfo") as f:
    for line in f:
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            break
kernels = ["blas"]
if {"avx2", "fma"} <= flags:
    kernels.append("avx2")
if {"avx512f", "avx512vl", "avx2", "fma"} <= flags:
    kernels.append("avx512")

rng = np.random.default_rng(250)
cases = [case("A", 24, 6, 3, 240, 2018, rng), case("B", 33, 5, 2, 200, (7 << 32) + 11, rng)]
for name, n, nch, nl, m, seed, x, rdm in cases:
    x.tofile(f"{tmp}/pt_x.bin")
    rdm.astype(np.float64).tofile(f"{tmp}/pt_rdm.bin")
    for protocol in (0, 1):
        pname = ("canonical", "kuzovkin2018")[protocol]
        obs, null, raw = brute(x, rdm, protocol, seed, m)
        valid = ~np.isnan(obs)
        maxnull = np.max(np.where(valid[None], raw, -np.inf).reshape(m, -1), axis=1)
        splits = ((1, 1), (3, 2), (7, 1), (2, 3))
        spec = ",".join(f"{h}:{calls}:{groups}" for h in (0, 4) for calls, groups in splits)
        args = [driver, f"{tmp}/pt_x.bin", f"{tmp}/pt_rdm.bin", str(n), str(nch), str(nl), str(protocol),
                str(seed), str(m), spec]
        subprocess.run(args + [f"{tmp}/pt_out"], check=True)
        nruns = 2 * len(splits)
        for kern in kernels:
            env = dict(os.environ, PETSC_OPTIONS=f"-permtest_kernel {kern}")
            subprocess.run(args + [f"{tmp}/pt_{kern}"], check=True, env=env)
            same = all(np.array_equal(np.fromfile(f"{tmp}/pt_{kern}.{r}", dtype=np.float64),
                                      np.fromfile(f"{tmp}/pt_out.{r}", dtype=np.float64), equal_nan=True)
                       for r in range(nruns))
            print(f"{'ok' if same else 'not ok'} - {pname} case {name}: the {kern} kernel gives the default's "
                  f"rho, p, b, used, done and maxnull bit for bit in all {nruns} runs")
        for hi, h in enumerate((0, 4)):
            pref = pvalues(obs, null, protocol, h, m)
            runs = [np.fromfile(f"{tmp}/pt_out.{hi * len(splits) + s}", dtype=np.float64) for s in range(len(splits))]
            got = runs[0]
            k = nch * nl
            rho, p, b, used, done = (got[i * k:(i + 1) * k].reshape(nch, nl) for i in range(5))
            tag = f"{pname} case {name} ({n} images, {nch} channels, {nl} layers, m = {m}, h = {h})"
            if h == 0:
                err = np.nanmax(np.abs(rho - obs))
                same_nan = np.array_equal(np.isnan(rho), np.isnan(obs))
                ok = same_nan and err <= (1e-12 if protocol == 0 else 0.0)
                print(f"{'ok' if ok else 'not ok'} - {tag}: observed rho vs scipy.stats.spearmanr, "
                      f"max error {err:.1e}{'' if protocol == 0 else ' (4-decimal scores, exact)'}")
                merr = np.max(np.abs(got[5 * k:] - maxnull))
                print(f"{'ok' if merr <= 1e-12 else 'not ok'} - {tag}: maxnull vs brute-force max of null rho, "
                      f"max error {merr:.1e}")
            same = all(np.array_equal(a, b_, equal_nan=True) for a, b_ in zip(
                (p, b, used, done), pref))
            nstop = int(np.sum(pref[3] == 1))
            print(f"{'ok' if same else 'not ok'} - {tag}: p, b, used equal the brute force exactly "
                  f"({nstop} pairs stopped early, p from {np.nanmin(pref[0]):.4f} to {np.nanmax(pref[0]):.4f})")
            ident = all(np.array_equal(r, got, equal_nan=True) for r in runs[1:])
            print(f"{'ok' if ident else 'not ok'} - {tag}: identical results with [0, m) cut into 1, 3, 7, 2 "
                  f"calls and the channels split into 1, 2, 1, 3 groups")
