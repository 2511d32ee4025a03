package dev.ferry.data;

/**
 * The EXIF orientation tag (0x0112) and the turn it asks for, as Pillow 9.4 reads and applies it
 * in {@code ImageOps.exif_transpose(Image.open(path).convert("RGB"))}. For JPEG, PNG and WebP it
 * is used only when a preset's {@code exifTranspose} is set: torchvision's loader ignores the tag there, and so
 * does ferry by default. TIFF files are the exception: Pillow turns a TIFF upright by its own
 * orientation tag whenever it loads the pixels, so torchvision's loader does too, and
 * {@link ImageDecoder} always does the same (once, with or without the option).
 *
 * <p>Where the tag is found, following Pillow's readers:
 * <ul>
 *   <li>JPEG: the first {@code APP1} segment starting {@code "Exif\0"} before the scan data; its
 *       TIFF structure follows {@code "Exif\0\0"}. Stray bytes between segments are skipped.</li>
 *   <li>PNG: the {@code eXIf} chunk (a bare TIFF structure); the last one if there are several,
 *       after the image data or before it.</li>
 *   <li>WebP: the first {@code EXIF} chunk of an extended ({@code VP8X}) file whose header flags
 *       EXIF data; an optional {@code "Exif\0\0"} before the TIFF structure is skipped.</li>
 *   <li>TIFF (and BigTIFF) files: the first IFD of the file itself.</li>
 * </ul>
 * In the first IFD, the last orientation entry wins; its first value counts, stored inline or at
 * its offset, as any integer, rational or floating-point TIFF type whose value is exactly 1..8.
 * Out-of-line data of any entry that runs past the structure ends the directory there, as it
 * ends Pillow's reading of it.
 *
 * <p>A missing, malformed or out-of-range tag reads as {@link #NORMAL} (1): a broken EXIF block
 * does not make the image bad, it just has no orientation (where Pillow raises on such a block,
 * ferry still decodes the image). Every offset is bounds-checked, so nothing here throws on
 * hostile bytes. Orientation held only in XMP or in a PNG text chunk ({@code "Raw profile type
 * exif"}) is not read.
 */
public final class ExifOrientation {
    /** The orientation of an image stored upright. */
    public static final int NORMAL = 1;

    private static final int TAG_ORIENTATION = 0x0112;
    /** libwebp's {@code EXIF_FLAG} in the VP8X header. */
    private static final int WEBP_EXIF_FLAG = 0x08;

    private ExifOrientation() {}

    /**
     * The orientation 1..8 stored in an image file's bytes.
     *
     * @param fileBytes the whole file
     * @param format    its format, as {@link ImageFormat#sniff} recognised it
     * @return the orientation, or {@link #NORMAL} when there is none, it is unreadable or it is
     *         out of range
     */
    static int read(byte[] fileBytes, ImageFormat format) {
        if (fileBytes == null || format == null) {
            return NORMAL;
        }
        try {
            return switch (format) {
                case JPEG -> fromJpeg(fileBytes);
                case PNG -> fromPng(fileBytes);
                case WEBP -> fromWebp(fileBytes);
                case TIFF -> fromTiff(fileBytes, 0, fileBytes.length, true);
                default -> NORMAL;
            };
        } catch (RuntimeException e) {
            return NORMAL; // the bounds checks make this unreachable; a bad tag is no tag
        }
    }

    /**
     * {@code image} turned upright as {@code orientation} says: 2 mirror left to right, 3 rotate
     * 180 degrees, 4 flip top to bottom, 5 transpose (mirror along the main diagonal), 6 rotate 90
     * degrees clockwise, 7 transverse (mirror along the other diagonal), 8 rotate 90 degrees
     * counter-clockwise. These are Pillow's FLIP_LEFT_RIGHT, ROTATE_180, FLIP_TOP_BOTTOM,
     * TRANSPOSE, ROTATE_270, TRANSVERSE and ROTATE_90. 5 to 8 swap width and height.
     *
     * @return a new image, or {@code image} itself for 1 or any value outside 2..8
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
        // The source pixel of output (x, y) is first + x * stepX + y * stepY (in pixels).
        int first;
        int stepX;
        int stepY;
        switch (orientation) {
            case 2 -> { first = w - 1; stepX = -1; stepY = w; }
            case 3 -> { first = (h - 1) * w + w - 1; stepX = -1; stepY = -w; }
            case 4 -> { first = (h - 1) * w; stepX = 1; stepY = -w; }
            case 5 -> { first = 0; stepX = w; stepY = 1; }
            case 6 -> { first = (h - 1) * w; stepX = -w; stepY = 1; }
            case 7 -> { first = (h - 1) * w + w - 1; stepX = -w; stepY = -1; }
            default -> { first = w - 1; stepX = w; stepY = -1; }
        }
        byte[] src = image.rgb();
        byte[] dst = new byte[src.length];
        int d = 0;
        for (int y = 0; y < oh; y++) {
            int s = first + y * stepY;
            for (int x = 0; x < ow; x++, s += stepX, d += 3) {
                int si = s * 3;
                dst[d] = src[si];
                dst[d + 1] = src[si + 1];
                dst[d + 2] = src[si + 2];
            }
        }
        return new RgbImage(ow, oh, dst);
    }

    // ---------------------------------------------------------------------------------------

    /** Markers Pillow's JPEG reader treats as standing alone (no length field). */
    private static boolean standaloneJpegMarker(int m) {
        return m == 0xC8 || (m >= 0xD0 && m <= 0xD9) || (m >= 0xF0 && m <= 0xFD);
    }

    private static int fromJpeg(byte[] d) {
        int p = 2;
        while (p < d.length) {
            if ((d[p] & 0xFF) != 0xFF) {
                p++; // junk between segments
                continue;
            }
            if (p + 1 >= d.length) {
                return NORMAL;
            }
            int marker = d[p + 1] & 0xFF;
            if (marker == 0xFF) {
                p++; // fill byte
                continue;
            }
            if (marker == 0x00 || standaloneJpegMarker(marker)) {
                p += 2;
                continue;
            }
            if (marker < 0xC0) {
                return NORMAL; // not a marker: Pillow gives up on the file here
            }
            if (p + 4 > d.length) {
                return NORMAL;
            }
            int body = p + 4;
            int bodyLength = Math.max(0, u16be(d, p + 2) - 2);
            if (bodyLength > d.length - body) {
                return NORMAL; // segment cut short
            }
            if (marker == 0xDA) {
                return NORMAL; // start of scan: the metadata segments are over
            }
            if (marker == 0xE1 && startsWith(d, body, bodyLength, "Exif\0")) {
                // The first such segment is the EXIF block, whether or not it is well formed.
                if (!startsWith(d, body, bodyLength, "Exif\0\0")) {
                    return NORMAL;
                }
                return fromTiff(d, body + 6, body + bodyLength, false);
            }
            p = body + bodyLength;
        }
        return NORMAL;
    }

    private static int fromPng(byte[] d) {
        // Decoding reads every chunk up to IEND, the ones after the image data too, and each
        // eXIf replaces the one before: the last counts.
        int exif = -1;
        int exifEnd = -1;
        int p = 8;
        while (p <= d.length - 8) {
            long length = u32be(d, p);
            int body = p + 8;
            if (length > d.length - body) {
                break; // chunk cut short
            }
            int end = body + (int) length;
            if (startsWith(d, p + 4, 4, "eXIf")) {
                exif = body;
                exifEnd = end;
            } else if (startsWith(d, p + 4, 4, "IEND")) {
                break;
            }
            if (end > d.length - 4) {
                break; // no room for the CRC
            }
            p = end + 4;
        }
        return exif < 0 ? NORMAL : fromTiff(d, exif, exifEnd, false);
    }

    private static int fromWebp(byte[] d) {
        if (d.length < 12) {
            return NORMAL;
        }
        int limit = (int) Math.min(d.length, u32le(d, 4) + 8);
        int p = 12;
        // Only an extended file (VP8X first) that flags EXIF data has it, for libwebp's demuxer.
        if (p + 12 > limit || !startsWith(d, p, 4, "VP8X") || (d[p + 8] & WEBP_EXIF_FLAG) == 0) {
            return NORMAL;
        }
        while (p <= limit - 8) {
            long length = u32le(d, p + 4);
            int body = p + 8;
            if (length > limit - body) {
                return NORMAL;
            }
            int end = body + (int) length;
            if (startsWith(d, p, 4, "EXIF")) {
                int start = startsWith(d, body, end - body, "Exif\0\0") ? body + 6 : body;
                return fromTiff(d, start, end, false);
            }
            p = end + (int) (length & 1); // chunks are padded to even sizes
        }
        return NORMAL;
    }

    /**
     * The orientation in the first IFD of a TIFF structure at {@code [start, end)} of {@code d};
     * offsets inside it are relative to {@code start}.
     *
     * @param file whether the structure is a TIFF file (which may be a BigTIFF, and has its magic
     *             number in the right byte order) rather than an embedded EXIF block
     */
    private static int fromTiff(byte[] d, int start, int end, boolean file) {
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
        int magic = u16(d, start + 2, little);
        boolean big = magic == 43;
        if (big ? !file || end - start < 16 : magic != 42 && (file || magic != 42 << 8)) {
            // Pillow takes an embedded block whose 42 is stored in the other byte order too, but
            // cannot read a BigTIFF header inside EXIF data.
            return NORMAL;
        }
        long size = end - start;
        long ifd = big ? u64(d, start + 8, little) : u32(d, start + 4, little);
        int countBytes = big ? 8 : 2;
        int entryBytes = big ? 20 : 12;
        int inlineBytes = big ? 8 : 4;
        if (ifd < 0 || ifd > size - countBytes) {
            return NORMAL;
        }
        int p = start + (int) ifd;
        long count = big ? u64(d, p, little) : u16(d, p, little);
        p += countBytes;
        int foundType = -1;
        int foundAt = -1;
        // Entries cut off by the end of the block end the directory (count may be a lie).
        for (long i = 0; i != count && p <= end - entryBytes; i++, p += entryBytes) {
            int tag = u16(d, p, little);
            int type = u16(d, p + 2, little);
            long values = big ? u64(d, p + 4, little) : u32(d, p + 4, little);
            int unit = unitSize(type);
            if (unit == 0) {
                continue; // a type Pillow does not know is skipped
            }
            if (values < 0 || values > size) {
                break; // more data than the block holds: Pillow stops reading here
            }
            long bytes = values * unit;
            if (bytes == 0) {
                continue; // an entry without values is skipped
            }
            int field = p + (big ? 12 : 8);
            int at = field;
            if (bytes > inlineBytes) {
                long offset = big ? u64(d, field, little) : u32(d, field, little);
                if (offset < 0 || offset > size || bytes > size - offset) {
                    break; // data that cannot be read ends the directory, for Pillow
                }
                at = start + (int) offset;
            }
            if (tag == TAG_ORIENTATION) {
                foundType = type;
                foundAt = at;
            }
        }
        return foundType < 0 ? NORMAL : firstValue(d, foundType, foundAt, little);
    }

    /** Bytes per value of a TIFF field type Pillow 9.4 reads, 0 for the others. */
    private static int unitSize(int type) {
        return switch (type) {
            case 1, 2, 6, 7 -> 1;     // BYTE, ASCII, SBYTE, UNDEFINED
            case 3, 8 -> 2;           // SHORT, SSHORT
            case 4, 9, 11, 13 -> 4;   // LONG, SLONG, FLOAT, IFD
            case 5, 10, 12, 16 -> 8;  // RATIONAL, SRATIONAL, DOUBLE, LONG8
            default -> 0;
        };
    }

    /**
     * The orientation given by the first value of type {@code type} at {@code at}, or
     * {@link #NORMAL} if it is not exactly 1..8. BYTE, ASCII and UNDEFINED values are byte
     * strings to Pillow and never match.
     */
    private static int firstValue(byte[] d, int type, int at, boolean little) {
        double v = switch (type) {
            case 3 -> u16(d, at, little);
            case 4, 13 -> u32(d, at, little);
            case 6 -> d[at];
            case 8 -> (short) u16(d, at, little);
            case 9 -> (int) u32(d, at, little);
            case 11 -> Float.intBitsToFloat((int) u32(d, at, little));
            case 12 -> Double.longBitsToDouble(u64(d, at, little));
            case 16 -> {
                long l = u64(d, at, little);
                yield l < 0 ? Double.NaN : l; // past Long.MAX_VALUE: out of range anyway
            }
            case 5, 10 -> {
                long num = type == 5 ? u32(d, at, little) : (int) u32(d, at, little);
                long den = type == 5 ? u32(d, at + 4, little) : (int) u32(d, at + 4, little);
                yield den == 0 || num % den != 0 ? Double.NaN : num / den;
            }
            default -> Double.NaN;
        };
        return v >= 1 && v <= 8 && v == Math.rint(v) ? (int) v : NORMAL;
    }

    /** Whether {@code d[at, at + available)} starts with {@code ascii}. */
    private static boolean startsWith(byte[] d, int at, int available, String ascii) {
        if (at < 0 || available < ascii.length() || at > d.length - ascii.length()) {
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

    /** An unsigned 64-bit value; negative when it does not fit in a long (and so is out of range). */
    private static long u64(byte[] d, int p, boolean little) {
        long hi = little ? u32(d, p + 4, true) : u32(d, p, false);
        long lo = little ? u32(d, p, true) : u32(d, p + 4, false);
        return hi << 32 | lo;
    }
}
