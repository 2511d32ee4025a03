package dev.ferry.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import org.junit.jupiter.api.Test;

class PresetTest {

    private final Gson gson = new Gson();

    @Test
    void factories() {
        Preset v1 = Preset.imagenetV1();
        assertEquals(256, v1.resize());
        assertEquals(224, v1.crop());
        assertArrayEquals(new float[] {0.485f, 0.456f, 0.406f}, v1.mean());
        assertArrayEquals(new float[] {0.229f, 0.224f, 0.225f}, v1.std());
        assertEquals(Interpolation.BILINEAR, v1.interpolation());
        assertEquals(232, Preset.imagenetV2().resize());
        assertEquals(224, Preset.imagenetV2().crop());
        Preset small = Preset.small28();
        assertEquals(0, small.resize());
        assertEquals(28, small.crop());
        assertArrayEquals(new float[] {0.286f, 0.286f, 0.286f}, small.mean());
        assertArrayEquals(new float[] {0.353f, 0.353f, 0.353f}, small.std());
    }

    @Test
    void roundTripsThroughGson() {
        for (Preset p : new Preset[] {Preset.imagenetV1(), Preset.imagenetV2(), Preset.small28(),
            new Preset(300, 288, new float[] {0.5f, 0.25f, 0.125f}, new float[] {1f, 2f, 3f}, Interpolation.BICUBIC)}) {
            String json = gson.toJson(p);
            assertEquals(p, gson.fromJson(json, Preset.class), json);
        }
        assertEquals("{\"resize\":256,\"crop\":224,\"mean\":[0.485,0.456,0.406],\"std\":[0.229,0.224,0.225],"
                + "\"interpolation\":\"BILINEAR\",\"exifTranspose\":false}", gson.toJson(Preset.imagenetV1()));
    }

    @Test
    void missingInterpolationDefaultsToBilinear() {
        Preset p = gson.fromJson("{\"resize\":0,\"crop\":28,\"mean\":[0.1,0.1,0.1],\"std\":[0.3,0.3,0.3]}",
                Preset.class);
        assertEquals(Interpolation.BILINEAR, p.interpolation());
    }

    @Test
    void rejectsInvalidValues() {
        float[] three = {0.5f, 0.5f, 0.5f};
        assertThrows(IllegalArgumentException.class, () -> new Preset(-1, 224, three, three, null));
        assertThrows(IllegalArgumentException.class, () -> new Preset(256, 0, three, three, null));
        assertThrows(IllegalArgumentException.class, () -> new Preset(256, 224, new float[2], three, null));
        assertThrows(IllegalArgumentException.class, () -> new Preset(256, 224, three, new float[] {1, 0, 1}, null));
        // Through Gson the constructor's exception surfaces as a JSON error.
        assertThrows(RuntimeException.class, () -> gson.fromJson("{\"crop\":224,\"mean\":[1,1],\"std\":[1,1,1]}",
                Preset.class));
    }

    @Test
    void arraysAreDefensivelyCopied() {
        float[] mean = {0.1f, 0.2f, 0.3f};
        Preset p = new Preset(0, 10, mean, new float[] {1, 1, 1}, Interpolation.NEAREST);
        mean[0] = 9f;
        p.mean()[1] = 9f;
        assertArrayEquals(new float[] {0.1f, 0.2f, 0.3f}, p.mean());
    }

    @Test
    void malformedJsonIsAJsonError() {
        assertThrows(JsonParseException.class, () -> gson.fromJson("{", Preset.class));
    }
}
