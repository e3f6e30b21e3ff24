"""tests/ref/activations.py: the reference for tests/t_activations.sh (scripts/bandalign-activations).

    activations.py gen DIR            images, the reference activations (the models run here
                                      directly, with forward hooks), .npz and weight files
    activations.py stimuli DIR DATASET  one image per stimulus name of a dataset file
    activations.py check DIR          9 checks of the files the script wrote

The reference spells out torchvision's ImageClassification preset as the classic
transforms (Resize 256, CenterCrop 224, ToTensor, Normalize with ImageNet mean/std) and
builds the models with their own builders, so it shares no code with the script.
"""
import os
import sys

import h5py
import numpy as np

MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
ALEX = [("conv1", "features.1"), ("conv2", "features.4"), ("conv3", "features.7"), ("conv4", "features.9"),
        ("conv5", "features.11"), ("fc6", "classifier.2"), ("fc7", "classifier.5"), ("fc8", "classifier.6")]
RESNET = ["layer1", "layer2", "layer3", "layer4", "fc"]
# file -> (size, PIL mode); a non-image file and sub-folder are skipped by the script
IMAGES = {"cat_01.png": ((40, 30), "RGB"), "cat_02.jpg": ((300, 260), "RGB"), "dog 03.png": ((224, 224), "L"),
          "dog_04.PNG": ((64, 200), "RGBA"), "face.05.bmp": ((500, 90), "RGB"), "house_06.gif": ((33, 33), "P")}


def ok(cond, msg):
    print(("ok - " if cond else "not ok - ") + msg)


def run(model, modules, files):
    """Activations [n, ...] per module, the model run directly on the files."""
    import torch
    from PIL import Image
    from torchvision import transforms as T
    tf = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(), T.Normalize(MEAN, STD)])
    x = torch.stack([tf(Image.open(f).convert("RGB")) for f in files])
    mods, got = dict(model.named_modules()), {}
    hooks = [mods[m].register_forward_hook(lambda _m, _i, o, m=m: got.__setitem__(m, o.detach().clone()))
             for m in modules]
    with torch.no_grad():
        model.eval()(x)
    for h in hooks:
        h.remove()
    return {m: got[m].numpy() for m in modules}


def gen(d):
    import torch
    import torchvision
    from PIL import Image
    torch.set_num_threads(1)
    img = os.path.join(d, "img")
    os.makedirs(os.path.join(img, "sub"), exist_ok=True)
    r = np.random.default_rng(7)
    for f, ((w, h), mode) in IMAGES.items():
        a = r.integers(0, 256, (h, w, 3), dtype=np.uint8)
        im = Image.fromarray(a)
        im = im.convert("P") if mode == "P" else im.convert(mode)
        im.save(os.path.join(img, f))
    with open(os.path.join(img, "notes.txt"), "w") as f:
        f.write("not an image\n")
    files = [os.path.join(img, f) for f in sorted(IMAGES)]
    names = [os.path.splitext(f)[0] for f in sorted(IMAGES)]

    torch.manual_seed(3)
    alex = torchvision.models.alexnet(weights=None)
    acts = run(alex, [m for _, m in ALEX], files)
    np.savez(os.path.join(d, "alexnet.npz"), **{n: acts[m] for n, m in ALEX})  # 4-D conv arrays
    with open(os.path.join(d, "names.txt"), "w") as f:
        f.write("".join(n + "\n" for n in names))
    np.savez(os.path.join(d, "bad.npz"), conv1=acts["features.1"], fc8=acts["classifier.6"][:-1])

    # resnet18 from a state_dict, on a list file in another order, renamed by a TSV
    torch.manual_seed(5)
    res = torchvision.models.resnet18(weights=None)
    torch.save(res.state_dict(), os.path.join(d, "resnet18.pth"))
    order = files[::-1]
    racts = run(res, RESNET, order)
    np.savez(os.path.join(d, "resnet18_ref.npz"), **racts)
    with open(os.path.join(d, "list.txt"), "w") as f:
        f.write("# images, newest first\n" + "".join(f"img/{os.path.basename(p)}\n" for p in order))
    with open(os.path.join(d, "names.tsv"), "w") as f:
        f.write("file\tname\n" + "".join(f"{os.path.basename(p)}\tstim{i:02d}\n" for i, p in enumerate(order)))

    bad = os.path.join(d, "badimg")
    os.makedirs(bad, exist_ok=True)
    with open(os.path.join(bad, "broken.png"), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + bytes(r.integers(0, 256, 200, dtype=np.uint8)))
    empty = os.path.join(d, "noimages")
    os.makedirs(empty, exist_ok=True)
    with open(os.path.join(empty, "readme.txt"), "w") as f:
        f.write("nothing here\n")


def stimuli(d, dataset):
    from PIL import Image
    names = [x.decode() for x in h5py.File(dataset, "r")["/stimuli/name"][()]]
    os.makedirs(d, exist_ok=True)
    r = np.random.default_rng(11)
    for n in names:
        Image.fromarray(r.integers(0, 256, (48, 64, 3), dtype=np.uint8)).save(os.path.join(d, n + ".jpg"))


def strings(ds):
    return [x.decode() if isinstance(x, bytes) else x for x in ds[()]]


def structure(path):
    """What the C reader relies on, as comparable values."""
    with h5py.File(path, "r") as f:
        def attr(name):
            a = h5py.h5a.open(f.id, name.encode())
            t = a.get_type()
            return (t.get_class(), t.is_variable_str() if t.get_class() == h5py.h5t.STRING else t.get_size(),
                    t.get_cset() if t.get_class() == h5py.h5t.STRING else None, a.get_space().get_simple_extent_type())

        def sdset(name):
            t = f[name].id.get_type()
            return (t.get_class(), t.is_variable_str(), t.get_cset(), f[name].ndim)
        layers = strings(f["/layers/name"])
        acts = {(f[f"/layers/{l}/activations"].dtype.str, f[f"/layers/{l}/activations"].ndim,
                 f[f"/layers/{l}/activations"].shape[0] == f["/stimuli/name"].shape[0],
                 f[f"/layers/{l}/activations"].id.get_create_plist().get_layout()) for l in layers}
        groups = sorted(f.keys()), sorted(k for k in f["/layers"].keys() if k != "name") == sorted(layers)
        return (f.attrs["format"], int(f.attrs["version"]), attr("format"), attr("version"),
                sdset("/stimuli/name"), sdset("/layers/name"), acts, groups)


def relerr(a, b):
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30))


def check(d):
    names = [os.path.splitext(f)[0] for f in sorted(IMAGES)]
    ref = np.load(os.path.join(d, "alexnet.npz"))
    net = os.path.join(d, "net.h5")
    with h5py.File(net, "r") as f:
        ok(f.attrs.get("format") == "bandalign-network" and f.attrs.get("version") == 1,
           "format 'bandalign-network', version 1")
        got = strings(f["/stimuli/name"])
        ok(got == names, f"image names are the file names without extension, non-images skipped ({got})")
        layers = strings(f["/layers/name"])
        shapes = [f[f"/layers/{l}/activations"].shape if f"/layers/{l}/activations" in f else None for l in layers]
        want = [(6, int(np.prod(ref[n].shape[1:]))) for n, _ in ALEX]
        dtypes = {f[f"/layers/{l}/activations"].dtype.str for l in layers if f"/layers/{l}/activations" in f}
        ok(layers == [n for n, _ in ALEX] and shapes == want and dtypes == {"<f4"},
           f"alexnet: 8 layers conv1..fc8, [6, C*H*W] float32 ({', '.join(str(s[1]) for s in shapes if s)})")
        errs = [relerr(f[f"/layers/{n}/activations"][()], ref[n].reshape(6, -1)) for n, _ in ALEX
                if f"/layers/{n}/activations" in f]
        err = max(errs) if len(errs) == 8 else np.inf
        ok(err <= 1e-5, f"alexnet --random-weights 3 = the model run directly (seed 3, same transforms, hooks): "
                        f"max |diff| / max |ref| over layers {err:.1e}")
        attrs = [(f[f"/layers/{n}"].attrs.get("module"), list(f[f"/layers/{n}"].attrs.get("shape", [])))
                 for n, _ in ALEX]
        ok(attrs == [(m, list(ref[n].shape[1:])) for n, m in ALEX],
           "per-layer attributes: torchvision module and per-image shape")

    with h5py.File(os.path.join(d, "npz.h5"), "r") as f:
        same = strings(f["/stimuli/name"]) == names and strings(f["/layers/name"]) == [n for n, _ in ALEX] and all(
            np.array_equal(f[f"/layers/{n}/activations"][()], ref[n].reshape(6, -1)) for n, _ in ALEX)
        ok(same, "--npz (4-D conv arrays) + --names: same names, layers and bits as the arrays, flattened")

    rref = np.load(os.path.join(d, "resnet18_ref.npz"))
    with h5py.File(os.path.join(d, "resnet18.h5"), "r") as f:
        rn = strings(f["/stimuli/name"])
        rl = strings(f["/layers/name"])
        rerr = max(relerr(f[f"/layers/{m}/activations"][()], rref[m].reshape(6, -1)) for m in RESNET) \
            if rl == RESNET else np.inf
        ok(rn == [f"stim{i:02d}" for i in range(6)] and rerr <= 1e-5,
           f"resnet18 --weights state_dict, list file, names TSV: names in list order, layers {rl}, "
           f"max rel error {rerr:.1e}")

    sim, mine = structure(os.path.join(d, "sim", "network.h5")), structure(net)
    ok(sim == mine, "the same HDF5 structure as simulate's network.h5 (attribute and string types, "
                    "float32 2-D contiguous activations, groups)" + ("" if sim == mine else f": {sim} vs {mine}"))

    with h5py.File(os.path.join(d, "r.h5"), "r") as r, h5py.File(os.path.join(d, "sim", "dataset.h5"), "r") as ds:
        ok(strings(r["/layers/name"]) == [n for n, _ in ALEX] and
           sorted(strings(r["/stimuli/name"])) == sorted(strings(ds["/stimuli/name"])),
           "rsa results carry the script's layers and the dataset's stimuli")


if __name__ == "__main__":
    {"gen": gen, "stimuli": stimuli, "check": check}[sys.argv[1]](*sys.argv[2:])
