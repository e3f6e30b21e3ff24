"""dataset_format.py: the bandalign-dataset format as h5py (an independent HDF5 binding) sees it.

  write PATH   writes a monopolar dataset the way a lab's converter would with h5py; the
               C test (test_dataset -h5py_file PATH) reads it and checks pairs and values.
  check PATH   checks a bipolar dataset written by the C writer (test_dataset -keep):
               attribute and dataset types of interface.md, shapes, and every value.

Values follow the formulas of tests/test_dataset.c (exact in float32)."""
import sys

import h5py
import numpy as np

IMAGES = ["cat.png", "dog.png", "house.png", "Ünïcode ✓.png", "tree.png"]
CONTACTS = ["A1", "A2", "A3", "B'1", "B'2", "OF10", "OF11", "OF12", "C5", "A4", "C7", "AB2"]


def sample(p, c, t, k):
    v = (((p * 16.0 + c) * 16.0 + t) * 64.0 + k) / 8.0
    return np.float32(-v if c % 2 else v)


def lfp(p, nch, ntrials, nsamples):
    c, t, k = np.meshgrid(np.arange(nch), np.arange(ntrials), np.arange(nsamples), indexing="ij")
    v = (((p * 16.0 + c) * 16.0 + t) * 64.0 + k) / 8.0
    return np.where(c % 2 == 1, -v, v).astype(np.float32)


def mni(p, nch):
    c = np.arange(nch, dtype=float)
    return np.stack([c, -2.0 * c + 0.5, np.full(nch, 0.25 * p) + 1.0], axis=1)


def stimulus(p, ntrials, nimages):
    return np.array([(3 * t + p) % (nimages + 1) - 1 for t in range(ntrials)], dtype=np.int32)


def write(path):
    s = h5py.string_dtype("utf-8")
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "bandalign-dataset"
        f.attrs["version"] = 1
        f.attrs["sfreq"] = 1000.0
        f.attrs["onset_sample"] = 3
        f.attrs["montage"] = "monopolar"
        f.create_dataset("stimuli/name", data=IMAGES, dtype=s)
        f.create_dataset("stimuli/category", data=np.array([0, 0, 1, 1, 2], dtype=np.int32))
        for p, pid in ((1, "L01"), (2, "L02")):
            g = f.create_group("patients/" + pid)
            g.create_dataset("lfp", data=lfp(p, len(CONTACTS), 3, 16))
            g.create_dataset("channel_name", data=CONTACTS, dtype=s)
            g.create_dataset("mni", data=mni(p, len(CONTACTS)))
            g.create_dataset("stimulus", data=stimulus(p, 3, len(IMAGES)))
    print("ok - h5py wrote a monopolar dataset %s" % path)


def check(path):
    ok = lambda cond, what: print(("ok - " if cond else "not ok - ") + "C-written dataset: " + what)
    with h5py.File(path, "r") as f:
        a = f.attrs
        ok(a["format"] == "bandalign-dataset" and int(a["version"]) == 1, "format and version attributes")
        ok(a["sfreq"].dtype.kind == "f" and a["sfreq"] == 512.0, "sfreq is a double, 512")
        ok(a["onset_sample"].dtype.kind == "i" and a["onset_sample"] == 10, "onset_sample is an integer, 10")
        ok(a["montage"] == "bipolar", "montage is 'bipolar'")
        names = f["stimuli/name"]
        tid = names.id.get_type()
        ok(h5py.check_string_dtype(names.dtype) is not None and tid.is_variable_str()
           and tid.get_cset() == h5py.h5t.CSET_UTF8, "/stimuli/name holds variable-length UTF-8 strings")
        ok([x.decode() for x in names[()]] == IMAGES, "/stimuli/name values (with non-ASCII names)")
        cat = f["stimuli/category"]
        ok(cat.dtype == np.dtype("<i4") and list(cat[()]) == [i % 2 for i in range(5)], "/stimuli/category int32 values")
        ok(sorted(f["patients"].keys()) == ["P001", "P002", "P010"], "patients P001 P002 P010")
        shapes = {"P001": (1, 5, 6), "P002": (2, 7, 6), "P010": (10, 4, 8)}
        for pid, (p, nch, ntr) in shapes.items():
            g = f["patients/" + pid]
            ok(g["lfp"].dtype == np.dtype("<f4") and g["lfp"].shape == (nch, ntr, 40), pid + "/lfp float32 [channels, trials, samples]")
            ok(np.array_equal(g["lfp"][()], lfp(p, nch, ntr, 40)), pid + "/lfp every sample, as each rank wrote its rows")
            ok(g["stimulus"].dtype == np.dtype("<i4") and np.array_equal(g["stimulus"][()], stimulus(p, ntr, 5)),
               pid + "/stimulus int32 values")
            m = g["mni"]
            ok(m.dtype == np.dtype("<f8") and np.array_equal(m[()], mni(p, nch)), pid + "/mni float64 [channels, 3] values")
            cn = g["channel_name"]
            ok(cn.id.get_type().is_variable_str()
               and [x.decode() for x in cn[()]] == ["E%d-E%d" % (c + 1, c + 2) for c in range(nch)],
               pid + "/channel_name variable-length strings")


if __name__ == "__main__":
    {"write": write, "check": check}[sys.argv[1]](sys.argv[2])
