"""import-bids against MNE's EDF and BrainVision readers and first principles.

    import_bids.py EDFWRITE TMPDIR

Builds a small BIDS-iEEG folder (EDF+ written by EDFlib through the edfwrite driver, and a
BrainVision recording written here), imports it with bin/bandalign import-bids on 2 ranks,
and checks samples (against MNE's readers at 512 Hz; against the analytic sinusoid after
resampling from 1000 Hz), events, stimuli, categories and coordinates. The folder holds
what mne-bids writes and users meet: BOMs in every text file of sub-03, contacts named
"LENT 1" (and "POL A1" and a lone contact, left out), an n/a row before the first epoch
fits, a BAD span, a -exclude glob, an onset halfway between two samples, runs 9 and 10,
channels.tsv inherited from the subject folder and coordsystem.json from the root. Then
tests/data/bids-mne-bids (written by mne-bids 0.17) is imported on 1 and 2 ranks and
compared with MNE (reject_by_annotation; samples through the documented resampler to
float32 precision), and malformed folders must end with one clear error line and no
output file.
Environment: BA_BIN, BA_MPIRUN (from tests/run)."""
import concurrent.futures
import csv
import glob
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


def tsv(path, header, rows, bom=False):
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8") as f:
        f.write("\t".join(header) + "\n")
        for r in rows:
            f.write("\t".join(str(v) for v in r) + "\n")


def write_edf(path, fs, labels, data, unit="uV"):
    raw = os.path.join(TMP, "signals.f64")
    np.ascontiguousarray(data, dtype="<f8").tofile(raw)
    subprocess.run([EDFWRITE, path, str(fs), str(data.shape[1]), ",".join(labels), unit, raw], check=True)


def write_brainvision(stem, fs, labels, data, resolution, bom=False):
    """INT_16 multiplexed, samples = round(data / resolution); bom: the .vhdr starts with a UTF-8 BOM."""
    base = os.path.basename(stem)
    ints = np.round(data / resolution).astype("<i2")
    ints.T.tofile(stem + ".eeg")
    with open(stem + ".vhdr", "w", encoding="utf-8-sig" if bom else "utf-8") as f:
        f.write("Brain Vision Data Exchange Header File Version 1.0\n\n[Common Infos]\nCodepage=UTF-8\n")
        f.write(f"DataFile={base}.eeg\nMarkerFile={base}.vmrk\nDataFormat=BINARY\nDataOrientation=MULTIPLEXED\n")
        f.write(f"NumberOfChannels={len(labels)}\nSamplingInterval={1e6 / fs!r}\n\n[Binary Infos]\nBinaryFormat=INT_16\n\n")
        f.write("[Channel Infos]\n")
        for i, name in enumerate(labels):
            f.write(f"Ch{i + 1}={name},,{resolution},\u00b5V\n")
    with open(stem + ".vmrk", "w") as f:
        f.write(f"Brain Vision Data Exchange Marker File Version 1.0\n\n[Common Infos]\nCodepage=UTF-8\nDataFile={base}.eeg\n\n")
        f.write("[Marker Infos]\nMk1=New Segment,,1,1,0\n")


def channels(path, rows, bom=False):
    tsv(path, ["name", "type", "units", "status"], rows, bom)


def electrodes(folder, sub, space, units, coords, bom=False):
    tsv(f"{folder}/{sub}_space-{space}_electrodes.tsv", ["name", "x", "y", "z", "size"],
        [[n] + [("n/a" if v is None else f"{v:.6f}") for v in xyz] + [5] for n, xyz in coords.items()], bom)
    with open(f"{folder}/{sub}_space-{space}_coordsystem.json", "w", encoding="utf-8-sig" if bom else "utf-8") as f:
        json.dump({"iEEGCoordinateSystem": space, "iEEGCoordinateUnits": units}, f, indent=2)


IMAGES = ["AA01", "H02", "V03", "T04", "SCEE05"]
CATS = {"AA01": 30, "H02": 10, "V03": 20, "T04": 50, "SCEE05": 40}


def events(path, onsets, stims, bom=False, spans=()):
    """One row per trial, then BAD spans (onset, duration, value) sorted in by onset."""
    rows = [[f"{o:.10f}", 0.2, s, CATS.get(s, "n/a")] for o, s in zip(onsets, stims)]
    rows += [[f"{o:.6f}", d, v, "n/a"] for o, d, v in spans]
    tsv(path, ["onset", "duration", "stim_name", "cat"], sorted(rows, key=lambda r: float(r[0])), bom)


def first_sample(onset):
    """The documented rule: round(512 onset), ties away from zero (C's llround), minus 256."""
    return int(np.floor(onset * 512 + 0.5)) - 256


def cut(x, n0, n=768):
    """x[:, n0:n0 + n], zero outside the recording."""
    out = np.zeros((x.shape[0], n))
    lo, hi = max(n0, 0), min(n0 + n, x.shape[1])
    if hi > lo:
        out[:, lo - n0:hi - n0] = x[:, lo:hi]
    return out


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
    # an n/a row whose epoch starts before the recording, a response, a BAD span over the
    # second H02 (13.0104 s), and AA01 at 8704.5 / 512 s, halfway between two samples
    on = [0.1] + [1.0 + 1.5 * k + 0.0013 * k for k in range(11)] + [7.8, 8704.5 / 512]
    st = ["n/a", "AA01", "H02", "n/a", "V03", "target", "T04", "AA01", "SCEE05", "H02", "V03", "T04", "response", "AA01"]
    order = np.argsort(on, kind="stable")
    on, st = [on[i] for i in order], [st[i] for i in order]
    events(f"{d}/sub-01_task-vis_events.tsv", on, st, spans=[(13.0, 0.3, "BAD_movement")])
    keep = ["A1", "A2", "A3", "B'1", "B'2"]
    exp["sub-01"] = dict(kind="edf", files=[f"{d}/sub-01_task-vis_ieeg.edf"], onsets=[on], stims=st, keep=keep,
                         mni=[xyz[n] for n in keep], in_bad={on.index(1.0 + 1.5 * 8 + 0.0013 * 8)})

    # sub-02: two runs in a session, EDF at 1000 Hz, sines below and above 256 Hz; metres, MNI305
    d = f"{root}/sub-02/ses-01/ieeg"
    os.makedirs(d)
    labels = ["A1", "A2", "A3"]
    t = np.arange(1000 * 12) / 1000
    xyz = {n: tuple(rng.uniform(-0.06, 0.06, 3)) for n in labels}
    electrodes(d, "sub-02_ses-01", "MNI305", "m", xyz)
    os.rename(f"{d}/sub-02_ses-01_space-MNI305_coordsystem.json", f"{root}/space-MNI305_coordsystem.json")
    channels(f"{root}/sub-02/sub-02_task-vis_channels.tsv", [[n, "SEEG", "uV", "good"] for n in labels])
    ons, sts = [], []
    for run in (1, 2):
        data = np.vstack([100 * np.sin(2 * np.pi * 100 * t), 100 * np.sin(2 * np.pi * 300 * t + 0.3),
                          100 * np.sin(2 * np.pi * 40 * t) + 100 * np.sin(2 * np.pi * 270 * t)])
        stem = f"{d}/sub-02_ses-01_task-vis_run-{8 + run}"  # run-9 before run-10
        write_edf(stem + "_ieeg.edf", 1000, labels, data)
        on = [1.0 + 2.0 * k + 0.37 * run for k in range(4)]
        s = ["V03", "AA01", "T04", "H02"] if run == 1 else ["H02", "n/a", "AA01", "V03"]
        events(stem + "_events.tsv", on, s)
        ons.append(on)
        sts += s
    exp["sub-02"] = dict(kind="sine", onsets=ons, stims=sts, keep=labels, in_bad=set(), mni=[tuple(1000 * round(v, 6) for v in xyz[n]) for n in labels])

    # sub-03: BrainVision at 512 Hz, INT_16 at 0.5 uV per bit; every text file with a UTF-8
    # BOM; contacts named as MNE's sample SEEG ("LENT 1"), one "POL A1" and one lone contact
    d = f"{root}/sub-03/ieeg"
    os.makedirs(d)
    labels = ["LENT 1", "LENT 2", "LENT 3", "EOG1", "POL A1", "X7"]
    data = rng.normal(0, 60, (len(labels), 512 * 12))
    write_brainvision(f"{d}/sub-03_task-vis_ieeg", 512, labels, data, 0.5, bom=True)
    channels(f"{d}/sub-03_task-vis_channels.tsv", [[n, "EOG" if n == "EOG1" else "ECOG", "uV", "good"] for n in labels],
             bom=True)
    xyz = {n: tuple(rng.uniform(-60, 60, 3)) for n in labels if n != "EOG1"}
    electrodes(d, "sub-03", "MNI152NLin6ASym", "mm", xyz, bom=True)
    on = [1.2, 3.4, 5.0, 7.77, 9.1]
    st = ["SCEE05", "T04", "AA01", "target", "V03"]
    events(f"{d}/sub-03_task-vis_events.tsv", on, st, bom=True)
    keep = labels[:3]
    exp["sub-03"] = dict(kind="bv", files=[f"{d}/sub-03_task-vis_ieeg.vhdr"], onsets=[on], stims=st, keep=keep,
                         names=[n.replace(" ", "") for n in keep], in_bad=set(), mni=[xyz[n] for n in keep])
    return exp


def run(args, np_=2, quiet=True):
    return subprocess.run(MPIRUN + ["-np", str(np_), BIN] + args + (["-quiet"] if quiet else []), capture_output=True,
                          text=True)


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
        ok([n.decode() for n in g["channel_name"][()]] == e.get("names", e["keep"]),
           f"{sub}: kept SEEG/ECOG channels, good status, with coordinates and a neighbour, in channels.tsv order"
           + (" (\"LENT 1\" stored as LENT1)" if "names" in e else ""))
        ok(np.allclose(g["mni"][()], np.array(e["mni"]), atol=1e-5), f"{sub}: MNI coordinates in mm")
        want = [-1 if s in ("n/a", "target", "response") or i in e["in_bad"] else sorted(IMAGES).index(s)
                for i, s in enumerate(e["stims"])]
        ok(list(g["stimulus"][()]) == want, f"{sub}: trial stimuli ({len(want)} trials; n/a, -exclude globs and "
           f"{len(e['in_bad'])} overlapping a BAD span give -1, the span is no trial)")
        lfp = g["lfp"][()]
        ok(lfp.shape == (len(e["keep"]), len(want), 768), f"{sub}: lfp shape {lfp.shape}")
        if e["kind"] in ("edf", "bv"):
            raw = (mne.io.read_raw_edf if e["kind"] == "edf" else mne.io.read_raw_brainvision)(e["files"][0], preload=True)
            x = raw.get_data(picks=e["keep"]) * 1e6
            ref = np.stack([cut(x, first_sample(o)) for o in e["onsets"][0]], axis=1)
            err = np.abs(lfp - ref).max()
            ok(err < 1e-3 * np.abs(ref).max(), f"{sub}: epochs equal MNE's reading of the {e['kind'].upper()} file, "
               f"zero before the recording, onset ties rounded up (max |diff| {err:.2e} uV)")
        else:
            n0 = np.array([first_sample(o) for o in np.concatenate(e["onsets"])])
            tt = (n0[:, None] + np.arange(768)[None, :]) / 512
            e100 = np.abs(lfp[0] - 100 * np.sin(2 * np.pi * 100 * tt)).max()
            ok(e100 < 0.1, f"{sub}: a 100 Hz sine at 1000 Hz comes through resampling (max error {e100:.3g} of 100 uV)")
            e300 = np.abs(lfp[1]).max()
            ok(e300 < 0.1, f"{sub}: a 300 Hz sine at 1000 Hz is removed, not aliased to 212 Hz (max {e300:.3g} uV)")
            e40 = np.abs(lfp[2] - 100 * np.sin(2 * np.pi * 40 * tt)).max()
            ok(e40 < 0.1, f"{sub}: 40 Hz + 270 Hz keeps the 40 Hz alone (max error {e40:.3g} uV)")
            onset_ok = np.abs(lfp[0][:, 256] - 100 * np.sin(2 * np.pi * 100 * (n0 + 256) / 512)).max()
            ok(onset_ok < 0.1, f"{sub}: sample 256 is the onset, runs concatenated in order (run-9 before run-10; "
               "channels.tsv from the subject folder, coordsystem.json from the root)")


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
                and not os.path.exists(out) and not glob.glob(out + ".partial*"))
        return good, f"{what}: {lines[0] if lines else '(no message)'}"

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        for good, what in pool.map(one, PENDING):
            ok(good, what)


def main():
    root = os.path.join(TMP, "bids")
    exp = build(root)
    out = os.path.join(TMP, "dataset.h5")
    r = run(["import-bids", "-bids", root, "-task", "vis", "-stim_column", "stim_name", "-category_column", "cat",
             "-exclude", "target,resp*", "-out", out], quiet=False)
    if not ok(r.returncode == 0, "import-bids on 2 ranks"):
        print(r.stderr)
        return
    summary = r.stdout.splitlines()[0] if r.stdout else ""
    ok("11 contacts (left out: 1 not named <shaft><number> or repeated, 1 without coordinates, 1 without a neighbour "
       "on their shaft), 27 trials (1 overlapping one of 1 BAD spans, not analysed), 5 images" in summary,
       f"the summary line counts what was left out: {summary}")
    check(out, exp)
    r1 = run(["import-bids", "-bids", root, "-task", "vis", "-stim_column", "stim_name", "-category_column", "cat",
              "-exclude", "target,resp*", "-block_channels", "1", "-out", out + ".1"], np_=1)
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
    d = broken("mefd", lambda d: os.makedirs(sub(d, "sub-03/ieeg/sub-03_task-vis_run-2_ieeg.mefd")))
    expect_error(d, [], "sub-03_task-vis_run-2_ieeg.mefd: format not supported", "a recording in MEF3 (a folder)")
    d = broken("set", lambda d: open(sub(d, "sub-02/ses-01/ieeg/sub-02_ses-01_task-vis_run-11_ieeg.set"), "w").close())
    expect_error(d, [], "_ieeg.set: format not supported", "a recording in EEGLAB .set")
    d = broken("twochan", lambda d: shutil.copy(sub(d, "sub-02/sub-02_task-vis_channels.tsv"),
                                                sub(d, "sub-02/sub-02_ses-01_channels.tsv")))
    expect_error(d, [], "both apply to", "two channels.tsv with as many entities in one folder")
    d = broken("badspan", lambda d: rewrite(sub(d, "sub-01/ieeg/sub-01_task-vis_events.tsv"), "0.3\tBAD_movement",
                                            "-1\tBAD_movement"))
    expect_error(d, [], "duration '-1' of a BAD span", "a BAD span of negative duration")

    def set_cell(path, name, col, value):
        """electrodes.tsv's cell of contact name in column col (x, y or z) set to value."""
        lines = open(path, encoding="utf-8").read().split("\n")
        c = lines[0].lstrip("\ufeff").split("\t").index(col)
        for i, line in enumerate(lines):
            cells = line.split("\t")
            if cells[0] == name:
                cells[c] = value
                lines[i] = "\t".join(cells)
        open(path, "w", encoding="utf-8").write("\n".join(lines))

    el01 = "sub-01/ieeg/sub-01_space-MNI152NLin2009cAsym_electrodes.tsv"
    for col, value, needle in (("x", "nan", "(A1): x is 'nan', not a finite number or n/a"),
                               ("y", "inf", "(A1): y is 'inf', not a finite number or n/a"),
                               ("z", "left", "(A1): z is 'left', not a finite number or n/a"),
                               ("x", "-250", "(A1): MNI coordinate (-250, ")):
        d = broken(f"el_{col}_{value}", lambda d: set_cell(sub(d, el01), "A1", col, value))
        expect_error(d, [], needle, f"electrodes.tsv: {col} = {value} is refused (n/a stays allowed)")
    for res in ("0", "nan"):
        d = broken(f"bvres_{res}", lambda d: rewrite(sub(d, "sub-03/ieeg/sub-03_task-vis_ieeg.vhdr"), ",,0.5,", f",,{res},"))
        expect_error(d, [], f"resolution '{res}' is not a finite positive number", f"a BrainVision channel resolution {res}")
    mne_bids_folder()
    run_pending()


def kaiser_resampler(fs_in, fs_out=512.0):
    """The filter of docs/import.md, designed here with numpy: L, M and the taps."""
    from fractions import Fraction
    fr = Fraction(round(fs_out * 1000), round(fs_in * 1000))
    L, M = fr.numerator, fr.denominator
    nyq = 0.5 * min(fs_in, fs_out)
    pas, stop, fs_up = 0.8 * nyq, nyq, fs_in * L
    beta = 0.1102 * (80 - 8.7)
    n = int(np.ceil((80 - 7.95) / (2.285 * 2 * np.pi * (stop - pas) / fs_up))) + 1
    n += n % 2 == 0
    a = 2 * (0.5 * (pas + stop)) / fs_up
    h = a * np.sinc(a * (np.arange(n) - (n - 1) / 2)) * np.kaiser(n, beta)
    return L, M, h * L / h.sum()


def resample_epoch(x, L, M, h, n0, nout=768):
    """Output samples n0 .. n0 + nout - 1 at fs L / M of x (rows), x zero beyond its ends:
    y[k] = sum_j x[j] h[c + (n0 + k) M - j L]."""
    c = (len(h) - 1) // 2
    u = (n0 + np.arange(nout)) * M
    j = np.ceil((u - c) / L).astype(int)[:, None] + np.arange(len(h) // L + 2)[None, :]
    tap = c + u[:, None] - j * L
    valid = (tap >= 0) & (tap < len(h)) & (j >= 0) & (j < x.shape[1])
    w = np.where(valid, h[np.clip(tap, 0, len(h) - 1)], 0.0)
    return np.einsum("ckp,kp->ck", x[:, np.clip(j, 0, x.shape[1] - 1)], w)


def mne_bids_folder():
    """tests/data/bids-mne-bids, written by mne-bids 0.17 (README.bandalign.md there)."""
    src = "tests/data/bids-mne-bids"
    ieeg = f"{src}/sub-01/ieeg"
    out, out1 = os.path.join(TMP, "mnebids.h5"), os.path.join(TMP, "mnebids1.h5")
    args = ["import-bids", "-bids", src, "-task", "vis", "-exclude", "target,response"]
    r = run(args + ["-out", out], quiet=False)
    summary = r.stdout.splitlines()[0] if r.stdout else r.stderr.strip()
    if not ok(r.returncode == 0 and "9 contacts" in summary and "46 trials (1 overlapping one of 1 BAD spans" in summary
              and "40 images" in summary, f"mne-bids folder (BOM in every TSV, fsaverage): 2 ranks: {summary}"):
        return
    r1 = run(args + ["-block_channels", "2", "-out", out1], np_=1)
    a, b = h5py.File(out, "r"), h5py.File(out1, "r")
    objs = []
    a.visititems(lambda name, obj: objs.append(name) if isinstance(obj, h5py.Dataset) else None)
    ok(r1.returncode == 0 and all(np.array_equal(a[n][()], b[n][()]) for n in objs)
       and all(np.array_equal(a.attrs[k], b.attrs[k]) for k in a.attrs) and a.attrs.keys() == b.attrs.keys(),
       f"mne-bids folder: 1 rank (-block_channels 2) writes the same {len(objs)} datasets as 2 ranks")

    with open(f"{ieeg}/sub-01_task-vis_events.tsv", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    spans = [r for r in rows if r["trial_type"].upper().startswith("BAD")]
    trials = [r for r in rows if r not in spans]
    images = sorted({r["trial_type"] for r in trials} - {"target", "response"})
    g = a["patients/sub-01"]
    names = [n.decode() for n in a["stimuli/name"][()]]
    stim = list(g["stimulus"][()])
    ok(names == images and len(names) == 40,
       f"mne-bids folder: {len(names)} images, the distinct trial_type values but target, response and BAD spans")
    ok(len(stim) == len(trials) == 46 and all(s == -1 for s, r in zip(stim, trials) if r["trial_type"] in ("target", "response")),
       f"mne-bids folder: {len(stim)} trials (the BAD span is none), target and response trials not analysed")

    # MNE's own reject_by_annotation on the raw file at 1000 Hz decides which images are lost
    raw = mne.io.read_raw_brainvision(f"{ieeg}/sub-01_task-vis_ieeg.vhdr", preload=True)
    raw.set_annotations(mne.Annotations([float(r["onset"]) for r in spans], [float(r["duration"]) for r in spans],
                                        [r["trial_type"] for r in spans]))
    img_rows = [i for i, r in enumerate(trials) if r["trial_type"] in images]
    ev = np.array([[int(round(float(trials[i]["onset"]) * raw.info["sfreq"])), 0, 1] for i in img_rows])
    ep = mne.Epochs(raw, ev, tmin=-0.5, tmax=0.998, baseline=None, reject_by_annotation=True, preload=False)
    ep.drop_bad()
    mne_dropped = {img_rows[k] for k, log in enumerate(ep.drop_log) if log}
    ours = {i for i in img_rows if stim[i] == -1}
    ok(ours == mne_dropped and len(ours) == 1 and all(stim[i] == images.index(trials[i]["trial_type"])
                                                      for i in img_rows if i not in ours),
       f"mne-bids folder: image trials overlapping BAD_movement not analysed, as MNE's reject_by_annotation drops "
       f"them ({[trials[i]['trial_type'] for i in sorted(ours)]}); the others keep their image")

    with open(f"{src}/sub-01/ieeg/sub-01_space-fsaverage_electrodes.tsv", encoding="utf-8-sig") as f:
        el = {r["name"]: r for r in csv.DictReader(f, delimiter="\t")}
    keep = ["A'1", "A'2", "A'3", "A'4", "A'5", "B1", "B2", "B3", "B4"]
    ok([n.decode() for n in g["channel_name"][()]] == keep
       and np.allclose(g["mni"][()], [[1000 * float(el[n][k]) for k in "xyz"] for n in keep], atol=1e-9),
       "mne-bids folder: SEEG contacts but the bad B5 (no ECG, EOG), fsaverage coordinates from m to mm")

    picks = ["A'1", "A'4", "B2"]
    x = raw.get_data(picks=picks) * 1e6
    L, M, h = kaiser_resampler(raw.info["sfreq"])
    ref = np.stack([resample_epoch(x, L, M, h, first_sample(float(r["onset"]))) for r in trials], axis=1)
    got = g["lfp"][()][[keep.index(p) for p in picks]].astype(np.float64)
    ulp = np.spacing(np.abs(ref).astype(np.float32)).astype(np.float64)
    worst = (np.abs(got - ref) / ulp).max()
    ok(L == 64 and M == 125 and worst <= 1.0,
       f"mne-bids folder: samples of {', '.join(picks)} (all {len(trials)} trials) equal MNE's reading of the .vhdr "
       f"resampled by the documented filter to float32 precision (max |diff| {np.abs(got - ref).max():.2e} uV, "
       f"{worst:.2f} float32 ulp, {len(h)} taps)")


main()
