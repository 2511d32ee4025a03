package dev.ferry.data;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.w3c.dom.Node;

/**
 * Decodes image files to {@link RgbImage} with the pixel values Pillow 9.4 gives for
 * {@code Image.open(path).convert("RGB")} (what torchvision's ImageFolder loader does).
 *
 * <p>Formats: JPEG (grey, YCbCr, RGB, CMYK, YCCK), PNG (every bit depth and colour type), BMP,
 * GIF (first frame), WebP and TIFF, through ImageIO with the TwelveMonkeys plugins. The format is
 * recognised from the content, not the extension.
 *
 * <p>How pixels are kept equal to Pillow's:
 * <ul>
 *   <li>JPEG is read as a raw raster (no ImageIO colour conversion, so embedded ICC profiles are
 *       ignored, as Pillow ignores them) and converted with libjpeg's own fixed-point YCbCr
 *       tables and colour-space rules. CMYK/YCCK follow Pillow: always treated as Adobe-inverted
 *       ({@code "CMYK;I"}), then PIL's naive CMYK to RGB. The IDCT and chroma upsampling are the
 *       JDK's libjpeg 6b rather than Pillow's libjpeg-turbo; both use the same integer IDCT and
 *       "fancy" upsampling for 4:2:0 and 4:2:2, and the test fixtures (4:2:0, 4:2:2, progressive
 *       4:4:4, grey, CMYK, YCCK) decode identically. Rarer layouts may differ by a level or two:
 *       libjpeg-turbo also has a smoothing upsampler for 4:4:0 (vertical-only subsampling) that
 *       libjpeg 6b lacks.</li>
 *   <li>Lossy WebP is decoded by TwelveMonkeys' own VP8 decoder, which replicates chroma instead
 *       of libwebp's bilinear "fancy" upsampling: expect differences of several levels at colour
 *       edges (lossless WebP is exact).</li>
 *   <li>Everything else is read to a {@link BufferedImage} and converted from its raw raster
 *       (see {@link PixelConversion}): no gamma, no ICC, alpha dropped.</li>
 *   <li>GIF's first frame is placed on the logical screen like Pillow does, the rest filled with
 *       the transparent colour index (or index 0).</li>
 * </ul>
 *
 * <p>Bad files raise {@link BadImageException} with a {@link BadImage} saying why: empty,
 * unrecognised content, unsupported variant, more than {@link #MAX_PIXELS} pixels (checked from
 * the header, before any pixel is decoded), truncated or corrupt data, or unreadable. Truncated
 * JPEGs, which libjpeg decodes with a warning and grey filler, are reported as corrupt, because
 * Pillow raises "image file is truncated" for them.
 *
 * <p>Stateless and thread-safe: every call uses its own ImageIO reader.
 */
public final class ImageDecoder {

    /**
     * Pillow's decompression-bomb error threshold, {@code 2 * Image.MAX_IMAGE_PIXELS} =
     * {@code 2 * (1024 * 1024 * 1024 // 4 // 3)}. Images with more pixels are rejected.
     */
    public static final long MAX_PIXELS = 178_956_970L;

    /**
     * Largest file read into memory: 1 GiB. Larger files are rejected before reading (a Java
     * array cannot hold more than 2 GiB anyway, and no image within {@link #MAX_PIXELS} needs it).
     */
    public static final long MAX_FILE_BYTES = 1L << 30;

    /** File extensions (lower case, no dot) that dataset scanning treats as images. */
    public static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "gif", "webp", "tif", "tiff");

    /** libjpeg's jdcolor.c fixed-point arithmetic: SCALEBITS = 16, FIX(x) = (int) (x * 65536 + 0.5). */
    private static final int SCALEBITS = 16;
    private static final int ONE_HALF = 1 << (SCALEBITS - 1);
    private static final int FIX_1_40200 = 91881;
    private static final int FIX_1_77200 = 116130;
    private static final int FIX_0_71414 = 46802;
    private static final int FIX_0_34414 = 22554;

    private ImageDecoder() {
    }

    /** Whether the file name ends in one of {@link #EXTENSIONS}, ignoring case. */
    public static boolean hasImageExtension(Path path) {
        String name = path.getFileName() == null ? "" : path.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot >= 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /**
     * Reads and decodes one image file.
     *
     * @throws BadImageException if the file is missing, unreadable, empty, not an image, too
     *                           large, unsupported or corrupt
     */
    public static RgbImage decode(Path path) {
        return decode(path, false);
    }

    /**
     * Reads and decodes one image file, turned upright by its EXIF orientation when {@code
     * exifTranspose} is set ({@link ExifOrientation}).
     *
     * @throws BadImageException as {@link #decode(Path)}
     */
    public static RgbImage decode(Path path, boolean exifTranspose) {
        Objects.requireNonNull(path, "path");
        byte[] data;
        try {
            long size = Files.size(path);
            if (size > MAX_FILE_BYTES) {
                throw bad(path, BadImage.Kind.TOO_LARGE, "file is " + size + " bytes, more than an image file may have ("
                        + MAX_FILE_BYTES + ")", null);
            }
            data = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw bad(path, BadImage.Kind.UNREADABLE, "file not found", e);
        } catch (AccessDeniedException e) {
            throw bad(path, BadImage.Kind.UNREADABLE, "permission denied", e);
        } catch (IOException e) {
            throw bad(path, BadImage.Kind.UNREADABLE, "cannot read file (" + e.getMessage() + ")", e);
        }
        return decode(data, path, exifTranspose);
    }

    /**
     * Decodes an image held in memory.
     *
     * @param data the file's bytes
     * @param path the name used in error messages
     * @throws BadImageException if the bytes are not a decodable image
     */
    public static RgbImage decode(byte[] data, Path path) {
        return decode(data, path, false);
    }

    /**
     * Decodes an image held in memory, turned upright by its EXIF orientation when {@code
     * exifTranspose} is set.
     *
     * @throws BadImageException if the bytes are not a decodable image
     */
    public static RgbImage decode(byte[] data, Path path, boolean exifTranspose) {
        return decode(data, path, exifTranspose, MAX_PIXELS);
    }

    /**
     * As {@link #decode(byte[], Path, boolean)}, with a pixel limit of the caller's below Pillow's:
     * a server that decodes what strangers send bounds the memory one image may take (3 bytes a
     * pixel, and more while decoding). The limit is checked from the header, before any pixel is
     * decoded.
     *
     * @param maxPixels the most pixels (width x height, a GIF's canvas) accepted, at most
     *     {@link #MAX_PIXELS}
     * @throws BadImageException if the bytes are not a decodable image or it has more pixels
     */
    public static RgbImage decode(byte[] data, Path path, boolean exifTranspose, long maxPixels) {
        if (maxPixels < 1 || maxPixels > MAX_PIXELS) {
            throw new IllegalArgumentException("the pixel limit must be in [1, " + MAX_PIXELS + "], got " + maxPixels);
        }
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(path, "path");
        if (data.length == 0) {
            throw bad(path, BadImage.Kind.EMPTY, "empty file (0 bytes)", null);
        }
        ImageFormat format = ImageFormat.sniff(data);
        if (format == null) {
            throw bad(path, BadImage.Kind.NOT_AN_IMAGE,
                    "not an image (content is not JPEG, PNG, BMP, GIF, WebP or TIFF)", null);
        }
        try {
            RgbImage image = format == ImageFormat.JPEG ? decodeJpeg(data, path, maxPixels)
                    : decodeOther(data, format, path, maxPixels);
            // Pillow turns a TIFF upright on load (torchvision's loader included); other formats
            // only when asked, as ImageOps.exif_transpose.
            boolean turn = exifTranspose || format == ImageFormat.TIFF;
            return turn ? ExifOrientation.apply(image, ExifOrientation.read(data, format)) : image;
        } catch (BadImageException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // ImageIO plugins signal damaged data with IIOException, EOFException and, for some
            // malformed headers, unchecked exceptions (IndexOutOfBounds, IllegalArgument, ...).
            throw bad(path, BadImage.Kind.CORRUPT, "truncated or corrupt " + displayName(format) + " data ("
                    + describe(e) + ")", e);
        }
    }

    /**
     * Decodes the file only to see whether it is usable.
     *
     * @return empty if the image decodes, otherwise what is wrong
     */
    public static Optional<BadImage> check(Path path) {
        try {
            decode(path);
            return Optional.empty();
        } catch (BadImageException e) {
            return Optional.of(e.badImage());
        }
    }

    // ---------------------------------------------------------------------------------------

    private static RgbImage decodeJpeg(byte[] data, Path path, long maxPixels) throws IOException {
        JpegHeader header;
        try {
            header = JpegHeader.parse(data);
        } catch (IOException e) {
            throw bad(path, BadImage.Kind.CORRUPT, "truncated or corrupt JPEG data (" + e.getMessage() + ")", e);
        }
        int n = header.componentIds().length;
        if (n != 1 && n != 3 && n != 4) {
            throw bad(path, BadImage.Kind.UNSUPPORTED, "unsupported JPEG with " + n + " colour components", null);
        }
        if (header.precision() != 8) {
            throw bad(path, BadImage.Kind.UNSUPPORTED, "unsupported " + header.precision() + "-bit JPEG", null);
        }
        if (header.sofMarker() == 0xC3 || header.sofMarker() == 0xC7 || header.sofMarker() == 0xCB
                || header.sofMarker() == 0xCF) {
            throw bad(path, BadImage.Kind.UNSUPPORTED, "unsupported lossless JPEG", null);
        }
        if (header.width() < 1 || header.height() < 1) {
            throw bad(path, BadImage.Kind.UNSUPPORTED, "JPEG frame header gives no image size ("
                    + header.width() + "x" + header.height() + ")", null);
        }
        checkPixelCount(path, header.width(), header.height(), maxPixels);

        ImageReader reader = reader(ImageFormat.JPEG);
        List<String> warnings = new ArrayList<>();
        try (ImageInputStream in = stream(data)) {
            reader.setInput(in, true, true);
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            // readRaster hands back the stored components untouched (YCbCr stays YCbCr, CMYK
            // stays inverted CMYK); read() would apply ICC profiles, which Pillow never does.
            Raster raster = reader.readRaster(0, null);
            failOnTruncation(path, warnings, ImageFormat.JPEG);
            if (raster.getWidth() != header.width() || raster.getHeight() != header.height()
                    || raster.getNumBands() != n) {
                throw new IOException("decoder returned " + raster.getWidth() + "x" + raster.getHeight() + "x"
                        + raster.getNumBands() + " for a " + header.width() + "x" + header.height() + "x" + n
                        + " frame");
            }
            return jpegToRgb(raster, header.colorSpace());
        } finally {
            reader.dispose();
        }
    }

    /** Converts raw libjpeg components to RGB as libjpeg-turbo + Pillow do. */
    static RgbImage jpegToRgb(Raster raster, JpegHeader.ColorSpace colorSpace) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        int bands = raster.getNumBands();
        byte[] out = new byte[w * h * 3];
        RowSamples rows = new RowSamples(raster);
        byte[] packed = bands == 3 ? rows.packedBytes(3) : null;
        if (colorSpace == JpegHeader.ColorSpace.YCBCR && packed != null) {
            // Almost every photo: straight from libjpeg's bytes through lookup tables, about four
            // times faster than the general path below (which it equals to the bit).
            for (int y = 0; y < h; y++) {
                ycbcrRowToRgb(packed, rows.rowStart(y), w, out, y * w * 3);
            }
            return new RgbImage(w, h, out);
        }
        int[] row = new int[w * bands];
        for (int y = 0; y < h; y++) {
            rows.read(y, row);
            int o = y * w * 3;
            switch (colorSpace) {
                case GRAYSCALE -> {
                    for (int x = 0; x < w; x++, o += 3) {
                        byte g = (byte) row[x];
                        out[o] = g;
                        out[o + 1] = g;
                        out[o + 2] = g;
                    }
                }
                case RGB -> {
                    for (int i = 0; i < w * 3; i++) {
                        out[o + i] = (byte) row[i];
                    }
                }
                case YCBCR -> {
                    for (int x = 0, s = 0; x < w; x++, s += 3, o += 3) {
                        int yy = row[s];
                        int cb = row[s + 1] - 128;
                        int cr = row[s + 2] - 128;
                        out[o] = (byte) clamp(yy + yccRed(cr));
                        out[o + 1] = (byte) clamp(yy + yccGreen(cb, cr));
                        out[o + 2] = (byte) clamp(yy + yccBlue(cb));
                    }
                }
                case CMYK -> {
                    // Pillow decodes every 4-component JPEG with rawmode "CMYK;I".
                    for (int x = 0, s = 0; x < w; x++, s += 4, o += 3) {
                        int k = 255 - row[s + 3];
                        out[o] = (byte) PixelConversion.cmykChannel(255 - row[s], k);
                        out[o + 1] = (byte) PixelConversion.cmykChannel(255 - row[s + 1], k);
                        out[o + 2] = (byte) PixelConversion.cmykChannel(255 - row[s + 2], k);
                    }
                }
                case YCCK -> {
                    // libjpeg's ycck_cmyk_convert yields 255 - clamp(YCbCr->RGB) and K as stored;
                    // Pillow's "CMYK;I" inverts both back.
                    for (int x = 0, s = 0; x < w; x++, s += 4, o += 3) {
                        int yy = row[s];
                        int cb = row[s + 1] - 128;
                        int cr = row[s + 2] - 128;
                        int k = 255 - row[s + 3];
                        out[o] = (byte) PixelConversion.cmykChannel(clamp(yy + yccRed(cr)), k);
                        out[o + 1] = (byte) PixelConversion.cmykChannel(clamp(yy + yccGreen(cb, cr)), k);
                        out[o + 2] = (byte) PixelConversion.cmykChannel(clamp(yy + yccBlue(cb)), k);
                    }
                }
                default -> throw new IllegalStateException("unknown colour space " + colorSpace);
            }
        }
        return new RgbImage(w, h, out);
    }

    /*
     * libjpeg's ycc_rgb_convert table entries (jdcolor.c), computed inline; cb and cr are already
     * centred (value - 128): Cr_r_tab, Cb_b_tab, and the sum Cb_g_tab + Cr_g_tab shifted down.
     */

    /**
     * jdcolor.c's tables, indexed by the stored byte: red and blue offsets from Cr and Cb, and the
     * two halves of green's sum (shifted only after adding them, as libjpeg does).
     */
    private static final int[] CR_RED = new int[256];
    private static final int[] CB_BLUE = new int[256];
    private static final int[] CB_GREEN = new int[256];
    private static final int[] CR_GREEN = new int[256];

    static {
        for (int v = 0; v < 256; v++) {
            int c = v - 128;
            CR_RED[v] = yccRed(c);
            CB_BLUE[v] = yccBlue(c);
            CB_GREEN[v] = -FIX_0_34414 * c;
            CR_GREEN[v] = ONE_HALF - FIX_0_71414 * c;
        }
    }

    private static void ycbcrRowToRgb(byte[] src, int s, int width, byte[] out, int o) {
        for (int x = 0; x < width; x++, s += 3, o += 3) {
            int yy = src[s] & 0xFF;
            int cb = src[s + 1] & 0xFF;
            int cr = src[s + 2] & 0xFF;
            out[o] = (byte) clamp(yy + CR_RED[cr]);
            out[o + 1] = (byte) clamp(yy + ((CB_GREEN[cb] + CR_GREEN[cr]) >> SCALEBITS));
            out[o + 2] = (byte) clamp(yy + CB_BLUE[cb]);
        }
    }

    private static int yccRed(int cr) {
        return (FIX_1_40200 * cr + ONE_HALF) >> SCALEBITS;
    }

    private static int yccGreen(int cb, int cr) {
        return (-FIX_0_34414 * cb + ONE_HALF - FIX_0_71414 * cr) >> SCALEBITS;
    }

    private static int yccBlue(int cb) {
        return (FIX_1_77200 * cb + ONE_HALF) >> SCALEBITS;
    }

    private static int clamp(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }

    private static RgbImage decodeOther(byte[] data, ImageFormat format, Path path, long maxPixels) throws IOException {
        if (format == ImageFormat.WEBP) {
            // TwelveMonkeys decodes a cut-off lossless WebP without complaint (zero-filled);
            // libwebp, and so Pillow, refuses it. The RIFF header states the full length.
            long riffSize = (data[4] & 0xFFL) | (data[5] & 0xFFL) << 8 | (data[6] & 0xFFL) << 16
                    | (data[7] & 0xFFL) << 24;
            if (riffSize + 8 > data.length) {
                throw bad(path, BadImage.Kind.CORRUPT, "truncated or corrupt WebP data (RIFF header gives "
                        + (riffSize + 8) + " bytes, the file has " + data.length + ")", null);
            }
        }
        ImageReader reader = reader(format);
        List<String> warnings = new ArrayList<>();
        try (ImageInputStream in = stream(data)) {
            // GIF needs its metadata (frame position, logical screen); the others do not.
            reader.setInput(in, true, format != ImageFormat.GIF);
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            int width = reader.getWidth(0);
            int height = reader.getHeight(0);
            GifPlacement gif = null;
            if (format == ImageFormat.GIF) {
                gif = GifPlacement.of(reader, width, height);
                checkPixelCount(path, gif.canvasWidth(), gif.canvasHeight(), maxPixels);
            } else {
                checkPixelCount(path, width, height, maxPixels);
            }
            BufferedImage image = reader.read(0, null);
            failOnTruncation(path, warnings, format);
            RgbImage rgb = PixelConversion.toRgb(image, clipWideGrey(format, data));
            return gif == null ? rgb : gif.place(rgb, image);
        } finally {
            reader.dispose();
        }
    }

    /**
     * Whether a grey image with more than 8 bits per sample is clipped (Pillow mode "I"/"I;16")
     * rather than reduced to its high byte. For PNG, Pillow decides by the IHDR colour type:
     * type 0 (grey) becomes mode "I" (clipped), type 4 (grey + alpha) becomes "LA" via
     * {@code LA;16B} (high byte). ImageIO may add an alpha band for a tRNS chunk, so the header
     * is consulted rather than the decoded image.
     */
    private static boolean clipWideGrey(ImageFormat format, byte[] data) {
        if (format == ImageFormat.PNG && data.length > 25) {
            return (data[25] & 0xFF) == 0;
        }
        return true;
    }

    /** Throws TOO_LARGE above {@link #MAX_PIXELS}. */
    static void checkPixelCount(Path path, long width, long height) {
        checkPixelCount(path, width, height, MAX_PIXELS);
    }

    /** Throws TOO_LARGE above {@code maxPixels}. */
    static void checkPixelCount(Path path, long width, long height, long maxPixels) {
        long pixels = width * height;
        if (pixels > maxPixels) {
            throw bad(path, BadImage.Kind.TOO_LARGE, "image is " + width + "x" + height + " = " + pixels
                    + " pixels, over the limit of " + maxPixels + " (possible decompression bomb)", null);
        }
    }

    /**
     * libjpeg (and the GIF reader) finish a truncated stream with filler and only warn; Pillow
     * refuses such files ("image file is truncated"), so a warning about a premature end is fatal.
     */
    private static void failOnTruncation(Path path, List<String> warnings, ImageFormat format) {
        for (String w : warnings) {
            String lower = w == null ? "" : w.toLowerCase(Locale.ROOT);
            if (lower.contains("premature end") || lower.contains("truncat") || lower.contains("end of file")) {
                throw bad(path, BadImage.Kind.CORRUPT, "truncated or corrupt " + displayName(format) + " data ("
                        + w + ")", null);
            }
        }
    }

    private static ImageReader reader(ImageFormat format) throws IOException {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format.imageIoName);
        if (!readers.hasNext()) {
            throw new IOException("no ImageIO reader for " + displayName(format) + " on the class path");
        }
        return readers.next();
    }

    private static ImageInputStream stream(byte[] data) {
        return new MemoryCacheImageInputStream(new ByteArrayInputStream(data));
    }

    private static String displayName(ImageFormat format) {
        return switch (format) {
            case JPEG -> "JPEG";
            case PNG -> "PNG";
            case GIF -> "GIF";
            case BMP -> "BMP";
            case WEBP -> "WebP";
            case TIFF -> "TIFF";
        };
    }

    private static String describe(Throwable e) {
        // The innermost message is usually the informative one ("Unexpected end of ZLIB input").
        return dev.ferry.FerryException.innermostMessage(e);
    }

    private static BadImageException bad(Path path, BadImage.Kind kind, String reason, Throwable cause) {
        BadImage b = new BadImage(path, kind, reason);
        return cause == null ? new BadImageException(b) : new BadImageException(b, cause);
    }

    /**
     * Where Pillow puts a GIF's first frame: on a canvas the size of the logical screen (grown to
     * fit the frame), at the frame's offset, the rest filled with the transparent colour index if
     * the frame has one, else index 0 (Pillow 9.4 {@code GifImagePlugin}).
     */
    private record GifPlacement(int canvasWidth, int canvasHeight, int left, int top, int fillIndex) {

        static GifPlacement of(ImageReader reader, int frameWidth, int frameHeight) throws IOException {
            int screenW = 0;
            int screenH = 0;
            IIOMetadata stream = reader.getStreamMetadata();
            if (stream != null) {
                Node lsd = child(stream.getAsTree("javax_imageio_gif_stream_1.0"), "LogicalScreenDescriptor");
                if (lsd != null) {
                    screenW = intAttr(lsd, "logicalScreenWidth", 0);
                    screenH = intAttr(lsd, "logicalScreenHeight", 0);
                }
            }
            int left = 0;
            int top = 0;
            int fill = 0;
            IIOMetadata image = reader.getImageMetadata(0);
            if (image != null) {
                Node root = image.getAsTree("javax_imageio_gif_image_1.0");
                Node desc = child(root, "ImageDescriptor");
                if (desc != null) {
                    left = intAttr(desc, "imageLeftPosition", 0);
                    top = intAttr(desc, "imageTopPosition", 0);
                }
                Node gce = child(root, "GraphicControlExtension");
                if (gce != null && "TRUE".equalsIgnoreCase(attr(gce, "transparentColorFlag"))) {
                    fill = intAttr(gce, "transparentColorIndex", 0);
                }
            }
            return new GifPlacement(Math.max(screenW, left + frameWidth), Math.max(screenH, top + frameHeight),
                    left, top, fill);
        }

        RgbImage place(RgbImage frame, BufferedImage decoded) {
            if (left == 0 && top == 0 && canvasWidth == frame.width() && canvasHeight == frame.height()) {
                return frame;
            }
            byte[] out = new byte[canvasWidth * canvasHeight * 3];
            if (decoded.getColorModel() instanceof java.awt.image.IndexColorModel icm && fillIndex < icm.getMapSize()) {
                byte r = (byte) icm.getRed(fillIndex);
                byte g = (byte) icm.getGreen(fillIndex);
                byte b = (byte) icm.getBlue(fillIndex);
                for (int i = 0; i < out.length; i += 3) {
                    out[i] = r;
                    out[i + 1] = g;
                    out[i + 2] = b;
                }
            }
            for (int y = 0; y < frame.height(); y++) {
                System.arraycopy(frame.rgb(), y * frame.width() * 3, out, ((top + y) * canvasWidth + left) * 3,
                        frame.width() * 3);
            }
            return new RgbImage(canvasWidth, canvasHeight, out);
        }

        private static Node child(Node parent, String name) {
            for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (name.equals(n.getNodeName())) {
                    return n;
                }
            }
            return null;
        }

        private static String attr(Node node, String name) {
            return node instanceof IIOMetadataNode m ? m.getAttribute(name) : null;
        }

        private static int intAttr(Node node, String name, int fallback) {
            String v = attr(node, name);
            if (v == null || v.isEmpty()) {
                return fallback;
            }
            try {
                return Integer.parseInt(v);
            } catch (NumberFormatException e) {
                return fallback;
            }
        }
    }
}
