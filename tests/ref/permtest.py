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
avx512, and the float32-screened avx2_f32 and avx512_f32) and checks their results are
identical to the default's, bit for bit."""
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
    kernels += ["avx2", "avx2_f32"]
if {"avx512f", "avx512vl", "avx2", "fma"} <= flags:
    kernels += ["avx512", "avx512_f32"]

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


# ---- extension: pairs taken beyond m (PermTestExtend), against a vectorised brute force ----
# 12 images, m = 100; pairs not stopped at m go to 1,000, those still not stopped to 20,000
# (the rsa stage's rounds, with goals chosen here). The reference draws every permutation
# with a numpy Philox (checked against the scalar one above), permutes the layer RDM,
# ranks it with scipy.stats.rankdata and correlates, then applies the sequential rule
# to each pair's own number of permutations.
def philox_vec(index, block, key):
    """Philox4x32-10 of counters (index lo, block, index hi, 0) for an array of indices."""
    c0 = (index & M32).astype(np.uint64)
    c1 = np.full_like(c0, block)
    c2 = (index >> 32).astype(np.uint64)
    c3 = np.zeros_like(c0)
    k0, k1 = np.uint64(key[0]), np.uint64(key[1])
    m32 = np.uint64(M32)
    for r in range(10):
        if r:
            k0 = (k0 + np.uint64(0x9E3779B9)) & m32
            k1 = (k1 + np.uint64(0xBB67AE85)) & m32
        p0 = np.uint64(0xD2511F53) * c0
        p1 = np.uint64(0xCD9E8D57) * c2
        c0, c1, c2, c3 = ((p1 >> np.uint64(32)) ^ c1 ^ k0, p1 & m32, (p0 >> np.uint64(32)) ^ c3 ^ k1, p0 & m32)
    return [c0, c1, c2, c3]


def permutations_vec(seed, count, n):
    idx = np.arange(count, dtype=np.uint64)
    key = (seed & M32, seed >> 32)
    perm = np.tile(np.arange(n), (count, 1))
    rows = np.arange(count)
    words, block, w = [], 0, 4
    for k in range(n - 1, 0, -1):
        if w == 4:
            words, block, w = philox_vec(idx, block, key), block + 1, 0
        u = words[w]
        w += 1
        j = ((u * np.uint64(k + 1)) >> np.uint64(32)).astype(np.int64)
        pk = perm[:, k].copy()
        perm[:, k] = perm[rows, j]
        perm[rows, j] = pk
    return perm


n_e, nch_e, nl_e, m_e, h_e, seed_e = 12, 8, 2, 100, 4, 99
goals_e = (1000, 20000)
rng = np.random.default_rng(12)
acts = [rng.normal(size=(n_e, 2 + l)) for l in range(nl_e)]
rdm_e = np.array([np.sqrt(((a[:, None] - a[None]) ** 2).sum(-1)) for a in acts])
x_e = np.array([acts[c % nl_e][:, 0] + (0.05 + 0.12 * c) * rng.normal(size=n_e) for c in range(nch_e)],
               dtype=np.float32)
perms = permutations_vec(seed_e, goals_e[-1], n_e)
vec_ok = all(np.array_equal(perms[i], permutation(seed_e, i, n_e)) for i in (0, 1, 7, 999, 19999))
iu = np.triu_indices(n_e, 1)
cr = [stats.rankdata(np.abs(xc.astype(np.float64)[:, None] - xc.astype(np.float64)[None])[iu]) for xc in x_e]
cr = np.array([r - r.mean() for r in cr])
ge = np.empty((goals_e[-1], nch_e, nl_e), dtype=bool)
obs_e = np.empty((nch_e, nl_e))
for li in range(nl_e):
    lr = stats.rankdata(rdm_e[li][iu])
    lr -= lr.mean()
    obs_e[:, li] = cr @ lr / (np.linalg.norm(cr, axis=1) * np.linalg.norm(lr))
    lp = stats.rankdata(rdm_e[li][perms[:, iu[0]], perms[:, iu[1]]], axis=1)
    lp -= lp.mean(axis=1, keepdims=True)
    null = (lp @ cr.T) / (np.linalg.norm(lp, axis=1)[:, None] * np.linalg.norm(cr, axis=1)[None])
    ge[:, :, li] = null >= obs_e[None, :, li] - 1e-11
cum = np.cumsum(ge, axis=0)


def seq(c, l, g):
    """(p, b, used, done) of pair (c, l) with the sequential rule over permutations [0, g)."""
    if cum[g - 1, c, l] >= h_e:
        u = int(np.argmax(cum[:g, c, l] >= h_e)) + 1
        return h_e / u, h_e, u, 1
    b = int(cum[g - 1, c, l])
    return (b + 1) / (g + 1), b, g, 0


goal_rounds, own = [], np.full((nch_e, nl_e), m_e)
for g in goals_e:
    gr = np.zeros((nch_e, nl_e), dtype=np.int64)
    for c in range(nch_e):
        for l in range(nl_e):
            if seq(c, l, int(own[c, l]))[3] == 0 and own[c, l] == (m_e if g == goals_e[0] else goals_e[0]):
                gr[c, l], own[c, l] = g, g
    goal_rounds.append(gr)
np.array(goal_rounds).tofile(f"{tmp}/pt_goals.bin")
ref = np.array([[seq(c, l, int(own[c, l])) for l in range(nl_e)] for c in range(nch_e)])
x_e.tofile(f"{tmp}/pt_x.bin")
rdm_e.astype(np.float64).tofile(f"{tmp}/pt_rdm.bin")
subprocess.run([driver, f"{tmp}/pt_x.bin", f"{tmp}/pt_rdm.bin", str(n_e), str(nch_e), str(nl_e), "0", str(seed_e),
                str(m_e), f"{h_e}:1:1,{h_e}:3:2,{h_e}:5:3", f"{tmp}/pt_ext", f"{tmp}/pt_goals.bin"], check=True)
k = nch_e * nl_e
runs = [np.fromfile(f"{tmp}/pt_ext.{r}", dtype=np.float64) for r in range(3)]
got = runs[0]
p, b, used, done = (got[i * k:(i + 1) * k].reshape(nch_e, nl_e) for i in range(1, 5))
same = all(np.array_equal(a, ref[:, :, i]) for i, a in enumerate((p, b, used, done)))
n1, n2 = int((own >= goals_e[0]).sum()), int((own == goals_e[1]).sum())
below = int(np.sum((ref[:, :, 0] < 1 / (m_e + 1)) & (ref[:, :, 3] == 0)))
print(f"{'ok' if vec_ok else 'not ok'} - vectorised reference Philox permutations equal the scalar ones")
print(f"{'ok' if same and n2 > 0 and below > 0 else 'not ok'} - extension ({n_e} images, m = {m_e}, h = {h_e}): "
      f"{n1} pairs taken to {goals_e[0]}, {n2} of them to {goals_e[1]}: p, b, used, done equal the brute force with "
      f"each pair's own permutations exactly ({below} p-values below 1/(m+1), smallest {np.min(ref[:, :, 0]):.2e})")
ident = all(np.array_equal(r, got, equal_nan=True) for r in runs[1:])
print(f"{'ok' if ident else 'not ok'} - extension: identical with the rounds cut into 1, 3, 5 calls and the "
      f"channels split into 1, 2, 3 groups")
