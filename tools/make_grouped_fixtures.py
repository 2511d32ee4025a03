#!/usr/bin/python3
"""Write the ResNeXt and Wide ResNet parity fixtures into ferry-core/src/test/resources/grouped/.

Run with the Debian interpreter that has torch 1.13 and torchvision 0.14, after
tools/make_weight_fixtures.py (whose committed ``weights/input.bin`` it reads, never rewrites):

    /usr/bin/python3 tools/make_grouped_fixtures.py

CI never runs this; the outputs are committed. Deterministic (fixed seeds, one thread), except the
legacy-format files, whose storage keys are memory addresses; their tensors are identical.

The five networks are torchvision's ``resnext50_32x4d``, ``resnext101_32x8d``, ``resnext101_64x4d``,
``wide_resnet50_2`` and ``wide_resnet101_2`` at stem width 4 (stage planes 4/8/16/32 instead of
64/128/256/512), built from torchvision's own ``ResNet._make_layer`` and ``Bottleneck`` with
``groups`` and ``width_per_group`` scaled as ferry scales them (``ResNetConfig``): a grouped network
keeps its group width and has ``groups * width / 64`` groups, so ``base_width`` becomes
``width_per_group * 64 / width``; Wide ResNet keeps ``width_per_group`` 128. Every Bottleneck's inner
width is therefore torchvision's times width / 64, and at width 64 the builder is torchvision's.

What it writes (little-endian):

* ``{arch}_w4.pth`` (torch.save, zip): one state dict, 10 classes, BatchNorm far from the identity;
  for the two 50-layer networks (one grouped, one wide) also ``{arch}_w4_legacy.pth`` (pre-1.6
  format) and ``{arch}_w4.safetensors`` (make_weight_fixtures.write_safetensors) of the same
  tensors. The readers do not depend on the network, and the 101-layer copies would add 18 MB.
* ``{arch}_w4_logits.bin``: torchvision's eval-mode float32 logits (2x10) for ``weights/input.bin``;
  ``{arch}_w4_logits_f64.bin``: the same computed in float64 (weights and input widened).
The full-size networks' keys, shapes, parameter and MAC counts are tools/make_model_fixtures.py's.
* ``grouped.json``: which file is which, the scaled groups and base width, and torchvision's float32
  rounding on each network (``max|f32 - f64| / max|f64|``).
"""

import collections
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
from torchvision.models.resnet import Bottleneck, ResNet

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_parity_fixtures as parity_fixtures  # noqa: E402  (logits in a given precision)
import make_weight_fixtures as weight_fixtures  # noqa: E402  (BatchNorm set-up and safetensors writer)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEIGHTS = os.path.join(ROOT, "ferry-core", "src", "test", "resources", "weights")
OUT = os.path.join(ROOT, "ferry-core", "src", "test", "resources", "grouped")

# torchvision 0.14's table: layers, groups, width_per_group.
NETWORKS = collections.OrderedDict(
    [
        ("resnext50_32x4d", ([3, 4, 6, 3], 32, 4)),
        ("resnext101_32x8d", ([3, 4, 23, 3], 32, 8)),
        ("resnext101_64x4d", ([3, 4, 23, 3], 64, 4)),
        ("wide_resnet50_2", ([3, 4, 6, 3], 1, 128)),
        ("wide_resnet101_2", ([3, 4, 23, 3], 1, 128)),
    ]
)
WIDTH = 4
# The networks also written in the legacy and safetensors formats.
COPIED = ("resnext50_32x4d", "wide_resnet50_2")
NUM_CLASSES = 10


def scaled(groups, width_per_group, width):
    """ferry's scaling of (groups, width_per_group) to stem width ``width``: see the module comment."""
    if groups == 1:
        return 1, width_per_group
    assert groups * width % 64 == 0 and width_per_group * 64 % width == 0
    return groups * width // 64, width_per_group * 64 // width


class NarrowGroupedResNet(ResNet):
    """torchvision's ResNet at stem width ``WIDTH``, stages built by torchvision's ``_make_layer``.

    torchvision hard-codes 64 in ``ResNet.__init__``; this re-states that constructor with the narrower
    widths. Attribute names are identical, so state-dict keys are exactly torchvision's.
    """

    def __init__(self, layers, groups, base_width):
        nn.Module.__init__(self)
        self._norm_layer = nn.BatchNorm2d
        self.inplanes = WIDTH
        self.dilation = 1
        self.groups = groups
        self.base_width = base_width
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(Bottleneck, WIDTH, layers[0])
        self.layer2 = self._make_layer(Bottleneck, WIDTH * 2, layers[1], stride=2)
        self.layer3 = self._make_layer(Bottleneck, WIDTH * 4, layers[2], stride=2)
        self.layer4 = self._make_layer(Bottleneck, WIDTH * 8, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(WIDTH * 8 * Bottleneck.expansion, NUM_CLASSES)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")


def build(arch):
    layers, groups, wpg = NETWORKS[arch]
    g, base = scaled(groups, wpg, WIDTH)
    model = weight_fixtures.randomize_batch_norms(NarrowGroupedResNet(layers, g, base))
    return model, g, base


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    for stale in os.listdir(OUT):
        os.remove(os.path.join(OUT, stale))
    parity = json.load(open(os.path.join(WEIGHTS, "parity.json")))
    shape = parity["input"]["shape"]
    x = torch.from_numpy(np.fromfile(os.path.join(WEIGHTS, parity["input"]["file"]), dtype="<f4").reshape(shape))

    described = collections.OrderedDict()
    described["input"] = "weights/" + parity["input"]["file"]
    described["width"] = WIDTH
    described["num_classes"] = NUM_CLASSES
    described["models"] = collections.OrderedDict()
    for i, arch in enumerate(NETWORKS):
        torch.manual_seed(2000 + i)
        model, g, base = build(arch)
        sd = model.state_dict()
        stem = "%s_w%d" % (arch, WIDTH)
        torch.save(sd, os.path.join(OUT, stem + ".pth"))
        copies = arch in COPIED
        if copies:
            torch.save(sd, os.path.join(OUT, stem + "_legacy.pth"), _use_new_zipfile_serialization=False)
            weight_fixtures.write_safetensors(os.path.join(OUT, stem + ".safetensors"), sd, {"format": "pt"})
        l32 = parity_fixtures.logits(model, x, torch.float32).numpy()
        l64 = parity_fixtures.logits(model, x, torch.float64).numpy()
        model.float()
        with open(os.path.join(OUT, stem + "_logits.bin"), "wb") as f:
            f.write(l32.astype("<f4").tobytes())
        with open(os.path.join(OUT, stem + "_logits_f64.bin"), "wb") as f:
            f.write(l64.astype("<f8").tobytes())
        conv2 = sd["layer1.0.conv2.weight"]
        described["models"][arch] = collections.OrderedDict(
            [
                ("weights", stem + ".pth"),
                ("copies", [stem + "_legacy.pth", stem + ".safetensors"] if copies else []),
                ("logits", stem + "_logits.bin"),
                ("logits_f64", stem + "_logits_f64.bin"),
                ("groups", g),
                ("base_width", base),
                ("layer1_conv2_shape", list(conv2.shape)),
                ("tensors", len(sd)),
                ("params", sum(p.numel() for p in model.parameters())),
                ("float32_rounding", float(np.abs(l32 - l64).max() / np.abs(l64).max())),
            ]
        )

    with open(os.path.join(OUT, "grouped.json"), "w") as f:
        json.dump(described, f, indent=1)
        f.write("\n")
    print("wrote %d files to %s" % (len(os.listdir(OUT)), OUT))


if __name__ == "__main__":
    main()
