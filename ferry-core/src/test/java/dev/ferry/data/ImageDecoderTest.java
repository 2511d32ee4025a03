package dev.ferry.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/** Decoding against Pillow 9.4's {@code Image.open(f).convert("RGB")}. */
class ImageDecoderTest {

    /**
     * Measured JPEG differences between ferry (the JDK's libjpeg 6b through TwelveMonkeys' raw
     * raster, plus libjpeg's colour conversion reimplemented) and Pillow 9.4 with libjpeg-turbo
     * 2.1.5: max 0, mean 0 on every fixture (4:2:0, 4:2:2, progressive 4:4:4, grey, CMYK, YCCK,
     * embedded ICC profile). The bounds allow a level or two of IDCT/upsampling difference for
     * encodings not covered here (libjpeg-turbo's h1v2 "fancy" upsampling for 4:4:0 differs).
     */
    private static final double JPEG_MAX_MEAN_ABS_DIFF = 1.0;
    private static final int JPEG_MAX_ABS_DIFF = 2;

    /**
     * TwelveMonkeys' VP8 decoder upsamples chroma by pixel replication and uses its own YCbCr
     * conversion; libwebp uses "fancy" bilinear chroma upsampling. Measured on
     * formats/webp_lossy.webp (a small synthetic image with hard colour edges): mean 5.53, max 74.
     */
    private static final double WEBP_LOSSY_MAX_MEAN_ABS_DIFF = 6.0;
    private static final int WEBP_LOSSY_MAX_ABS_DIFF = 80;

    @TestFactory
    Stream<DynamicTest> formatsDecodeLikePillow() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonElement e : Fixtures.manifest().getAsJsonArray("formats")) {
            JsonObject c = e.getAsJsonObject();
            String file = c.get("file").getAsString();
            tests.add(DynamicTest.dynamicTest(file, () -> {
                RgbImage actual = ImageDecoder.decode(Fixtures.path(file));
                RgbImage expected = Fixtures.expectedRgb(c.get("rgb").getAsString());
                assertEquals(expected.width(), actual.width(), "width");
                assertEquals(expected.height(), actual.height(), "height");
                if (c.get("tolerance").getAsInt() == 0) {
                    assertEquals(0, Fixtures.maxAbsDiff(actual, expected),
                            () -> Fixtures.firstDifference(actual, expected));
                } else {
                    double mean = Fixtures.meanAbsDiff(actual, expected);
                    int max = Fixtures.maxAbsDiff(actual, expected);
                    assertTrue(mean < WEBP_LOSSY_MAX_MEAN_ABS_DIFF, "mean abs diff " + mean);
                    assertTrue(max <= WEBP_LOSSY_MAX_ABS_DIFF, "max abs diff " + max);
                }
            }));
        }
        assertTrue(tests.size() >= 25, "format fixtures missing");
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> jpegDecodesCloseToLibjpegTurbo() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonElement e : Fixtures.manifest().getAsJsonArray("jpeg")) {
            JsonObject c = e.getAsJsonObject();
            String file = c.get("file").getAsString();
            tests.add(DynamicTest.dynamicTest(file, () -> {
                RgbImage actual = ImageDecoder.decode(Fixtures.path(file));
                RgbImage expected = Fixtures.expectedRgb(c.get("rgb").getAsString());
                assertEquals(expected.width(), actual.width(), "width");
                assertEquals(expected.height(), actual.height(), "height");
                double mean = Fixtures.meanAbsDiff(actual, expected);
                int max = Fixtures.maxAbsDiff(actual, expected);
                assertTrue(mean < JPEG_MAX_MEAN_ABS_DIFF, "mean abs diff " + mean);
                assertTrue(max <= JPEG_MAX_ABS_DIFF, "max abs diff " + max);
            }));
        }
        assertTrue(tests.size() >= 5, "JPEG fixtures missing");
        return tests.stream();
    }

    @Test
    void cmykAndYcckJpegUsePillowsConversionExactly() {
        // Pillow inverts every 4-component JPEG ("CMYK;I") and applies its naive CMYK formula.
        // ImageIO.read (TwelveMonkeys) would use an ICC profile, or without one its own rounding,
        // which is off by one on about half the values of these fixtures; ferry must be exact.
        for (String f : new String[] {"jpeg/cmyk.jpg", "jpeg/ycck.jpg"}) {
            RgbImage actual = ImageDecoder.decode(Fixtures.path(f));
            RgbImage expected = Fixtures.expectedRgb(f + ".rgb.png");
            assertEquals(0, Fixtures.maxAbsDiff(actual, expected), () -> f + ": " + Fixtures.firstDifference(actual, expected));
        }
    }

    @Test
    void truncatedFilesAreCorruptInEveryFormat() throws IOException {
        // Pillow raises for each of these cut at two thirds (checked when writing this test).
        for (String f : new String[] {"jpeg/rgb_420.jpg", "formats/gif_pal.gif", "formats/bmp_rgb24.bmp",
            "formats/tiff_rgb_lzw.tif", "formats/webp_lossy.webp", "formats/webp_lossless.webp",
            "formats/png_rgb16.png"}) {
            byte[] data = Files.readAllBytes(Fixtures.path(f));
            byte[] cut = java.util.Arrays.copyOf(data, data.length * 2 / 3);
            BadImageException e = assertThrows(BadImageException.class, () -> ImageDecoder.decode(cut, Path.of(f)), f);
            assertEquals(BadImage.Kind.CORRUPT, e.badImage().kind(), e.getMessage());
        }
        // A JPEG missing only its EOI marker: Pillow says "image file is truncated".
        byte[] jpeg = Files.readAllBytes(Fixtures.path("jpeg/rgb_420.jpg"));
        assertEquals(BadImage.Kind.CORRUPT, assertThrows(BadImageException.class,
                () -> ImageDecoder.decode(java.util.Arrays.copyOf(jpeg, jpeg.length - 2), Path.of("x.jpg")))
                .badImage().kind());
        // Trailing bytes after EOI are fine for Pillow, and so for ferry.
        byte[] trailing = java.util.Arrays.copyOf(jpeg, jpeg.length + 20);
        assertEquals(ImageDecoder.decode(Fixtures.path("jpeg/rgb_420.jpg")),
                ImageDecoder.decode(trailing, Path.of("x.jpg")));
    }

    @Test
    void badFilesGetTheirReasons() {
        Map<String, BadImage.Kind> cases = Map.of(
                "bad/cats/empty.jpg", BadImage.Kind.EMPTY,
                "bad/cats/truncated.png", BadImage.Kind.CORRUPT,
                "bad/dogs/truncated.jpg", BadImage.Kind.CORRUPT,
                "bad/dogs/notes.jpg", BadImage.Kind.NOT_AN_IMAGE,
                "bad/cats/bomb.png", BadImage.Kind.TOO_LARGE);
        for (Map.Entry<String, BadImage.Kind> c : cases.entrySet()) {
            Path p = Fixtures.path(c.getKey());
            BadImageException ex = assertThrows(BadImageException.class, () -> ImageDecoder.decode(p), c.getKey());
            assertEquals(c.getValue(), ex.badImage().kind(), ex.getMessage());
            assertEquals(p, ex.badImage().path());
            assertTrue(ex.getMessage().startsWith(p + ": "), ex.getMessage());
            assertTrue(!ex.getMessage().contains("\n"), "one line: " + ex.getMessage());
        }
        assertEquals("empty file (0 bytes)",
                ImageDecoder.check(Fixtures.path("bad/cats/empty.jpg")).orElseThrow().reason());
        assertTrue(ImageDecoder.check(Fixtures.path("bad/cats/bomb.png")).orElseThrow().reason()
                .contains("20000x10000 = 200000000 pixels, over the limit of 178956970"));
        assertTrue(ImageDecoder.check(Fixtures.path("bad/dogs/truncated.jpg")).orElseThrow().reason()
                .startsWith("truncated or corrupt JPEG data"));
        assertTrue(ImageDecoder.check(Fixtures.path("bad/cats/truncated.png")).orElseThrow().reason()
                .startsWith("truncated or corrupt PNG data"));
    }

    /** A PNG signature + IHDR with the given size and a valid CRC, nothing else. */
    private static byte[] pngHeader(int width, int height) {
        ByteBuffer ihdr = ByteBuffer.allocate(17);
        ihdr.put(new byte[] {'I', 'H', 'D', 'R'}).putInt(width).putInt(height)
                .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        CRC32 crc = new CRC32();
        crc.update(ihdr.array());
        ByteBuffer png = ByteBuffer.allocate(8 + 4 + 17 + 4 + 12);
        png.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        png.putInt(13).put(ihdr.array()).putInt((int) crc.getValue());
        png.putInt(0).put(new byte[] {'I', 'E', 'N', 'D'}).putInt(0xAE426082);
        return png.array();
    }

    @Test
    void pixelLimitIsPillowsDecompressionBombThreshold() {
        Path name = Path.of("x.png");
        // Pillow raises DecompressionBombError only above 2 * MAX_IMAGE_PIXELS = 178,956,970.
        BadImageException over = assertThrows(BadImageException.class,
                () -> ImageDecoder.decode(pngHeader(178_956_971, 1), name));
        assertEquals(BadImage.Kind.TOO_LARGE, over.badImage().kind());
        assertEquals(BadImage.Kind.TOO_LARGE, assertThrows(BadImageException.class,
                () -> ImageDecoder.decode(pngHeader(65_535, 65_535), name)).badImage().kind());
        // Exactly at the limit is allowed (checked without decoding, which would allocate ~537 MB).
        ImageDecoder.checkPixelCount(name, 178_956_970L, 1L);
        ImageDecoder.checkPixelCount(name, 13_377L, 13_377L);
    }

    @Test
    void extensionDoesNotDecideTheFormat(@TempDir Path dir) throws IOException {
        Path png = Fixtures.path("formats/png_la8.png");
        Path disguised = dir.resolve("really_a_png.jpg");
        Files.copy(png, disguised);
        assertEquals(ImageDecoder.decode(png), ImageDecoder.decode(disguised));
    }

    @Test
    void missingFileIsUnreadable(@TempDir Path dir) {
        BadImageException ex = assertThrows(BadImageException.class,
                () -> ImageDecoder.decode(dir.resolve("nope.png")));
        assertEquals(BadImage.Kind.UNREADABLE, ex.badImage().kind());
        assertTrue(ex.getMessage().endsWith("nope.png: file not found"), ex.getMessage());
    }

    @Test
    void unsupportedJpegVariantsAreReported() {
        // SOI + SOF3 (lossless) header + SOS: Pillow's libjpeg-turbo 2.1 cannot decode lossless JPEG.
        byte[] lossless = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xC3, 0, 11, 8, 0, 4, 0, 4, 1, 1, 0x11, 0,
            (byte) 0xFF, (byte) 0xDA, 0, 8, 1, 1, 0, 0, 0, 0};
        BadImageException ex = assertThrows(BadImageException.class,
                () -> ImageDecoder.decode(lossless, Path.of("l.jpg")));
        assertEquals(BadImage.Kind.UNSUPPORTED, ex.badImage().kind());
        byte[] headerOnly = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 0, 16};
        assertEquals(BadImage.Kind.CORRUPT, assertThrows(BadImageException.class,
                () -> ImageDecoder.decode(headerOnly, Path.of("h.jpg"))).badImage().kind());
    }

    @Test
    void knowsImageExtensionsCaseInsensitively() {
        for (String n : new String[] {"a.jpg", "a.JPEG", "b.Png", "c.bmp", "d.GIF", "e.webp", "f.tif", "g.TIFF"}) {
            assertTrue(ImageDecoder.hasImageExtension(Path.of(n)), n);
        }
        for (String n : new String[] {"a.txt", "jpg", "a.jpg.bak", "a.ppm", ".png.x"}) {
            assertTrue(!ImageDecoder.hasImageExtension(Path.of(n)), n);
        }
    }

    @Test
    void pixelConversionFollowsPil() {
        // 5-bit channel scaling (BMP 565 / 555) and CMYK formula spot checks against PIL's C code.
        assertEquals(255, PixelConversion.to8(31, 5));
        assertEquals(131, PixelConversion.to8(16, 5)); // 16 * 255 / 31 = 131.6 -> 131
        assertEquals(85, PixelConversion.to8(1, 2));
        assertEquals(0x12, PixelConversion.to8(0x1234, 16));
        assertEquals(255, PixelConversion.cmykChannel(0, 0));
        assertEquals(0, PixelConversion.cmykChannel(255, 0));
        assertEquals(0, PixelConversion.cmykChannel(0, 255));
        assertEquals(64, PixelConversion.cmykChannel(128, 127)); // nk=128, 128 - MULDIV255(128,128)=128-64
    }

    @Test
    void packedYcbcrFastPathEqualsTheGeneralConversion() {
        // Every (Cb, Cr) pair with a spread of Y: the table path against the per-sample formulas,
        // which a banked raster (no packed bytes) takes.
        int w = 256;
        int h = 256;
        java.awt.image.WritableRaster packed = java.awt.image.Raster.createInterleavedRaster(
                java.awt.image.DataBuffer.TYPE_BYTE, w, h, 3, null);
        java.awt.image.WritableRaster banked = java.awt.image.Raster.createBandedRaster(
                java.awt.image.DataBuffer.TYPE_BYTE, w, h, 3, null);
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int[] px = {r.nextInt(256), x, y};
                packed.setPixel(x, y, px);
                banked.setPixel(x, y, px);
            }
        }
        RgbImage fast = ImageDecoder.jpegToRgb(packed, JpegHeader.ColorSpace.YCBCR);
        RgbImage general = ImageDecoder.jpegToRgb(banked, JpegHeader.ColorSpace.YCBCR);
        org.junit.jupiter.api.Assertions.assertArrayEquals(general.rgb(), fast.rgb());
        // One value by hand (jdcolor.c): Y 100, Cb 60, Cr 200 -> R 201, G 72, B 0 (-20 clamped).
        java.awt.image.WritableRaster one = java.awt.image.Raster.createInterleavedRaster(
                java.awt.image.DataBuffer.TYPE_BYTE, 1, 1, 3, null);
        one.setPixel(0, 0, new int[] {100, 60, 200});
        byte[] rgb = ImageDecoder.jpegToRgb(one, JpegHeader.ColorSpace.YCBCR).rgb();
        assertEquals(201, rgb[0] & 0xFF);
        assertEquals(72, rgb[1] & 0xFF);
        assertEquals(0, rgb[2] & 0xFF);
    }
}
