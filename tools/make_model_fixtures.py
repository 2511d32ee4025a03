#!/usr/bin/python3
"""Writes the model-structure fixtures that ferry's tests compare against.

Run with Debian's torchvision (python3-torchvision 0.14):  /usr/bin/python3 tools/make_model_fixtures.py
Outputs, under ferry-core/src/test/resources/model/:
  <arch>_state.txt   one line per state_dict entry of torchvision's <arch>(num_classes=1000):
                     "<key> <dtype> <dim0>x<dim1>..." (a scalar has the shape "-")
  reference.json     per arch: parameter count and conv+linear multiply-accumulates at 1x3x224x224,
                     counted with forward hooks on torchvision's own modules.
CI never runs this script; its outputs are committed.
"""
import json
import os

import torch
import torchvision

OUT = os.path.join(os.path.dirname(__file__), "..", "ferry-core", "src", "test", "resources", "model")
ARCHS = [
    "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
    "resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d", "wide_resnet50_2", "wide_resnet101_2",
]


def count_macs(model, size):
    total = [0]

    def conv_hook(mod, inp, out):
        k = mod.kernel_size[0] * mod.kernel_size[1]
        total[0] += out.numel() * (mod.in_channels // mod.groups) * k

    def linear_hook(mod, inp, out):
        total[0] += out.numel() * mod.in_features

    for m in model.modules():
        if isinstance(m, torch.nn.Conv2d):
            m.register_forward_hook(conv_hook)
        elif isinstance(m, torch.nn.Linear):
            m.register_forward_hook(linear_hook)
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 3, size, size))
    return total[0]


def main():
    os.makedirs(OUT, exist_ok=True)
    ref = {}
    for arch in ARCHS:
        model = getattr(torchvision.models, arch)(weights=None)
        with open(os.path.join(OUT, arch + "_state.txt"), "w") as f:
            for key, t in model.state_dict().items():
                shape = "x".join(str(d) for d in t.shape) or "-"
                f.write(f"{key} {str(t.dtype).replace('torch.', '')} {shape}\n")
        ref[arch] = {
            "params": sum(p.numel() for p in model.parameters()),
            "macs224": count_macs(model, 224),
        }
        print(arch, ref[arch])
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(ref, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
