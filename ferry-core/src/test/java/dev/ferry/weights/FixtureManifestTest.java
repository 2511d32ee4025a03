package dev.ferry.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every tensor of every readable fixture, checked against what PyTorch itself saw when it wrote
 * the file (manifest.json): dtype, shape, key order, an exact order-sensitive checksum of all
 * values, the float64 sum and the first values.
 */
class FixtureManifestTest {

    static Stream<String> files() {
        return Fixtures.json("manifest.json").keySet().stream();
    }

    @ParameterizedTest
    @MethodSource("files")
    void everyTensorMatchesTheManifest(String file) {
        JsonObject entry = Fixtures.json("manifest.json").getAsJsonObject(file);
        StateDict sd = WeightsReader.read(Fixtures.path(file));

        assertEquals(WeightsFormat.valueOf(entry.get("format").getAsString()), WeightsReader.detect(Fixtures.path(file)));
        JsonObject tensors = entry.getAsJsonObject("tensors");
        assertEquals(new ArrayList<>(tensors.keySet()), new ArrayList<>(sd.keys()), "keys and their order");
        for (Map.Entry<String, JsonElement> e : tensors.entrySet()) {
            String key = e.getKey();
            JsonObject want = e.getValue().getAsJsonObject();
            Tensor t = sd.get(key);
            String where = file + " " + key;
            assertEquals(want.get("dtype").getAsString(), t.dtype().safetensorsName(), where);
            assertArrayEquals(longs(want.getAsJsonArray("shape")), t.shape(), where);
            assertEquals(want.get("checksum").getAsString(), Fixtures.checksum(t), where + " checksum");
            double sum = want.get("sum").getAsDouble();
            assertEquals(sum, t.sum(), 1e-9 * (1 + absSum(t)), where + " sum");
            JsonArray first = want.getAsJsonArray("first");
            for (int i = 0; i < first.size(); i++) {
                // Exact: the generator printed the float32 values as doubles, which round-trip.
                assertEquals(first.get(i).getAsDouble(), t.value(i), 0.0, where + " value " + i);
            }
        }
        if (entry.has("nested_key")) {
            assertTrue(sd.notes().stream().anyMatch(n -> n.contains("'" + entry.get("nested_key").getAsString() + "'")),
                    "a note says which entry was used: " + sd.notes());
        }
    }

    private static long[] longs(JsonArray array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).getAsLong();
        }
        return out;
    }

    private static double absSum(Tensor t) {
        double total = 0;
        for (int i = 0; i < t.numel(); i++) {
            total += Math.abs(t.value(i));
        }
        return total;
    }
}
