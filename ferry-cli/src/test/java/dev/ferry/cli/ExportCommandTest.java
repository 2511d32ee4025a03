package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.ferry.workflow.Export;
import dev.ferry.workflow.Networks;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry export} round trips, against {@code tools/make_export_fixtures.py}: it exported the
 * ferry-trained model in {@code export/model} with this same command, loaded the safetensors into
 * a ResNet of torchvision's blocks with {@code strict=True} and recorded its logits for
 * {@code input.bin}, passed each ONNX export through {@code onnx.checker} with full shape
 * inference, and recorded every file's SHA-256. Here: today's exports are those files byte for
 * byte, and ONNX Runtime's Java API and ferry's own engine give torch's logits.
 */
class ExportCommandTest {
    static final int N = 7;
    static final int CLASSES = 3;
    static Path model;
    static JsonObject exports;
    static float[] input;
    static float[] torchLogits;

    @TempDir
    Path dir;

    @BeforeAll
    static void fixtures() throws IOException, URISyntaxException {
        model = Path.of(ExportCommandTest.class.getResource("/export/model").toURI());
        exports = JsonParser.parseString(Files.readString(Path.of(ExportCommandTest.class.getResource("/export/manifest.json")
                .toURI()))).getAsJsonObject().getAsJsonObject("exports");
        input = floats("/export/input.bin");
        torchLogits = floats("/export/torch_logits.bin");
        assertEquals(N * 3 * 64 * 64, input.length);
        assertEquals(N * CLASSES, torchLogits.length);
    }

    static float[] floats(String resource) throws IOException {
        try (InputStream in = ExportCommandTest.class.getResourceAsStream(resource)) {
            FloatBuffer fb = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            float[] out = new float[fb.remaining()];
            fb.get(out);
            return out;
        }
    }

    Path export(String format, String name, List<String> flags) {
        Path out = dir.resolve(name + "." + format);
        List<String> args = new ArrayList<>(List.of("export", "--model", model.toString(), "--format", format, "--out", out.toString(),
                "--json"));
        args.addAll(flags);
        CliHarness.Result r = CliHarness.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals(exports.getAsJsonObject(name).get("sha256").getAsString(), o.get("sha256").getAsString(),
                name + " is the file the fixture script checked");
        assertEquals(Export.sha256(out), o.get("sha256").getAsString());
        return out;
    }

    static void assertClose(float[] expected, float[] actual, int offset, String what) {
        float max = 0;
        for (float v : expected) {
            max = Math.max(max, Math.abs(v));
        }
        for (int i = 0; i < actual.length; i++) {
            float e = expected[offset + i];
            assertTrue(Math.abs(actual[i] - e) <= 1e-5f * max, what + "[" + i + "]: " + actual[i] + " vs torch " + e);
        }
    }

    @Test
    void safetensorsIsTheFileTorchvisionLoadedStrictly() throws IOException {
        Path st = export("safetensors", "safetensors", List.of());
        Map<String, String> meta = dev.ferry.weights.WeightsReader.safetensorsMetadata(st);
        assertEquals("[\"checker\",\"horizontal\",\"vertical\"]", meta.get("ferry.classes"));
        assertEquals("pt", meta.get("format"));
        assertTrue(exports.getAsJsonObject("safetensors").get("strict").getAsBoolean());
    }

    @Test
    void onnxRuntimeInJavaGivesTorchsLogitsAtBatch1And7() throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        for (String name : List.of("onnx_folded_dynamic_softmax", "onnx_bn_dynamic_opset13")) {
            List<String> flags = new ArrayList<>();
            exports.getAsJsonObject(name).getAsJsonArray("flags").forEach(e -> flags.add(e.getAsString()));
            Path onnx = export("onnx", name, flags);
            try (OrtSession s = env.createSession(onnx.toString(), new OrtSession.SessionOptions())) {
                assertEquals("[\"checker\",\"horizontal\",\"vertical\"]", s.getMetadata().getCustomMetadata().get("ferry.classes"));
                assertClose(torchLogits, run(env, s, "logits", N), 0, name + " batch 7");
                assertClose(torchLogits, run(env, s, "logits", 1), 0, name + " batch 1");
                if (flags.contains("--softmax")) {
                    float[] p = run(env, s, "probabilities", N);
                    double t = Double.parseDouble(s.getMetadata().getCustomMetadata().get("ferry.temperature"));
                    float[] expected = dev.ferry.model.Softmax.rows(dev.ferry.model.Softmax.divide(
                            Arrays.copyOf(torchLogits, torchLogits.length), t), N);
                    for (int i = 0; i < p.length; i++) {
                        assertEquals(expected[i], p[i], 1e-5, "probabilities[" + i + "]");
                    }
                }
            }
        }
        // Batch 1 fixed: the first image.
        Path fixed = export("onnx", "onnx_bn_batch1", List.of());
        try (OrtSession s = env.createSession(fixed.toString(), new OrtSession.SessionOptions())) {
            assertEquals(List.of(1L, 3L, 64L, 64L), Arrays.stream(((ai.onnxruntime.TensorInfo) s.getInputInfo().get("input")
                    .getInfo()).getShape()).boxed().toList());
            assertClose(torchLogits, run(env, s, "logits", 1), 0, "batch-1 export");
        }
    }

    @Test
    void ferrysOwnEngineGivesTorchsLogits() {
        try (Networks.Open open = Networks.openModel(model, null, 2)) {
            assertClose(torchLogits, open.network().forward(input, N, 64, 64), 0, "ferry's engine");
        }
    }

    @Test
    void badOptionsAreUsageErrors() {
        CliHarness.Result r = CliHarness.run("export", "--model", model.toString(), "--format", "onnx", "--opset", "12",
                "--out", dir.resolve("x.onnx").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("opset must be in [13, 17]"), r.err());
        r = CliHarness.run("export", "--model", model.toString(), "--format", "safetensors", "--fold-bn",
                "--out", dir.resolve("x.safetensors").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("are ONNX settings"), r.err());
        r = CliHarness.run("export", "--model", dir.resolve("absent").toString(), "--format", "onnx");
        assertEquals(2, r.code());
        r = CliHarness.run("export", "--model", model.toString(), "--format", "tflite");
        assertEquals(2, r.code());
        assertTrue(Files.notExists(dir.resolve("x.onnx")) && Files.notExists(dir.resolve("x.safetensors")), "nothing written");
    }

    static float[] run(OrtEnvironment env, OrtSession s, String output, int n) throws Exception {
        float[] x = Arrays.copyOf(input, n * 3 * 64 * 64);
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {n, 3, 64, 64});
             OrtSession.Result r = s.run(Map.of("input", t), Set.of(output))) {
            FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] out = new float[fb.remaining()];
            fb.get(out);
            return out;
        }
    }
}
