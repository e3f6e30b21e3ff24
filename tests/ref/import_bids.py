"""import-bids against MNE's EDF and BrainVision readers and first principles.

    import_bids.py EDFWRITE TMPDIR

Builds a small BIDS-iEEG folder (EDF+ written by EDFlib through the edfwrite driver, and a
BrainVision recording written here), imports it with bin/bandalign import-bids on 2 ranks,
and checks samples (against MNE's readers at 512 Hz; against the analytic sinusoid after
resampling from 1000 Hz), events, stimuli, categories and coordinates; then checks that
malformed folders end with one clear error line and no output file.
Environment: BA_BIN, BA_MPIRUN (from tests/run)."""
import concurrent.futures
import json
import os
import shlex
import shutil
import subprocess
import sys

import h5py
import mne
import numpy as np

EDFWRITE, TMP = sys.argv[1], sys.argv[2]
BIN = os.environ["BA_BIN"]
MPIRUN = shlex.split(os.environ["BA_MPIRUN"])
mne.set_log_level("ERROR")
rng = np.random.default_rng(8)


def ok(cond, what):
    print(("ok - " if cond else "not ok - ") + what, flush=True)
    return cond


def tsv(path, header, rows):
    with open(path, "w") as f:
        f.write("\t".join(header) + "\n")
        for r in rows:
            f.write("\t".join(str(v) for v in r) + "\n")


def write_edf(path, fs, labels, data, unit="uV"):
    raw = os.path.join(TMP, "signals.f64")
    np.ascontiguousarray(data, dtype="<f8").tofile(raw)
    subprocess.run([EDFWRITE, path, str(fs), str(data.shape[1]), ",".join(labels), unit, raw], check=True)


def write_brainvision(stem, fs, labels, data, resolution):
    """INT_16 multiplexed, samples = round(data / resolution)."""
    base = os.path.basename(stem)
    ints = np.round(data / resolution).astype("<i2")
    ints.T.tofile(stem + ".eeg")
    with open(stem + ".vhdr", "w") as f:
        f.write("Brain Vision Data Exchange Header File Version 1.0\n\n[Common Infos]\nCodepage=UTF-8\n")
        f.write(f"DataFile={base}.eeg\nMarkerFile={base}.vmrk\nDataFormat=BINARY\nDataOrientation=MULTIPLEXED\n")
        f.write(f"NumberOfChannels={len(labels)}\nSamplingInterval={1e6 / fs!r}\n\n[Binary Infos]\nBinaryFormat=INT_16\n\n")
        f.write("[Channel Infos]\n")
        for i, name in enumerate(labels):
            f.write(f"Ch{i + 1}={name},,{resolution},\u00b5V\n")
    with open(stem + ".vmrk", "w") as f:
        f.write(f"Brain Vision Data Exchange Marker File Version 1.0\n\n[Common Infos]\nCodepage=UTF-8\nDataFile={base}.eeg\n\n")
        f.write("[Marker Infos]\nMk1=New Segment,,1,1,0\n")


def channels(path, rows):
    tsv(path, ["name", "type", "units", "status"], rows)


def electrodes(folder, sub, space, units, coords):
    tsv(f"{folder}/{sub}_space-{space}_electrodes.tsv", ["name", "x", "y", "z", "size"],
        [[n] + [("n/a" if v is None else f"{v:.6f}") for v in xyz] + [5] for n, xyz in coords.items()])
    with open(f"{folder}/{sub}_space-{space}_coordsystem.json", "w") as f:
        json.dump({"iEEGCoordinateSystem": space, "iEEGCoordinateUnits": units}, f, indent=2)


IMAGES = ["AA01", "H02", "V03", "T04", "SCEE05"]
CATS = {"AA01": 30, "H02": 10, "V03": 20, "T04": 50, "SCEE05": 40}


def events(path, onsets, stims):
    tsv(path, ["onset", "duration", "stim_name", "cat"],
        [[f"{o:.6f}", 0.2, s, CATS.get(s, "n/a")] for o, s in zip(onsets, stims)])


def build(root):
    """The good folder; returns what the test expects."""
    os.makedirs(root)
    with open(f"{root}/dataset_description.json", "w") as f:
        json.dump({"Name": "bandalign import test", "BIDSVersion": "1.8.0"}, f)
    exp = {}

    # sub-01: EDF at 512 Hz, noise; a bad, an ECG and a coordinate-less channel drop out
    d = f"{root}/sub-01/ieeg"
    os.makedirs(d)
    labels = ["A1", "A2", "A3", "B'1", "B'2", "C1", "EKG", "D1"]
    data = rng.normal(0, 40, (len(labels), 512 * 20))
    write_edf(f"{d}/sub-01_task-vis_ieeg.edf", 512, labels, data)
    channels(f"{d}/sub-01_task-vis_channels.tsv",
             [[n, "SEEG" if n not in ("EKG",) else "ECG", "uV", "bad" if n == "C1" else "good"] for n in labels])
    xyz = {n: tuple(rng.uniform(-60, 60, 3)) for n in labels if n != "D1"}
    xyz["D1"] = (None, None, None)
    electrodes(d, "sub-01", "MNI152NLin2009cAsym", "mm", xyz)
    on = [1.0 + 1.5 * k + 0.0013 * k for k in range(11)]
    st = ["AA01", "H02", "n/a", "V03", "target", "T04", "AA01", "SCEE05", "H02", "V03", "T04"]
    events(f"{d}/sub-01_task-vis_events.tsv", on, st)
    keep = ["A1", "A2", "A3", "B'1", "B'2"]
    exp["sub-01"] = dict(kind="edf", files=[f"{d}/sub-01_task-vis_ieeg.edf"], onsets=[on], stims=st, keep=keep,
                         mni=[xyz[n] for n in keep])

    # sub-02: two runs in a session, EDF at 1000 Hz, sines below and above 256 Hz; metres, MNI305
    d = f"{root}/sub-02/ses-01/ieeg"
    os.makedirs(d)
    labels = ["A1", "A2", "A3"]
    t = np.arange(1000 * 12) / 1000
    xyz = {n: tuple(rng.uniform(-0.06, 0.06, 3)) for n in labels}
    electrodes(d, "sub-02_ses-01", "MNI305", "m", xyz)
    ons, sts = [], []
    for run in (1, 2):
        data = np.vstack([100 * np.sin(2 * np.pi * 100 * t), 100 * np.sin(2 * np.pi * 300 * t + 0.3),
                          100 * np.sin(2 * np.pi * 40 * t) + 100 * np.sin(2 * np.pi * 270 * t)])
        stem = f"{d}/sub-02_ses-01_task-vis_run-0{run}"
        write_edf(stem + "_ieeg.edf", 1000, labels, data)
        channels(stem + "_channels.tsv", [[n, "SEEG", "uV", "good"] for n in labels])
        on = [1.0 + 2.0 * k + 0.37 * run for k in range(4)]
        s = ["V03", "AA01", "T04", "H02"] if run == 1 else ["H02", "n/a", "AA01", "V03"]
        events(stem + "_events.tsv", on, s)
        ons.append(on)
        sts += s
    exp["sub-02"] = dict(kind="sine", onsets=ons, stims=sts, keep=labels, mni=[tuple(1000 * round(v, 6) for v in xyz[n]) for n in labels])

    # sub-03: BrainVision at 512 Hz, INT_16 at 0.5 uV per bit
    d = f"{root}/sub-03/ieeg"
    os.makedirs(d)
    labels = ["E1", "E2", "E3", "EOG1"]
    data = rng.normal(0, 60, (len(labels), 512 * 12))
    write_brainvision(f"{d}/sub-03_task-vis_ieeg", 512, labels, data, 0.5)
    channels(f"{d}/sub-03_task-vis_channels.tsv", [[n, "ECOG" if n != "EOG1" else "EOG", "uV", "good"] for n in labels])
    xyz = {n: tuple(rng.uniform(-60, 60, 3)) for n in labels[:3]}
    electrodes(d, "sub-03", "MNI152NLin6ASym", "mm", xyz)
    on = [1.2, 3.4, 5.0, 7.77, 9.1]
    st = ["SCEE05", "T04", "AA01", "target", "V03"]
    events(f"{d}/sub-03_task-vis_events.tsv", on, st)
    exp["sub-03"] = dict(kind="bv", files=[f"{d}/sub-03_task-vis_ieeg.vhdr"], onsets=[on], stims=st, keep=labels[:3],
                         mni=[xyz[n] for n in labels[:3]])
    return exp


def run(args, np_=2):
    return subprocess.run(MPIRUN + ["-np", str(np_), BIN] + args + ["-quiet"], capture_output=True, text=True)


def check(out, exp):
    f = h5py.File(out, "r")
    names = [n.decode() for n in f["stimuli/name"][()]]
    ok(f.attrs["format"] == "bandalign-dataset" and f.attrs["sfreq"] == 512 and f.attrs["onset_sample"] == 256
       and f.attrs["montage"] == "monopolar", "root attributes: 512 Hz, onset 256, monopolar")
    ok(names == sorted(IMAGES), f"stimuli are the distinct analysed values, sorted: {names}")
    ok(list(f["stimuli/category"][()]) == [CATS[n] for n in sorted(IMAGES)], "categories from the cat column")
    ok(sorted(f["patients"]) == ["sub-01", "sub-02", "sub-03"], "one patient per subject")
    for sub, e in exp.items():
        g = f["patients"][sub]
        ok([n.decode() for n in g["channel_name"][()]] == e["keep"],
           f"{sub}: kept SEEG/ECOG channels, good status, with coordinates, in channels.tsv order")
        ok(np.allclose(g["mni"][()], np.array(e["mni"]), atol=1e-5), f"{sub}: MNI coordinates in mm")
        want = [-1 if s in ("n/a", "target") else sorted(IMAGES).index(s) for s in e["stims"]]
        ok(list(g["stimulus"][()]) == want, f"{sub}: trial stimuli ({len(want)} trials; n/a and -exclude give -1)")
        lfp = g["lfp"][()]
        ok(lfp.shape == (len(e["keep"]), len(want), 768), f"{sub}: lfp shape {lfp.shape}")
        if e["kind"] in ("edf", "bv"):
            raw = (mne.io.read_raw_edf if e["kind"] == "edf" else mne.io.read_raw_brainvision)(e["files"][0], preload=True)
            x = raw.get_data(picks=e["keep"]) * 1e6
            ref = np.stack([x[:, int(round(o * 512)) - 256:int(round(o * 512)) + 512] for o in e["onsets"][0]], axis=1)
            err = np.abs(lfp - ref).max()
            ok(err < 1e-3 * np.abs(ref).max(), f"{sub}: epochs equal MNE's reading of the {e['kind'].upper()} file "
               f"(max |diff| {err:.2e} uV)")
        else:
            n0 = np.concatenate([np.round(np.array(o) * 512).astype(int) - 256 for o in e["onsets"]])
            tt = (n0[:, None] + np.arange(768)[None, :]) / 512
            e100 = np.abs(lfp[0] - 100 * np.sin(2 * np.pi * 100 * tt)).max()
            ok(e100 < 0.1, f"{sub}: a 100 Hz sine at 1000 Hz comes through resampling (max error {e100:.3g} of 100 uV)")
            e300 = np.abs(lfp[1]).max()
            ok(e300 < 0.1, f"{sub}: a 300 Hz sine at 1000 Hz is removed, not aliased to 212 Hz (max {e300:.3g} uV)")
            e40 = np.abs(lfp[2] - 100 * np.sin(2 * np.pi * 40 * tt)).max()
            ok(e40 < 0.1, f"{sub}: 40 Hz + 270 Hz keeps the 40 Hz alone (max error {e40:.3g} uV)")
            onset_ok = np.abs(lfp[0][:, 256] - 100 * np.sin(2 * np.pi * 100 * np.round(np.concatenate(e["onsets"]) * 512) / 512)).max()
            ok(onset_ok < 0.1, f"{sub}: sample 256 is the onset, runs concatenated in order")


PENDING = []


def expect_error(root, args, needle, what):
    """Queues a run that must fail with one line containing needle; run_pending runs them."""
    PENDING.append((root, args, needle, what, os.path.join(TMP, f"bad{len(PENDING)}.h5")))


def run_pending():
    def one(case):
        root, args, needle, what, out = case
        r = run(["import-bids", "-bids", root, "-task", "vis", "-stim_column", "stim_name", "-out", out] + args, np_=1)
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        good = (r.returncode != 0 and len(lines) == 1 and lines[0].startswith("bandalign: error: ") and needle in lines[0]
                and not os.path.exists(out) and not os.path.exists(out + ".partial"))
        return good, f"{what}: {lines[0] if lines else '(no message)'}"

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        for good, what in pool.map(one, PENDING):
            ok(good, what)


def main():
    root = os.path.join(TMP, "bids")
    exp = build(root)
    out = os.path.join(TMP, "dataset.h5")
    r = run(["import-bids", "-bids", root, "-task", "vis", "-stim_column", "stim_name", "-category_column", "cat",
             "-exclude", "target", "-out", out])
    if not ok(r.returncode == 0, "import-bids on 2 ranks"):
        print(r.stderr)
        return
    check(out, exp)
    r1 = run(["import-bids", "-bids", root, "-task", "vis", "-stim_column", "stim_name", "-category_column", "cat",
              "-exclude", "target", "-block_channels", "1", "-out", out + ".1"], np_=1)
    same = r1.returncode == 0 and all(
        np.array_equal(h5py.File(out, "r")[f"patients/{s}/lfp"][()], h5py.File(out + ".1", "r")[f"patients/{s}/lfp"][()])
        for s in exp)
    ok(same, "1 rank with -block_channels 1 writes the same samples as 2 ranks")
    r = run(["features", "-dataset", out, "-out", os.path.join(TMP, "features.h5")])
    ok(r.returncode == 0 and os.path.exists(os.path.join(TMP, "features.h5")),
       "the features stage reads the imported monopolar dataset " + r.stderr.strip()[:200])

    def broken(name, edit):
        d = os.path.join(TMP, name)
        shutil.copytree(root, d)
        edit(d)
        return d

    def sub(d, rel):
        return os.path.join(d, rel)

    def rewrite(path, old, new):
        s = open(path).read()
        open(path, "w").write(s.replace(old, new))

    d = broken("acpc", lambda d: rewrite(sub(d, "sub-01/ieeg/sub-01_space-MNI152NLin2009cAsym_coordsystem.json"),
                                         "MNI152NLin2009cAsym", "ACPC"))
    expect_error(d, [], "not an MNI space", "coordinates in ACPC space are refused")
    d = broken("notype", lambda d: rewrite(sub(d, "sub-03/ieeg/sub-03_task-vis_channels.tsv"), "type", "kind"))
    expect_error(d, [], "no column 'type'", "channels.tsv without a type column")
    d = broken("late", lambda d: rewrite(sub(d, "sub-03/ieeg/sub-03_task-vis_events.tsv"), "9.100000", "11.900000"))
    expect_error(d, [], "is not inside the recording", "an event whose epoch runs past the recording")
    d = broken("nosig", lambda d: [rewrite(sub(d, "sub-01/ieeg/" + f), "A1\t", "A4\t")
                                   for f in ("sub-01_task-vis_channels.tsv", "sub-01_space-MNI152NLin2009cAsym_electrodes.tsv")])
    expect_error(d, [], "channel A4", "a channel missing from the EDF file")
    d = broken("noevents", lambda d: os.remove(sub(d, "sub-03/ieeg/sub-03_task-vis_events.tsv")))
    expect_error(d, [], "_events.tsv: missing", "a recording without events.tsv")
    d = broken("badedf", lambda d: open(sub(d, "sub-01/ieeg/sub-01_task-vis_ieeg.edf"), "r+b").write(b"garbage!"))
    expect_error(d, [], "sub-01_task-vis_ieeg.edf: ", "a corrupt EDF header")
    d = broken("shortbv", lambda d: open(sub(d, "sub-03/ieeg/sub-03_task-vis_ieeg.eeg"), "ab").write(b"\0"))
    expect_error(d, [], "not a whole number", "a BrainVision data file of the wrong size")
    d = broken("noel", lambda d: [os.remove(sub(d, "sub-02/ses-01/ieeg/" + f)) for f in os.listdir(sub(d, "sub-02/ses-01/ieeg"))
                                  if f.endswith("_electrodes.tsv")])
    expect_error(d, [], "_electrodes.tsv", "a subject without electrodes.tsv")
    expect_error(root, ["-subjects", "01,07"], "sub-07: no such subject folder", "an unknown subject")
    expect_error(root, ["-task", "rest"], "no recording of task rest", "a task with no recordings")
    expect_error(root, ["-stim_column", "image"], "no column 'image'", "a missing stimulus column")
    expect_error(os.path.join(TMP, "nowhere"), [], "is not a folder", "a missing BIDS folder")
    run_pending()


main()
