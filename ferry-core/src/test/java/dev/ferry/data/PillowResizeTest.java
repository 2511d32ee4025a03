package dev.ferry.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Pillow 9.4 resampling, byte for byte, against fixtures from Image.resize and F.resized_crop. */
class PillowResizeTest {

    @TestFactory
    Stream<DynamicTest> resizeMatchesPillow() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonElement e : Fixtures.manifest().getAsJsonArray("resample")) {
            JsonObject c = e.getAsJsonObject();
            tests.add(DynamicTest.dynamicTest(c.get("name").getAsString(), () -> {
                RgbImage src = ImageDecoder.decode(Fixtures.path(c.get("image").getAsString()));
                RgbImage actual = PillowResize.resize(src, c.get("width").getAsInt(), c.get("height").getAsInt(),
                        Interpolation.valueOf(c.get("interpolation").getAsString()));
                RgbImage expected = Fixtures.expectedRgb(c.get("u8").getAsString());
                assertEquals(expected.width(), actual.width());
                assertEquals(expected.height(), actual.height());
                assertEquals(0, Fixtures.maxAbsDiff(actual, expected), () -> Fixtures.firstDifference(actual, expected));
            }));
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> resizedCropMatchesTorchvision() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonElement e : Fixtures.manifest().getAsJsonArray("resized_crop")) {
            JsonObject c = e.getAsJsonObject();
            tests.add(DynamicTest.dynamicTest(c.get("name").getAsString(), () -> {
                RgbImage src = ImageDecoder.decode(Fixtures.path(c.get("image").getAsString()));
                CropBox box = new CropBox(c.get("top").getAsInt(), c.get("left").getAsInt(),
                        c.get("height").getAsInt(), c.get("width").getAsInt());
                RgbImage actual = Torchvision.resizedCrop(src, box, c.get("size").getAsInt(), Interpolation.BILINEAR);
                RgbImage expected = Fixtures.expectedRgb(c.get("u8").getAsString());
                assertEquals(0, Fixtures.maxAbsDiff(actual, expected), () -> Fixtures.firstDifference(actual, expected));
            }));
        }
        return tests.stream();
    }

    @Test
    void sameSizeIsACopy() {
        RgbImage img = new RgbImage(2, 1, new byte[] {1, 2, 3, 4, 5, 6});
        RgbImage out = PillowResize.resize(img, 2, 1, Interpolation.BILINEAR);
        assertEquals(img, out);
        assertNotSame(img.rgb(), out.rgb());
    }

    @Test
    void constantImageStaysConstant() {
        byte[] px = new byte[7 * 5 * 3];
        for (int i = 0; i < px.length; i += 3) {
            px[i] = (byte) 200;
            px[i + 1] = 17;
            px[i + 2] = (byte) 255;
        }
        for (Interpolation f : Interpolation.values()) {
            RgbImage out = PillowResize.resize(new RgbImage(7, 5, px), 13, 3, f);
            for (int i = 0; i < out.rgb().length; i += 3) {
                assertArrayEquals(new int[] {200, 17, 255},
                        new int[] {out.rgb()[i] & 0xFF, out.rgb()[i + 1] & 0xFF, out.rgb()[i + 2] & 0xFF}, f.name());
            }
        }
    }

    @Test
    void rejectsNonPositiveSize() {
        RgbImage img = RgbImage.black(3, 3);
        assertThrows(IllegalArgumentException.class, () -> PillowResize.resize(img, 0, 3, Interpolation.BILINEAR));
    }

    @Test
    void windowEqualsResizeThenCrop() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        // Down, up, one axis only, odd sizes; windows at the corners, the centre and random places.
        int[][] cases = {{301, 362, 256, 307}, {640, 300, 545, 256}, {200, 150, 341, 256}, {300, 700, 300, 256},
            {257, 300, 256, 300}, {31, 17, 9, 23}};
        for (int[] c : cases) {
            byte[] px = new byte[c[0] * c[1] * 3];
            for (int i = 0; i < px.length; i++) {
                px[i] = (byte) r.nextInt(256);
            }
            RgbImage img = new RgbImage(c[0], c[1], px);
            for (Interpolation interpolation : Interpolation.values()) {
                RgbImage full = PillowResize.resize(img, c[2], c[3], interpolation);
                int w = Math.min(c[2], 224);
                int h = Math.min(c[3], 224);
                int[][] origins = {{0, 0}, {c[2] - w, c[3] - h}, {(c[2] - w) / 2, (c[3] - h) / 2},
                    {r.nextInt(c[2] - w + 1), r.nextInt(c[3] - h + 1)}};
                for (int[] o : origins) {
                    RgbImage window = PillowResize.resizeWindow(img, c[2], c[3], interpolation, o[0], o[1], w, h);
                    assertArrayEquals(full.crop(o[0], o[1], w, h).rgb(), window.rgb(),
                            interpolation + " " + java.util.Arrays.toString(c) + " at " + java.util.Arrays.toString(o));
                }
                RgbImage one = PillowResize.resizeWindow(img, c[2], c[3], interpolation, c[2] - 1, 0, 1, 1);
                assertArrayEquals(full.crop(c[2] - 1, 0, 1, 1).rgb(), one.rgb());
            }
        }
    }

    @Test
    void windowOutsideTheResultIsRejected() {
        RgbImage img = RgbImage.black(10, 10);
        assertThrows(IllegalArgumentException.class,
                () -> PillowResize.resizeWindow(img, 8, 8, Interpolation.BILINEAR, 1, 0, 8, 8));
        assertThrows(IllegalArgumentException.class,
                () -> PillowResize.resizeWindow(img, 8, 8, Interpolation.BILINEAR, -1, 0, 2, 2));
    }
}
