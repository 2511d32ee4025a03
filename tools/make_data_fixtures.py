#!/usr/bin/python3
"""Write the reference fixtures for the dev.ferry.data tests.

Run from anywhere with the system Python that has Pillow 9.4 and torchvision 0.14:

    /usr/bin/python3 tools/make_data_fixtures.py

It (re)writes ferry-core/src/test/resources/data/ and nothing else.  CI never runs this script: its output
is committed, and the Java tests compare ferry's decoding, resampling and tensor code against
what Pillow / torchvision produced here.  The output is deterministic (fixed numpy seeds, gzip
with mtime 0, PNG/JPEG encoders without timestamps), so re-running it on the same library
versions yields byte-identical files.

Layout (all .gz files are gzip-compressed raw arrays; shapes are listed in manifest.json):

  manifest.json           index of every case below with its parameters
  images/*.png            inputs for the eval-pipeline and resampling cases
  eval/<case>.png         8-bit RGB PNG (stored as PNG because it compresses far better than raw
                          bytes; the tests read it back as a raw raster): torchvision
                          Resize(resize) + CenterCrop(crop) on PIL's convert("RGB") of the input
  eval/<case>.f32.gz      float32 little-endian CHW: the same followed by ToTensor + Normalize
                          (only for a few cases, to keep the fixtures small)
  resample/<case>.png     8-bit RGB PNG: Image.resize((w, h), filter) or F.resized_crop(...)
  lut/<name>.f32.gz       float32 3x256: ToTensor + Normalize applied to the values 0..255 for
                          each channel (covers the float arithmetic for every possible byte)
  formats/*               small images in many formats/modes; formats/<file>.rgb.png is
                          PIL's Image.open(file).convert("RGB") as an 8-bit RGB PNG
  jpeg/*.jpg              JPEG inputs; jpeg/<file>.rgb.png is what Pillow (libjpeg-turbo) decodes
  bad/                    an ImageFolder with one bad file of each kind next to good ones
"""

import gzip
import io
import json
import os
import struct
import sys
import zlib

import numpy as np
import PIL
from PIL import Image, ImageCms
import torch
import torchvision
import torchvision.transforms as T
import torchvision.transforms.functional as F
from torchvision.transforms import InterpolationMode

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ferry-core", "src", "test", "resources", "data")

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]
SMALL_MEAN = [0.286, 0.286, 0.286]
SMALL_STD = [0.353, 0.353, 0.353]

INTERP = {
    "BILINEAR": InterpolationMode.BILINEAR,
    "BICUBIC": InterpolationMode.BICUBIC,
    "NEAREST": InterpolationMode.NEAREST,
}
PIL_FILTER = {
    "BILINEAR": Image.Resampling.BILINEAR,
    "BICUBIC": Image.Resampling.BICUBIC,
    "NEAREST": Image.Resampling.NEAREST,
}


def check_versions():
    if not PIL.__version__.startswith("9.4."):
        sys.exit(f"need Pillow 9.4.x, found {PIL.__version__}")
    if not torchvision.__version__.startswith("0.14."):
        sys.exit(f"need torchvision 0.14.x, found {torchvision.__version__}")


def out(*parts):
    path = os.path.join(ROOT, *parts)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


def write_bytes(rel, data):
    with open(out(*rel.split("/")), "wb") as f:
        f.write(data)


def write_gz(rel, array):
    """Raw little-endian array bytes, gzip-compressed without a timestamp (deterministic)."""
    data = np.ascontiguousarray(array)
    if data.dtype == np.float32:
        data = data.astype("<f4")
    write_bytes(rel, gzip.compress(data.tobytes(), compresslevel=9, mtime=0))


def write_png(rel, rgb_image):
    """An expected 8-bit RGB result, as a plain PNG (no ancillary chunks, nothing to colour-manage)."""
    assert rgb_image.mode == "RGB"
    # A fresh image drops info such as "transparency", which convert("RGB") keeps and PNG would
    # write as a tRNS chunk.
    plain = Image.frombytes("RGB", rgb_image.size, rgb_image.tobytes())
    plain.save(out(*rel.split("/")), "PNG", optimize=True)


def content(seed, h, w, channels):
    """Smooth gradients and waves, a few hard-edged rectangles, mild noise: resampling errors show."""
    rng = np.random.RandomState(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    planes = []
    for _ in range(channels):
        fx, fy, ph = rng.uniform(0.01, 0.09), rng.uniform(0.01, 0.09), rng.uniform(0, 6.28)
        planes.append(128 + 70 * np.sin(x * fx + y * fy + ph) + 60 * (x / w - 0.5) + 40 * (y / h - 0.5))
    img = np.stack(planes, -1)
    for _ in range(6):
        y0, x0 = rng.randint(0, h - 4), rng.randint(0, w - 4)
        img[y0:y0 + rng.randint(3, max(4, h // 3)), x0:x0 + rng.randint(3, max(4, w // 3)), :] = \
            rng.randint(0, 256, size=channels)
    img += rng.normal(0, 1.2, img.shape)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


# ---------------------------------------------------------------------------------------------
# Hand-written PNG encoder, for modes Pillow cannot write (16-bit RGB / LA, 2- and 4-bit grey,
# gAMA chunks) and for the decompression-bomb header.

def png_chunk(tag, data):
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def pack_bits(row, depth):
    per_byte = 8 // depth
    vals = np.zeros(((len(row) + per_byte - 1) // per_byte) * per_byte, dtype=np.uint8)
    vals[:len(row)] = row
    vals = vals.reshape(-1, per_byte)
    packed = np.zeros(vals.shape[0], dtype=np.uint8)
    for k in range(per_byte):
        packed |= (vals[:, k] << (8 - depth * (k + 1))).astype(np.uint8)
    return packed.tobytes()


def png_bytes(samples, depth, color_type, extra_chunks=b""):
    """samples: H x W x C (uint8 or uint16) sample values; filter type 0 on every row."""
    h, w = samples.shape[:2]
    raw = bytearray()
    for row in samples:
        raw.append(0)
        if depth == 16:
            raw += row.astype(">u2").tobytes()
        elif depth == 8:
            raw += row.astype(np.uint8).tobytes()
        else:
            raw += pack_bits(row.reshape(-1).astype(np.uint8), depth)
    ihdr = struct.pack(">IIBBBBB", w, h, depth, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + extra_chunks
            + png_chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + png_chunk(b"IEND", b""))


def srgb_profile():
    """lcms's sRGB profile with a fixed creation date (bytes 24..35 of the ICC header hold the
    time it was built) and no profile ID (bytes 84..99, all zero means "not computed"), so the
    files embedding it are reproducible."""
    icc = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    icc[24:36] = struct.pack(">6H", 2023, 1, 1, 0, 0, 0)
    icc[84:100] = bytes(16)
    return bytes(icc)


def pil_load_rgb(path):
    """Exactly torchvision.datasets.folder.pil_loader."""
    with open(path, "rb") as f:
        img = Image.open(f)
        return img.convert("RGB")


def save_pil(img, rel, **kw):
    path = out(*rel.split("/"))
    img.save(path, **kw)
    return path


# ---------------------------------------------------------------------------------------------

def make_eval_cases(manifest):
    images = {}

    images["rgb_451x300"] = save_pil(Image.fromarray(content(1, 300, 451, 3), "RGB"), "images/rgb_451x300.png")
    images["grey_300x700"] = save_pil(Image.fromarray(content(2, 700, 300, 1)[:, :, 0], "L"),
                                      "images/grey_300x700.png")
    rng = np.random.RandomState(3)
    pal_img = Image.fromarray((content(3, 240, 320, 1)[:, :, 0] // 4).astype(np.uint8), "P")
    pal_img.putpalette(rng.randint(0, 256, size=64 * 3).astype(np.uint8).tobytes())
    images["palette_320x240"] = save_pil(pal_img, "images/palette_320x240.png")
    rgba = np.concatenate([content(4, 390, 260, 3), content(5, 390, 260, 1)], axis=2)
    images["rgba_260x390"] = save_pil(Image.fromarray(rgba, "RGBA"), "images/rgba_260x390.png")
    # 16-bit grey: values 0..600, so Pillow's clip to 255 (mode "I" -> "RGB") matters for part of it.
    g16 = (content(6, 280, 300, 1)[:, :, 0].astype(np.uint16) * 600 // 255).astype(np.uint16)
    images["grey16_300x280"] = save_pil(Image.fromarray(g16, "I;16"), "images/grey16_300x280.png")
    images["small_200x150"] = save_pil(Image.fromarray(content(7, 150, 200, 3), "RGB"), "images/small_200x150.png")
    images["grey_28x28"] = save_pil(Image.fromarray(content(8, 28, 28, 1)[:, :, 0], "L"), "images/grey_28x28.png")
    images["rgb_30x27"] = save_pil(Image.fromarray(content(9, 27, 30, 3), "RGB"), "images/rgb_30x27.png")

    def case(name, image, resize, crop, interp, mean, std, with_f32):
        img = pil_load_rgb(images[image])
        steps = []
        if resize:
            steps.append(T.Resize(resize, interpolation=INTERP[interp]))
        steps.append(T.CenterCrop(crop))
        cropped = T.Compose(steps)(img)
        u8 = np.asarray(cropped, dtype=np.uint8).transpose(2, 0, 1)
        write_png(f"eval/{name}.png", cropped)
        entry = {"name": name, "image": f"images/{image}.png", "resize": resize, "crop": crop,
                 "interpolation": interp, "shape": list(u8.shape), "mean": mean, "std": std,
                 "u8": f"eval/{name}.png"}
        if with_f32:
            f32 = T.Compose(steps + [T.ToTensor(), T.Normalize(mean, std)])(img).numpy()
            write_gz(f"eval/{name}.f32.gz", f32.astype(np.float32))
            entry["f32"] = f"eval/{name}.f32.gz"
        manifest["eval"].append(entry)

    case("rgb_451x300_v1", "rgb_451x300", 256, 224, "BILINEAR", IMAGENET_MEAN, IMAGENET_STD, True)
    case("grey_300x700_v1", "grey_300x700", 256, 224, "BILINEAR", IMAGENET_MEAN, IMAGENET_STD, False)
    case("palette_320x240_v1", "palette_320x240", 256, 224, "BILINEAR", IMAGENET_MEAN, IMAGENET_STD, False)
    case("rgba_260x390_v1", "rgba_260x390", 256, 224, "BILINEAR", IMAGENET_MEAN, IMAGENET_STD, False)
    case("grey16_300x280_v1", "grey16_300x280", 256, 224, "BILINEAR", IMAGENET_MEAN, IMAGENET_STD, False)
    case("small_200x150_v1", "small_200x150", 256, 224, "BILINEAR", IMAGENET_MEAN, IMAGENET_STD, False)
    case("rgb_451x300_v2", "rgb_451x300", 232, 224, "BILINEAR", IMAGENET_MEAN, IMAGENET_STD, False)
    # timm's eval preset for its ResNet weights: crop_pct 0.95, so Resize(floor(224 / 0.95) = 235), bicubic.
    case("rgb_451x300_timm", "rgb_451x300", 235, 224, "BICUBIC", IMAGENET_MEAN, IMAGENET_STD, True)
    case("grey_300x700_timm", "grey_300x700", 235, 224, "BICUBIC", IMAGENET_MEAN, IMAGENET_STD, False)
    case("grey_28x28_small", "grey_28x28", 0, 28, "BILINEAR", SMALL_MEAN, SMALL_STD, True)
    case("rgb_30x27_pad32", "rgb_30x27", 0, 32, "BILINEAR", SMALL_MEAN, SMALL_STD, True)

    # Direct resampling to explicit sizes (one-pass and two-pass paths of ImagingResample).
    src = pil_load_rgb(images["rgb_451x300"])
    for name, image, (w, h), filt in [("vertical_only_451x120", "rgb_451x300", (451, 120), "BILINEAR"),
                                      ("horizontal_only_80x300", "rgb_451x300", (80, 300), "BILINEAR"),
                                      ("both_37x29", "rgb_451x300", (37, 29), "BILINEAR"),
                                      ("up_263x171", "small_200x150", (263, 171), "BILINEAR"),
                                      ("bicubic_97x310", "rgb_451x300", (97, 310), "BICUBIC"),
                                      ("bicubic_up_230x160", "small_200x150", (230, 160), "BICUBIC"),
                                      ("nearest_123x77", "rgb_451x300", (123, 77), "NEAREST"),
                                      ("nearest_up_311x170", "small_200x150", (311, 170), "NEAREST")]:
        res = pil_load_rgb(images[image]).resize((w, h), PIL_FILTER[filt])
        write_png(f"resample/{name}.png", res)
        manifest["resample"].append({"name": name, "image": f"images/{image}.png", "width": w, "height": h,
                                     "interpolation": filt, "u8": f"resample/{name}.png"})

    # torchvision resized_crop (RandomResizedCrop's second half): crop, then resize to size x size.
    for name, (top, left, hh, ww) in [("crop_down", (37, 120, 150, 101)), ("crop_up", (5, 7, 40, 60)),
                                      ("crop_edge", (300 - 90, 451 - 200, 90, 200))]:
        res = F.resized_crop(src, top, left, hh, ww, [224, 224], interpolation=InterpolationMode.BILINEAR)
        write_png(f"resample/{name}.png", res)
        manifest["resized_crop"].append({"name": name, "image": "images/rgb_451x300.png", "top": top, "left": left,
                                         "height": hh, "width": ww, "size": 224, "u8": f"resample/{name}.png"})


def make_luts(manifest):
    ramp = np.repeat(np.arange(256, dtype=np.uint8)[None, :, None], 3, axis=2)  # 1 x 256 x 3
    img = Image.fromarray(ramp, "RGB")
    for name, mean, std in [("imagenet", IMAGENET_MEAN, IMAGENET_STD), ("small", SMALL_MEAN, SMALL_STD)]:
        lut = T.Compose([T.ToTensor(), T.Normalize(mean, std)])(img).numpy().reshape(3, 256)
        write_gz(f"lut/{name}.f32.gz", lut.astype(np.float32))
        manifest["lut"].append({"name": name, "mean": mean, "std": std, "f32": f"lut/{name}.f32.gz"})


def make_formats(manifest):
    def record(rel, tolerance=0):
        rgb = pil_load_rgb(out(*rel.split("/")))
        write_png(rel + ".rgb.png", rgb)
        manifest["formats"].append({"file": rel, "width": rgb.width, "height": rgb.height,
                                    "rgb": rel + ".rgb.png", "tolerance": tolerance})

    rgb = content(20, 23, 37, 3)
    grey = content(21, 23, 37, 1)[:, :, 0]
    alpha = content(22, 23, 37, 1)[:, :, 0]
    rng = np.random.RandomState(23)

    save_pil(Image.fromarray(np.stack([grey, alpha], -1), "LA"), "formats/png_la8.png")
    record("formats/png_la8.png")
    rgb16 = (rgb.astype(np.uint16) * 257 + rng.randint(0, 257, size=rgb.shape)).astype(np.uint16)
    write_bytes("formats/png_rgb16.png", png_bytes(rgb16, 16, 2))
    record("formats/png_rgb16.png")
    la16 = np.stack([grey.astype(np.uint16) * 257 + 100, alpha.astype(np.uint16) * 257], -1)
    write_bytes("formats/png_la16.png", png_bytes(la16, 16, 4))
    record("formats/png_la16.png")
    rgba16 = np.concatenate([rgb16, alpha[:, :, None].astype(np.uint16) * 257], axis=2)
    write_bytes("formats/png_rgba16.png", png_bytes(rgba16, 16, 6))
    record("formats/png_rgba16.png")
    write_bytes("formats/png_grey4.png", png_bytes((grey // 16)[:, :, None], 4, 0))
    record("formats/png_grey4.png")
    write_bytes("formats/png_grey2.png", png_bytes((grey // 64)[:, :, None], 2, 0))
    record("formats/png_grey2.png")
    save_pil(Image.fromarray(grey > 128).convert("1"), "formats/png_grey1.png")
    record("formats/png_grey1.png")
    pal4 = Image.fromarray((grey // 16).astype(np.uint8), "P")
    pal4.putpalette(rng.randint(0, 256, size=16 * 3).astype(np.uint8).tobytes())
    save_pil(pal4, "formats/png_pal4.png", bits=4)
    record("formats/png_pal4.png")
    pal8 = Image.fromarray(grey, "P")
    pal8.putpalette(rng.randint(0, 256, size=256 * 3).astype(np.uint8).tobytes())
    save_pil(pal8, "formats/png_pal8_trns.png", transparency=7)
    record("formats/png_pal8_trns.png")
    save_pil(Image.fromarray(rgb, "RGB"), "formats/png_rgb_trns.png", transparency=tuple(int(v) for v in rgb[0, 0]))
    record("formats/png_rgb_trns.png")
    save_pil(Image.fromarray(grey, "L"), "formats/png_grey_trns.png", transparency=int(grey[3, 3]))
    record("formats/png_grey_trns.png")
    # gAMA 0.7 and an sRGB ICC profile: Pillow ignores both for pixel values, so must we.
    gama = png_chunk(b"gAMA", struct.pack(">I", 70000))
    write_bytes("formats/png_rgb_gamma.png", png_bytes(rgb, 8, 2, gama))
    record("formats/png_rgb_gamma.png")
    write_bytes("formats/png_grey_gamma.png", png_bytes(grey[:, :, None], 8, 0, gama))
    record("formats/png_grey_gamma.png")
    srgb_icc = srgb_profile()
    save_pil(Image.fromarray(rgb, "RGB"), "formats/png_rgb_icc.png", icc_profile=srgb_icc)
    record("formats/png_rgb_icc.png")

    save_pil(Image.fromarray(rgb, "RGB"), "formats/bmp_rgb24.bmp")
    record("formats/bmp_rgb24.bmp")
    save_pil(pal8.copy(), "formats/bmp_pal8.bmp")
    record("formats/bmp_pal8.bmp")
    save_pil(Image.fromarray(grey, "L"), "formats/bmp_grey8.bmp")
    record("formats/bmp_grey8.bmp")
    save_pil(Image.fromarray(np.concatenate([rgb, alpha[:, :, None]], 2), "RGBA"), "formats/bmp_rgba32.bmp")
    record("formats/bmp_rgba32.bmp")

    gif = Image.fromarray((grey // 2).astype(np.uint8), "P")
    gif.putpalette(rng.randint(0, 256, size=128 * 3).astype(np.uint8).tobytes())
    save_pil(gif, "formats/gif_pal.gif")
    record("formats/gif_pal.gif")
    frame2 = Image.fromarray((255 - grey) // 2, "P")
    frame2.putpalette(gif.getpalette())
    save_pil(gif, "formats/gif_anim.gif", save_all=True, append_images=[frame2], duration=100, loop=0)
    record("formats/gif_anim.gif")

    # A first frame smaller than the logical screen, at an offset, with a transparent index:
    # Pillow builds the screen-sized canvas filled with the transparent index. Pillow always
    # writes full-screen first frames, so its output is patched: screen 50x30, frame at (9, 4).
    small = Image.fromarray((grey[:20, :30] // 2).astype(np.uint8), "P")
    small.putpalette(gif.getpalette())
    buf = io.BytesIO()
    small.save(buf, "GIF", transparency=5)
    data = bytearray(buf.getvalue())
    data[6:10] = struct.pack("<HH", 50, 30)
    sep = data.index(b"\x2c\x00\x00\x00\x00" + struct.pack("<HH", 30, 20))
    data[sep + 1:sep + 5] = struct.pack("<HH", 9, 4)
    write_bytes("formats/gif_offset.gif", bytes(data))
    record("formats/gif_offset.gif")

    save_pil(Image.fromarray(rgb, "RGB"), "formats/webp_lossless.webp", lossless=True)
    record("formats/webp_lossless.webp")
    save_pil(Image.fromarray(np.concatenate([rgb, alpha[:, :, None]], 2), "RGBA"), "formats/webp_lossless_rgba.webp",
             lossless=True)
    record("formats/webp_lossless_rgba.webp")
    # Lossy WebP: TwelveMonkeys' VP8 decoder is not libwebp, so the test allows a measured tolerance.
    save_pil(Image.fromarray(rgb, "RGB"), "formats/webp_lossy.webp", quality=90, method=4)
    record("formats/webp_lossy.webp", tolerance=-1)

    save_pil(Image.fromarray(rgb, "RGB"), "formats/tiff_rgb.tif")
    record("formats/tiff_rgb.tif")
    save_pil(Image.fromarray(rgb, "RGB"), "formats/tiff_rgb_lzw.tif", compression="tiff_lzw")
    record("formats/tiff_rgb_lzw.tif")
    save_pil(Image.fromarray(grey, "L"), "formats/tiff_grey_deflate.tif", compression="tiff_adobe_deflate")
    record("formats/tiff_grey_deflate.tif")
    # Arbitrary CMYK samples (not Pillow's RGB->CMYK, which leaves K at 0) so every channel is used.
    cmyk = np.concatenate([rgb, grey[:, :, None]], 2)
    save_pil(Image.fromarray(cmyk, "CMYK"), "formats/tiff_cmyk.tif")
    record("formats/tiff_cmyk.tif")
    save_pil(Image.fromarray((grey.astype(np.uint16) * 3), "I;16"), "formats/tiff_grey16.tif")
    record("formats/tiff_grey16.tif")


def make_jpegs(manifest):
    def record(rel):
        rgb = pil_load_rgb(out(*rel.split("/")))
        write_png(rel + ".rgb.png", rgb)
        manifest["jpeg"].append({"file": rel, "width": rgb.width, "height": rgb.height, "rgb": rel + ".rgb.png"})

    rgb = content(30, 173, 227, 3)
    save_pil(Image.fromarray(rgb, "RGB"), "jpeg/rgb_420.jpg", quality=90, subsampling=2)
    record("jpeg/rgb_420.jpg")
    save_pil(Image.fromarray(content(31, 120, 161, 3), "RGB"), "jpeg/rgb_444_progressive.jpg", quality=85,
             subsampling=0, progressive=True)
    record("jpeg/rgb_444_progressive.jpg")
    save_pil(Image.fromarray(content(32, 97, 130, 3), "RGB"), "jpeg/rgb_422.jpg", quality=75, subsampling=1)
    record("jpeg/rgb_422.jpg")
    save_pil(Image.fromarray(content(33, 101, 150, 1)[:, :, 0], "L"), "jpeg/grey.jpg", quality=90)
    record("jpeg/grey.jpg")
    cmyk = np.concatenate([content(34, 90, 140, 3), content(35, 90, 140, 1) // 2], 2)
    save_pil(Image.fromarray(cmyk, "CMYK"), "jpeg/cmyk.jpg", quality=92)
    record("jpeg/cmyk.jpg")
    # YCCK: Pillow cannot write it, but a CMYK JPEG's Adobe APP14 marker with the transform flag
    # changed from 0 to 2 makes libjpeg read the same stored components as YCCK.
    buf = io.BytesIO()
    Image.fromarray(np.concatenate([content(37, 70, 96, 3), content(38, 70, 96, 1)], 2), "CMYK").save(
        buf, "JPEG", quality=90)
    data = bytearray(buf.getvalue())
    app14 = data.index(b"\xff\xee\x00\x0eAdobe")  # APP14, length 14
    assert data[app14 + 4 + 11] == 0, "expected Adobe transform 0 in Pillow's CMYK JPEG"
    data[app14 + 4 + 11] = 2
    write_bytes("jpeg/ycck.jpg", bytes(data))
    record("jpeg/ycck.jpg")
    # An embedded (lcms, so not byte-identical to Java's) sRGB profile: Pillow ignores it.
    srgb_icc = srgb_profile()
    save_pil(Image.fromarray(content(36, 80, 120, 3), "RGB"), "jpeg/rgb_icc.jpg", quality=90, icc_profile=srgb_icc)
    record("jpeg/rgb_icc.jpg")


def make_bad(manifest):
    good = Image.fromarray(content(40, 20, 30, 3), "RGB")
    save_pil(good, "bad/cats/good1.png")
    save_pil(good.transpose(Image.Transpose.FLIP_LEFT_RIGHT), "bad/cats/good2.png")
    save_pil(good.transpose(Image.Transpose.FLIP_TOP_BOTTOM), "bad/dogs/good3.png")
    buf = io.BytesIO()
    good.save(buf, "JPEG", quality=90)
    write_bytes("bad/dogs/good4.jpg", buf.getvalue())

    write_bytes("bad/cats/empty.jpg", b"")
    big = Image.fromarray(content(41, 64, 64, 3), "RGB")
    buf = io.BytesIO()
    big.save(buf, "PNG")
    png = buf.getvalue()
    write_bytes("bad/cats/truncated.png", png[:len(png) // 2])
    buf = io.BytesIO()
    big.save(buf, "JPEG", quality=95)
    jpg = buf.getvalue()
    write_bytes("bad/dogs/truncated.jpg", jpg[:len(jpg) // 2])
    write_bytes("bad/dogs/notes.jpg", b"this is a text file, not a JPEG\n" * 4)
    # 20000 x 10000 = 200,000,000 pixels > 178,956,970: the header alone must reject it.
    ihdr = struct.pack(">IIBBBBB", 20000, 10000, 8, 2, 0, 0, 0)
    bomb = (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
            + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + png_chunk(b"IEND", b""))
    write_bytes("bad/cats/bomb.png", bomb)
    manifest["bad"] = {
        "root": "bad",
        "good": ["bad/cats/good1.png", "bad/cats/good2.png", "bad/dogs/good3.png", "bad/dogs/good4.jpg"],
        "bad": {"bad/cats/empty.jpg": "EMPTY", "bad/cats/truncated.png": "CORRUPT",
                "bad/dogs/truncated.jpg": "CORRUPT", "bad/dogs/notes.jpg": "NOT_AN_IMAGE",
                "bad/cats/bomb.png": "TOO_LARGE"},
    }


def main():
    check_versions()
    torch.manual_seed(0)
    manifest = {"generator": "tools/make_data_fixtures.py",
                "versions": {"Pillow": PIL.__version__, "torchvision": torchvision.__version__,
                             "torch": torch.__version__},
                "eval": [], "resample": [], "resized_crop": [], "lut": [], "formats": [], "jpeg": []}
    make_eval_cases(manifest)
    make_luts(manifest)
    make_formats(manifest)
    make_jpegs(manifest)
    make_bad(manifest)
    with open(out("manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
