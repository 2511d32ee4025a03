package dev.ferry.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.ferry.platform.Engines;
import dev.ferry.platform.ConvLayout;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The BN-folded inference network must compute the training network's inference-mode function. */
class FusedResNetTest {
    /** The required bound: logits equal to 1e-5 relative (to the largest logit). */
    private static final double RELATIVE = 1e-5;
    private static NDManager manager;

    @BeforeAll
    static void start() {
        manager = Engines.newManager();
        Engines.seed(11);
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    /**
     * Running statistics and affine parameters far from the initial 0/1, so that folding has real
     * work to do (with mean 0, var 1, gamma 1, beta 0 a wrong fold could still pass).
     */
    static void randomiseBatchNorms(ResNet net, NDManager m) {
        for (Map.Entry<String, Parameter> e : net.stateDict().entrySet()) {
            String k = e.getKey();
            NDArray a = e.getValue().getArray();
            NDArray v = null;
            if (k.endsWith("running_mean")) {
                v = m.randomNormal(0f, 0.3f, a.getShape(), a.getDataType());
            } else if (k.endsWith("running_var")) {
                v = m.randomUniform(0.3f, 2.5f, a.getShape(), a.getDataType());
            } else if (k.contains("bn") || k.contains("downsample.1")) {
                if (k.endsWith(".weight")) {
                    v = m.randomUniform(0.4f, 1.6f, a.getShape(), a.getDataType());
                } else if (k.endsWith(".bias")) {
                    v = m.randomNormal(0f, 0.2f, a.getShape(), a.getDataType());
                }
            }
            if (v != null) {
                a.set(v.toFloatArray());
                v.close();
            }
        }
    }

    private static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        double scale = maxAbs(expected);
        assertTrue(scale > 0, what + ": degenerate reference");
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(expected[i] - actual[i]) / scale;
            assertTrue(err <= RELATIVE, what + ": element " + i + " differs by " + err + " (relative), "
                    + expected[i] + " vs " + actual[i]);
        }
    }

    @ParameterizedTest
    @CsvSource({
        "RESNET18, 8, IMAGENET, 64, 3",
        "RESNET50, 8, SMALL, 32, 3",
        "RESNET34, 16, IMAGENET, 96, 2",
        "RESNET50, 64, IMAGENET, 224, 2"
    })
    void foldedLogitsEqualInferenceModeLogits(Architecture arch, int width, Stem stem, int side, int batch) {
        try (NDManager m = manager.newSubManager()) {
            ResNet net = ResNet.create(ResNetConfig.of(arch, 10).withWidth(width).withStem(stem)).initialize(m);
            randomiseBatchNorms(net, m);
            NDArray x = m.randomNormal(new Shape(batch, 3, side, side));
            float[] reference = net.forward(x, false).toFloatArray();
            float[] referenceFeatures = net.forwardFeatures(x, false).toFloatArray();
            for (ConvLayout layout : ConvLayout.values()) {
                try (FusedResNet fused = FusedResNet.of(net, m, layout)) {
                    assertEquals(layout, fused.layout());
                    String what = arch + " " + layout.id();
                    assertClose(reference, fused.forward(x).toFloatArray(), what + " logits");
                    assertClose(referenceFeatures, fused.forwardFeatures(x).toFloatArray(), what + " features");
                }
            }
            float[] pixels = x.toFloatArray();
            try (OrtResNet ort = OrtResNet.of(net, 2)) {
                assertClose(reference, ort.forward(pixels, batch, side, side), arch + " ONNX Runtime logits");
                assertClose(referenceFeatures, ort.forwardFeatures(pixels, batch, side, side), arch + " ONNX Runtime features");
            }
            for (InferenceNetwork.Engine engine : InferenceNetwork.Engine.values()) {
                try (InferenceNetwork inference = InferenceNetwork.of(net, m, engine)) {
                    assertClose(reference, inference.forward(pixels, batch, side, side), arch + " " + engine + " host arrays");
                }
            }
        }
    }

    @Test
    void theCopyIsASnapshotAndLeavesTheSourceAndInputUntouched() {
        try (NDManager m = manager.newSubManager()) {
            ResNet net = ResNet.create(ResNetConfig.of(Architecture.RESNET18, 4).withWidth(8)).initialize(m);
            randomiseBatchNorms(net, m);
            NDArray x = m.randomNormal(new Shape(2, 3, 64, 64));
            float[] input = x.toFloatArray();
            float[] before = net.forward(x, false).toFloatArray();
            float[] fc = net.stateDict().get("fc.weight").getArray().toFloatArray();
            try (FusedResNet fused = FusedResNet.of(net, m)) {
                float[] folded = fused.forward(x).toFloatArray();
                // Changing the source afterwards does not reach the copy.
                NDArray w = net.stateDict().get("fc.weight").getArray();
                w.set(new float[fc.length]);
                assertArrayEquals(folded, fused.forward(x).toFloatArray());
                w.set(fc);
            }
            assertArrayEquals(input, x.toFloatArray(), "the input is not modified or closed");
            assertArrayEquals(before, net.forward(x, false).toFloatArray(), "the source network is unchanged");
        }
    }

    @Test
    void exportFromStateDictValuesEqualsExportFromTheLiveNetwork() {
        try (NDManager m = manager.newSubManager()) {
            ResNet net = ResNet.create(ResNetConfig.of(Architecture.RESNET18, 4).withWidth(8)).initialize(m);
            randomiseBatchNorms(net, m);
            Map<String, float[]> values = new java.util.HashMap<>();
            net.stateDict().forEach((k, p) -> {
                if (!k.endsWith("num_batches_tracked")) {
                    values.put(k, p.getArray().toFloatArray());
                }
            });
            float[] conv1 = values.get("conv1.weight").clone();
            // The structure alone (never initialised) plus host values: the weights-file path.
            ResNet structure = ResNet.create(ResNetConfig.of(Architecture.RESNET18, 4).withWidth(8));
            assertArrayEquals(OnnxExport.export(net), OnnxExport.export(InferencePlan.of(structure), values::get));
            assertArrayEquals(conv1, values.get("conv1.weight"), "exporting does not modify the caller's values");
            values.remove("layer2.0.bn1.running_var");
            IllegalArgumentException missing = org.junit.jupiter.api.Assertions.assertThrows(
                    IllegalArgumentException.class, () -> OnnxExport.export(InferencePlan.of(structure), values::get));
            assertTrue(missing.getMessage().contains("layer2.0.bn1.running_var"), missing.getMessage());
        }
    }

    @Test
    void onnxRuntimeAcceptsAnyBatchAndImageSize() {
        try (NDManager m = manager.newSubManager()) {
            ResNet net = ResNet.create(ResNetConfig.of(Architecture.RESNET18, 5).withWidth(8)).initialize(m);
            try (OrtResNet ort = OrtResNet.of(net, 1)) {
                // 19 images: more than one run's worth (OrtResNet.CHUNK), split 8 + 8 + 3.
                for (int[] nhw : new int[][] {{1, 64, 64}, {3, 48, 80}, {19, 32, 32}}) {
                    NDArray x = m.randomNormal(new Shape(nhw[0], 3, nhw[1], nhw[2]));
                    float[] expected = net.forward(x, false).toFloatArray();
                    assertClose(expected, ort.forward(x.toFloatArray(), nhw[0], nhw[1], nhw[2]), "batch " + nhw[0]);
                    assertEquals(nhw[0] * 64, ort.forwardFeatures(x.toFloatArray(), nhw[0], nhw[1], nhw[2]).length);
                }
            }
        }
    }

    @Test
    void closingFreesTheFoldedWeights() {
        try (NDManager m = manager.newSubManager()) {
            ResNet net = ResNet.create(ResNetConfig.of(Architecture.RESNET18, 4).withWidth(8)).initialize(m);
            int before = m.getManagedArrays().size();
            FusedResNet fused = FusedResNet.of(net, m);
            assertTrue(m.getManagedArrays().size() > before);
            fused.close();
            assertEquals(before, m.getManagedArrays().size());
        }
    }

    @Test
    void channelsLastCopyHasTheSameValues() {
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.randomNormal(new Shape(2, 5, 3, 4));
            NDArray cl = ConvLayout.channelsLastCopy(x);
            assertEquals(x.getShape(), cl.getShape());
            assertArrayEquals(x.toFloatArray(), cl.toFloatArray());
            assertArrayEquals(x.get("1, 4, 2").toFloatArray(), cl.get("1, 4, 2").toFloatArray());
        }
    }
}
