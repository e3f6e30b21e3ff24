"""Hostile input files for tests/t_corrupt.sh.

    corrupt.py hdf5 GOOD.h5 DIR    copies of a good bandalign-dataset file, each broken one way
    corrupt.py bids SRC DIR EDFWRITE  copies of a BIDS folder (tests/data/bids-mne-bids) with a
                                   truncated BrainVision data file or header, and an EDF+
                                   version (written by EDFlib) truncated in its data or header

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


if __name__ == "__main__":
    if sys.argv[1] == "hdf5":
        hdf5(sys.argv[2], sys.argv[3])
    else:
        bids(sys.argv[2], sys.argv[3], sys.argv[4])
