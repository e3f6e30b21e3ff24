"""Reference for tests/t_rdm.sh: layer RDMs from the Gram matrix against
scipy.spatial.distance.pdist (euclidean, correlation), accumulated in column blocks.

Usage: rdm.py DRIVER DIR."""
import subprocess
import sys

import numpy as np
from scipy.spatial.distance import pdist, squareform

driver, tmp = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(4096)
cases = [
    ("dense", 40, 3000, 3000, rng.normal(size=(40, 3000))),
    ("ReLU, offset", 60, 10000, 4096, np.maximum(rng.normal(0.5, 1, size=(60, 10000)), 0)),
    ("blocks of 777", 25, 5000, 777, rng.gamma(2.0, size=(25, 5000))),
    ("blocks wider than a BLAS chunk", 12, 9000, 9000, rng.normal(size=(12, 9000))),
]
for name, n, ncols, block, a in cases:
    act = a.astype(np.float32)
    act.tofile(f"{tmp}/rdm_act.bin")
    subprocess.run([driver, f"{tmp}/rdm_act.bin", str(n), str(ncols), str(block), f"{tmp}/rdm_out.bin"],
                   check=True)
    got = np.fromfile(f"{tmp}/rdm_out.bin", dtype=np.float64).reshape(2, n, n)
    x = act.astype(np.float64)
    for k, metric in enumerate(("euclidean", "correlation")):
        ref = squareform(pdist(x, metric))
        off = ~np.eye(n, dtype=bool)
        err = np.max(np.abs(got[k][off] - ref[off]) / np.abs(ref[off]))
        diag = np.all(np.diag(got[k]) == 0) and np.array_equal(got[k], got[k].T)
        ok = err <= 1e-9 and diag
        print(f"{'ok' if ok else 'not ok'} - {metric} RDM, {name} ({n} images x {ncols} features, "
              f"blocks of {block}): max relative error {err:.2e} vs pdist, zero diagonal and symmetric {diag}")
