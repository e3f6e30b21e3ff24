"""Writes small bandalign input files with h5py, valid or with one defect, for the
bad-input tests. Independent of bandalign's own writers.

usage: make_dataset.py dataset OUT [defect]    defect: missing_mni, wrong_shape, nan_sample,
                                               bad_stimulus, bad_format
       make_dataset.py network OUT [renamed]   renamed: one image name differs
"""
import sys

import h5py
import numpy as np

N_IMAGES, N_TRIALS, N_SAMPLES, FS, ONSET = 10, 20, 768, 512.0, 256


def strings(values):
    return np.array(values, dtype=h5py.string_dtype("utf-8"))


def image_names():
    return ["AA%02d" % (i + 1) for i in range(N_IMAGES)]


def write_dataset(path, defect):
    rng = np.random.default_rng(1)
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "bandalign-dataset" if defect != "bad_format" else "bandalign-features"
        f.attrs["version"] = 1
        f.attrs["sfreq"] = FS
        f.attrs["onset_sample"] = ONSET
        f.attrs["montage"] = "bipolar"
        f["stimuli/name"] = strings(image_names())
        f["stimuli/category"] = np.zeros(N_IMAGES, dtype=np.int32)
        for p in range(2):
            g = f.create_group("patients/P%03d" % p)
            nch = 3
            lfp = rng.standard_normal((nch, N_TRIALS, N_SAMPLES)).astype(np.float32)
            if defect == "nan_sample" and p == 1:
                lfp[1, 3, 100] = np.nan
            g["lfp"] = lfp
            stim = np.arange(N_TRIALS, dtype=np.int32) % N_IMAGES
            if defect == "bad_stimulus" and p == 0:
                stim[2] = N_IMAGES + 4
            g["stimulus"] = stim
            g["channel_name"] = strings(["A%d-A%d" % (c + 1, c + 2) for c in range(nch)])
            mni = rng.uniform(-60, 60, (nch, 3))
            if defect == "wrong_shape" and p == 1:
                mni = mni[:, :2]
            if not (defect == "missing_mni" and p == 1):
                g["mni"] = mni


def write_network(path, renamed):
    rng = np.random.default_rng(2)
    names = image_names()
    if renamed:
        names[3] = "ZZ99"
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "bandalign-network"
        f.attrs["version"] = 1
        f["stimuli/name"] = strings(names)
        f["layers/name"] = strings(["conv1", "fc8"])
        for layer in ("conv1", "fc8"):
            f["layers/%s/activations" % layer] = rng.standard_normal((N_IMAGES, 16)).astype(np.float32)


if __name__ == "__main__":
    kind, out = sys.argv[1], sys.argv[2]
    extra = sys.argv[3] if len(sys.argv) > 3 else ""
    if kind == "dataset":
        write_dataset(out, extra)
    else:
        write_network(out, extra == "renamed")
