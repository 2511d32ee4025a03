#!/usr/bin/python3
"""Writes the deterministic JPEG folder that ferry's benchmarks read (folder predict, transfer).

Usage:  /usr/bin/python3 tools/make_bench_images.py OUT_DIR [--classes 5] [--per-class 20] [--seed 0] [--force]

Output: OUT_DIR/<class>/<class>_NNN.jpg, quality 90, each side 300-640 px (so the resize and crop
work differs from image to image, as with real photos). Each class has its own structure (circles,
horizontal stripes, checks, triangles, diagonal bands) and a preferred, overlapping hue range, drawn
at random positions and scales over a random gradient with pixel noise: a classifier can learn it
but it is not a lookup of one colour.

The same seed gives the same pictures (Python's own random, no numpy), so ferry and PyTorch always
read identical inputs. The folder is written beside OUT_DIR and renamed into place when complete, so
a folder that exists is a finished one (bench_compare.sh relies on that to reuse it).
Nothing this writes is committed.
"""
import argparse
import colorsys
import math
import os
import random
import shutil
import sys

from PIL import Image, ImageDraw, ImageFilter

CLASSES = ["circles", "hstripes", "checks", "triangles", "diagonals"]
MIN_SIDE, MAX_SIDE = 300, 640
QUALITY = 90


def hsv(h, s, v):
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return int(r * 255), int(g * 255), int(b * 255)


def background(rng, w, h, hue):
    """A two-colour linear gradient in a random direction, hue near the class hue."""
    c0 = hsv(hue + rng.uniform(-0.15, 0.15), rng.uniform(0.2, 0.6), rng.uniform(0.3, 0.9))
    c1 = hsv(hue + rng.uniform(-0.15, 0.15), rng.uniform(0.2, 0.6), rng.uniform(0.3, 0.9))
    # Build the gradient along one axis at full length, then rotate and crop: cheap and any angle.
    diag = int(math.hypot(w, h)) + 2
    strip = Image.new("RGB", (diag, 1))
    px = strip.load()
    for x in range(diag):
        t = x / (diag - 1)
        px[x, 0] = tuple(int(a + (b - a) * t) for a, b in zip(c0, c1))
    grad = strip.resize((diag, diag), Image.NEAREST).rotate(rng.uniform(0, 360), resample=Image.BILINEAR)
    left, top = (diag - w) // 2, (diag - h) // 2
    return grad.crop((left, top, left + w, top + h))


def shape_colour(rng, hue):
    # Saturated and bright against the duller background, so the structure is visible.
    return hsv(hue + rng.uniform(-0.2, 0.2), rng.uniform(0.6, 1.0), rng.uniform(0.6, 1.0))


def draw_class(rng, img, cls, hue):
    w, h = img.size
    d = ImageDraw.Draw(img)
    side = min(w, h)
    if cls == "circles":
        for _ in range(rng.randint(3, 8)):
            r = rng.uniform(0.05, 0.2) * side
            cx, cy = rng.uniform(0, w), rng.uniform(0, h)
            d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=shape_colour(rng, hue))
    elif cls == "hstripes":
        period = rng.uniform(0.06, 0.18) * side
        width = period * rng.uniform(0.3, 0.6)
        y = rng.uniform(0, period)
        colour = shape_colour(rng, hue)
        while y < h:
            d.rectangle((0, y, w, y + width), fill=colour)
            y += period
    elif cls == "checks":
        cell = rng.uniform(0.08, 0.2) * side
        colour = shape_colour(rng, hue)
        ox, oy = rng.uniform(0, cell), rng.uniform(0, cell)
        for i in range(int(w / cell) + 2):
            for j in range(int(h / cell) + 2):
                if (i + j) % 2 == 0:
                    x0, y0 = ox + (i - 1) * cell, oy + (j - 1) * cell
                    d.rectangle((x0, y0, x0 + cell, y0 + cell), fill=colour)
    elif cls == "triangles":
        for _ in range(rng.randint(3, 7)):
            r = rng.uniform(0.08, 0.25) * side
            cx, cy = rng.uniform(0, w), rng.uniform(0, h)
            a = rng.uniform(0, 2 * math.pi)
            pts = [(cx + r * math.cos(a + k * 2 * math.pi / 3), cy + r * math.sin(a + k * 2 * math.pi / 3))
                   for k in range(3)]
            d.polygon(pts, fill=shape_colour(rng, hue))
    elif cls == "diagonals":
        period = rng.uniform(0.08, 0.2) * side
        width = max(2, int(period * rng.uniform(0.25, 0.5)))
        colour = shape_colour(rng, hue)
        sign = rng.choice([-1, 1])
        off = -h + rng.uniform(0, period)
        while off < w + h:
            # Lines at +-45 degrees; starting at -h covers the corners whichever the direction.
            d.line((off, 0, off + h, h) if sign > 0 else (off + h, 0, off, h), fill=colour, width=width)
            off += period
    else:
        raise ValueError(cls)


def noise(rng, img, amount):
    """Per-pixel uniform noise via a small random image upscaled: JPEG-friendly, and fast in pure PIL."""
    w, h = img.size
    small = Image.new("L", (max(1, w // 4), max(1, h // 4)))
    small.putdata([rng.randint(0, 255) for _ in range(small.size[0] * small.size[1])])
    n = small.resize((w, h), Image.BILINEAR).convert("RGB")
    return Image.blend(img, n, amount)


def make_image(rng, cls, class_index, n_classes):
    w, h = rng.randint(MIN_SIDE, MAX_SIDE), rng.randint(MIN_SIDE, MAX_SIDE)
    hue = class_index / n_classes + rng.uniform(-0.12, 0.12)
    img = background(rng, w, h, hue)
    draw_class(rng, img, cls, hue)
    if rng.random() < 0.5:
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 2.0)))
    return noise(rng, img, rng.uniform(0.03, 0.12))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir")
    ap.add_argument("--classes", type=int, default=5, help=f"number of classes, 2..{len(CLASSES)} (default 5)")
    ap.add_argument("--per-class", type=int, default=20, help="images per class (default 20)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--force", action="store_true", help="replace OUT_DIR if it exists")
    args = ap.parse_args()
    if not 2 <= args.classes <= len(CLASSES):
        ap.error(f"--classes must be 2..{len(CLASSES)}")
    if args.per_class < 1:
        ap.error("--per-class must be >= 1")

    out = os.path.abspath(args.out_dir)
    if os.path.exists(out) and not args.force:
        print(f"make_bench_images: error: {out} exists (use --force to replace it)", file=sys.stderr)
        return 2
    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    tmp = f"{out}.partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        for ci, cls in enumerate(CLASSES[:args.classes]):
            os.makedirs(os.path.join(tmp, cls))
            # One generator per class, seeded from (seed, class): changing --per-class or --classes
            # keeps the other classes' first images the same.
            rng = random.Random(f"{args.seed}/{cls}")
            for i in range(args.per_class):
                img = make_image(rng, cls, ci, args.classes)
                img.save(os.path.join(tmp, cls, f"{cls}_{i:03d}.jpg"), "JPEG", quality=QUALITY)
        if os.path.exists(out):
            shutil.rmtree(out)
        os.rename(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"make_bench_images: wrote {args.classes} x {args.per_class} JPEGs to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
