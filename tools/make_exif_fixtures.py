#!/usr/bin/env python3
"""Writes ferry-core/src/test/resources/data/exif/:

- orientation<N>.<ext>: small images whose EXIF orientation tag asks for each of the eight turns,
  in JPEG, PNG, WebP (lossless) and TIFF, and beside each <file>.rgb.png, the pixels of
  ImageOps.exif_transpose(Image.open(file).convert("RGB")), with no EXIF of its own;
- pillow_cases.json.gz: tiny files with unusual or broken EXIF data (odd field types, duplicate
  entries, offsets past the end, several EXIF blocks, ...), each with the orientation Pillow acts
  on in that same expression: the tag's value if ImageOps.exif_transpose turns the image,
  otherwise 1 (also when Pillow raises, which the file records).

The reference converts before turning. Pillow 9.4 turns a TIFF upright by its orientation tag
when it loads the pixels (convert loads them), and the converted image carries no TIFF tags, so
the TIFF is turned once; ImageOps.exif_transpose on the unloaded TIFF would turn it twice. For a
PNG, convert also reads the chunks after the image data, so the last eXIf chunk counts.

Run with Debian's Pillow: /usr/bin/python3 tools/make_exif_fixtures.py
"""
import base64
import gzip
import io
import json
import os
import struct
import warnings
import zlib

from PIL import Image, ImageOps

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ferry-core", "src", "test", "resources", "data",
                   "exif")
TURNS = {2, 3, 4, 5, 6, 7, 8}


def source():
    # 7 wide, 4 high, every pixel distinct: a wrong turn or mirror cannot match by accident.
    img = Image.new("RGB", (7, 4))
    for y in range(4):
        for x in range(7):
            img.putpixel((x, y), (x * 36, y * 80, (x * 4 + y) * 9))
    return img


def write_turns():
    img = source()
    for orientation in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        formats = (
            ("png", {"exif": exif.tobytes()}),
            ("webp", {"exif": exif.tobytes(), "lossless": True}),
            ("jpg", {"exif": exif.tobytes(), "quality": 95}),
            ("tif", {"tiffinfo": {0x0112: orientation}}),
        )
        for ext, kwargs in formats:
            name = f"orientation{orientation}.{ext}"
            path = os.path.join(OUT, name)
            img.save(path, **kwargs)
            with Image.open(path) as f:
                assert f.getexif().get(0x0112) == orientation, name
                upright = ImageOps.exif_transpose(f.convert("RGB"))
            upright.save(path + ".rgb.png")


# ---- unusual EXIF data -------------------------------------------------------------------------

def tiff(entries, little=True, head=None, ifd=8, tail=b""):
    """A TIFF structure: header, one IFD of (tag, type, count, 4-byte field) entries, then tail."""
    e = "<" if little else ">"
    if head is None:
        head = (b"II" if little else b"MM") + struct.pack(e + "H", 42)
    b = head + struct.pack(e + "I", ifd) + struct.pack(e + "H", len(entries))
    for tag, typ, count, field in entries:
        b += struct.pack(e + "HHI", tag, typ, count) + field
    return b + struct.pack(e + "I", 0) + tail


def tail_at(n_entries):
    """The offset of data placed right after an IFD of n entries (and its next-IFD link)."""
    return struct.pack("<I", 8 + 2 + 12 * n_entries + 4)


def short(v, little=True):
    return struct.pack("<HH" if little else ">HH", v, 0)


def png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def tiny():
    """A 2x1 image: a turn by 5 to 8 shows in its size."""
    img = Image.new("RGB", (2, 1), (200, 10, 10))
    img.putpixel((1, 0), (10, 10, 200))
    return img


def png(before=(), after=()):
    buf = io.BytesIO()
    tiny().save(buf, "PNG")
    d = buf.getvalue()
    iend = d.index(b"IEND") - 4
    return (d[:33] + b"".join(png_chunk(b"eXIf", x) for x in before) + d[33:iend]
            + b"".join(png_chunk(b"eXIf", x) for x in after) + d[iend:])


def jpeg(*parts):
    """A 2x1 JPEG with parts right after SOI: (marker, body) segments or raw bytes."""
    buf = io.BytesIO()
    tiny().save(buf, "JPEG")
    d = buf.getvalue()
    body = b"".join(p if isinstance(p, bytes) else b"\xff" + bytes([p[0]]) + struct.pack(">H", len(p[1]) + 2) + p[1]
                    for p in parts)
    return d[:2] + body + d[2:]


def riff_chunk(kind, body):
    return kind + struct.pack("<I", len(body)) + body + (b"\0" if len(body) & 1 else b"")


def webp(exif_chunks, flags=0x08, vp8x=True, exif_first=False):
    buf = io.BytesIO()
    tiny().save(buf, "WEBP", lossless=True)
    image = buf.getvalue()[12:]
    exif = b"".join(riff_chunk(b"EXIF", x) for x in exif_chunks)
    chunks = exif + image if exif_first else image + exif
    if vp8x:
        # canvas width - 1 and height - 1, 24 bits each: 2x1
        chunks = riff_chunk(b"VP8X", bytes([flags, 0, 0, 0, 1, 0, 0, 0, 0, 0])) + chunks
    body = b"WEBP" + chunks
    return b"RIFF" + struct.pack("<I", len(body)) + body


def cases():
    o6 = tiff([(0x0112, 3, 1, short(6))])
    o8 = tiff([(0x0112, 3, 1, short(8))])
    no_tag = tiff([(0x0100, 3, 1, short(6))])
    huge_count = bytearray(o6)
    huge_count[8:10] = b"\xff\x7f"
    yield "short big-endian", png([tiff([(0x0112, 3, 1, short(5, False))], little=False)])
    yield "long", png([tiff([(0x0112, 4, 1, struct.pack("<I", 6))])])
    yield "long too large", png([tiff([(0x0112, 4, 1, struct.pack("<I", 0x10006))])])
    yield "signed short", png([tiff([(0x0112, 8, 1, short(6))])])
    yield "signed short negative", png([tiff([(0x0112, 8, 1, struct.pack("<hH", -2, 0))])])
    yield "signed long", png([tiff([(0x0112, 9, 1, struct.pack("<i", 7))])])
    yield "signed byte", png([tiff([(0x0112, 6, 1, b"\x06\0\0\0")])])
    yield "byte", png([tiff([(0x0112, 1, 1, b"\x06\0\0\0")])])
    yield "undefined", png([tiff([(0x0112, 7, 1, b"\x06\0\0\0")])])
    yield "ascii", png([tiff([(0x0112, 2, 2, b"6\0\0\0")])])
    yield "float", png([tiff([(0x0112, 11, 1, struct.pack("<f", 6.0))])])
    yield "float not whole", png([tiff([(0x0112, 11, 1, struct.pack("<f", 6.5))])])
    yield "double", png([tiff([(0x0112, 12, 1, tail_at(1))], tail=struct.pack("<d", 8.0))])
    yield "rational 12/2", png([tiff([(0x0112, 5, 1, tail_at(1))], tail=struct.pack("<II", 12, 2))])
    yield "rational 7/2", png([tiff([(0x0112, 5, 1, tail_at(1))], tail=struct.pack("<II", 7, 2))])
    yield "rational 6/0", png([tiff([(0x0112, 5, 1, tail_at(1))], tail=struct.pack("<II", 6, 0))])
    yield "signed rational", png([tiff([(0x0112, 10, 1, tail_at(1))], tail=struct.pack("<ii", -10, -2))])
    yield "long8", png([tiff([(0x0112, 16, 1, tail_at(1))], tail=struct.pack("<Q", 3))])
    yield "ifd type", png([tiff([(0x0112, 13, 1, struct.pack("<I", 2))])])
    yield "unknown type", png([tiff([(0x0112, 99, 1, short(6))])])
    yield "count 0", png([tiff([(0x0112, 3, 0, short(6))])])
    yield "count 2 inline", png([tiff([(0x0112, 3, 2, struct.pack("<HH", 5, 6))])])
    yield "count 3 at offset", png([tiff([(0x0112, 3, 3, tail_at(1))], tail=struct.pack("<HHH", 8, 1, 1))])
    yield "count 1000 past the end", png([tiff([(0x0112, 3, 1000, tail_at(1))], tail=struct.pack("<HHH", 8, 1, 1))])
    yield "zero", png([tiff([(0x0112, 3, 1, short(0))])])
    yield "nine", png([tiff([(0x0112, 3, 1, short(9))])])
    yield "duplicate: last wins", png([tiff([(0x0112, 3, 1, short(6)), (0x0112, 3, 1, short(8))])])
    yield "duplicate: last has count 0", png([tiff([(0x0112, 3, 1, short(6)), (0x0112, 3, 0, short(8))])])
    yield "duplicate: last is out of range", png([tiff([(0x0112, 3, 1, short(6)), (0x0112, 3, 1, short(9))])])
    yield "foreign tag's data past the end first", png([tiff(
        [(0x010E, 2, 100, struct.pack("<I", 4000)), (0x0112, 3, 1, short(6))])])
    yield "foreign tag's data past the end after", png([tiff(
        [(0x0112, 3, 1, short(6)), (0x010E, 2, 100, struct.pack("<I", 4000))])])
    yield "entry count past the end", png([bytes(huge_count)])
    yield "ifd offset past the end", png([tiff([(0x0112, 3, 1, short(6))], ifd=4000)])
    yield "ifd offset 0", png([tiff([(0x0112, 3, 1, short(6))], ifd=0)])
    yield "entry cut short", png([o6[:15]])
    yield "header only", png([b"II*\0\x08\0\0\0"])
    yield "magic in the other byte order (II)", png([tiff([(0x0112, 3, 1, short(6))], head=b"II\0*")])
    yield "magic in the other byte order (MM)", png([tiff([(0x0112, 3, 1, short(7, False))], little=False, head=b"MM*\0")])
    yield "bigtiff header", png([b"II+\0\x08\0\0\0" + bytes(8) + o6[8:]])
    yield "Exif prefix in png", png([b"Exif\0\0" + o6])
    yield "png: two before the data", png([o6, o8])
    yield "png: before and after the data", png([o6], [o8])
    yield "png: only after the data", png([], [o6, o8])
    yield "png: before without the tag, after with it", png([no_tag], [o8])
    exif = lambda t: b"Exif\0\0" + t
    yield "jpeg: two exif segments", jpeg((0xE1, exif(o6)), (0xE1, exif(o8)))
    yield "jpeg: xmp segment first", jpeg((0xE1, b"http://ns.adobe.com/xap/1.0/\0<x/>"), (0xE1, exif(o8)))
    yield "jpeg: no exif prefix", jpeg((0xE1, o6))
    yield "jpeg: short prefix first", jpeg((0xE1, b"Exif\0X" + o6), (0xE1, exif(o8)))
    yield "jpeg: junk before the segment", jpeg((0xFE, b"c"), b"\x00\x17", (0xE1, exif(o6)))
    yield "jpeg: fill bytes", jpeg(b"\xff\xff", (0xE1, exif(o8)))
    yield "jpeg: comment first", jpeg((0xFE, b"hello"), (0xE1, exif(tiff([(0x0112, 3, 1, short(3, False))], little=False))))
    yield "webp: flagged", webp([o6])
    yield "webp: flagged, Exif prefix", webp([exif(o8)])
    yield "webp: not flagged", webp([o6], flags=0)
    yield "webp: no VP8X", webp([o6], vp8x=False)
    yield "webp: exif before the image", webp([o6], exif_first=True)
    yield "webp: two exif chunks", webp([o6, o8])
    yield "webp: odd size", webp([o6 + b"\0"])


def pillow_orientation(data):
    """The orientation ImageOps.exif_transpose acts on (1 if none), and whether Pillow raised."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as im:
                rgb = im.convert("RGB")
                value = rgb.getexif().get(0x0112)
                turned = ImageOps.exif_transpose(rgb)
                acted = value in TURNS
                assert (turned.size != rgb.size) == (acted and value in (5, 6, 7, 8)), value
                return (int(value) if acted else 1), False
    except Exception:  # noqa: BLE001 - any failure of Pillow is recorded as such
        return 1, True


def write_cases():
    out = []
    for name, data in cases():
        with Image.open(io.BytesIO(data)) as im:
            im.load()  # the image itself must be sound; only its EXIF data is odd
        orientation, raised = pillow_orientation(data)
        out.append({"name": name, "orientation": orientation, "pillowRaised": raised,
                    "file": base64.b64encode(data).decode("ascii")})
    text = json.dumps({"pillow": Image.__version__, "cases": out}, indent=0).encode("utf-8")
    with open(os.path.join(OUT, "pillow_cases.json.gz"), "wb") as f:
        f.write(gzip.compress(text, mtime=0))
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    write_turns()
    for c in write_cases():
        print(f"{c['orientation']}{' (Pillow raised)' if c['pillowRaised'] else ''}  {c['name']}")
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print("wrote", len(os.listdir(OUT)), "files,", total, "bytes, to", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
