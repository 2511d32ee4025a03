#!/usr/bin/python3
"""Write the Grad-CAM and feature-map references into ferry-core/src/test/resources/explain/.

Run with the Debian interpreter that has torch 1.13 and torchvision 0.14, after
tools/make_weight_fixtures.py (whose committed networks and input it reads, never rewrites):

    /usr/bin/python3 tools/make_explain_fixtures.py

CI never runs this; the outputs are committed. Deterministic (no random numbers, one thread):
re-running it reproduces every file byte for byte.

For ``weights/resnet18_w8.pth`` and ``weights/resnet50_w8.pth`` (the reduced-width fixture networks,
eval mode) on ``weights/input.bin`` (2x3x64x64), computed in float64 (weights and input widened), so
that the reference carries no float32 rounding of its own:

* Grad-CAM (Selvaraju et al.) at ``layer4`` and ``layer3``, for a fixed target class and for each
  image's predicted class: a forward hook on the stage keeps its output A and a tensor hook its
  gradient g = d(logit of the target class)/dA; alpha_k = mean over positions of g_k,
  cam = ReLU(sum_k alpha_k A_k), normalised per image to [0, 1] by (cam - min) / (max - min)
  (all zeros when the map is constant). That is pytorch-grad-cam's GradCAM except for its
  normalisation, which divides by (max + 1e-7) after subtracting the minimum; ferry divides by the
  range itself and reports a constant map.
  ``{net}_{stage}_{target}_cam.bin``: N x h x w float64; ``target`` is ``class3`` or ``predicted``.
* The layer4 fixed-class map of resnet18 upsampled bilinearly (half-pixel centres, as
  ``F.interpolate(..., mode="bilinear", align_corners=False)``) to the 64x64 input:
  ``resnet18_w8_layer4_class3_cam_64.bin``, N x 64 x 64 float64.
* The activations of the stem (the max-pool's output, what layer1 receives) and of each stage:
  ``{net}_{layer}_act.bin``, N x C x H x W float32 (float64 results rounded to float32).
* The float64 logits, ``{net}_logits.bin`` (N x 10 float64), from which the predicted classes come.
* ``explain.json``: every file with its shape, the target classes, the predicted classes.
"""

import collections
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_parity_fixtures as parity_fixtures  # noqa: E402  (loads the fixture networks)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEIGHTS = os.path.join(ROOT, "ferry-core", "src", "test", "resources", "weights")
OUT = os.path.join(ROOT, "ferry-core", "src", "test", "resources", "explain")
NETWORKS = ["resnet18_w8", "resnet50_w8"]
STAGES = ["layer4", "layer3"]
TARGET = 3
LAYERS = ["stem", "layer1", "layer2", "layer3", "layer4"]


def grad_cam(model, x, stage, targets):
    """Normalised Grad-CAM maps (N x h x w) of ``targets`` (one class per image) at ``stage``."""
    kept = {}

    def forward_hook(module, inputs, output):
        kept["A"] = output
        output.register_hook(lambda g: kept.__setitem__("g", g))

    handle = getattr(model, stage).register_forward_hook(forward_hook)
    try:
        model.zero_grad(set_to_none=True)
        logits = model(x)
        picked = logits[torch.arange(x.shape[0]), torch.tensor(targets)]
        # The images are independent in eval mode, so one backward of the sum gives every image
        # the gradient of its own target logit.
        picked.sum().backward()
    finally:
        handle.remove()
    a = kept["A"].detach()
    g = kept["g"].detach()
    alpha = g.mean(dim=(2, 3), keepdim=True)
    cam = torch.relu((alpha * a).sum(dim=1))
    out = torch.zeros_like(cam)
    for i in range(cam.shape[0]):
        lo, hi = cam[i].min(), cam[i].max()
        if hi > lo:
            out[i] = (cam[i] - lo) / (hi - lo)
    return out


def activations(model, x):
    """The stem's (max-pool's) and each stage's outputs."""
    kept = collections.OrderedDict()
    handles = [model.maxpool.register_forward_hook(lambda m, i, o: kept.__setitem__("stem", o.detach().clone()))]
    for name in LAYERS[1:]:
        handles.append(getattr(model, name).register_forward_hook(
            lambda m, i, o, name=name: kept.__setitem__(name, o.detach().clone())))
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in handles:
            h.remove()
    return kept


def write(name, array, dtype):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(np.ascontiguousarray(array).astype(dtype).tobytes())
    return name


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    parity = json.load(open(os.path.join(WEIGHTS, "parity.json")))
    shape = parity["input"]["shape"]
    x32 = torch.from_numpy(np.fromfile(os.path.join(WEIGHTS, parity["input"]["file"]), dtype="<f4").reshape(shape))
    x = x32.double()

    manifest = collections.OrderedDict()
    manifest["input"] = "weights/" + parity["input"]["file"]
    manifest["input_shape"] = shape
    manifest["computed_in"] = "float64"
    manifest["target_class"] = TARGET
    manifest["normalisation"] = "(cam - min) / (max - min) per image; zeros when constant"
    manifest["networks"] = collections.OrderedDict()
    for net in NETWORKS:
        model = parity_fixtures.load_model(os.path.join(WEIGHTS, net + ".pth")).double()
        for p in model.parameters():
            p.requires_grad_(True)
        entry = collections.OrderedDict()
        entry["weights"] = "weights/" + net + ".pth"
        with torch.no_grad():
            logits = model(x)
        predicted = [int(c) for c in logits.argmax(dim=1)]
        entry["logits"] = write(net + "_logits.bin", logits.numpy(), "<f8")
        entry["predicted"] = predicted
        cams = collections.OrderedDict()
        for stage in STAGES:
            for label, targets in (("class%d" % TARGET, [TARGET] * shape[0]), ("predicted", predicted)):
                cam = grad_cam(model, x, stage, targets)
                key = "%s_%s" % (stage, label)
                cams[key] = collections.OrderedDict([
                    ("file", write("%s_%s_cam.bin" % (net, key), cam.numpy(), "<f8")),
                    ("shape", list(cam.shape)),
                    ("targets", targets),
                ])
                if net == "resnet18_w8" and key == "layer4_class%d" % TARGET:
                    up = F.interpolate(cam.unsqueeze(1), size=tuple(shape[2:]), mode="bilinear", align_corners=False)
                    up = up.squeeze(1)
                    cams[key]["upsampled"] = collections.OrderedDict([
                        ("file", write("%s_%s_cam_%d.bin" % (net, key, shape[2]), up.numpy(), "<f8")),
                        ("shape", list(up.shape)),
                    ])
        entry["cams"] = cams
        acts = collections.OrderedDict()
        for layer, a in activations(model, x).items():
            acts[layer] = collections.OrderedDict([
                ("file", write("%s_%s_act.bin" % (net, layer), a.numpy(), "<f4")),
                ("shape", list(a.shape)),
            ])
        entry["activations"] = acts
        manifest["networks"][net] = entry
    with open(os.path.join(OUT, "explain.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    print("wrote %d files to %s" % (len(os.listdir(OUT)), OUT))


if __name__ == "__main__":
    main()
