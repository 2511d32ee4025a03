#!/usr/bin/env python3
"""Writes src/test/resources/data/exif/: small images whose EXIF orientation tag asks for each of
the eight turns, in JPEG, PNG and WebP, and beside each <file>.rgb.png, the pixels Pillow gives
after ImageOps.exif_transpose (and convert("RGB")), with no EXIF of its own.

Run with Debian's Pillow: /usr/bin/python3 tools/make_exif_fixtures.py
"""
import os
from PIL import Image, ImageOps

OUT = os.path.join(os.path.dirname(__file__), "..", "src", "test", "resources", "data", "exif")


def source():
    # 7 wide, 4 high, every pixel distinct: a wrong turn or mirror cannot match by accident.
    img = Image.new("RGB", (7, 4))
    for y in range(4):
        for x in range(7):
            img.putpixel((x, y), (x * 36, y * 80, (x * 4 + y) * 9))
    return img


def main():
    os.makedirs(OUT, exist_ok=True)
    img = source()
    for orientation in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        for ext, kwargs in (("png", {}), ("webp", {"lossless": True}), ("jpg", {"quality": 95})):
            name = f"orientation{orientation}.{ext}"
            path = os.path.join(OUT, name)
            img.save(path, exif=exif.tobytes(), **kwargs)
            with Image.open(path) as f:
                assert f.getexif().get(0x0112) == orientation, name
                upright = ImageOps.exif_transpose(f).convert("RGB")
            upright.save(path + ".rgb.png")
    print("wrote", len(os.listdir(OUT)), "files to", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
