#!/usr/bin/python3
"""Writes the target tasks of ferry's transfer benchmark (tools/transfer_bench.sh) as image folders.

Usage:  /usr/bin/python3 tools/make_transfer_tasks.py FASHION_MNIST_DIR OUT_DIR [--test-per-class 200] [--seed 0]
                                                   [--imbalanced]

FASHION_MNIST_DIR holds the four idx files (train/t10k images and labels, .gz). OUT_DIR/<task>/train and
OUT_DIR/<task>/test get one sub-folder per class of 28x28 greyscale PNGs. The tasks differ in how far they
are from the demo's source network (trained on T-shirt/top, Trouser, Sandal, Sneaker and Bag):

  fm5-s5, fm5-s20, fm5-s50   near: the five Fashion-MNIST classes the source never saw, 5/20/50 per class
  fmtops3-s20                near, fine-grained: Coat, Pullover and Shirt only, 20 per class
  fm5inv-s20                 the near classes with inverted grey levels (a shift of the image statistics)
  glyphs10-s20               far: the digits 0-9 drawn in the DejaVu fonts at random sizes, angles, places
  shapes5-s10                far: circle, square, triangle, cross and ring outlines, random size and place

With --imbalanced it writes instead the two tasks that measure --balance, with balanced test sets:

  fm5imb                     the near classes with 60/30/15/8/4 training images (15x imbalance)
  shapes5imb                 the far shapes with 40/20/10/5/3 training images

Training images of the Fashion-MNIST tasks come from its training set, test images from its test set;
a seeded shuffle picks them (Python's own random, no numpy), so the same seed gives the same tasks.
Nothing this writes is committed.
"""
import argparse
import gzip
import math
import os
import random
import shutil
import struct

from PIL import Image, ImageDraw, ImageFont

FM_CLASSES = ["T-shirt_top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle_boot"]
NEAR = [9, 4, 3, 2, 6]          # Ankle_boot, Coat, Dress, Pullover, Shirt: unseen by the source
TOPS = [4, 2, 6]                # Coat, Pullover, Shirt
FONTS = "/usr/share/fonts/truetype/dejavu"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, n = struct.unpack(">II", data[:8])
    if magic == 2051:
        rows, cols = struct.unpack(">II", data[8:16])
        size = rows * cols
        return [data[16 + i * size:16 + (i + 1) * size] for i in range(n)]
    if magic == 2049:
        return list(data[8:8 + n])
    raise ValueError(f"{path}: not an idx file (magic {magic})")


def fashion(root, split):
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(os.path.join(root, f"{prefix}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(root, f"{prefix}-labels-idx1-ubyte.gz"))
    by_class = {}
    for img, lab in zip(images, labels):
        by_class.setdefault(lab, []).append(img)
    return by_class


def save(img, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    img.save(path)


def fm_task(out, train, test, classes, shots, test_n, rng, invert=False):
    """shots: training images per class, one number or one per class."""
    per = shots if isinstance(shots, list) else [shots] * len(classes)
    for split, pool in (("train", train), ("test", test)):
        for j, c in enumerate(classes):
            picks = rng.sample(range(len(pool[c])), per[j] if split == "train" else test_n)
            for i, k in enumerate(picks):
                img = Image.frombytes("L", (28, 28), pool[c][k])
                if invert:
                    img = img.point(lambda v: 255 - v)
                save(img, os.path.join(out, split, FM_CLASSES[c], f"{i:04d}.png"))


def glyph(rng, digit, fonts):
    size = rng.randint(14, 24)
    font = ImageFont.truetype(rng.choice(fonts), size)
    big = Image.new("L", (56, 56), 0)
    ImageDraw.Draw(big).text((28, 28), str(digit), fill=rng.randint(160, 255), font=font, anchor="mm")
    big = big.rotate(rng.uniform(-25, 25), resample=Image.BILINEAR)
    dx, dy = rng.randint(-4, 4), rng.randint(-4, 4)
    return big.crop((14 + dx, 14 + dy, 42 + dx, 42 + dy))


def shape(rng, kind):
    img = Image.new("L", (28, 28), rng.randint(0, 40))
    d = ImageDraw.Draw(img)
    r = rng.uniform(5, 11)
    cx, cy = rng.uniform(r + 1, 27 - r), rng.uniform(r + 1, 27 - r)
    fill = rng.randint(150, 255)
    w = rng.randint(1, 3)
    if kind == "circle":
        d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=fill, width=w)
    elif kind == "square":
        d.rectangle((cx - r, cy - r, cx + r, cy + r), outline=fill, width=w)
    elif kind == "triangle":
        a = rng.uniform(0, 2 * math.pi)
        pts = [(cx + r * math.cos(a + k * 2 * math.pi / 3), cy + r * math.sin(a + k * 2 * math.pi / 3)) for k in range(3)]
        d.polygon(pts, outline=fill, width=w)
    elif kind == "cross":
        d.line((cx - r, cy - r, cx + r, cy + r), fill=fill, width=w + 1)
        d.line((cx - r, cy + r, cx + r, cy - r), fill=fill, width=w + 1)
    else:  # ring: two circles
        d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=fill, width=w)
        d.ellipse((cx - r / 2, cy - r / 2, cx + r / 2, cy + r / 2), outline=fill, width=w)
    return img


def drawn_task(out, names, make, shots, test_n):
    """shots: training images per class, one number or one per class."""
    per = shots if isinstance(shots, list) else [shots] * len(names)
    for split in ("train", "test"):
        for c, name in enumerate(names):
            for i in range(per[c] if split == "train" else test_n):
                save(make(c), os.path.join(out, split, name, f"{i:04d}.png"))


def main():
    ap = argparse.ArgumentParser(description="Writes the transfer benchmark's target tasks (see the docstring).")
    ap.add_argument("fashion_mnist")
    ap.add_argument("out")
    ap.add_argument("--test-per-class", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--imbalanced", action="store_true", help="write the two imbalanced tasks instead")
    args = ap.parse_args()
    train, test = fashion(args.fashion_mnist, "train"), fashion(args.fashion_mnist, "test")
    fonts = sorted(os.path.join(FONTS, f) for f in os.listdir(FONTS) if f.endswith(".ttf"))
    if not fonts:
        raise SystemExit(f"make_transfer_tasks: no fonts in {FONTS} (Debian's fonts-dejavu-core)")
    n = args.test_per_class
    tmp = args.out + ".partial"
    shutil.rmtree(tmp, ignore_errors=True)
    rng = random.Random(args.seed)
    kinds = ["circle", "square", "triangle", "cross", "ring"]
    if args.imbalanced:
        fm_task(os.path.join(tmp, "fm5imb"), train, test, NEAR, [60, 30, 15, 8, 4], n, random.Random(rng.random()))
        s = random.Random(rng.random())
        drawn_task(os.path.join(tmp, "shapes5imb"), kinds, lambda c: shape(s, kinds[c]), [40, 20, 10, 5, 3], n)
        shutil.rmtree(args.out, ignore_errors=True)
        os.replace(tmp, args.out)
        print(f"make_transfer_tasks: wrote 2 imbalanced tasks to {args.out}")
        return
    for shots in (5, 20, 50):
        fm_task(os.path.join(tmp, f"fm5-s{shots}"), train, test, NEAR, shots, n, random.Random(rng.random()))
    fm_task(os.path.join(tmp, "fmtops3-s20"), train, test, TOPS, 20, n, random.Random(rng.random()))
    fm_task(os.path.join(tmp, "fm5inv-s20"), train, test, NEAR, 20, n, random.Random(rng.random()), invert=True)
    g = random.Random(rng.random())
    drawn_task(os.path.join(tmp, "glyphs10-s20"), [f"digit{d}" for d in range(10)], lambda c: glyph(g, c, fonts), 20, n)
    s = random.Random(rng.random())
    drawn_task(os.path.join(tmp, "shapes5-s10"), kinds, lambda c: shape(s, kinds[c]), 10, n)
    shutil.rmtree(args.out, ignore_errors=True)
    os.replace(tmp, args.out)
    print(f"make_transfer_tasks: wrote 7 tasks to {args.out}")


if __name__ == "__main__":
    main()
