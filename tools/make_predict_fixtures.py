#!/usr/bin/python3
"""Write the end-to-end prediction fixtures in ferry-cli/src/test/resources/predict/.

Run with the Debian interpreter that has torch 1.13, torchvision 0.14 and Pillow 9.4, after
tools/make_weight_fixtures.py (whose committed resnet50_w8.pth it reads, never rewrites):

    /usr/bin/python3 tools/make_predict_fixtures.py

CI never runs this; the outputs are committed. Deterministic: re-running reproduces every file
byte for byte.

What it writes:

* ``waves_300x260.png`` and ``rings_240x320.png``: two RGB images (width x height in the name)
  drawn with numpy from fixed seeds: smooth colour fields with stripes, rings and a little noise,
  so resizing has real work to do.
* ``expected.json``: for each image, torchvision's prediction with the ``resnet50_w8.pth`` fixture
  network (the reduced-width ResNet-50 of make_weight_fixtures.py, 10 classes) after
  ``Resize(256)``, ``CenterCrop(224)``, ``ToTensor()``, ``Normalize(ImageNet mean, std)``, in eval
  mode: all ten softmax probabilities and the top-5 as (index, probability), most probable first.

The script refuses images whose top-6 probabilities are closer than MIN_GAP to each other, so the
top-5 order cannot flip on float32 rounding in another implementation.
"""

import collections
import json
import os
import sys

import numpy as np
import torch
from PIL import Image
from torchvision import transforms

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_weight_fixtures as weight_fixtures  # noqa: E402  (the builder of the fixture networks)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEIGHTS = os.path.join(ROOT, "ferry-core", "src", "test", "resources", "weights")
OUT = os.path.join(ROOT, "ferry-core", "src", "test", "resources", "predict")
MODEL = "resnet50_w8.pth"
TOP_K = 5
MIN_GAP = 1e-4
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


def waves(width, height, seed):
    """Diagonal colour waves over a vertical gradient, with mild noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    r = 128 + 100 * np.sin((x + 0.6 * y) / 17.0)
    g = 255 * y / (height - 1)
    b = 128 + 90 * np.cos(x / 23.0) * np.sin(y / 31.0)
    img = np.stack([r, g, b], axis=-1) + rng.normal(0, 6, (height, width, 3))
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def rings(width, height, seed):
    """Concentric rings around an off-centre point, a bright square, and mild noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    d = np.hypot(x - 0.35 * width, y - 0.6 * height)
    r = 127 + 120 * np.sin(d / 6.0)
    g = 127 + 120 * np.cos(d / 11.0)
    b = 200 - 150 * x / (width - 1)
    img = np.stack([r, g, b], axis=-1)
    img[40:90, 150:210] = [250, 240, 30]
    img = img + rng.normal(0, 6, (height, width, 3))
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def load_model():
    block, layers = weight_fixtures.DEPTHS["resnet50"]
    model = weight_fixtures.NarrowResNet(block, layers, weight_fixtures.NUM_CLASSES)
    model.load_state_dict(torch.load(os.path.join(WEIGHTS, MODEL)))
    model.eval()
    # The builder must still produce the committed fixture network: its logits on input.bin.
    x = torch.from_numpy(np.fromfile(os.path.join(WEIGHTS, "input.bin"), dtype="<f4").reshape(2, 3, 64, 64))
    with torch.no_grad():
        logits = model(x).numpy().reshape(-1)
    assert np.array_equal(logits, np.fromfile(os.path.join(WEIGHTS, "resnet50_w8_logits.bin"), dtype="<f4"))
    return model


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    model = load_model()
    preprocess = transforms.Compose(
        [
            transforms.Resize(256),
            transforms.CenterCrop(224),
            transforms.ToTensor(),
            transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD),
        ]
    )
    images = [("waves_300x260.png", waves(300, 260, 11)), ("rings_240x320.png", rings(240, 320, 12))]
    expected = collections.OrderedDict()
    expected["weights"] = "weights/" + MODEL
    expected["preprocessing"] = "Resize(256), CenterCrop(224), ToTensor(), Normalize(ImageNet mean, std); bilinear"
    expected["top_k"] = TOP_K
    expected["images"] = collections.OrderedDict()
    for name, pixels in images:
        path = os.path.join(OUT, name)
        Image.fromarray(pixels, "RGB").save(path, optimize=False)
        with Image.open(path) as im:
            x = preprocess(im.convert("RGB")).unsqueeze(0)
        with torch.no_grad():
            probs = torch.softmax(model(x), dim=1)[0]
        values, indices = torch.sort(probs, descending=True)
        gaps = (values[:TOP_K] - values[1 : TOP_K + 1]).numpy()
        assert gaps.min() >= MIN_GAP, "%s: top-%d probabilities too close (%g)" % (name, TOP_K, gaps.min())
        height, width = pixels.shape[:2]
        expected["images"][name] = collections.OrderedDict(
            [
                ("width", width),
                ("height", height),
                ("top", [{"index": int(i), "probability": float(p)} for p, i in zip(values[:TOP_K], indices[:TOP_K])]),
                ("probabilities", [float(p) for p in probs]),
            ]
        )
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    print("wrote %d files to %s" % (len(os.listdir(OUT)), OUT))


if __name__ == "__main__":
    main()
