package dev.ferry.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.Gson;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code --exif-transpose}: the orientation tag read from JPEG, PNG and WebP, and the turn applied
 * exactly as Pillow's {@code ImageOps.exif_transpose} (references written by
 * tools/make_exif_fixtures.py); without the option the tag is ignored, as torchvision ignores it.
 */
class ExifOrientationTest {

    @ParameterizedTest
    @CsvSource({"png, 1", "png, 2", "png, 3", "png, 4", "png, 5", "png, 6", "png, 7", "png, 8",
            "webp, 1", "webp, 5", "webp, 6", "webp, 7", "webp, 8",
            "jpg, 1", "jpg, 2", "jpg, 3", "jpg, 4", "jpg, 5", "jpg, 6", "jpg, 7", "jpg, 8"})
    void turnsAsPillowDoes(String ext, int orientation) {
        Path file = Fixtures.path("exif/orientation" + orientation + "." + ext);
        RgbImage expected = ImageDecoder.decode(Fixtures.path("exif/orientation" + orientation + "." + ext + ".rgb.png"));
        RgbImage upright = ImageDecoder.decode(file, true);
        assertEquals(expected.width(), upright.width(), "width");
        assertEquals(expected.height(), upright.height(), "height");
        if (!ext.equals("jpg")) {
            assertArrayEquals(expected.rgb(), upright.rgb());
        } else {
            // JPEG pixels are lossy: the turn is checked against ferry's own decode of the stored pixels.
            RgbImage stored = ImageDecoder.decode(file, false);
            assertArrayEquals(ExifOrientation.apply(stored, orientation).rgb(), upright.rgb());
        }
        RgbImage ignored = ImageDecoder.decode(file);
        assertEquals(7, ignored.width(), "without the option the stored pixels are used as they are");
        assertEquals(4, ignored.height());
    }

    @Test
    void theTurnsAreTheEightOfTheTag() {
        // 3 wide, 2 high: pixel values 1..6 in the red channel, row by row.
        RgbImage img = image(3, 2, 1, 2, 3, 4, 5, 6);
        assertRed(ExifOrientation.apply(img, 1), 3, 1, 2, 3, 4, 5, 6);
        assertRed(ExifOrientation.apply(img, 2), 3, 3, 2, 1, 6, 5, 4);
        assertRed(ExifOrientation.apply(img, 3), 3, 6, 5, 4, 3, 2, 1);
        assertRed(ExifOrientation.apply(img, 4), 3, 4, 5, 6, 1, 2, 3);
        assertRed(ExifOrientation.apply(img, 5), 2, 1, 4, 2, 5, 3, 6);
        assertRed(ExifOrientation.apply(img, 6), 2, 4, 1, 5, 2, 6, 3);
        assertRed(ExifOrientation.apply(img, 7), 2, 6, 3, 5, 2, 4, 1);
        assertRed(ExifOrientation.apply(img, 8), 2, 3, 6, 2, 5, 1, 4);
        assertRed(ExifOrientation.apply(img, 9), 3, 1, 2, 3, 4, 5, 6);
    }

    @Test
    void bothByteOrdersAreRead() throws IOException {
        for (boolean little : new boolean[] {true, false}) {
            for (int o = 1; o <= 8; o++) {
                byte[] png = pngWithExif(tiff(little, o, 3, 1, 8));
                assertEquals(o, ExifOrientation.read(png, ImageFormat.PNG), (little ? "II " : "MM ") + o);
            }
        }
    }

    @Test
    void malformedExifIsNoOrientationNeverAnError() throws IOException {
        byte[][] blocks = {
            new byte[0],
            {'I', 'I'},
            {'I', 'I', 42, 0, 8, 0, 0, 0},              // IFD with no room for its count
            tiff(true, 9, 3, 1, 8),                    // orientation out of range
            tiff(true, 6, 4, 1, 8),                    // LONG, not SHORT
            tiff(true, 6, 3, 0, 8),                    // zero values
            tiff(true, 6, 3, 1, 0x7FFFFFF0),           // IFD offset past the end
            tiff(true, 6, 3, 1, 4),                    // IFD offset inside the header
            {'X', 'X', 42, 0, 8, 0, 0, 0, 0, 0},       // neither II nor MM
            truncate(tiff(false, 6, 3, 1, 8), 15),      // entry cut short
        };
        for (byte[] b : blocks) {
            byte[] png = pngWithExif(b);
            assertEquals(ExifOrientation.NORMAL, ExifOrientation.read(png, ImageFormat.PNG), new Gson().toJson(b));
            RgbImage decoded = ImageDecoder.decode(png, Path.of("x.png"), true);
            assertEquals(3, decoded.width());
        }
        // An entry count far past the block: only entries inside it are read (here a foreign tag).
        byte[] hugeCount = tiff(true, 6, 3, 1, 8);
        hugeCount[8] = (byte) 0xFF;
        hugeCount[9] = (byte) 0xFF;
        hugeCount[10] = 0x01;
        assertEquals(ExifOrientation.NORMAL, ExifOrientation.read(pngWithExif(hugeCount), ImageFormat.PNG));
        // A JPEG whose APP1 length runs past the end.
        byte[] jpeg = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE1, 0x7F, (byte) 0xFF, 'E', 'x', 'i', 'f', 0, 0};
        assertEquals(ExifOrientation.NORMAL, ExifOrientation.read(jpeg, ImageFormat.JPEG));
    }

    @Test
    void aPresetRemembersTheOptionThroughJson() {
        Gson gson = new Gson();
        Preset on = Preset.small(32, 0.5f, 0.25f).withExifTranspose(true);
        assertEquals(on, gson.fromJson(gson.toJson(on), Preset.class));
        String old = "{\"resize\":256,\"crop\":224,\"mean\":[0.485,0.456,0.406],\"std\":[0.229,0.224,0.225]}";
        assertEquals(false, gson.fromJson(old, Preset.class).exifTranspose(), "a model.json without the field");
        assertEquals(false, Preset.imagenetV1().exifTranspose());
    }

    private static RgbImage image(int w, int h, int... red) {
        byte[] rgb = new byte[w * h * 3];
        for (int i = 0; i < red.length; i++) {
            rgb[i * 3] = (byte) red[i];
        }
        return new RgbImage(w, h, rgb);
    }

    private static void assertRed(RgbImage img, int width, int... red) {
        assertEquals(width, img.width());
        int[] got = new int[img.width() * img.height()];
        for (int i = 0; i < got.length; i++) {
            got[i] = img.rgb()[i * 3];
        }
        assertArrayEquals(red, got);
    }

    /** A TIFF header with one IFD entry: tag 0x0112 of {@code type}, {@code count}, value {@code v}. */
    private static byte[] tiff(boolean little, int v, int type, int count, int ifdOffset) {
        ByteBuffer b = ByteBuffer.allocate(26).order(little ? java.nio.ByteOrder.LITTLE_ENDIAN : java.nio.ByteOrder.BIG_ENDIAN);
        b.put((byte) (little ? 'I' : 'M')).put((byte) (little ? 'I' : 'M')).putShort((short) 42).putInt(ifdOffset);
        b.putShort((short) 1).putShort((short) 0x0112).putShort((short) type).putInt(count).putShort((short) v).putShort((short) 0);
        b.putInt(0);
        return b.array();
    }

    private static byte[] truncate(byte[] b, int n) {
        return java.util.Arrays.copyOf(b, n);
    }

    /** A 3x2 PNG with an {@code eXIf} chunk holding {@code exif}, right after IHDR. */
    private static byte[] pngWithExif(byte[] exif) throws IOException {
        BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        byte[] png = out.toByteArray();
        int afterIhdr = 8 + 8 + 13 + 4;
        ByteBuffer chunk = ByteBuffer.allocate(12 + exif.length);
        chunk.putInt(exif.length).put("eXIf".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).put(exif);
        CRC32 crc = new CRC32();
        crc.update(chunk.array(), 4, 4 + exif.length);
        chunk.putInt((int) crc.getValue());
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        joined.write(png, 0, afterIhdr);
        joined.write(chunk.array());
        joined.write(png, afterIhdr, png.length - afterIhdr);
        return joined.toByteArray();
    }
}
