package dev.ferry.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.ferry.FerryException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {

    @TempDir
    Path dir;

    @Test
    void roundTripsAResnetStateDictExactly() {
        StateDict original = WeightsReader.read(Fixtures.path("resnet18_w8.pth"));
        Path file = dir.resolve("out/model.safetensors");
        Map<String, String> metadata = Map.of("arch", "resnet18", "classes", "cat\ndog <&>");

        SafetensorsWriter.write(file, original, metadata);
        StateDict back = WeightsReader.read(file);

        assertEquals(WeightsFormat.SAFETENSORS, WeightsReader.detect(file));
        assertEquals(List.copyOf(original.keys()), List.copyOf(back.keys()), "header keeps the given order");
        assertEquals(original.asMap(), back.asMap());
        assertEquals(metadata, back.metadata());
    }

    @Test
    void layoutIsAlignedAndWidensToF32AndI64() throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("half", new Tensor(DType.F16, new long[] {3}, new float[] {1f, -0.5f, 65504f}, null));
        tensors.put("count", new Tensor(DType.U8, new long[] {}, null, new long[] {7}));
        tensors.put("empty", Tensor.ofFloats(new long[] {0, 3}, new float[0]));
        Path file = dir.resolve("small.safetensors");
        SafetensorsWriter.write(file, tensors, Map.of());

        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = buf.getLong();
        assertEquals(0, headerLength % 8, "data starts 8-byte aligned");
        JsonObject header = JsonParser.parseString(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8)).getAsJsonObject();
        assertFalse(header.has("__metadata__"));
        assertEquals("F32", header.getAsJsonObject("half").get("dtype").getAsString());
        assertEquals("I64", header.getAsJsonObject("count").get("dtype").getAsString());
        assertEquals("[0,8]", header.getAsJsonObject("count").get("data_offsets").toString(), "int64 first, aligned");
        assertEquals("[8,20]", header.getAsJsonObject("half").get("data_offsets").toString());
        assertEquals("[20,20]", header.getAsJsonObject("empty").get("data_offsets").toString());
        assertEquals(8 + headerLength + 20, bytes.length);

        StateDict back = WeightsReader.read(file);
        assertArrayEquals(new float[] {1f, -0.5f, 65504f}, back.get("half").floats());
        assertEquals(DType.F32, back.get("half").dtype());
        assertEquals(Tensor.ofLongs(new long[] {}, new long[] {7}), back.get("count"));
        assertArrayEquals(new long[] {0, 3}, back.get("empty").shape());
    }

    @Test
    void replacesAnExistingFileAndLeavesNoTemporaryFiles() throws IOException {
        Path file = dir.resolve("model.safetensors");
        Files.writeString(file, "old contents");
        SafetensorsWriter.write(file, Map.of("w", Tensor.ofFloats(new long[] {2}, new float[] {1, 2})), Map.of("v", "2"));
        assertEquals(Map.of("v", "2"), WeightsReader.read(file).metadata());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void failureIsOneLineAndLeavesNothingBehind() throws IOException {
        Path notAFolder = Files.writeString(dir.resolve("plain-file"), "x");
        Path file = notAFolder.resolve("model.safetensors");
        FerryException e = assertThrows(FerryException.class,
                () -> SafetensorsWriter.write(file, Map.of("w", Tensor.ofFloats(new long[] {1}, new float[] {1})), Map.of()));
        assertTrue(e.getMessage().startsWith("cannot write " + file + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(notAFolder), files.toList());
        }
    }

    @Test
    void rejectsReservedNames() {
        Path file = dir.resolve("bad.safetensors");
        Tensor t = Tensor.ofFloats(new long[] {1}, new float[] {1});
        assertThrows(IllegalArgumentException.class, () -> SafetensorsWriter.write(file, Map.of("__metadata__", t), Map.of()));
        assertThrows(IllegalArgumentException.class, () -> SafetensorsWriter.write(file, Map.of("", t), Map.of()));
        assertFalse(Files.exists(file));
    }

    @Test
    void tensorValidatesItsShape() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.ofFloats(new long[] {2, 2}, new float[3]));
        assertThrows(IllegalArgumentException.class, () -> new Tensor(DType.F32, new long[] {1}, null, new long[1]));
        assertThrows(IllegalArgumentException.class, () -> Tensor.ofLongs(new long[] {-1}, new long[0]));
        long[] shape = {2};
        Tensor t = Tensor.ofLongs(shape, new long[] {1, 2});
        shape[0] = 5;
        assertArrayEquals(new long[] {2}, t.shape(), "shape is copied");
        assertEquals("Tensor[I64 [2]]", t.toString());
    }
}
