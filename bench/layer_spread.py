#!/usr/bin/python3
"""bench/layer_spread.py DIR ...: how far a simulated channel's code reaches beyond its own
layer, for the network file DIR/network.h5 of each simulated cohort.

For every layer, 40 codes are drawn as the simulator draws them (a random N(0,1)
combination of the layer's 16 leading principal components, kept in proportion to their
SDs: src/sim/sim_signal.c, SimChannelCode), and the Spearman correlation of each code's RDM
(absolute differences) with every layer's RDM (correlation distance) is taken. Prints the
mean correlation with the own layer, with the layers two or more steps away, and their
ratio: the larger the ratio, the more layers a clearly encoding channel is significant at,
and the lower the alignment of the significant pairs (docs/simulator.md, "Other seeds").
The components here come from numpy's SVD, not the simulator's power iteration; they agree
to the sign, which a random combination does not see."""
import sys

import h5py
import numpy as np
from scipy.spatial.distance import pdist
from scipy.stats import rankdata

NPROJ, NCODES = 16, 40


def unit(v):
    v = v - v.mean()
    return v / np.linalg.norm(v)


rng = np.random.default_rng(1)
for d in sys.argv[1:] or sys.exit(__doc__):
    f = h5py.File(d + "/network.h5", "r")
    names = [n.decode() if isinstance(n, bytes) else n for n in f["layers/name"][:]]
    acts = [f["layers/%s/activations" % n][:].astype(float) for n in names]
    rdms = np.array([unit(rankdata(pdist(a, "correlation"))) for a in acts])
    own, far = [], []
    for k, a in enumerate(acts):
        u, s, _ = np.linalg.svd(a - a.mean(0), full_matrices=False)
        pcs = u[:, :NPROJ] * s[:NPROJ] / s[0]
        for _ in range(NCODES):
            z = pcs @ rng.standard_normal(pcs.shape[1])
            c = rdms @ unit(rankdata(pdist(z[:, None], "cityblock")))
            own.append(c[k])
            far.append(np.mean([c[j] for j in range(len(names)) if abs(j - k) >= 2]))
    print("%s: own layer %.3f, two or more layers away %.3f, ratio %.3f" %
          (d, np.mean(own), np.mean(far), np.mean(far) / np.mean(own)))
