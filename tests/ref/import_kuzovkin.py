"""import-kuzovkin against scipy.io.loadmat, then rsa -protocol kuzovkin2018 on the result.

    import_kuzovkin.py MATDIR TMPDIR

MATDIR was written by the matwrite driver (matio). Every value of the features file is
checked against the MATLAB files as scipy reads them; then a tiny network file (h5py) over
the same images goes through rsa with the study's protocol, and broken inputs must end
with one clear error line. Environment: BA_BIN, BA_MPIRUN (from tests/run)."""
import concurrent.futures
import os
import shlex
import shutil
import subprocess
import sys

import h5py
import numpy as np
import scipy.io

MATDIR, TMP = sys.argv[1], sys.argv[2]
BIN = os.environ["BA_BIN"]
MPIRUN = shlex.split(os.environ["BA_MPIRUN"])
BANDS = ["theta", "alpha", "beta", "lowgamma", "highgamma"]
WINDOWS = [(50, 250), (150, 350), (250, 450)]
ROIS = [f"{b}_{t0}_{t1}" for b in BANDS for t0, t1 in WINDOWS]


def ok(cond, what):
    print(("ok - " if cond else "not ok - ") + what, flush=True)
    return cond


def run(args, np_=2):
    return subprocess.run(MPIRUN + ["-np", str(np_), BIN] + args + ["-quiet"], capture_output=True, text=True)


def roi_of_folder(name):
    if name in ROIS:
        return ROIS.index(name)
    for b in BANDS:
        for w, (t0, _) in enumerate(WINDOWS):
            if f"_w{t0}_{b}_" in name + "_":
                return BANDS.index(b) * 3 + w
    return -1


def load(path):
    s = scipy.io.loadmat(path)["s"][0, 0]
    probes = s["probes"][0, 0]
    stimseq = [str(x[0][0]) for x in s["stimseq"]]
    data = s["data"].astype(float)
    mni = probes["mni"].reshape(-1, 3) if probes["mni"].size else np.zeros((0, 3))
    n = data.shape[1] if data.size else 0
    names = None
    if "rod_names" in probes.dtype.names:
        names = [f"{str(r[0][0])}{int(i)}" for r, i in zip(probes["rod_names"], probes["probe_ids"].ravel())]
    return dict(stimseq=stimseq, data=data.reshape(len(stimseq), n), mni=mni, names=names)


def expected():
    folders = {roi_of_folder(d): d for d in os.listdir(MATDIR) if roi_of_folder(d) >= 0}
    assert sorted(folders) == list(range(15)), folders
    files = {r: {f[:-4]: load(os.path.join(MATDIR, folders[r], f)) for f in os.listdir(os.path.join(MATDIR, folders[r]))}
             for r in range(15)}
    images = sorted(next(iter(files[0].values()))["stimseq"])
    patients = sorted({p for r in files for p in files[r]})
    rows = []  # (patient, name, mni, {roi: (file, column)})
    for p in patients:
        mine = []
        for r in range(15):
            f = files[r].get(p)
            if f is None:
                continue
            for k in range(f["data"].shape[1]):
                key = f["names"][k] if f["names"] else tuple(f["mni"][k])
                hit = [m for m in mine if m["key"] == key]
                if not hit:
                    mine.append(dict(key=key, name=f["names"][k] if f["names"] else f"ch{len(mine) + 1}", mni=f["mni"][k], at={}))
                    hit = mine[-1:]
                hit[0]["at"][r] = (f, k)
        rows += [(p, m["name"], m["mni"], m["at"]) for m in mine]
    return images, rows


def recompress():
    """P03's files as MATLAB's default (v7, zlib-compressed) format would store them."""
    n = 0
    for d in os.listdir(MATDIR):
        p = os.path.join(MATDIR, d, "P03.mat")
        if os.path.exists(p):
            scipy.io.savemat(p, {"s": scipy.io.loadmat(p)["s"]}, do_compression=True)
            n += 1
    return n


def main():
    out = os.path.join(TMP, "features.h5")
    ok(recompress() == 14, "P03's 14 files recompressed (zlib) with scipy")
    r = run(["import-kuzovkin", "-dir", MATDIR, "-out", out])
    if not ok(r.returncode == 0, "import-kuzovkin on 2 ranks"):
        print(r.stderr)
        return
    images, rows = expected()
    f = h5py.File(out, "r")
    ok(f.attrs["format"] == "bandalign-features", "a bandalign-features file")
    ok([n.decode() for n in f["stimuli/name"][()]] == images, f"/stimuli/name sorted: {len(images)} images")
    ok([n.decode() for n in f["channels/patient"][()]] == [r[0] for r in rows], "patient of each row from the file names")
    ok([n.decode() for n in f["channels/name"][()]] == [r[1] for r in rows],
       "channel names rod_names + probe_ids, or ch<k> without them: " + ",".join(r[1] for r in rows))
    ok(np.array_equal(f["channels/mni"][()], np.array([r[2] for r in rows])), "MNI coordinates from s.probes.mni")
    ok(np.all(f["channels/n_artifacts"][()] == 0), "n_artifacts 0")
    nbad = 0
    npresent = 0
    for roi in range(15):
        g = f["roi"][ROIS[roi]]
        feat, p, inc = g["feature"][()], g["responsive_p"][()], g["increase"][()]
        for i, (_, _, _, at) in enumerate(rows):
            if roi in at:
                npresent += 1
                fl, k = at[roi]
                want = np.empty(len(images), dtype=np.float32)
                for row, name in enumerate(fl["stimseq"]):
                    want[images.index(name)] = np.float32(fl["data"][row, k])
                nbad += not (np.array_equal(feat[i], want) and p[i] == 0 and inc[i] == 1)
            else:
                nbad += not (np.all(np.isnan(feat[i])) and p[i] == 1 and inc[i] == 0)
    ok(nbad == 0, f"every feature, responsive_p and increase of {len(rows)} rows x 15 ROIs "
       f"({npresent} channel-ROI pairs from the files, the rest not responsive)")

    # rsa with the study's protocol on a tiny network over the same images
    net = os.path.join(TMP, "network.h5")
    rng = np.random.default_rng(3)
    with h5py.File(net, "w") as h:
        h.attrs["format"] = "bandalign-network"
        h.attrs["version"] = 1
        order = rng.permutation(len(images))
        h["stimuli/name"] = np.array([images[i] for i in order], dtype=h5py.string_dtype())
        h["layers/name"] = np.array(["conv1", "conv2", "fc"], dtype=h5py.string_dtype())
        for l in ("conv1", "conv2", "fc"):
            h[f"layers/{l}/activations"] = rng.normal(size=(len(images), 16)).astype(np.float32)
    res = os.path.join(TMP, "results.h5")
    r = run(["rsa", "-protocol", "kuzovkin2018", "-features", out, "-network", net, "-permutations", "200", "-out", res])
    if not ok(r.returncode == 0, "rsa -protocol kuzovkin2018 runs on the imported features"):
        print(r.stderr)
        return
    with h5py.File(res, "r") as h:
        good = True
        for roi in range(15):
            want = np.array([roi in at for (_, _, _, at) in rows], dtype=np.uint8)
            good &= np.array_equal(h["roi"][ROIS[roi]]["responsive"][()], want)
            rho = h["roi"][ROIS[roi]]["rho"][()]
            good &= bool(np.all(np.isfinite(rho[want == 1])) and np.all(np.isnan(rho[want == 0])))
        ok(good and h.attrs["protocol"] == "kuzovkin2018",
           "rsa takes exactly the channels of each ROI folder as responsive and scores them")

    # broken inputs
    cases = []

    def broken(name, edit, needle, what):
        d = os.path.join(TMP, name)
        shutil.copytree(MATDIR, d)
        edit(d)
        cases.append((d, needle, what))

    def folder(d, roi):
        return os.path.join(d, [x for x in sorted(os.listdir(d)) if roi_of_folder(x) == roi][0])

    broken("noroi", lambda d: shutil.rmtree(folder(d, 5)), "no folder for ROI alpha_250_450", "a missing ROI folder")
    broken("twice", lambda d: shutil.copytree(folder(d, 3), os.path.join(d, "alpha_50_250")), "both hold ROI alpha_50_250",
           "two folders for one ROI")
    broken("text", lambda d: open(os.path.join(folder(d, 2), "P01.mat"), "w").write("not matlab\n"), "P01.mat: not a MATLAB file",
           "a file that is not MATLAB")

    def nodata(d):
        scipy.io.savemat(os.path.join(folder(d, 9), "P02.mat"), {"s": {"stimseq": np.array([["AA01"]], dtype=object),
                                                                         "probes": {"mni": np.zeros((0, 3))}}})
    broken("nodata", nodata, "no field s.data", "a struct without s.data")

    def otherimg(d):
        p = os.path.join(folder(d, 11), "P01.mat")
        m = scipy.io.loadmat(p)
        m["s"][0, 0]["stimseq"][3, 0] = np.array(["XX99"])
        scipy.io.savemat(p, {"s": m["s"]})
    broken("otherimg", otherimg, "image XX99 of s.stimseq is not in the other files", "files naming different images")

    def probes_edit(field, row, col, value):
        def edit(d):
            p = os.path.join(folder(d, 4), "P01.mat")
            m = scipy.io.loadmat(p)
            a = m["s"][0, 0]["probes"][0, 0][field]
            a.reshape(-1, a.shape[-1])[row, col] = value
            scipy.io.savemat(p, {"s": m["s"]})
        return edit
    for v, shown in ((2.5, "2.5"), (-7, "-7"), (np.nan, "nan")):
        broken(f"probeid{shown}", probes_edit("probe_ids", 1, 0, v),
               f"P01.mat: s.probes.probe_ids(2) is {shown}, not a whole number in [0, 9999]",
               f"a probe id {shown} (was: a channel named <rod>{shown})")
    broken("mninan", probes_edit("mni", 0, 1, np.nan), "s.probes.mni row 1 (", "a NaN MNI coordinate")
    broken("mnifar", probes_edit("mni", 2, 2, 999), "s.probes.mni row 3 (", "an MNI coordinate 999 mm from the origin")

    def one(case):
        d, needle, what = case
        o = os.path.join(TMP, f"bad-{os.path.basename(d)}.h5")
        r = run(["import-kuzovkin", "-dir", d, "-out", o], np_=1)
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        good = (r.returncode != 0 and len(lines) == 1 and lines[0].startswith("bandalign: error: ") and needle in lines[0]
                and not os.path.exists(o))
        return good, f"{what}: {lines[0] if lines else '(no message)'}"

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        for good, what in pool.map(one, cases):
            ok(good, what)


main()
