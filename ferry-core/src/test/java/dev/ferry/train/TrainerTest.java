package dev.ferry.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.ferry.platform.Engines;
import dev.ferry.model.Architecture;
import dev.ferry.model.ResNet;
import dev.ferry.model.ResNetConfig;
import dev.ferry.model.Stem;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TrainerTest {
    static final int[] SHAPE = {3, 16, 16};
    private static NDManager manager;

    @BeforeAll
    static void start() {
        manager = Engines.newManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    /**
     * Synthetic 3-class images: class 0 a bright horizontal bar, class 1 a vertical bar, class 2 a
     * diagonal, at random positions on noise. Learnable in a few epochs by a tiny ResNet.
     */
    static ArraySource synthetic(int perClass, long seed, boolean augment) {
        int n = perClass * 3;
        int per = SHAPE[0] * SHAPE[1] * SHAPE[2];
        float[] data = new float[n * per];
        int[] labels = new int[n];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            int cls = i % 3;
            labels[i] = cls;
            int pos = r.nextInt(3, 13);
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 16; y++) {
                    for (int x = 0; x < 16; x++) {
                        boolean on = switch (cls) {
                            case 0 -> Math.abs(y - pos) <= 1;
                            case 1 -> Math.abs(x - pos) <= 1;
                            default -> Math.abs(x - y) <= 1;
                        };
                        data[i * per + (c * 16 + y) * 16 + x] = (on ? 1.5f : -0.5f) + (float) (r.nextGaussian() * 0.3);
                    }
                }
            }
        }
        return new ArraySource(data, labels, SHAPE, augment, augment ? 1 : 0);
    }

    static ResNet tinyNet(NDManager m, long seed) {
        Engines.seed(seed);
        return ResNet.create(ResNetConfig.of(Architecture.RESNET18, 3).withWidth(8).withStem(Stem.SMALL)).initialize(m);
    }

    static Map<String, float[]> weights(ResNet net) {
        Map<String, float[]> out = new LinkedHashMap<>();
        net.stateDict().forEach((k, p) -> out.put(k, p.getArray().toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray()));
        return out;
    }

    @Test
    void aNonFiniteValidationLossEndsTheRunBeforeAnythingIsSaved() {
        try (NDManager m = manager.newSubManager()) {
            ResNet net = tinyNet(m, 1);
            ArraySource val = synthetic(2, 2, false);
            // Weights blown up by a diverging step make the validation logits NaN; one NaN pixel does
            // the same deterministically while every training loss stays finite.
            float[] data = new float[val.size() * SHAPE[0] * SHAPE[1] * SHAPE[2]];
            val.load(range(val.size()), false, 0, 0, data);
            data[0] = Float.NaN;
            int[] labels = new int[val.size()];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = val.label(i);
            }
            ArraySource poisoned = new ArraySource(data, labels, SHAPE, false, 0);
            java.util.List<Integer> saved = new java.util.ArrayList<>();
            Checkpointer recording = (n, o, state, best) -> saved.add(state.completedEpochs());
            TrainConfig cfg = TrainConfig.defaults(new Strategy.FineTune(1.0)).withEpochs(2).withBatchSize(16).withLr(0.05);
            dev.ferry.FerryException e = org.junit.jupiter.api.Assertions.assertThrows(dev.ferry.FerryException.class,
                    () -> new Trainer(cfg, null).train(net, synthetic(8, 1, false), poisoned, m, recording, null, null));
            assertTrue(e.getMessage().startsWith("training diverged at epoch 1 (validation loss "), e.getMessage());
            assertTrue(e.getMessage().endsWith("; lower lr (now 0.0500000)"), e.getMessage());
            assertEquals(java.util.List.of(), saved, "no epoch reached the checkpointer");
        }
    }

    private static int[] range(int n) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        return idx;
    }

    @Test
    void fineTuneLearnsTheTask() {
        try (NDManager m = manager.newSubManager()) {
            ResNet net = tinyNet(m, 1);
            // 10 epochs: with 6 the best validation accuracy ranged 0.67-1.0 over seeds 1-7 (the
            // rounding of another 1x1 convolution path alone moved seed 1 below 0.9); with 10 it
            // was 1.0 for seeds 1-8.
            TrainConfig cfg = TrainConfig.defaults(new Strategy.FineTune(1.0)).withEpochs(10).withBatchSize(16).withLr(0.05);
            TrainResult r = new Trainer(cfg, null).train(net, synthetic(24, 1, true), synthetic(10, 2, false), m, Checkpointer.NONE, null, null);
            assertEquals(10, r.history().size());
            assertTrue(r.bestValAccuracy() >= 0.9, "val accuracy " + r.bestValAccuracy());
            double acc = Inference.evaluate(net, synthetic(10, 2, false), 16, m).accuracy();
            assertEquals(r.bestValAccuracy(), acc, 1e-9, "the network ends with the best epoch's weights");
        }
    }

    @Test
    void featureExtractLeavesTheBackboneBitIdenticalAndCachesOncePerImageAndView() {
        try (NDManager m = manager.newSubManager()) {
            ResNet net = tinyNet(m, 3);
            // "pretrain" briefly so the backbone carries information
            new Trainer(TrainConfig.defaults(new Strategy.FineTune(1)).withEpochs(3).withBatchSize(16).withLr(0.05), null)
                    .train(net, synthetic(16, 5, true), null, m, Checkpointer.NONE, null, null);
            net.resetClassifier(3);
            Map<String, float[]> before = weights(net);
            ArraySource train = synthetic(12, 7, true);
            ArraySource val = synthetic(6, 8, false);
            TrainConfig cfg = TrainConfig.defaults(new Strategy.FeatureExtract(3, true)).withEpochs(8).withBatchSize(8);
            TrainResult r = new Trainer(cfg, null).train(net, train, val, m, Checkpointer.NONE, null, null);
            Map<String, float[]> after = weights(net);
            for (String k : before.keySet()) {
                if (k.startsWith("fc.")) {
                    assertNotEquals(before.get(k)[0], after.get(k)[0], k + " should train");
                } else {
                    assertArrayEquals(before.get(k), after.get(k), k + " must not change");
                }
            }
            assertEquals(3L * train.size() + val.size(), r.backboneImages(), "3 views per training image, 1 per validation image");
            assertTrue(r.bestValAccuracy() >= 0.8, "val accuracy " + r.bestValAccuracy());
        }
    }

    @Test
    void seededRunsAreIdentical() {
        float[][] finals = new float[2][];
        for (int run = 0; run < 2; run++) {
            try (NDManager m = manager.newSubManager()) {
                ResNet net = tinyNet(m, 11);
                TrainConfig cfg = TrainConfig.defaults(new Strategy.FineTune(0.5)).withEpochs(2).withBatchSize(8).withSeed(5);
                new Trainer(cfg, null).train(net, synthetic(8, 3, true), synthetic(4, 4, false), m, Checkpointer.NONE, null, null);
                Map<String, float[]> w = weights(net);
                finals[run] = concat(w);
            }
        }
        assertArrayEquals(finals[0], finals[1]);
    }

    @Test
    void unfreezeFromFreezesEarlierStagesIncludingBatchNormStatistics() {
        try (NDManager m = manager.newSubManager()) {
            ResNet net = tinyNet(m, 4);
            Map<String, float[]> before = weights(net);
            TrainConfig cfg = TrainConfig.defaults(new Strategy.UnfreezeFrom(3, 1)).withEpochs(1).withBatchSize(8);
            new Trainer(cfg, null).train(net, synthetic(8, 3, true), null, m, Checkpointer.NONE, null, null);
            Map<String, float[]> after = weights(net);
            for (String k : before.keySet()) {
                boolean frozen = k.startsWith("conv1") || k.startsWith("bn1") || k.startsWith("layer1") || k.startsWith("layer2");
                if (frozen) {
                    assertArrayEquals(before.get(k), after.get(k), k);
                } else if (k.endsWith("running_mean") || k.endsWith(".weight") && k.contains("conv")) {
                    assertTrue(!java.util.Arrays.equals(before.get(k), after.get(k)), k + " should change");
                }
            }
        }
    }

    @Test
    void schedulesFollowTorch() {
        Schedule one = new Schedule(ScheduleKind.ONECYCLE, 100, 0);
        assertEquals(1 / 25.0, one.factor(0), 1e-12);
        assertEquals(1.0, one.factor(29), 1e-12);
        assertEquals(1 / 25.0 / 1e4, one.factor(99), 1e-12);
        Schedule cos = new Schedule(ScheduleKind.COSINE, 10, 2);
        assertEquals(1 / 3.0, cos.factor(0), 1e-12);
        assertEquals(1.0, cos.factor(2), 1e-12);
        assertEquals(0.5, cos.factor(6), 1e-12);
        assertEquals(List.of(1.0, 0.1, 0.01), List.of(
                new Schedule(ScheduleKind.STEP, 9, 0).factor(0),
                new Schedule(ScheduleKind.STEP, 9, 0).factor(3),
                new Schedule(ScheduleKind.STEP, 9, 0).factor(8)).stream().map(d -> Math.round(d * 100) / 100.0).toList());
    }

    @Test
    void labelSmoothedCrossEntropyMatchesHandComputation() {
        try (NDManager m = manager.newSubManager()) {
            var logits = m.create(new float[] {2f, 0f, 0f}, new ai.djl.ndarray.types.Shape(1, 3));
            var y = m.create(new int[] {0});
            double z = Math.log(Math.exp(2) + 2);
            double nll = z - 2;
            double mean = (3 * z - 2) / 3.0;
            assertEquals(nll, Losses.crossEntropy(logits, y, 0).getFloat(), 1e-6);
            assertEquals(0.9 * nll + 0.1 * mean, Losses.crossEntropy(logits, y, 0.1).getFloat(), 1e-6);
        }
    }

    @Test
    void sgdAndAdamWFollowTorchUpdateRules() {
        try (NDManager m = manager.newSubManager()) {
            for (OptimizerKind kind : OptimizerKind.values()) {
                Parameter p = Parameter.builder().setName("w").setType(Parameter.Type.WEIGHT)
                        .optArray(m.create(new float[] {1f, -2f})).build();
                p.getArray().setRequiresGradient(true);
                Optimizer opt = new Optimizer(kind, List.of(new Optimizer.Group(Map.of("w", p), 1, 0.1)), m);
                for (int s = 0; s < 2; s++) {
                    try (var gc = ai.djl.engine.Engine.getEngine(Engines.ENGINE).newGradientCollector()) {
                        gc.backward(p.getArray().mul(p.getArray()).sum().mul(0.5f)); // grad = w
                    }
                    opt.step(0.1);
                }
                float[] w = p.getArray().toFloatArray();
                if (kind == OptimizerKind.SGD) {
                    // g1 = 1.1*w0 -> buf = 1.1 w0; w1 = w0 - 0.11 w0 = 0.89 w0
                    // g2 = 1.1*w1 = 0.979 w0; buf = 0.99 w0 + 0.979 w0 = 1.969 w0; w2 = 0.89 w0 - 0.1969 w0
                    assertEquals(0.6931f, w[0], 1e-5);
                    assertEquals(-2 * 0.6931f, w[1], 1e-5);
                } else {
                    // AdamW by hand: decoupled decay (1 - lr * wd), then bias-corrected moments
                    double w0 = 1, m1 = 0, v1 = 0;
                    for (int t = 1; t <= 2; t++) {
                        double g = w0;
                        w0 *= 1 - 0.1 * 0.1;
                        m1 = 0.9 * m1 + 0.1 * g;
                        v1 = 0.999 * v1 + 0.001 * g * g;
                        double mh = m1 / (1 - Math.pow(0.9, t));
                        double vh = v1 / (1 - Math.pow(0.999, t));
                        w0 -= 0.1 * mh / (Math.sqrt(vh) + 1e-8);
                    }
                    assertEquals(w0, w[0], 1e-6);
                }
            }
        }
    }

    private static float[] concat(Map<String, float[]> w) {
        int n = w.values().stream().mapToInt(a -> a.length).sum();
        float[] out = new float[n];
        int o = 0;
        for (float[] a : w.values()) {
            System.arraycopy(a, 0, out, o, a.length);
            o += a.length;
        }
        return out;
    }
}
