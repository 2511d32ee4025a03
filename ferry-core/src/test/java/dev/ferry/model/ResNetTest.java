package dev.ferry.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.ferry.platform.Engines;
import dev.ferry.InputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class ResNetTest {
    private static NDManager manager;

    @BeforeAll
    static void start() {
        manager = Engines.newManager();
        Engines.seed(7);
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    /** torchvision's counts at 1000 classes and its conv+linear MACs at 224x224 (reference.json). */
    @ParameterizedTest
    @CsvSource({
        "RESNET18, 11689512, 1814073344",
        "RESNET34, 21797672, 3663761408",
        "RESNET50, 25557032, 4089184256",
        "RESNET101, 44549160, 7801405440",
        "RESNET152, 60192808, 11513626624",
        "RESNEXT50_32X4D, 25028904, 4230479872",
        "RESNEXT101_32X8D, 88791336, 16414015488",
        "RESNEXT101_64X4D, 83455272, 15460270080",
        "WIDE_RESNET50_2, 68883240, 11398021120",
        "WIDE_RESNET101_2, 126886696, 22753050624"
    })
    void parameterAndMacCountsEqualTorchvision(Architecture arch, long params, long macs) {
        ResNet net = ResNet.create(ResNetConfig.of(arch, 1000));
        assertEquals(params, net.parameterCount());
        assertEquals(macs, net.macs(new Shape(1, 3, 224, 224)));
        long stageParams = net.describe(new Shape(3, 224, 224)).stream().mapToLong(StageSummary::params).sum();
        assertEquals(params, stageParams, "Table 1 rows add up to the total");
    }

    /** Every key, dtype and shape of torchvision's state_dict, in torchvision's order. */
    @ParameterizedTest
    @EnumSource(Architecture.class)
    void stateDictKeysAndShapesEqualTorchvision(Architecture arch) throws IOException {
        List<String> expected = resourceLines("/model/" + arch.id() + "_state.txt");
        ResNet net = ResNet.create(ResNetConfig.of(arch, 1000));
        List<String> actual = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : net.stateDict().entrySet()) {
            Shape s = e.getValue().getShape();
            String dims = s.dimension() == 0 ? "-" : joinDims(s);
            String dtype = e.getKey().endsWith("num_batches_tracked") ? "int64" : "float32";
            actual.add(e.getKey() + " " + dtype + " " + dims);
        }
        assertEquals(expected, actual);
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void outputShapeAt224(Architecture arch) {
        try (NDManager m = manager.newSubManager()) {
            ResNet net = ResNet.create(ResNetConfig.of(arch, 1000)).initialize(m);
            NDArray x = m.randomNormal(new Shape(1, 3, 224, 224));
            NDArray features = net.forwardFeatures(x, false);
            assertEquals(new Shape(1, arch.blockType() == BlockType.BASIC ? 512 : 2048), features.getShape());
            NDArray logits = net.forwardHead(features, false);
            assertEquals(new Shape(1, 1000), logits.getShape());
            assertEquals(new Shape(1, 1000), net.outputShape(new Shape(1, 3, 224, 224)));
            assertFalse(Float.isNaN(logits.sum().getFloat()));
        }
    }

    @Test
    void smallStemAt28x28() {
        ResNetConfig cfg = ResNetConfig.of(Architecture.RESNET50, 5).withWidth(16).withStem(Stem.SMALL);
        try (NDManager m = manager.newSubManager()) {
            ResNet net = ResNet.create(cfg).initialize(m);
            assertEquals(1_481_621, net.parameterCount(), "the demo's source network (width 16, small stem, 5 classes)");
            assertEquals(new Shape(16, 3, 3, 3), net.stateDict().get("conv1.weight").getShape());
            NDArray out = net.forward(m.randomNormal(new Shape(2, 3, 28, 28)), false);
            assertEquals(new Shape(2, 5), out.getShape());
            // layer4 of the small stem sees 28 / 8 = 4 (rounded up) pixels
            List<StageSummary> rows = net.describe(new Shape(3, 28, 28));
            assertEquals(List.of(512, 4, 4), rows.get(4).outputShape());
            assertEquals(65.7e6, net.macs(new Shape(1, 3, 28, 28)), 0.05e6);
        }
    }

    @Test
    void widthScalesEveryStage() {
        ResNet net = ResNet.create(ResNetConfig.of(Architecture.RESNET18, 10).withWidth(8));
        Map<String, Parameter> sd = net.stateDict();
        assertEquals(new Shape(8, 3, 7, 7), sd.get("conv1.weight").getShape());
        assertEquals(new Shape(64, 32, 1, 1), sd.get("layer4.0.downsample.0.weight").getShape());
        assertEquals(new Shape(10, 64), sd.get("fc.weight").getShape());
        assertEquals(64, net.config().featureDim());
    }

    @Test
    void downsampleExactlyWhereShapeChanges() {
        ResNet r18 = ResNet.create(ResNetConfig.of(Architecture.RESNET18, 1000));
        ResNet r50 = ResNet.create(ResNetConfig.of(Architecture.RESNET50, 1000));
        // BasicBlock: layer1 keeps 64 channels at stride 1, so no projection; Bottleneck expands to 256.
        assertFalse(r18.stateDict().containsKey("layer1.0.downsample.0.weight"));
        assertTrue(r50.stateDict().containsKey("layer1.0.downsample.0.weight"));
        assertTrue(r18.stateDict().containsKey("layer2.0.downsample.1.running_var"));
        assertFalse(r50.stateDict().containsKey("layer2.1.downsample.0.weight"));
        // the Bottleneck's stride sits on its 3x3 conv (torchvision v1.5)
        Bottleneck b = (Bottleneck) r50.stages().get(1).modules().get(0);
        assertEquals("1x1, 128; 3x3, 128; 1x1, 512", b.notation());
    }

    @Test
    void backwardGivesEveryTrainableParameterAGradient() {
        for (Architecture arch : List.of(Architecture.RESNET18, Architecture.RESNET50)) {
            try (NDManager m = manager.newSubManager()) {
                ResNet net = ResNet.create(ResNetConfig.of(arch, 4).withWidth(8).withDropout(0.2f)).initialize(m);
                NDArray x = m.randomNormal(new Shape(4, 3, 64, 64));
                NDArray y = m.create(new int[] {0, 1, 2, 3});
                try (GradientCollector gc = Engine.getEngine(Engines.ENGINE).newGradientCollector()) {
                    NDArray logits = net.forward(x, true);
                    NDArray loss = logits.logSoftmax(1).mul(y.oneHot(4)).sum().neg().div(4);
                    gc.backward(loss);
                }
                int checked = 0;
                for (Map.Entry<String, Parameter> e : net.stateDict().entrySet()) {
                    Parameter p = e.getValue();
                    if (!Module.isTrainableType(p.getType())) {
                        assertFalse(p.requiresGradient(), e.getKey());
                        continue;
                    }
                    NDArray g = p.getArray().getGradient();
                    assertTrue(g.abs().sum().getFloat() > 0, "zero gradient for " + e.getKey());
                    checked++;
                }
                assertEquals(arch == Architecture.RESNET18 ? 62 : 161, checked);
            }
        }
    }

    @Test
    void frozenBatchNormKeepsStatisticsWhileUnfrozenOnesChange() {
        try (NDManager m = manager.newSubManager()) {
            ResNet net = ResNet.create(ResNetConfig.of(Architecture.RESNET18, 3).withWidth(8)).initialize(m);
            List<BatchNorm2d> layer1 = ResNet.batchNormsOf(net.stages().get(0));
            layer1.forEach(bn -> bn.setFrozen(true));
            Map<String, Parameter> sd = net.stateDict();
            float[] frozenMean = sd.get("layer1.0.bn1.running_mean").getArray().toFloatArray();
            float[] frozenVar = sd.get("layer1.1.bn2.running_var").getArray().toFloatArray();
            float[] liveMean = sd.get("layer2.0.bn1.running_mean").getArray().toFloatArray();
            float[] stemVar = sd.get("bn1.running_var").getArray().toFloatArray();
            try (GradientCollector gc = Engine.getEngine(Engines.ENGINE).newGradientCollector()) {
                NDArray loss = net.forward(m.randomNormal(new Shape(4, 3, 32, 32)).add(1), true).sum();
                gc.backward(loss);
            }
            assertArrayEquals(frozenMean, sd.get("layer1.0.bn1.running_mean").getArray().toFloatArray());
            assertArrayEquals(frozenVar, sd.get("layer1.1.bn2.running_var").getArray().toFloatArray());
            assertEquals(0L, sd.get("layer1.0.bn1.num_batches_tracked").getArray().getLong());
            assertNotEqualsArray(liveMean, sd.get("layer2.0.bn1.running_mean").getArray().toFloatArray());
            assertNotEqualsArray(stemVar, sd.get("bn1.running_var").getArray().toFloatArray());
            assertEquals(1L, sd.get("bn1.num_batches_tracked").getArray().getLong());
            // a frozen BN still passes gradients to its affine parameters
            assertTrue(sd.get("layer1.0.bn1.weight").getArray().getGradient().abs().sum().getFloat() > 0);
        }
    }

    @Test
    void unbiasedRunningVarianceWithTorchMomentum() {
        try (NDManager m = manager.newSubManager()) {
            BatchNorm2d bn = new BatchNorm2d(1, false);
            bn.initialize(m, DataType.FLOAT32, new Shape(4, 1, 1, 1));
            NDArray x = m.create(new float[] {1, 2, 3, 6}, new Shape(4, 1, 1, 1));
            bn.forward(new ai.djl.training.ParameterStore(), new ai.djl.ndarray.NDList(x), true);
            Map<String, Parameter> sd = new java.util.LinkedHashMap<>();
            bn.collectState("", sd);
            // mean 3, unbiased variance 14/3; new = 0.9 * old + 0.1 * batch
            assertEquals(0.3f, sd.get("running_mean").getArray().getFloat(), 1e-6);
            assertEquals(0.9f + 0.1f * 14f / 3f, sd.get("running_var").getArray().getFloat(), 1e-6);
        }
    }

    @Test
    void resetClassifierReplacesOnlyTheHead() {
        try (NDManager m = manager.newSubManager()) {
            ResNet net = ResNet.create(ResNetConfig.of(Architecture.RESNET18, 1000).withWidth(8)).initialize(m);
            float[] conv = net.stateDict().get("layer3.1.conv2.weight").getArray().toFloatArray();
            net.resetClassifier(7);
            assertEquals(7, net.config().numClasses());
            assertEquals(new Shape(7, 64), net.stateDict().get("fc.weight").getShape());
            assertEquals("fc.bias", new ArrayList<>(net.stateDict().keySet()).get(net.stateDict().size() - 1));
            assertArrayEquals(conv, net.stateDict().get("layer3.1.conv2.weight").getArray().toFloatArray());
            assertEquals(new Shape(2, 7), net.forward(m.randomNormal(new Shape(2, 3, 32, 32)), false).getShape());
        }
    }

    @Test
    void zeroInitResidualZeroesTheLastBnOfEachBranch() {
        try (NDManager m = manager.newSubManager()) {
            ResNet net = ResNet.create(ResNetConfig.of(Architecture.RESNET50, 10).withWidth(8).withZeroInitResidual(true))
                    .initialize(m);
            Map<String, Parameter> sd = net.stateDict();
            assertEquals(0f, sd.get("layer2.3.bn3.weight").getArray().abs().sum().getFloat());
            assertEquals(16f, sd.get("layer2.3.bn2.weight").getArray().sum().getFloat());
            assertEquals(64f, sd.get("layer2.0.downsample.1.weight").getArray().sum().getFloat());
        }
    }

    @Test
    void torchvisionInitialisationStatistics() {
        try (NDManager m = manager.newSubManager()) {
            ResNet net = ResNet.create(ResNetConfig.of(Architecture.RESNET50, 1000)).initialize(m);
            NDArray w = net.stateDict().get("layer4.0.conv2.weight").getArray();
            // kaiming normal, fan_out = 512 * 3 * 3
            assertEquals(Math.sqrt(2.0 / (512 * 9)), std(w), 0.01 * Math.sqrt(2.0 / (512 * 9)));
            NDArray fcw = net.stateDict().get("fc.weight").getArray();
            double bound = 1 / Math.sqrt(2048);
            assertTrue(fcw.abs().max().getFloat() <= bound);
            assertEquals(bound / Math.sqrt(3), std(fcw), 0.01 * bound);
        }
    }

    @Test
    void parsesArchitectureNamesAndRejectsUnknownOnes() {
        assertEquals(Architecture.RESNET50, Architecture.parse("ResNet-50"));
        assertEquals(Architecture.RESNET101, Architecture.parse("resnet101"));
        assertEquals(Architecture.RESNET18, Architecture.parse("18"));
        InputException e = assertThrows(InputException.class, () -> Architecture.parse("resnet42"));
        assertTrue(e.getMessage().contains("resnet42") && e.getMessage().contains("resnet152"), e.getMessage());
        assertThrows(InputException.class, () -> ResNetConfig.of(Architecture.RESNET18, 0));
    }

    private static double std(NDArray a) {
        float[] v = a.toFloatArray();
        double mean = 0;
        for (float f : v) {
            mean += f;
        }
        mean /= v.length;
        double var = 0;
        for (float f : v) {
            var += (f - mean) * (f - mean);
        }
        return Math.sqrt(var / v.length);
    }

    private static void assertNotEqualsArray(float[] a, float[] b) {
        assertFalse(java.util.Arrays.equals(a, b), "expected the statistics to change");
    }

    private static String joinDims(Shape s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.dimension(); i++) {
            if (i > 0) {
                sb.append('x');
            }
            sb.append(s.get(i));
        }
        return sb.toString();
    }

    static List<String> resourceLines(String path) throws IOException {
        try (InputStream in = ResNetTest.class.getResourceAsStream(path)) {
            assertNotEquals(null, in, "missing test resource " + path);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }
}
