package dev.ferry.data;

import java.nio.charset.StandardCharsets;

/**
 * The EXIF orientation tag (0x0112) and the turn it asks for, as Pillow's
 * {@code ImageOps.exif_transpose} applies it. Only used with {@code --exif-transpose}: torchvision's
 * loader ignores the tag, and so does ferry by default.
 *
 * <p>Read from JPEG ({@code APP1 "Exif\0\0"}), PNG ({@code eXIf}), WebP ({@code EXIF} chunk) and
 * TIFF (the file's own first IFD). A missing, malformed or out-of-range tag reads as 1 (as
 * stored): a broken EXIF block does not make the image bad, it just has no orientation. Every
 * offset is bounds-checked; nothing here throws on hostile bytes.
 */
public final class ExifOrientation {
    /** The orientation of an image stored upright. */
    public static final int NORMAL = 1;

    private static final int TAG_ORIENTATION = 0x0112;
    private static final int TYPE_SHORT = 3;

    private ExifOrientation() {}

    /** The orientation 1..8 of an image file's bytes. */
    static int read(byte[] data, ImageFormat format) {
        if (data == null || format == null) {
            return NORMAL;
        }
        try {
            return switch (format) {
                case JPEG -> fromJpeg(data);
                case PNG -> fromPng(data);
                case WEBP -> fromWebp(data);
                case TIFF -> fromTiff(data, 0, data.length);
                default -> NORMAL;
            };
        } catch (RuntimeException e) {
            return NORMAL; // the checks below should make this unreachable; a bad tag is no tag
        }
    }

    /**
     * {@code image} turned as {@code orientation} says, upright: 2 mirror, 3 rotate 180, 4 flip
     * vertically, 5 transpose, 6 rotate 90 clockwise, 7 transverse, 8 rotate 90 counter-clockwise
     * (Pillow's FLIP_LEFT_RIGHT, ROTATE_180, FLIP_TOP_BOTTOM, TRANSPOSE, ROTATE_270, TRANSVERSE,
     * ROTATE_90). Any other value returns {@code image}.
     */
    public static RgbImage apply(RgbImage image, int orientation) {
        if (orientation < 2 || orientation > 8) {
            return image;
        }
        int w = image.width();
        int h = image.height();
        boolean swap = orientation >= 5;
        int ow = swap ? h : w;
        int oh = swap ? w : h;
        byte[] src = image.rgb();
        byte[] dst = new byte[src.length];
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                // (sx, sy): the source pixel that lands on output (x, y).
                int sx;
                int sy;
                switch (orientation) {
                    case 2 -> { sx = w - 1 - x; sy = y; }
                    case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }
                    case 4 -> { sx = x; sy = h - 1 - y; }
                    case 5 -> { sx = y; sy = x; }
                    case 6 -> { sx = y; sy = h - 1 - x; }
                    case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }
                    default -> { sx = w - 1 - y; sy = x; }
                }
                int s = (sy * w + sx) * 3;
                int d = (y * ow + x) * 3;
                dst[d] = src[s];
                dst[d + 1] = src[s + 1];
                dst[d + 2] = src[s + 2];
            }
        }
        return new RgbImage(ow, oh, dst);
    }

    private static int fromJpeg(byte[] d) {
        int p = 2;
        while (p + 4 <= d.length) {
            if ((d[p] & 0xFF) != 0xFF) {
                return NORMAL;
            }
            int marker = d[p + 1] & 0xFF;
            if (marker == 0xFF) {
                p++; // fill byte
                continue;
            }
            if (marker == 0xDA || marker == 0xD9) {
                return NORMAL; // image data starts: the metadata segments are over
            }
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                p += 2;
                continue;
            }
            int length = u16be(d, p + 2);
            if (length < 2 || p + 2 + length > d.length) {
                return NORMAL;
            }
            int body = p + 4;
            if (marker == 0xE1 && length >= 8 && startsWith(d, body, "Exif\0\0")) {
                return fromTiff(d, body + 6, p + 2 + length);
            }
            p += 2 + length;
        }
        return NORMAL;
    }

    private static int fromPng(byte[] d) {
        int p = 8;
        while (p + 12 <= d.length) {
            long length = u32be(d, p);
            if (length > d.length - p - 12) {
                return NORMAL;
            }
            String type = new String(d, p + 4, 4, StandardCharsets.ISO_8859_1);
            int body = p + 8;
            if (type.equals("eXIf")) {
                return fromTiff(d, body, body + (int) length);
            }
            if (type.equals("IDAT") || type.equals("IEND")) {
                return NORMAL; // eXIf must come before the image data
            }
            p = body + (int) length + 4; // + CRC
        }
        return NORMAL;
    }

    private static int fromWebp(byte[] d) {
        int p = 12;
        while (p + 8 <= d.length) {
            long length = u32le(d, p + 4);
            if (length > d.length - p - 8) {
                return NORMAL;
            }
            int body = p + 8;
            if (startsWith(d, p, "EXIF")) {
                int start = startsWith(d, body, "Exif\0\0") ? body + 6 : body;
                return fromTiff(d, start, body + (int) length);
            }
            p = body + (int) length + (int) (length & 1); // chunks are padded to even sizes
        }
        return NORMAL;
    }

    /** The orientation in the first IFD of a TIFF structure at {@code [start, end)}. */
    private static int fromTiff(byte[] d, int start, int end) {
        if (start < 0 || end > d.length || end - start < 8) {
            return NORMAL;
        }
        boolean little;
        if (d[start] == 'I' && d[start + 1] == 'I') {
            little = true;
        } else if (d[start] == 'M' && d[start + 1] == 'M') {
            little = false;
        } else {
            return NORMAL;
        }
        if (u16(d, start + 2, little) != 42) {
            return NORMAL;
        }
        long ifd = u32(d, start + 4, little);
        if (ifd < 8 || ifd > end - start - 2) {
            return NORMAL;
        }
        int p = start + (int) ifd;
        int count = u16(d, p, little);
        p += 2;
        for (int i = 0; i < count && p + 12 <= end; i++, p += 12) {
            if (u16(d, p, little) == TAG_ORIENTATION) {
                if (u16(d, p + 2, little) != TYPE_SHORT || u32(d, p + 4, little) < 1) {
                    return NORMAL;
                }
                int v = u16(d, p + 8, little); // a single SHORT sits in the first bytes of the value field
                return v >= 1 && v <= 8 ? v : NORMAL;
            }
        }
        return NORMAL;
    }

    private static boolean startsWith(byte[] d, int at, String ascii) {
        if (at < 0 || at + ascii.length() > d.length) {
            return false;
        }
        for (int i = 0; i < ascii.length(); i++) {
            if (d[at + i] != (byte) ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static int u16(byte[] d, int p, boolean little) {
        return little ? (d[p] & 0xFF) | (d[p + 1] & 0xFF) << 8 : u16be(d, p);
    }

    private static int u16be(byte[] d, int p) {
        return (d[p] & 0xFF) << 8 | (d[p + 1] & 0xFF);
    }

    private static long u32(byte[] d, int p, boolean little) {
        return little ? u32le(d, p) : u32be(d, p);
    }

    private static long u32be(byte[] d, int p) {
        return (long) (d[p] & 0xFF) << 24 | (d[p + 1] & 0xFF) << 16 | (d[p + 2] & 0xFF) << 8 | (d[p + 3] & 0xFF);
    }

    private static long u32le(byte[] d, int p) {
        return (long) (d[p + 3] & 0xFF) << 24 | (d[p + 2] & 0xFF) << 16 | (d[p + 1] & 0xFF) << 8 | (d[p] & 0xFF);
    }
}
