"""Hostile input files for tests/t_corrupt.sh.

    corrupt.py hdf5 GOOD.h5 DIR    copies of a good bandalign-dataset file, each broken one way
    corrupt.py bids SRC DIR EDFWRITE  copies of a BIDS folder (tests/data/bids-mne-bids) with a
                                   truncated BrainVision data file or header, and an EDF+
                                   version (written by EDFlib) truncated in its data or header
    corrupt.py rsa NET FEAT RES DIR   copies of a network, a features and a results file, each
                                   broken one way: prints "<kind> <name> <pattern>", kind
                                   network or features (read by rsa) or results (by report),
                                   pattern what the error line must hold

Prints the name of each case made, one a line."""
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np


def copy(good, out, name):
    path = os.path.join(out, name + ".h5")
    shutil.copyfile(good, path)
    print(name)
    return path


def hdf5(good, out):
    strings = h5py.string_dtype()
    with h5py.File(copy(good, out, "format_string_array"), "r+") as f:
        f.attrs["format"] = np.array(["bandalign-dataset", "x"], dtype=object).astype(strings)
    with h5py.File(copy(good, out, "format_fixed_long"), "r+") as f:
        f.attrs["format"] = np.bytes_("bandalign-dataset" + "x" * 300)
    with h5py.File(copy(good, out, "format_integer"), "r+") as f:
        f.attrs["format"] = np.int64(7)
    with h5py.File(copy(good, out, "montage_string_array"), "r+") as f:
        f.attrs["montage"] = np.array(["bipolar"] * 1000, dtype=object).astype(strings)
    # a fixed-length string of the right value is read correctly
    with h5py.File(copy(good, out, "format_fixed_ok"), "r+") as f:
        f.attrs["format"] = np.bytes_("bandalign-dataset")
    # dimensions of 2**32 + 4: chunked datasets with nothing written cost no disk
    with h5py.File(copy(good, out, "huge_names"), "r+") as f:
        del f["stimuli/name"]
        f.create_dataset("stimuli/name", shape=(2**32 + 4,), dtype=strings, chunks=(1024,))
    with h5py.File(copy(good, out, "huge_samples"), "r+") as f:
        p = sorted(f["patients"])[0]
        n, t, _ = f[f"patients/{p}/lfp"].shape
        del f[f"patients/{p}/lfp"]
        f.create_dataset(f"patients/{p}/lfp", shape=(n, t, 2**32 + 4), dtype="f4", chunks=(1, 1, 4096))
    with h5py.File(copy(good, out, "huge_channels"), "r+") as f:
        p = sorted(f["patients"])[0]
        _, t, s = f[f"patients/{p}/lfp"].shape
        del f[f"patients/{p}/lfp"]
        f.create_dataset(f"patients/{p}/lfp", shape=(2**32 + 4, t, s), dtype="f4", chunks=(1, 1, s))
    data = open(good, "rb").read()
    with open(os.path.join(out, "truncated.h5"), "wb") as f:
        f.write(data[: len(data) // 2])
    print("truncated")
    with open(os.path.join(out, "not_hdf5.h5"), "w") as f:
        f.write("this is not an HDF5 file\n" * 100)
    print("not_hdf5")


def bids(src, out, edfwrite):
    ieeg = "sub-01/ieeg"
    stem = f"{ieeg}/sub-01_task-vis_ieeg"

    def folder(name):
        d = os.path.join(out, name)
        shutil.copytree(src, d)
        print(name)
        return d

    def cut(path, n):
        with open(path, "r+b") as f:
            f.truncate(n)

    # BrainVision: 12 channels of float32; the data file cut in half at a sample, and to an odd byte
    d = folder("bv_data_half")
    size = os.path.getsize(f"{d}/{stem}.eeg")
    cut(f"{d}/{stem}.eeg", size // 2 // 48 * 48)
    d = folder("bv_data_odd")
    cut(f"{d}/{stem}.eeg", size // 2 + 1)
    d = folder("bv_header_half")
    cut(f"{d}/{stem}.vhdr", os.path.getsize(f"{d}/{stem}.vhdr") // 2)

    # EDF+: the same signals written by EDFlib (whole seconds at 1000 Hz), then cut
    names, x = [], None
    with open(f"{src}/{stem}.vhdr", encoding="utf-8-sig") as f:
        for line in f:
            if line.startswith("Ch") and "=" in line:
                names.append(line.split("=", 1)[1].split(",")[0])
    x = np.fromfile(f"{src}/{stem}.eeg", dtype="<f4").reshape(-1, len(names)).T * 0.1
    x = x[:, : x.shape[1] // 1000 * 1000]
    edf = os.path.join(out, "edf")
    shutil.copytree(src, edf)
    for ext in (".eeg", ".vhdr", ".vmrk"):
        os.remove(f"{edf}/{stem}{ext}")
    raw = os.path.join(out, "signals.f64")
    np.ascontiguousarray(x, dtype="<f8").tofile(raw)
    subprocess.run([edfwrite, f"{edf}/{stem}.edf", "1000", str(x.shape[1]), ",".join(names), "uV", raw], check=True)
    print("edf")
    d = folder("edf_data_half")
    os.remove(f"{d}/{stem}.eeg"), os.remove(f"{d}/{stem}.vhdr"), os.remove(f"{d}/{stem}.vmrk")
    shutil.copyfile(f"{edf}/{stem}.edf", f"{d}/{stem}.edf")
    cut(f"{d}/{stem}.edf", os.path.getsize(f"{d}/{stem}.edf") // 2)
    d = folder("edf_header_half")
    os.remove(f"{d}/{stem}.eeg"), os.remove(f"{d}/{stem}.vhdr"), os.remove(f"{d}/{stem}.vmrk")
    shutil.copyfile(f"{edf}/{stem}.edf", f"{d}/{stem}.edf")
    cut(f"{d}/{stem}.edf", 256 + 256 * len(names) // 2)


def edited(kind, name, good, out, pattern, edit):
    """A copy of good as DIR/<kind>_<name>.h5, changed by edit(h5py file); prints the case."""
    path = os.path.join(out, f"{kind}_{name}.h5")
    shutil.copyfile(good, path)
    with h5py.File(path, "r+") as f:
        edit(f)
    print(kind, name, pattern)


def truncated(kind, good, out):
    data = open(good, "rb").read()
    with open(os.path.join(out, f"{kind}_truncated.h5"), "wb") as f:
        f.write(data[: len(data) // 2])
    print(kind, "truncated", "cannot open as HDF5")


def replace(f, name, data):
    del f[name]
    f[name] = data


def setitem(f, name, index, value):
    a = f[name][()]
    a[index] = value
    f[name][...] = a


def rsa(net, feat, res, out):
    strings = h5py.string_dtype()
    # network files, against rsa
    with h5py.File(net, "r") as f:
        layer = f["layers/name"][1].decode()
        acts = f[f"layers/{layer}/activations"][()]
    a = f"layers/{layer}/activations"
    edited("network", "inf_activation", net, out, f"layer {layer} has a non-finite activation",
           lambda f: setitem(f, a, (3, 5), np.inf))
    edited("network", "rows", net, out, f"{a} has {acts.shape[0] - 1} rows",
           lambda f: replace(f, a, acts[:-1]))
    edited("network", "three_dims", net, out, a, lambda f: replace(f, a, acts[:, :, None]))
    edited("network", "string_activations", net, out, a,
           lambda f: replace(f, a, np.array([["x"] * acts.shape[1]] * acts.shape[0], dtype=object).astype(strings)))
    edited("network", "no_activations", net, out, f"layer '{layer}' has neither", lambda f: f.__delitem__(a))
    edited("network", "no_layer_names", net, out, "missing dataset /layers/name", lambda f: f.__delitem__("layers/name"))
    edited("network", "format_array", net, out, "attribute format of / is not one string",
           lambda f: f.attrs.__setitem__("format", np.array(["bandalign-network", "x"], dtype=object).astype(strings)))
    edited("network", "version_string", net, out, "version", lambda f: f.attrs.__setitem__("version", "1"))
    truncated("network", net, out)
    # features files, against rsa
    with h5py.File(feat, "r") as f:
        roi = sorted(f["roi"])[0]
        x = f[f"roi/{roi}/feature"][()]
    edited("features", "nan_mni", feat, out, "/channels/mni row 3 .*is not finite",
           lambda f: setitem(f, "channels/mni", (3, 1), np.nan))
    edited("features", "far_mni", feat, out, "/channels/mni row 2 .*outside the plausible box",
           lambda f: setitem(f, "channels/mni", (2, 0), 350.0))
    edited("features", "p_negative", feat, out, "responsive_p of channel .* not a p-value",
           lambda f: setitem(f, f"roi/{roi}/responsive_p", 0, -0.25))
    edited("features", "feature_columns", feat, out, f"/roi/{roi}/feature has shape",
           lambda f: replace(f, f"roi/{roi}/feature", x[:, :-1]))
    edited("features", "no_responsive_p", feat, out, f"missing dataset /roi/{roi}/responsive_p",
           lambda f: f.__delitem__(f"roi/{roi}/responsive_p"))
    edited("features", "format_integer", feat, out, "attribute format of / is not a string",
           lambda f: f.attrs.__setitem__("format", np.int64(1)))
    edited("features", "names_integers", feat, out, "/channels/name",
           lambda f: replace(f, "channels/name", np.arange(x.shape[0])))
    truncated("features", feat, out)
    # results files, against report
    with h5py.File(res, "r") as f:
        resp = np.flatnonzero(f[f"roi/{roi}/responsive"][()])
        g = int(resp[len(resp) // 2])
    edited("results", "p_above_one", res, out, "pvalue is not in \\[0, 1\\]",
           lambda f: setitem(f, f"roi/{roi}/pvalue", (g, 2), 1.5))
    edited("results", "nan_rho", res, out, "rho, pvalue and qvalue are not all numbers or all NaN",
           lambda f: setitem(f, f"roi/{roi}/rho", (g, 2), np.nan))
    edited("results", "rho_above_one", res, out, "rho is not in \\[-1, 1\\]",
           lambda f: setitem(f, f"roi/{roi}/rho", (g, 2), 3.0))
    edited("results", "significant_untested", res, out, "significant but not tested",
           lambda f: setitem(f, f"roi/{roi}/significant", (int(np.flatnonzero(f[f"roi/{roi}/responsive"][()] == 0)[0]), 0), 1))
    edited("results", "compare_p", res, out, "/comparisons/mannwhitney_p\\[1\\] is 7",
           lambda f: setitem(f, "comparisons/mannwhitney_p", (0, 1), 7.0))
    edited("results", "q_attribute", res, out, "q is 2, not in", lambda f: f.attrs.__setitem__("q", 2.0))
    edited("results", "no_rho", res, out, f"missing dataset /roi/{roi}/rho", lambda f: f.__delitem__(f"roi/{roi}/rho"))
    edited("results", "rho_rows", res, out, f"/roi/{roi}/rho has",
           lambda f: replace(f, f"roi/{roi}/rho", f[f"roi/{roi}/rho"][()][:-1]))
    edited("results", "protocol_integer", res, out, "attribute protocol of / is not a string",
           lambda f: f.attrs.__setitem__("protocol", np.int64(2)))
    truncated("results", res, out)


if __name__ == "__main__":
    if sys.argv[1] == "hdf5":
        hdf5(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "rsa":
        rsa(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5])
    else:
        bids(sys.argv[2], sys.argv[3], sys.argv[4])
