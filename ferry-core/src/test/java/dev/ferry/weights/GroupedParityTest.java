package dev.ferry.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.ferry.InputException;
import dev.ferry.model.Architecture;
import dev.ferry.model.FusedResNet;
import dev.ferry.model.InferencePlan;
import dev.ferry.model.Int8Calibration;
import dev.ferry.model.OnnxExport;
import dev.ferry.model.OrtResNet;
import dev.ferry.model.ResNet;
import dev.ferry.model.ResNetConfig;
import dev.ferry.model.Stem;
import dev.ferry.platform.ConvLayout;
import dev.ferry.platform.Engines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Parity with torchvision for ResNeXt and Wide ResNet: the five networks of
 * {@code tools/make_grouped_fixtures.py} (torchvision's blocks at stem width 4, groups scaled as
 * {@link ResNetConfig} scales them, 10 classes) must be recognised from the files torch wrote and
 * reproduce torchvision's eval-mode logits on every engine (the full-size keys, shapes, parameter
 * and MAC counts are {@code ResNetTest}'s). The error metric and tolerances are {@link ParityTest}'s.
 */
class GroupedParityTest {
    /** What int8 rounding may do to these narrow random networks' logits (relative, as above). */
    private static final double INT8_TOLERANCE = 0.35;

    private static NDManager manager;
    private static JsonObject grouped;
    private static float[] input;

    @BeforeAll
    static void start() {
        manager = Engines.newManager();
        grouped = Fixtures.json(path("grouped.json"));
        input = Fixtures.floats("input.bin");
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d", "wide_resnet50_2", "wide_resnet101_2"})
    void logitsMatchTorchvisionOnEveryEngine(String arch) {
        JsonObject model = grouped.getAsJsonObject("models").getAsJsonObject(arch);
        Path file = path(model.get("weights").getAsString());
        StateDict sd = WeightsReader.read(file);

        ResNetConfig config = ModelWeights.inferConfig(sd, file);
        assertEquals(Architecture.parse(arch), config.architecture());
        assertEquals(4, config.width());
        assertEquals(Stem.IMAGENET, config.stem());
        assertEquals(10, config.numClasses());
        assertEquals(model.get("groups").getAsInt(), config.groups());
        JsonArray conv2 = model.getAsJsonArray("layer1_conv2_shape");
        assertEquals(conv2.get(0).getAsInt(), config.innerWidth(4), "layer1's inner width");
        assertEquals(model.get("tensors").getAsInt(), sd.size());

        double[] expected64 = doubles(model.get("logits_f64").getAsString());
        double[] expected32 = toDoubles(floats(model.get("logits").getAsString()));
        double torchRounding = ParityTest.relativeError(expected32, expected64);
        assertEquals(model.get("float32_rounding").getAsDouble(), torchRounding, 1e-12);

        try (NDManager m = manager.newSubManager()) {
            ResNet net64 = loaded(sd, file, m, DataType.FLOAT64);
            assertEquals(model.get("params").getAsLong(), net64.parameterCount());
            double error64 = ParityTest.relativeError(logits(net64, m, DataType.FLOAT64), expected64);
            assertTrue(error64 <= ParityTest.F64_TOLERANCE, arch + " float64: " + error64);

            ResNet net = loaded(sd, file, m, DataType.FLOAT32);
            double[] ferry32 = logits(net, m, DataType.FLOAT32);
            assertWithin(arch + " training network", ferry32, expected32, torchRounding);

            for (ConvLayout layout : ConvLayout.values()) {
                try (FusedResNet fused = FusedResNet.of(net, m, layout)) {
                    assertWithin(arch + " libtorch engine " + layout, toDoubles(fused.forward(input, 2, 64, 64)), expected32, torchRounding);
                }
            }
        }
        // ONNX Runtime straight from the file's tensors, without a libtorch network in between.
        Function<String, float[]> values = key -> sd.get(key) == null ? null : sd.get(key).floats();
        try (OrtResNet ort = OrtResNet.of(InferencePlan.of(config), values, 1, false)) {
            assertWithin(arch + " ONNX Runtime engine", toDoubles(ort.forward(input, 2, 64, 64)), expected32, torchRounding);
            float[] features = ort.forwardFeatures(input, 2, 64, 64);
            assertEquals(2 * config.featureDim(), features.length);
        }
    }

    /**
     * The export paths: torchvision's BatchNormalization nodes kept (the {@code ferry export}
     * default), and int8 with the grouped convolution's weights quantized per output channel.
     */
    @ParameterizedTest
    @ValueSource(strings = {"resnext50_32x4d", "wide_resnet50_2"})
    void exportsKeepTheGroupsAndTheLogits(String arch, @org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        JsonObject model = grouped.getAsJsonObject("models").getAsJsonObject(arch);
        Path file = path(model.get("weights").getAsString());
        StateDict sd = WeightsReader.read(file);
        ResNetConfig config = ModelWeights.inferConfig(sd, file);
        InferencePlan plan = InferencePlan.of(config);
        Function<String, float[]> values = key -> sd.get(key) == null ? null : sd.get(key).floats();
        double[] expected32 = toDoubles(floats(model.get("logits").getAsString()));
        double torchRounding = ParityTest.relativeError(expected32, doubles(model.get("logits_f64").getAsString()));

        Path bn = dir.resolve("bn.onnx");
        try (java.io.OutputStream out = Files.newOutputStream(bn)) {
            OnnxExport.write(plan, values, new OnnxExport.Settings(OnnxExport.MAX_OPSET, false, true, 0, null, Map.of()), out);
        }
        String graph = new String(Files.readAllBytes(bn), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(graph.contains("layer1.0.bn2.running_var"), "BatchNormalization nodes under torchvision's names");
        assertEquals(config.groups() > 1, graph.contains("group"), "a group attribute where the convolution is grouped");
        try (OrtResNet ort = OrtResNet.load(bn, config, 1)) {
            assertWithin(arch + " exported with BatchNormalization", toDoubles(ort.forward(input, 2, 64, 64)), expected32, torchRounding);
        }

        java.util.List<float[]> ranges = Int8Calibration.ranges(plan, values, input, 2, 64, Int8Calibration.Method.MINMAX, 1);
        Path int8 = dir.resolve("int8.onnx");
        try (java.io.OutputStream out = Files.newOutputStream(int8)) {
            OnnxExport.write(plan, values, new OnnxExport.Settings(OnnxExport.MAX_OPSET, true, true, 0, null, Map.of()).int8(ranges), out);
        }
        try (OrtResNet ort = OrtResNet.load(int8, config, 1)) {
            double error = ParityTest.relativeError(toDoubles(ort.forward(input, 2, 64, 64)), expected32);
            // Measured 0.25 (grouped) and 0.14 (wide, no groups): 4-channel layers lose much to 8 bits.
            // A missing group attribute is refused by ONNX Runtime; a wrong weight layout is order 1.
            assertTrue(error > 1e-5 && error < INT8_TOLERANCE, arch + " int8: relative error " + error);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnext50_32x4d", "wide_resnet50_2"})
    void theLegacyAndSafetensorsCopiesGiveTheZipFilesLogits(String arch) {
        JsonObject model = grouped.getAsJsonObject("models").getAsJsonObject(arch);
        Path zip = path(model.get("weights").getAsString());
        JsonArray copies = model.getAsJsonArray("copies");
        assertEquals(2, copies.size());
        try (NDManager m = manager.newSubManager()) {
            double[] reference = logits(loaded(WeightsReader.read(zip), zip, m, DataType.FLOAT32), m, DataType.FLOAT32);
            for (JsonElement copy : copies) {
                Path file = path(copy.getAsString());
                StateDict sd = WeightsReader.read(file);
                assertEquals(Architecture.parse(arch), ModelWeights.inferConfig(sd, file).architecture());
                assertArrayEquals(reference, logits(loaded(sd, file, m, DataType.FLOAT32), m, DataType.FLOAT32), 0.0, file.toString());
            }
        }
    }

    @Test
    void namesParseEveryWayTheyAreWritten() {
        assertEquals(Architecture.RESNEXT50_32X4D, Architecture.parse("ResNeXt-50 (32x4d)"));
        assertEquals(Architecture.RESNEXT101_64X4D, Architecture.parse("resnext101_64x4d"));
        assertEquals(Architecture.WIDE_RESNET50_2, Architecture.parse("Wide ResNet-50-2"));
        assertEquals(Architecture.WIDE_RESNET101_2, Architecture.parse("WIDE_RESNET101_2"));
        assertEquals("ResNeXt-101 (32x8d)", Architecture.RESNEXT101_32X8D.displayName());
        assertEquals("Wide ResNet-101-2", Architecture.WIDE_RESNET101_2.displayName());
        assertEquals(Architecture.RESNET50, Architecture.parse("50"));
    }

    @Test
    void aWidthTheGroupsDoNotDivideIsAOneLineError() {
        InputException e = assertThrows(InputException.class,
                () -> new ResNetConfig(Architecture.RESNEXT50_32X4D, 10, 24, Stem.IMAGENET, 0f, false));
        assertEquals("width 24 does not fit resnext50_32x4d: its 32 groups of 4 channels scale to a whole number of groups"
                + " only at widths that are a multiple of 2 and divide 256", e.getMessage());
        // Wide ResNet has one group: any width.
        assertEquals(1, new ResNetConfig(Architecture.WIDE_RESNET50_2, 10, 24, Stem.IMAGENET, 0f, false).groups());
        assertEquals(48, new ResNetConfig(Architecture.WIDE_RESNET50_2, 10, 24, Stem.IMAGENET, 0f, false).innerWidth(24));
    }

    @Test
    void aResnet50FileIsNotTakenForAResnext() {
        // Same block counts as resnext50_32x4d and wide_resnet50_2; conv2 tells them apart.
        Path file = Fixtures.path("resnet50_w8.pth");
        assertEquals(Architecture.RESNET50, ModelWeights.inferConfig(WeightsReader.read(file), file).architecture());
    }

    private static void assertWithin(String what, double[] actual, double[] expected32, double torchRounding) {
        double error = ParityTest.relativeError(actual, expected32);
        assertTrue(error <= ParityTest.TOLERANCE + torchRounding, what + ": max relative error " + error + " > "
                + ParityTest.TOLERANCE + " + torchvision's own float32 rounding " + torchRounding);
    }

    private static ResNet loaded(StateDict sd, Path file, NDManager m, DataType dtype) {
        ResNet net = ResNet.create(ModelWeights.inferConfig(sd, file));
        net.initialize(m, dtype, new Shape(1, 3, 64, 64));
        ModelWeights.load(net, sd, false, file);
        return net;
    }

    private static double[] logits(ResNet net, NDManager m, DataType dtype) {
        NDArray x = m.create(input, new Shape(2, 3, 64, 64)).toType(dtype, false);
        return net.forward(x, false).toType(DataType.FLOAT64, false).toDoubleArray();
    }

    private static double[] toDoubles(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    private static Path path(String name) {
        return Fixtures.path("grouped", name);
    }

    private static float[] floats(String name) {
        return Fixtures.floats(path(name));
    }

    private static double[] doubles(String name) {
        return Fixtures.doubles(path(name));
    }
}
