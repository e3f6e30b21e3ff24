"""Hostile inputs whose bad part only rank 1 reads, for tests/t_rank1.sh.

    rank1.py DIR NP

DIR holds sim/dataset.h5 and sim/network.h5 (simulate -preset tiny), f.h5 (its features)
and good.h5 (rsa on them); NP is the number of ranks. Writes DIR/np<NP>/<case>.h5 (and a
BIDS folder bids/) and prints one line per case: name, then what was planted where.

Which rank reads what follows the documented rules, computed here from the files:
- features: patients in file order, channel g to the rank whose share of the total work
  (trials x samples per channel) its work midpoint falls in (src/core/partition.c);
- rsa: responsive_p of global channel g read by the rank r with n r / NP <= g < n (r + 1)
  / NP (CommEvenSplit); the features of the k-th responsive channel of a ROI by the rank
  whose even split of the responsive channels holds k; layer l built by rank l % NP;
- import-bids: a subject's channels (channels.tsv order, the ones imported) split evenly.
Each case puts its bad value in the middle of rank 1's share."""
import os
import shutil
import sys

import h5py
import numpy as np

DIR, NP = sys.argv[1], int(sys.argv[2])
OUT = os.path.join(DIR, f"np{NP}")
os.makedirs(OUT, exist_ok=True)
ROI = "theta_50_250"


def even(n, r):
    return n * r // NP, n * (r + 1) // NP


def copy(src, name):
    path = os.path.join(OUT, name + ".h5")
    shutil.copyfile(src, path)
    return path


def features_rank1_channel(ds):
    """(patient, local channel) at the middle of rank 1's share of the features stage."""
    pats = sorted(ds["patients"])
    work = [(p, c, ds[f"patients/{p}/lfp"].shape[1] * ds[f"patients/{p}/lfp"].shape[2])
            for p in pats for c in range(ds[f"patients/{p}/lfp"].shape[0])]
    total = sum(w for _, _, w in work)
    acc, mine = 0.0, []
    for p, c, w in work:
        mid = acc + 0.5 * w
        if total * 1 / NP <= mid < total * 2 / NP:
            mine.append((p, c))
        acc += w
    return mine[len(mine) // 2]


def dataset_cases():
    src = os.path.join(DIR, "sim/dataset.h5")
    with h5py.File(src, "r") as ds:
        p, c = features_rank1_channel(ds)
    with h5py.File(copy(src, "nan_sample"), "r+") as f:
        f[f"patients/{p}/lfp"][c, 3, 100] = np.nan
    print(f"nan_sample\tNaN sample in {p} channel {c}")
    # the same dataset with lfp in checksummed, compressed chunks of one channel each, and
    # rank 1's chunk damaged: only rank 1's read fails
    path = os.path.join(OUT, "bad_chunk.h5")
    with h5py.File(src, "r") as s, h5py.File(path, "w") as d:
        for k, v in s.attrs.items():
            d.attrs[k] = v

        def put(name, obj):
            if isinstance(obj, h5py.Dataset):
                if name.endswith("/lfp"):
                    d.create_dataset(name, data=obj[()], chunks=(1,) + obj.shape[1:], compression="gzip",
                                     fletcher32=True)
                else:
                    d.create_dataset(name, data=obj[()], dtype=obj.dtype)
        s.visititems(put)
    damage_chunk(path, f"patients/{p}/lfp", (c, 0, 0))
    print(f"bad_chunk\tdamaged chunk of {p} channel {c}")


def damage_chunk(path, name, coord):
    with h5py.File(path, "r") as f:
        info = f[name].id.get_chunk_info_by_coord(coord)
    with open(path, "r+b") as f:
        f.seek(info.byte_offset + info.size // 2)
        f.write(b"\xff" * 16)


def features_cases():
    src = os.path.join(DIR, "f.h5")
    with h5py.File(src, "r") as f:
        n = f["channels/name"].shape[0]
    lo, hi = even(n, 1)
    g = (lo + hi) // 2
    for name, v in (("p_nan", np.nan), ("p_high", 1.5)):
        with h5py.File(copy(src, name), "r+") as f:
            f[f"roi/{ROI}/responsive_p"][g] = v
        print(f"{name}\tresponsive_p {v} of channel {g} in {ROI}")
    with h5py.File(os.path.join(DIR, "good.h5"), "r") as r:
        resp = np.flatnonzero(r[f"roi/{ROI}/responsive"][()])
    lo, hi = even(len(resp), 1)
    g = int(resp[(lo + hi) // 2])
    for name, v in (("feature_nan", np.nan), ("feature_inf", np.inf)):
        with h5py.File(copy(src, name), "r+") as f:
            f[f"roi/{ROI}/feature"][g, 2] = v
        print(f"{name}\tfeature {v} of responsive channel {g} in {ROI}")


def network_cases():
    src = os.path.join(DIR, "sim/network.h5")
    with h5py.File(src, "r") as f:
        layers = [x.decode() for x in f["layers/name"][()]]
    layer = layers[1]  # built by rank 1 % NP = 1
    with h5py.File(copy(src, "act_nan"), "r+") as f:
        f[f"layers/{layer}/activations"][4, 7] = np.nan
    print(f"act_nan\tNaN activation in {layer}")
    path = copy(src, "act_chunk")
    with h5py.File(path, "r+") as f:
        a = f[f"layers/{layer}/activations"][()]
        del f[f"layers/{layer}/activations"]
        f.create_dataset(f"layers/{layer}/activations", data=a, chunks=(a.shape[0], 64), compression="gzip",
                         fletcher32=True)
    damage_chunk(path, f"layers/{layer}/activations", (0, 64 * (a.shape[1] // 128)))
    print(f"act_chunk\tdamaged chunk of {layer}'s activations")


def bids_case():
    src = "tests/data/bids-mne-bids"
    d = os.path.join(OUT, "bids")
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(src, d)
    ieeg = os.path.join(d, "sub-01/ieeg")
    vhdr = open(os.path.join(ieeg, "sub-01_task-vis_ieeg.vhdr"), encoding="utf-8-sig").read()
    labels = [line.split("=", 1)[1].split(",")[0] for line in vhdr.splitlines() if line.startswith("Ch")]
    assert "BinaryFormat=IEEE_FLOAT_32" in vhdr and "DataOrientation=MULTIPLEXED" in vhdr
    # the imported channels: SEEG, not bad, in channels.tsv order (what import-bids keeps)
    rows = [r.split("\t") for r in open(os.path.join(ieeg, "sub-01_task-vis_channels.tsv"),
                                        encoding="utf-8-sig").read().splitlines()]
    col = {h: i for i, h in enumerate(rows[0])}
    kept = [r[col["name"]] for r in rows[1:] if r[col["type"]] in ("SEEG", "ECOG") and r[col["status"]] != "bad"]
    lo, hi = even(len(kept), 1)
    target = kept[(lo + hi) // 2]
    eeg = os.path.join(ieeg, "sub-01_task-vis_ieeg.eeg")
    x = np.fromfile(eeg, dtype="<f4").reshape(-1, len(labels))
    x[x.shape[0] // 2, labels.index(target)] = np.nan
    x.tofile(eeg)
    print(f"bids\tNaN sample of {target} in the BrainVision file")


dataset_cases()
features_cases()
network_cases()
bids_case()
