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
}
