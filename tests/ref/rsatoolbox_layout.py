#!/usr/bin/env python3
"""Reference for tests/t_rdm_interop.sh: rsatoolbox's RDMs layout (docs/interface.md) read and
written with h5py alone, independently of bandalign's C code and of rsatoolbox (not installable
here).

  gen DIR NETWORK FEATURES
      writes, as rsatoolbox's RDMs.save would (strings as attributes, string arrays as
      fixed-length 'S' datasets, lists as arrays, an empty descriptors group):
      DIR/tb.h5  the network's layer RDMs in rsatoolbox's own Euclidean definition
                 ('squared euclidean': summed squared differences / n_features), patterns in
                 a shuffled order, named by pattern_descriptors 'stimulus'
      DIR/bad_*.h5  files rsa -network must refuse
  check RDMS NETWORK FEATURES RESULTS
      reads RDMS/layers.h5 and RDMS/channels_<roi>.h5 following the documented layout,
      rebuilds the square RDMs and compares them with the network activations, the features
      and the results (7 checks)
  check-empty RDMS
      every channels file of a run with no responsive channel holds 0 RDMs (1 check)
"""
import os
import sys

import h5py
import numpy as np
from scipy.stats import spearmanr

BANDS = ["theta", "alpha", "beta", "lowgamma", "highgamma"]
WINDOWS = ["50_250", "150_350", "250_450"]
ROIS = ["%s_%s" % (b, w) for b in BANDS for w in WINDOWS]


def text(a):
    return [s.decode() if isinstance(s, bytes) else str(s) for s in a]


def report(ok, msg):
    print("%s - %s" % ("ok" if ok else "not ok", msg))


def read_rdms(path, problems):
    """The documented layout, checked; returns (squares [n_rdm, n, n], info dict)."""
    def need(cond, what):
        if not cond:
            problems.append("%s: %s" % (os.path.basename(path), what))
        return cond

    f = h5py.File(path, "r")
    info = {}
    for key in ("rsatoolbox_version", "dissimilarity_measure"):
        need(key in f.attrs and isinstance(f.attrs[key], str), "root attribute %s is not a (variable-length) str" % key)
    need("format" not in f.attrs, "a bandalign format attribute")
    info["measure"] = f.attrs.get("dissimilarity_measure")
    d = f["dissimilarities"]
    need(d.dtype == np.float64 and d.ndim == 2, "dissimilarities %s %s" % (d.dtype, d.shape))
    nrdm, npairs = d.shape
    n = int(round((1 + np.sqrt(1 + 8 * npairs)) / 2))
    need(n * (n - 1) // 2 == npairs, "n_pairs %d" % npairs)
    for g in ("descriptors", "rdm_descriptors", "pattern_descriptors"):
        need(isinstance(f.get(g), h5py.Group), "no group %s" % g)
    info["descriptors"] = {k: v for k, v in f["descriptors"].attrs.items()}
    need(all(isinstance(v, str) for v in info["descriptors"].values()), "descriptors not str attributes")
    for g, m in (("rdm_descriptors", nrdm), ("pattern_descriptors", n)):
        idx = f[g + "/index"]
        need(idx.dtype == np.int64 and np.array_equal(idx[()], np.arange(m)), "%s/index" % g)
        info[g] = {}
        for k, v in f[g].items():
            need(v.shape == (m,), "%s/%s shape %s" % (g, k, v.shape))
            if v.dtype.kind == "S":  # fixed-length strings, as numpy 'S' (rsatoolbox reads them back as str)
                need(h5py.check_string_dtype(v.dtype) is not None and v.id.get_type().get_strpad() == h5py.h5t.STR_NULLPAD,
                     "%s/%s not NUL-padded fixed-length strings" % (g, k))
                info[g][k] = text(v[()])
            else:
                need(v.dtype.kind in "iuf", "%s/%s is %s (variable-length strings come back as bytes)" % (g, k, v.dtype))
                info[g][k] = v[()]
    vec = d[()]
    sq = np.zeros((nrdm, n, n))
    iu = np.triu_indices(n, k=1)  # pairs (i, j), i < j, row by row
    sq[:, iu[0], iu[1]] = vec
    sq += sq.transpose(0, 2, 1)
    info["vectors"] = vec
    return sq, info


def network_layers(path):
    net = h5py.File(path, "r")
    names = text(net["stimuli/name"][()])
    layers = text(net["layers/name"][()])
    acts = [net["layers/%s/activations" % l][()].astype(np.float64) for l in layers]
    return names, layers, acts


def sqdist(a):
    g = a @ a.T
    d = np.diag(g)[:, None] + np.diag(g)[None, :] - 2 * g
    # differences formed directly where it matters little: exact enough for the comparison
    return np.maximum(d, 0)


def gen(out, network, features):
    names, layers, acts = network_layers(network)
    fnames = text(h5py.File(features, "r")["stimuli/name"][()])
    assert sorted(fnames) == sorted(names)
    rng = np.random.default_rng(7)
    order = rng.permutation(len(names))
    n = len(names)
    iu = np.triu_indices(n, k=1)
    vec = np.array([(((a[order][:, None, :] - a[order][None, :, :]) ** 2).sum(-1) / a.shape[1])[iu] for a in acts])
    stim = np.array([names[i] for i in order])

    def write(path, dis, pattern, rdm=None, measure="squared euclidean", key="dissimilarities"):
        with h5py.File(path, "w") as f:
            f.attrs["rsatoolbox_version"] = "0.3.2"
            f[key] = dis
            f.create_group("descriptors")
            g = f.create_group("rdm_descriptors")
            g["index"] = np.arange(dis.shape[0])
            for k, v in (rdm if rdm is not None else {"name": np.array(layers)}).items():
                g[k] = v.astype("S") if v.dtype.kind == "U" else v
            g = f.create_group("pattern_descriptors")
            g["index"] = np.arange(n)
            for k, v in pattern.items():
                g[k] = v.astype("S") if v.dtype.kind == "U" else v
            f.attrs["dissimilarity_measure"] = measure

    write(os.path.join(out, "tb.h5"), vec, {"stimulus": stim, "category": np.array([s[0] for s in stim])})
    bad = vec.copy()
    bad[2, 5] = np.nan
    write(os.path.join(out, "bad_nan.h5"), bad, {"stimulus": stim})
    write(os.path.join(out, "bad_pairs.h5"), vec[:, :-1], {"stimulus": stim})
    other = stim.copy()
    other[3] = "NOT_AN_IMAGE"
    write(os.path.join(out, "bad_names.h5"), vec, {"stimulus": other})
    write(os.path.join(out, "bad_ambiguous.h5"), vec, {"image": stim, "file": np.array([s + ".png" for s in stim])})
    write(os.path.join(out, "bad_dataset.h5"), vec, {"stimulus": stim}, key="measurements")


def check(rdms, network, features, results):
    names, layers, acts = network_layers(network)
    fe = h5py.File(features, "r")
    res = h5py.File(results, "r")
    fnames = text(fe["stimuli/name"][()])
    problems = []

    # layer RDMs
    sq, info = read_rdms(os.path.join(rdms, "layers.h5"), problems)
    if info["pattern_descriptors"].get("stimulus") != fnames:
        problems.append("layers.h5: pattern_descriptors/stimulus is not the features' image order")
    if info["rdm_descriptors"].get("name") != layers:
        problems.append("layers.h5: rdm_descriptors/name is not the network's layers")
    report(not problems, "layers.h5 in the documented layout: %s" % ("; ".join(problems) or
           "%d RDMs of %d images, names, stimulus, index" % (sq.shape[0], sq.shape[1])))

    pos = [names.index(s) for s in fnames]
    worst = 0.0
    for l, a in enumerate(acts):
        want = np.sqrt(sqdist(a[pos]))
        worst = max(worst, float(np.max(np.abs(sq[l] - want)) / np.max(want)))
    report(worst < 1e-9, "layer RDMs = sqrt(summed squared differences) of the activations (max rel err %.1e)" % worst)

    ok_m = info["measure"].startswith("euclidean, not divided") and \
        list(info["rdm_descriptors"].get("n_features", [])) == [a.shape[1] for a in acts]
    report(ok_m, "layers.h5 measure '%s...' and n_features %s" % (str(info["measure"])[:30],
           list(info["rdm_descriptors"].get("n_features", []))))

    # channel RDMs, one file per ROI
    cproblems = []
    worst_x = 0.0
    rho_err = rho_sq_err = 0.0
    npairs_tested = 0
    patient, chname = text(fe["channels/patient"][()]), text(fe["channels/name"][()])
    iu = np.triu_indices(len(fnames), k=1)
    lvec = [s[iu] for s in sq]
    # rsatoolbox's own 'euclidean' (calc_rdm method='euclidean': squared / n_features)
    lvec_tb = [(sqdist(a[pos]) / a.shape[1])[iu] for a in acts]
    nfiles = 0
    for roi in ROIS:
        path = os.path.join(rdms, "channels_%s.h5" % roi)
        if not os.path.exists(path):
            cproblems.append("no %s" % path)
            continue
        nfiles += 1
        csq, ci = read_rdms(path, cproblems)
        resp = np.flatnonzero(res["roi/%s/responsive" % roi][()])
        idx = np.asarray(ci["rdm_descriptors"].get("channel_index", []))
        if not np.array_equal(idx, resp):
            cproblems.append("%s: channel_index is not the responsive channels" % roi)
            continue
        if ci["rdm_descriptors"].get("name") != ["%s/%s" % (patient[g], chname[g]) for g in resp] or \
           ci["rdm_descriptors"].get("patient") != [patient[g] for g in resp] or \
           ci["rdm_descriptors"].get("channel") != [chname[g] for g in resp]:
            cproblems.append("%s: names" % roi)
        if ci["pattern_descriptors"].get("stimulus") != fnames or ci["descriptors"].get("roi") != roi:
            cproblems.append("%s: stimulus or roi descriptor" % roi)
        x = fe["roi/%s/feature" % roi][()].astype(np.float64)
        rho = res["roi/%s/rho" % roi][()]
        for k, g in enumerate(resp):
            want = np.abs(x[g][:, None] - x[g][None, :])
            worst_x = max(worst_x, float(np.max(np.abs(csq[k] - want))))
            cv = csq[k][iu]
            for l in range(len(layers)):
                r = spearmanr(cv, lvec[l])[0]
                rho_err = max(rho_err, abs(r - rho[g, l]))
                rho_sq_err = max(rho_sq_err, abs(spearmanr(cv, lvec_tb[l])[0] - rho[g, l]))
                npairs_tested += 1
    report(not cproblems and nfiles == len(ROIS), "%d channels files in the documented layout, channel_index = the "
           "results' responsive channels, names patient/channel%s" % (nfiles, ": " + "; ".join(cproblems[:3]) if cproblems else ""))
    report(worst_x == 0.0, "channel RDMs = |x_i - x_j| of the features, exactly (max err %.1e)" % worst_x)
    report(npairs_tested > 0 and rho_err < 1e-12,
           "Spearman of the stored RDMs = results rho for %d pairs (max err %.1e)" % (npairs_tested, rho_err))
    report(npairs_tested > 0 and rho_sq_err < 1e-12,
           "rsatoolbox's euclidean (squared / n_features) gives the same rho (max err %.1e)" % rho_sq_err)


def check_empty(rdms):
    problems = []
    shapes = set()
    for roi in ROIS:
        path = os.path.join(rdms, "channels_%s.h5" % roi)
        if not os.path.exists(path):
            problems.append("no " + path)
            continue
        sq, info = read_rdms(path, problems)
        shapes.add(info["vectors"].shape)
    ok = not problems and len(shapes) == 1 and list(shapes)[0][0] == 0
    report(ok, "no responsive channel: 15 channels files of 0 RDMs %s%s" % (sorted(shapes), "; ".join(problems[:3])))


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(*sys.argv[2:5])
    elif sys.argv[1] == "check":
        check(*sys.argv[2:6])
    else:
        check_empty(sys.argv[2])
