"""bench/ref_rsa.py: time of the same permutation test in numpy/scipy, scaled to the
benchmark's size. Usage: ref_rsa.py NIMAGES NCH NLAYERS M

Three references, each timed on a few permutations and scaled linearly to M x NLAYERS:
  scipy-pairs: scipy.stats.spearmanr per (channel, layer, permutation) on the permuted RDMs,
               as the study's code did (timed on 8 channels and 3 layers);
  scipy-batch: one scipy.stats.spearmanr call per (layer, permutation) over all channels
               (timed on 3 layers);
  numpy-ranked: channels ranked once, permuted layer ranks, one matrix-vector product per
               (layer, permutation) - the C kernel's algorithm without the blocking.
Prints one line "REF name seconds" per reference (seconds for the full M)."""
import sys
import time

import numpy as np
from scipy import stats
from scipy.spatial.distance import pdist, squareform

n, nch, nl, m = (int(a) for a in sys.argv[1:5])
rng = np.random.default_rng(1)
x = rng.uniform(size=(nch, n))
iu = np.triu_indices(n, 1)
chan = np.abs(x[:, iu[0]] - x[:, iu[1]])  # channel RDMs over the pairs
layers = [squareform(pdist(rng.uniform(size=(n, 50)))) for _ in range(nl)]


def perm(i):
    return np.random.default_rng(i).permutation(n)


def scipy_pairs(nperm, nc):
    for i in range(nperm):
        p = perm(i)
        for lay in layers:
            lv = lay[np.ix_(p, p)][iu]
            for c in range(nc):
                stats.spearmanr(chan[c], lv)


def scipy_batch(nperm):
    for i in range(nperm):
        p = perm(i)
        for lay in layers:
            lv = lay[np.ix_(p, p)][iu]
            stats.spearmanr(np.column_stack((lv, chan.T)))


def numpy_ranked(nperm):
    cr = np.apply_along_axis(stats.rankdata, 1, chan)
    cr -= cr.mean(axis=1, keepdims=True)
    cn = np.linalg.norm(cr, axis=1)
    lr = []
    for lay in layers:
        r = np.zeros((n, n))
        r[iu] = stats.rankdata(lay[iu]) - (len(iu[0]) + 1) / 2
        lr.append(r + r.T)
    t0 = time.perf_counter()
    for i in range(nperm):
        p = perm(i)
        for r in lr:
            lv = r[np.ix_(p, p)][iu]
            (cr @ lv) / (cn * np.linalg.norm(lv))
    return time.perf_counter() - t0


def timed(f, *args):
    t0 = time.perf_counter()
    f(*args)
    return time.perf_counter() - t0


scale = m * nl
layers = layers[:3]  # the scipy references are timed on 3 layers
t = timed(scipy_pairs, 1, 8)
print(f"REF scipy-pairs {t / (3 * 8) * nch * scale:.6g}")
t = timed(scipy_batch, 1)
print(f"REF scipy-batch {t / 3 * scale:.6g}")
layers = [squareform(pdist(rng.uniform(size=(n, 50)))) for _ in range(nl)]
t = numpy_ranked(20)
print(f"REF numpy-ranked {t / (20 * nl) * scale:.6g}")
