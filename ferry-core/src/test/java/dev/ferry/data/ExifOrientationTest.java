package dev.ferry.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.zip.CRC32;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code --exif-transpose}: the orientation tag read from JPEG, PNG, WebP and TIFF, and the turn
 * applied exactly as Pillow's {@code ImageOps.exif_transpose} (references written by
 * tools/make_exif_fixtures.py); without the option the tag is ignored, as torchvision ignores it.
 */
class ExifOrientationTest {

    private static final int TAG = 0x0112;
    private static final int SHORT = 3;

    // ---- against Pillow ----------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource({"png, 1", "png, 2", "png, 3", "png, 4", "png, 5", "png, 6", "png, 7", "png, 8",
            "webp, 1", "webp, 2", "webp, 3", "webp, 4", "webp, 5", "webp, 6", "webp, 7", "webp, 8",
            "tif, 1", "tif, 2", "tif, 3", "tif, 4", "tif, 5", "tif, 6", "tif, 7", "tif, 8",
            "jpg, 1", "jpg, 2", "jpg, 3", "jpg, 4", "jpg, 5", "jpg, 6", "jpg, 7", "jpg, 8"})
    void turnsAsPillowDoes(String ext, int orientation) {
        Path file = Fixtures.path("exif/orientation" + orientation + "." + ext);
        RgbImage expected = ImageDecoder.decode(Fixtures.path("exif/orientation" + orientation + "." + ext + ".rgb.png"));
        RgbImage upright = ImageDecoder.decode(file, true);
        assertEquals(expected.width(), upright.width(), "width");
        assertEquals(expected.height(), upright.height(), "height");
        if (!ext.equals("jpg")) {
            assertArrayEquals(expected.rgb(), upright.rgb(), Fixtures.firstDifference(upright, expected));
        } else {
            // JPEG pixels are lossy: the turn is checked against ferry's own decode of the stored pixels.
            RgbImage stored = ImageDecoder.decode(file, false);
            assertArrayEquals(ExifOrientation.apply(stored, orientation).rgb(), upright.rgb());
        }
        RgbImage ignored = ImageDecoder.decode(file);
        assertEquals(ImageDecoder.decode(file, false), ignored);
        if (ext.equals("tif")) {
            // Pillow turns a TIFF on load, so Image.open(f).convert("RGB") (torchvision's loader) is upright.
            assertEquals(upright, ignored, "a TIFF is turned by its tag with or without the option");
        } else {
            assertEquals(7, ignored.width(), "without the option the stored pixels are used as they are");
            assertEquals(4, ignored.height());
        }
    }

    /**
     * Odd and broken EXIF data (field types, duplicate entries, offsets past the end, several
     * EXIF blocks in one file, WebP flags, ...): the orientation read is the one Pillow acts on,
     * and such data never makes an image fail to decode.
     */
    @Test
    void unusualExifReadsAsPillowReadsIt() throws IOException {
        JsonObject root;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(Fixtures.path("exif/pillow_cases.json.gz")))) {
            root = JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
        }
        int checked = 0;
        for (JsonElement e : root.getAsJsonArray("cases")) {
            JsonObject c = e.getAsJsonObject();
            String name = c.get("name").getAsString();
            byte[] file = Base64.getDecoder().decode(c.get("file").getAsString());
            int expected = c.get("orientation").getAsInt();
            assertEquals(expected, ExifOrientation.read(file, ImageFormat.sniff(file)), name);
            RgbImage upright = ImageDecoder.decode(file, Path.of(name), true);
            assertEquals(expected >= 5 ? 1 : 2, upright.width(), name);
            checked++;
        }
        assertTrue(checked >= 50, "cases: " + checked);
    }

    // ---- the eight turns ---------------------------------------------------------------------

    @Test
    void theTurnsAreTheEightOfTheTag() {
        // 3 wide, 2 high: pixel values 1..6 in the red channel, row by row.
        RgbImage img = image(3, 2, 1, 2, 3, 4, 5, 6);
        assertSame(img, ExifOrientation.apply(img, 1));
        assertRed(ExifOrientation.apply(img, 2), 3, 3, 2, 1, 6, 5, 4);
        assertRed(ExifOrientation.apply(img, 3), 3, 6, 5, 4, 3, 2, 1);
        assertRed(ExifOrientation.apply(img, 4), 3, 4, 5, 6, 1, 2, 3);
        assertRed(ExifOrientation.apply(img, 5), 2, 1, 4, 2, 5, 3, 6);
        assertRed(ExifOrientation.apply(img, 6), 2, 4, 1, 5, 2, 6, 3);
        assertRed(ExifOrientation.apply(img, 7), 2, 6, 3, 5, 2, 4, 1);
        assertRed(ExifOrientation.apply(img, 8), 2, 3, 6, 2, 5, 1, 4);
        assertSame(img, ExifOrientation.apply(img, 0));
        assertSame(img, ExifOrientation.apply(img, 9));
    }

    /** A 5x3 PNG with an eXIf chunk, decoded: 5 to 8 written out by hand, 1 to 4 derived. */
    @Test
    void pngIsDecodedUpright() throws IOException {
        int[] red = {
            1, 2, 3, 4, 5,
            6, 7, 8, 9, 10,
            11, 12, 13, 14, 15,
        };
        int[][] expected = new int[9][];
        expected[5] = new int[] {1, 6, 11, 2, 7, 12, 3, 8, 13, 4, 9, 14, 5, 10, 15};
        expected[6] = new int[] {11, 6, 1, 12, 7, 2, 13, 8, 3, 14, 9, 4, 15, 10, 5};
        expected[7] = new int[] {15, 10, 5, 14, 9, 4, 13, 8, 3, 12, 7, 2, 11, 6, 1};
        expected[8] = new int[] {5, 10, 15, 4, 9, 14, 3, 8, 13, 2, 7, 12, 1, 6, 11};
        expected[1] = red.clone();
        expected[2] = new int[15];
        expected[3] = new int[15];
        expected[4] = new int[15];
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 5; x++) {
                expected[2][y * 5 + x] = red[y * 5 + (4 - x)];
                expected[3][y * 5 + x] = red[(2 - y) * 5 + (4 - x)];
                expected[4][y * 5 + x] = red[(2 - y) * 5 + x];
            }
        }
        byte[] plain = png(5, 3, red);
        for (boolean little : new boolean[] {true, false}) {
            for (int o = 1; o <= 8; o++) {
                String what = (little ? "II " : "MM ") + o;
                byte[] file = withPngChunk(plain, "eXIf", tiff(little, entry(TAG, SHORT, 1, o)));
                assertEquals(o, ExifOrientation.read(file, ImageFormat.PNG), what);
                RgbImage upright = ImageDecoder.decode(file, Path.of("x.png"), true);
                assertRed(upright, o >= 5 ? 3 : 5, expected[o]);
                RgbImage asStored = ImageDecoder.decode(file, Path.of("x.png"), false);
                assertRed(asStored, 5, red);
                assertEquals(ImageDecoder.decode(plain, Path.of("x.png")), asStored, what);
            }
        }
    }

    /** JPEG with an APP1 Exif segment right after SOI: the turn is exact on the decoded pixels. */
    @Test
    void jpegIsDecodedUpright() throws IOException {
        BufferedImage src = new BufferedImage(20, 12, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 12; y++) {
            for (int x = 0; x < 20; x++) {
                src.setRGB(x, y, (x * 12) << 16 | (y * 20) << 8 | ((x + y) * 7));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(src, "jpeg", out);
        byte[] plain = out.toByteArray();
        for (boolean little : new boolean[] {true, false}) {
            for (int o = 1; o <= 8; o++) {
                String what = (little ? "II " : "MM ") + o;
                byte[] exif = concat("Exif\0\0".getBytes(StandardCharsets.ISO_8859_1),
                        tiff(little, entry(TAG, SHORT, 1, o)));
                byte[] file = withJpegSegment(plain, 0xE1, exif);
                assertEquals(o, ExifOrientation.read(file, ImageFormat.JPEG), what);
                RgbImage stored = ImageDecoder.decode(file, Path.of("x.jpg"), false);
                assertEquals(ImageDecoder.decode(plain, Path.of("x.jpg")), stored, "the segment changes no pixel");
                RgbImage upright = ImageDecoder.decode(file, Path.of("x.jpg"), true);
                assertEquals(o >= 5 ? 12 : 20, upright.width(), what);
                assertEquals(o >= 5 ? 20 : 12, upright.height(), what);
                assertEquals(ExifOrientation.apply(stored, o), upright, what);
            }
        }
        // Orientation 6 rotates clockwise: the stored bottom-left pixel ends up top-left.
        RgbImage stored = ImageDecoder.decode(plain, Path.of("x.jpg"));
        RgbImage six = ExifOrientation.apply(stored, 6);
        for (int c = 0; c < 3; c++) {
            assertEquals(stored.get(0, 11, c), six.get(0, 0, c));
            assertEquals(stored.get(19, 11, c), six.get(0, 19, c));
            assertEquals(stored.get(0, 0, c), six.get(11, 0, c));
        }
    }

    /** WebP's EXIF chunk counts only in an extended file that flags it, as libwebp has it. */
    @Test
    void webpExifChunk() throws IOException {
        byte[] pillow = Files.readAllBytes(Fixtures.path("exif/orientation1.webp"));
        byte[] image = riffChunk(pillow, "VP8L");
        byte[] vp8xFlagged = chunk("VP8X", new byte[] {8, 0, 0, 0, 6, 0, 0, 3, 0, 0});
        byte[] vp8xPlain = chunk("VP8X", new byte[] {0, 0, 0, 0, 6, 0, 0, 3, 0, 0});
        byte[] six = tiff(false, entry(TAG, SHORT, 1, 6));
        byte[] prefixed = concat("Exif\0\0".getBytes(StandardCharsets.ISO_8859_1), tiff(true, entry(TAG, SHORT, 1, 8)));
        assertEquals(6, ExifOrientation.read(riff(vp8xFlagged, image, chunk("EXIF", six)), ImageFormat.WEBP));
        assertEquals(8, ExifOrientation.read(riff(vp8xFlagged, image, chunk("EXIF", prefixed)), ImageFormat.WEBP));
        assertEquals(1, ExifOrientation.read(riff(vp8xPlain, image, chunk("EXIF", six)), ImageFormat.WEBP));
        assertEquals(1, ExifOrientation.read(riff(image, chunk("EXIF", six)), ImageFormat.WEBP));
        // An odd-sized chunk is padded; the chunk after it is still found.
        byte[] odd = chunk("XMP ", new byte[] {'<', 'x', '>'});
        assertEquals(6, ExifOrientation.read(riff(vp8xFlagged, image, odd, chunk("EXIF", six)), ImageFormat.WEBP));
        RgbImage upright = ImageDecoder.decode(riff(vp8xFlagged, image, chunk("EXIF", six)), Path.of("x.webp"), true);
        assertEquals(ExifOrientation.apply(ImageDecoder.decode(pillow, Path.of("x.webp")), 6), upright);
        // A chunk length past the end of the file.
        byte[] cut = riff(vp8xFlagged, image, chunk("EXIF", six));
        cut = Arrays.copyOf(cut, cut.length - 4);
        assertEquals(1, ExifOrientation.read(cut, ImageFormat.WEBP));
    }

    @Test
    void tiffFilesIncludingBigTiff() throws IOException {
        byte[] classic = tiff(true, entry(0x0100, SHORT, 1, 7), entry(TAG, SHORT, 1, 8));
        assertEquals(8, ExifOrientation.read(classic, ImageFormat.TIFF));
        // BigTIFF: 16-byte header, 8-byte entry count, 20-byte entries with an 8-byte value field.
        ByteBuffer b = ByteBuffer.allocate(16 + 8 + 20 + 8).order(ByteOrder.BIG_ENDIAN);
        b.put((byte) 'M').put((byte) 'M').putShort((short) 43).putShort((short) 8).putShort((short) 0).putLong(16);
        b.putLong(1).putShort((short) TAG).putShort((short) SHORT).putLong(1).putShort((short) 5).putShort((short) 0)
                .putInt(0);
        b.putLong(0);
        assertEquals(ImageFormat.TIFF, ImageFormat.sniff(b.array()));
        assertEquals(5, ExifOrientation.read(b.array(), ImageFormat.TIFF));
        // ... but a BigTIFF header inside EXIF data is not read (Pillow cannot either).
        assertEquals(1, ExifOrientation.read(pngWithExif(b.array()), ImageFormat.PNG));
    }

    @Test
    void formatsWithoutExifAreUpright() throws IOException {
        BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        for (String f : new String[] {"bmp", "gif"}) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(img, f, out);
            byte[] file = out.toByteArray();
            assertEquals(1, ExifOrientation.read(file, ImageFormat.sniff(file)), f);
            assertEquals(3, ImageDecoder.decode(file, Path.of("x." + f), true).width(), f);
        }
        assertEquals(1, ExifOrientation.read(null, ImageFormat.PNG));
        assertEquals(1, ExifOrientation.read(new byte[0], null));
    }

    // ---- broken data -------------------------------------------------------------------------

    @Test
    void bothByteOrdersAreRead() throws IOException {
        for (boolean little : new boolean[] {true, false}) {
            for (int o = 1; o <= 8; o++) {
                byte[] png = pngWithExif(tiff(little, entry(TAG, SHORT, 1, o)));
                assertEquals(o, ExifOrientation.read(png, ImageFormat.PNG), (little ? "II " : "MM ") + o);
            }
        }
    }

    @Test
    void malformedExifIsNoOrientationNeverAnError() throws IOException {
        byte[] six = tiff(true, entry(TAG, SHORT, 1, 6));
        byte[] ifdPastEnd = six.clone();
        ByteBuffer.wrap(ifdPastEnd).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 0x7FFFFFF0);
        byte[] ifdNegative = six.clone();
        ByteBuffer.wrap(ifdNegative).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 0xFFFFFFF0);
        byte[] valuesPastEnd = tiff(true, entry(TAG, SHORT, 0x7FFFFFFF, 6));
        byte[] valuesHuge = tiff(true, entry(TAG, SHORT, 0xFFFFFFFF, 6));
        byte[][] blocks = {
            new byte[0],
            {'I', 'I'},
            {'I', 'I', 42, 0, 8, 0, 0, 0},              // IFD with no room for its count
            tiff(true, entry(TAG, SHORT, 1, 9)),        // orientation out of range
            tiff(true, entry(TAG, SHORT, 1, 0)),
            tiff(true, entry(TAG, SHORT, 0, 6)),        // no values
            tiff(true, entry(TAG, 1, 1, 6)),            // BYTE: a byte string, not a number
            tiff(true, entry(TAG, 99, 1, 6)),           // unknown type
            ifdPastEnd,
            ifdNegative,
            valuesPastEnd,
            valuesHuge,
            {'X', 'X', 42, 0, 8, 0, 0, 0, 0, 0},        // neither II nor MM
            {'I', 'I', 41, 0, 8, 0, 0, 0, 0, 0},        // not 42
            Arrays.copyOf(six, 15),                     // entry cut short
            concat("Exif\0\0".getBytes(StandardCharsets.ISO_8859_1), six), // PNG stores no prefix
        };
        for (byte[] b : blocks) {
            byte[] png = pngWithExif(b);
            assertEquals(ExifOrientation.NORMAL, ExifOrientation.read(png, ImageFormat.PNG), new Gson().toJson(b));
            RgbImage decoded = ImageDecoder.decode(png, Path.of("x.png"), true);
            assertEquals(3, decoded.width());
        }
        // An entry count far past the block: the entries inside it are still read.
        byte[] hugeCount = six.clone();
        hugeCount[8] = (byte) 0xFF;
        hugeCount[9] = (byte) 0xFF;
        assertEquals(6, ExifOrientation.read(pngWithExif(hugeCount), ImageFormat.PNG));
        // A foreign entry whose data lies past the block ends the directory before the orientation.
        byte[] foreignFirst = tiff(true, entry(0x010E, 2, 100, 4000), entry(TAG, SHORT, 1, 6));
        assertEquals(1, ExifOrientation.read(pngWithExif(foreignFirst), ImageFormat.PNG));
        // Truncated and lying JPEG segments.
        byte[] app1PastEnd = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE1, 0x7F, (byte) 0xFF, 'E', 'x', 'i', 'f', 0, 0};
        byte[] cutMarker = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF};
        byte[] cutLength = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE1, 0};
        byte[] shortExif = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE1, 0, 8, 'E', 'x', 'i', 'f', 0, 0};
        for (byte[] jpeg : new byte[][] {app1PastEnd, cutMarker, cutLength, shortExif}) {
            assertEquals(ExifOrientation.NORMAL, ExifOrientation.read(jpeg, ImageFormat.JPEG), Arrays.toString(jpeg));
        }
        // PNG chunk lengths that lie.
        byte[] png = pngWithExif(six);
        byte[] lying = png.clone();
        ByteBuffer.wrap(lying).putInt(33, 0x7FFFFFFF);
        assertEquals(1, ExifOrientation.read(lying, ImageFormat.PNG));
        ByteBuffer.wrap(lying).putInt(33, 0xFFFFFFFF);
        assertEquals(1, ExifOrientation.read(lying, ImageFormat.PNG));
        assertEquals(1, ExifOrientation.read(Arrays.copyOf(png, 40), ImageFormat.PNG));
        // Every prefix of a good file is read without an exception.
        for (byte[] file : new byte[][] {png, withJpegSegment(jpegBytes(), 0xE1,
                concat("Exif\0\0".getBytes(StandardCharsets.ISO_8859_1), six))}) {
            for (int n = 0; n <= file.length; n++) {
                byte[] cut = Arrays.copyOf(file, n);
                int o = ExifOrientation.read(cut, ImageFormat.sniff(cut) == null ? ImageFormat.PNG : ImageFormat.sniff(cut));
                assertTrue(o == 1 || o == 6, "prefix " + n + ": " + o);
            }
        }
    }

    // ---- the preset --------------------------------------------------------------------------

    @Test
    void aPresetRemembersTheOptionThroughJson() {
        Gson gson = new Gson();
        Preset on = Preset.small(32, 0.5f, 0.25f).withExifTranspose(true);
        assertTrue(on.exifTranspose());
        assertEquals(on, gson.fromJson(gson.toJson(on), Preset.class));
        assertTrue(gson.toJson(on).contains("\"exifTranspose\":true"), gson.toJson(on));
        assertFalse(on.equals(on.withExifTranspose(false)));
        assertFalse(on.toString().equals(on.withExifTranspose(false).toString()));
        String old = "{\"resize\":256,\"crop\":224,\"mean\":[0.485,0.456,0.406],\"std\":[0.229,0.224,0.225]}";
        Preset read = gson.fromJson(old, Preset.class);
        assertFalse(read.exifTranspose(), "a model.json without the field");
        assertEquals(Preset.imagenetV1(), read);
        assertFalse(Preset.imagenetV1().exifTranspose());
        assertFalse(Preset.imagenetV2().exifTranspose());
        assertFalse(Preset.small28().exifTranspose());
        assertEquals(Preset.imagenetV1(), new Preset(256, 224, Preset.imagenetV1().mean(), Preset.imagenetV1().std(),
                Interpolation.BILINEAR), "the five-value constructor leaves the tag alone");
        assertTrue(new EvalTransform(on).exifTranspose());
        assertTrue(new TrainTransform(on, Augmentation.none()).exifTranspose());
        assertFalse(new EvalTransform(Preset.imagenetV1()).exifTranspose());
    }

    // ---- helpers -----------------------------------------------------------------------------

    private static RgbImage image(int w, int h, int... red) {
        byte[] rgb = new byte[w * h * 3];
        for (int i = 0; i < red.length; i++) {
            rgb[i * 3] = (byte) red[i];
        }
        return new RgbImage(w, h, rgb);
    }

    private static void assertRed(RgbImage img, int width, int... red) {
        assertEquals(width, img.width(), "width");
        int[] got = new int[img.width() * img.height()];
        for (int i = 0; i < got.length; i++) {
            got[i] = img.rgb()[i * 3] & 0xFF;
        }
        assertArrayEquals(red, got);
    }

    /** One IFD entry: tag, type, value count and the 4-byte field (a SHORT value or an offset). */
    private record Entry(int tag, int type, int count, int field) {}

    private static Entry entry(int tag, int type, int count, int field) {
        return new Entry(tag, type, count, field);
    }

    /** A TIFF structure: 8-byte header, one IFD at offset 8 with the entries, no next IFD. */
    private static byte[] tiff(boolean little, Entry... entries) {
        ByteBuffer b = ByteBuffer.allocate(8 + 2 + 12 * entries.length + 4)
                .order(little ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        b.put((byte) (little ? 'I' : 'M')).put((byte) (little ? 'I' : 'M')).putShort((short) 42).putInt(8);
        b.putShort((short) entries.length);
        for (Entry e : entries) {
            b.putShort((short) e.tag()).putShort((short) e.type()).putInt(e.count());
            if (e.type() == SHORT || e.type() == 1) {
                // A short value sits in the first bytes of the field, whatever the byte order.
                b.putShort((short) e.field()).putShort((short) 0);
            } else {
                b.putInt(e.field());
            }
        }
        b.putInt(0);
        return b.array();
    }

    private static byte[] png(int w, int h, int[] red) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < red.length; i++) {
            img.setRGB(i % w, i / w, red[i] << 16 | (100 + i) << 8 | (200 - i));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /** A 3x2 PNG with an {@code eXIf} chunk holding {@code exif}, right after IHDR. */
    private static byte[] pngWithExif(byte[] exif) throws IOException {
        return withPngChunk(png(3, 2, new int[6]), "eXIf", exif);
    }

    /** {@code png} with a chunk (correct CRC) inserted right after IHDR. */
    private static byte[] withPngChunk(byte[] png, String type, byte[] body) {
        int afterIhdr = 8 + 8 + 13 + 4;
        ByteBuffer chunk = ByteBuffer.allocate(12 + body.length);
        chunk.putInt(body.length).put(type.getBytes(StandardCharsets.US_ASCII)).put(body);
        CRC32 crc = new CRC32();
        crc.update(chunk.array(), 4, 4 + body.length);
        chunk.putInt((int) crc.getValue());
        return concat(Arrays.copyOf(png, afterIhdr), chunk.array(), Arrays.copyOfRange(png, afterIhdr, png.length));
    }

    private static byte[] jpegBytes() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "jpeg", out);
        return out.toByteArray();
    }

    /** {@code jpeg} with a marker segment inserted right after SOI. */
    private static byte[] withJpegSegment(byte[] jpeg, int marker, byte[] body) {
        byte[] head = {(byte) 0xFF, (byte) marker, (byte) ((body.length + 2) >> 8), (byte) (body.length + 2)};
        return concat(Arrays.copyOf(jpeg, 2), head, body, Arrays.copyOfRange(jpeg, 2, jpeg.length));
    }

    /** A RIFF chunk (padded to an even size). */
    private static byte[] chunk(String fourcc, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(8 + body.length + (body.length & 1)).order(ByteOrder.LITTLE_ENDIAN);
        b.put(fourcc.getBytes(StandardCharsets.US_ASCII)).putInt(body.length).put(body);
        return b.array();
    }

    /** The whole chunk {@code fourcc} (header included) of a RIFF file. */
    private static byte[] riffChunk(byte[] riff, String fourcc) {
        ByteBuffer b = ByteBuffer.wrap(riff).order(ByteOrder.LITTLE_ENDIAN);
        for (int p = 12; p + 8 <= riff.length; ) {
            int length = b.getInt(p + 4);
            int end = p + 8 + length + (length & 1);
            if (new String(riff, p, 4, StandardCharsets.US_ASCII).equals(fourcc)) {
                return Arrays.copyOfRange(riff, p, end);
            }
            p = end;
        }
        throw new AssertionError("no " + fourcc + " chunk");
    }

    private static byte[] riff(byte[]... chunks) {
        byte[] body = concat(chunks);
        ByteBuffer b = ByteBuffer.allocate(12 + body.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(4 + body.length)
                .put("WEBP".getBytes(StandardCharsets.US_ASCII)).put(body);
        return b.array();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
