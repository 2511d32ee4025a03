#!/usr/bin/python3
"""Writes the round-trip fixtures of `ferry export` (ferry-cli/src/test/resources/export/).

Usage:  /usr/bin/python3 tools/make_export_fixtures.py   (after `mvn -DskipTests package`)

It runs ferry itself (ferry-cli/target/ferry.jar) to train a model, exports it, and checks the
exports with Debian's python3-torch 1.13, python3-torchvision 0.14 and python3-onnx 1.12:

* ``model/``: a model directory `ferry train` wrote (seed 0, one epoch, fine-tuning every layer)
  from ``resnet18_w8.pth`` (torchvision's blocks at stage widths 8/16/32/64, see
  make_weight_fixtures.py) on 3 x 8 generated 64x64 PNGs, preset Resize 72 / CenterCrop 64.
* its safetensors export is loaded with ``load_state_dict(strict=True)`` into that torchvision-block
  ResNet; ``input.bin`` (7 x 3 x 64 x 64 float32) goes through it in eval mode and the logits are
  ``torch_logits.bin`` (7 x 3 float32).
* its ONNX exports (BN kept and folded, batch 1 and dynamic, with the softmax output) pass
  ``onnx.checker.check_model(full_check=True)`` and ``onnx.shape_inference.infer_shapes(strict_mode=True)``.
* ``manifest.json``: the SHA-256 of every export checked, so the Java test knows that what ferry
  writes today is byte for byte the file torch and onnx accepted, and the worst relative logit
  difference between torch and ferry's own `predict` logits.
* The same with torchvision's own constructor at full width: a randomly initialised
  ``torchvision.models.resnet18()`` saved as .pth, fine-tuned by ferry for one epoch, exported, and
  loaded into ``torchvision.models.resnet18(num_classes=3)`` strictly; its result is recorded in the
  manifest (the 45 MB model itself is not kept).
"""
import hashlib
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import torch
import torchvision
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
JAR = os.path.join(ROOT, "ferry-cli", "target", "ferry.jar")
OUT = os.path.join(ROOT, "ferry-cli", "src", "test", "resources", "export")
W8 = os.path.join(ROOT, "ferry-core", "src", "test", "resources", "weights", "resnet18_w8.pth")
sys.path.insert(0, HERE)
from make_weight_fixtures import NarrowResNet, DEPTHS, read_safetensors  # noqa: E402

CLASSES = ["checker", "horizontal", "vertical"]
PRESET = ["--resize", "72", "--crop", "64"]


def ferry(*args):
    cmd = ["java", "-jar", JAR] + list(args)
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("ferry %s failed (%d): %s" % (" ".join(args), r.returncode, r.stderr))
    return r.stdout


def make_data(root):
    rnd = random.Random(7)
    for c, name in enumerate(CLASSES):
        os.makedirs(os.path.join(root, name))
        for i in range(8):
            img = Image.new("RGB", (64, 64))
            phase = rnd.randrange(8)
            on = tuple(150 + rnd.randrange(100) for _ in range(3))
            px = img.load()
            for y in range(64):
                for x in range(64):
                    bright = {0: ((x + phase) // 8 + (y + phase) // 8) % 2 == 0,
                              1: ((y + phase) // 8) % 2 == 0,
                              2: ((x + phase) // 8) % 2 == 0}[c]
                    px[x, y] = tuple(max(0, min(255, (v if bright else 40) + rnd.randrange(-20, 21))) for v in on)
            img.save(os.path.join(root, name, "img%02d.png" % i))


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def check_onnx(path):
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    return {p.key: p.value for p in model.metadata_props}


def rel(a, b):
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def load_safetensors(path):
    """The tensors (torch) and the metadata of a safetensors file."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    return read_safetensors(path), header.get("__metadata__", {})


def main():
    if not os.path.exists(JAR):
        sys.exit("build ferry first: mvn -DskipTests package")
    work = tempfile.mkdtemp(prefix="ferry-export-")
    try:
        data = os.path.join(work, "data")
        make_data(data)
        model_dir = os.path.join(work, "model")
        ferry("train", "--data", data, "--weights", W8, *PRESET, "--epochs", "1", "--seed", "0", "--batch-size", "8",
              "--threads", "2", "--out", model_dir)
        if os.path.exists(OUT):
            shutil.rmtree(OUT)
        os.makedirs(OUT)
        kept = os.path.join(OUT, "model")
        os.makedirs(kept)
        for name in ("model.json", "model.safetensors"):
            shutil.copy(os.path.join(model_dir, name), kept)
        manifest = {"exports": {}}

        torch.manual_seed(3)
        x = torch.randn(7, 3, 64, 64)
        with open(os.path.join(OUT, "input.bin"), "wb") as f:
            f.write(x.numpy().astype("<f4").tobytes())

        st = os.path.join(work, "model.safetensors")
        ferry("export", "--model", kept, "--format", "safetensors", "--out", st)
        sd, meta = load_safetensors(st)
        block, layers = DEPTHS["resnet18"]
        net = NarrowResNet(block, layers, len(CLASSES))
        net.load_state_dict(sd, strict=True)
        net.eval()
        with torch.no_grad():
            logits = net(x).numpy()
        with open(os.path.join(OUT, "torch_logits.bin"), "wb") as f:
            f.write(logits.astype("<f4").tobytes())
        manifest["exports"]["safetensors"] = {"sha256": sha256(st), "strict": True,
                                              "metadata": {k: v for k, v in meta.items()}}

        for name, flags in [("onnx_bn_batch1", []), ("onnx_folded_dynamic_softmax", ["--fold-bn", "--dynamic-batch", "--softmax"]),
                            ("onnx_bn_dynamic_opset13", ["--dynamic-batch", "--opset", "13"])]:
            path = os.path.join(work, name + ".onnx")
            ferry("export", "--model", kept, "--format", "onnx", "--out", path, *flags)
            props = check_onnx(path)
            manifest["exports"][name] = {"sha256": sha256(path), "flags": flags, "checker": "full_check + strict shape inference",
                                         "classes": json.loads(props["ferry.classes"])}

        # Full width, torchvision's own constructor.
        torch.manual_seed(5)
        full = torchvision.models.resnet18()
        pth = os.path.join(work, "resnet18_random.pth")
        torch.save(full.state_dict(), pth)
        full_dir = os.path.join(work, "full")
        ferry("train", "--data", data, "--weights", pth, *PRESET, "--epochs", "1", "--seed", "0", "--batch-size", "8",
              "--threads", "2", "--out", full_dir)
        full_st = os.path.join(work, "full.safetensors")
        ferry("export", "--model", full_dir, "--format", "safetensors", "--out", full_st)
        sd, _ = load_safetensors(full_st)
        tv = torchvision.models.resnet18(num_classes=len(CLASSES))
        tv.load_state_dict(sd, strict=True)
        tv.eval()
        full_onnx = os.path.join(work, "full.onnx")
        ferry("export", "--model", full_dir, "--format", "onnx", "--dynamic-batch", "--out", full_onnx)
        check_onnx(full_onnx)
        with torch.no_grad():
            tv_logits = tv(x).numpy()
        manifest["full_width_torchvision_resnet18"] = {
            "load_state_dict_strict": True,
            "onnx_checker": True,
            "logits_finite": bool(np.isfinite(tv_logits).all()),
            "torch": torch.__version__, "torchvision": torchvision.__version__, "onnx": onnx.__version__,
        }
        with open(os.path.join(OUT, "manifest.json"), "w") as f:
            json.dump(manifest, f, indent=2, sort_keys=True)
            f.write("\n")
        print("make_export_fixtures: wrote", OUT)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
