#!/usr/bin/python3
"""Write float64 reference logits for the parity test into ferry-core/src/test/resources/parity/.

Run with the Debian interpreter that has torch 1.13 and torchvision 0.14, after
tools/make_weight_fixtures.py (whose committed outputs it reads, never rewrites):

    /usr/bin/python3 tools/make_parity_fixtures.py

CI never runs this; the outputs are committed. Deterministic: re-running reproduces every file
byte for byte.

Why float64: the committed ``resnet*_w8_logits.bin`` are torchvision's float32 logits, and float32
rounding alone moves them away from the exact result by up to 5e-5 of the largest logit for
resnet152 (see ``float32_rounding`` in parity_f64.json). Two correct float32 implementations with
different kernels (ferry runs libtorch 2.7, this script torch 1.13) therefore cannot agree to 1e-5 on
the deep networks. Computed in float64 on the same float32 weights and input, torchvision's and
ferry's logits must agree to about 1e-12, which separates implementation differences from rounding.

What it writes (little-endian):

* ``resnet{18,34,50,101,152}_w8_logits_f64.bin``: 2x10 float64, torchvision's eval-mode logits of
  ``weights/resnet*_w8.pth`` for ``weights/input.bin``, with weights and input widened to float64.
* ``resnet18_w8_f16_logits_f64.bin``: the same for ``weights/resnet18_w8_f16.pth`` (float16
  weights widened exactly to float64), the reference for reading half-precision files.
* ``parity_f64.json``: which file is which, and torchvision's float32 rounding error per network
  (``max|logits_f32 - logits_f64| / max|logits_f64|``), for the record.
"""

import collections
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_weight_fixtures as weight_fixtures  # noqa: E402  (the builder of the fixture networks)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEIGHTS = os.path.join(ROOT, "ferry-core", "src", "test", "resources", "weights")
OUT = os.path.join(ROOT, "ferry-core", "src", "test", "resources", "parity")


def load_model(weights_file):
    """The fixture network of ``weights_file``, built as make_weight_fixtures.py builds it."""
    depth = os.path.basename(weights_file).split("_")[0]
    block, layers = weight_fixtures.DEPTHS[depth]
    model = weight_fixtures.NarrowResNet(block, layers, weight_fixtures.NUM_CLASSES)
    sd = torch.load(weights_file)
    model.load_state_dict(collections.OrderedDict((k, v.float() if v.dtype.is_floating_point else v) for k, v in sd.items()))
    model.eval()
    return model


def logits(model, x, dtype):
    with torch.no_grad():
        return model.to(dtype)(x.to(dtype)).reshape(-1)


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    parity = json.load(open(os.path.join(WEIGHTS, "parity.json")))
    shape = parity["input"]["shape"]
    x = torch.from_numpy(np.fromfile(os.path.join(WEIGHTS, parity["input"]["file"]), dtype="<f4").reshape(shape))

    out = collections.OrderedDict()
    out["input"] = "weights/" + parity["input"]["file"]
    out["dtype"] = "float64"
    out["shape"] = parity["models"]["resnet18"]["logits_shape"]
    out["models"] = collections.OrderedDict()
    sources = [(depth, entry["weights"]) for depth, entry in parity["models"].items()]
    sources.append(("resnet18_f16", "resnet18_w8_f16.pth"))
    for name, weights in sources:
        model = load_model(os.path.join(WEIGHTS, weights))
        l32 = logits(model, x, torch.float32).numpy()
        l64 = logits(model, x, torch.float64).numpy()
        if name in parity["models"]:
            # The float32 run must reproduce the committed logits exactly, or the weights or the
            # builder changed since make_weight_fixtures.py ran.
            committed = np.fromfile(os.path.join(WEIGHTS, parity["models"][name]["logits"]), dtype="<f4")
            assert np.array_equal(committed, l32), name
        target = weights.replace(".pth", "_logits_f64.bin")
        with open(os.path.join(OUT, target), "wb") as f:
            f.write(l64.astype("<f8").tobytes())
        out["models"][name] = collections.OrderedDict(
            [
                ("weights", "weights/" + weights),
                ("logits", target),
                ("float32_rounding", float(np.abs(l32 - l64).max() / np.abs(l64).max())),
            ]
        )
    with open(os.path.join(OUT, "parity_f64.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote %d files to %s" % (len(os.listdir(OUT)), OUT))


if __name__ == "__main__":
    main()
