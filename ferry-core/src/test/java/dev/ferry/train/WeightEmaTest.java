package dev.ferry.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.ferry.model.ResNet;
import dev.ferry.platform.Engines;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class WeightEmaTest {
    private static NDManager manager;

    @BeforeAll
    static void start() {
        manager = Engines.newManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    @Test
    void threeUpdatesFollowTheHandFormula() {
        try (NDManager m = manager.newSubManager(); WeightEma ema = new WeightEma(0.9, m)) {
            NDArray w = m.create(new float[] {1, 2});
            Map<String, NDArray> live = Map.of("w", w);
            ema.track(live);
            // d 0.5:  0.5 * [1, 2] + 0.5 * [3, 4]       = [2, 3]
            // d 0.9:  0.9 * [2, 3] + 0.1 * [5, 0]       = [2.3, 2.7]
            // d 0.8:  0.8 * [2.3, 2.7] + 0.2 * [1, 1]   = [2.04, 2.36]
            m.create(new float[] {3, 4}).copyTo(w);
            ema.updateWithDecay(live, 0.5);
            assertArrayEquals(new float[] {2, 3}, ema.arrays().get("w").toFloatArray(), 1e-6f);
            m.create(new float[] {5, 0}).copyTo(w);
            ema.updateWithDecay(live, 0.9);
            m.create(new float[] {1, 1}).copyTo(w);
            ema.updateWithDecay(live, 0.8);
            assertArrayEquals(new float[] {2.04f, 2.36f}, ema.arrays().get("w").toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {1, 1}, w.toFloatArray(), "the live weights are read, never written");

            // The warmed-up update: update t = 0 decays by min(0.9, 1/10) = 0.1:
            // 0.1 * [2.04, 2.36] + 0.9 * [1, 1] = [1.104, 1.136]
            ema.update(live, 0);
            assertArrayEquals(new float[] {1.104f, 1.136f}, ema.arrays().get("w").toFloatArray(), 1e-6f);

            ema.swap(live);
            assertArrayEquals(new float[] {1.104f, 1.136f}, w.toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {1, 1}, ema.arrays().get("w").toFloatArray(), "the average now holds the trained weights");
            ema.swap(live);
            assertArrayEquals(new float[] {1, 1}, w.toFloatArray());
        }
    }

    @Test
    void decayComesFromTheHorizonAndWarmsUp() {
        // 30 epochs x 3 steps, horizon 0.1: h = 9 steps, d = 1 - 1/9.
        assertEquals(1 - 1 / 9.0, WeightEma.decayFor(0.1, 90), 1e-12);
        assertEquals(0, WeightEma.decayFor(0.1, 5), 1e-12, "a horizon under one step averages nothing");
        // min(d, (1 + t) / (10 + t)): 1/10, 2/11, 9/18, then d.
        assertEquals(0.1, WeightEma.warmedUp(0.99, 0), 1e-12);
        assertEquals(2 / 11.0, WeightEma.warmedUp(0.99, 1), 1e-12);
        assertEquals(0.5, WeightEma.warmedUp(0.99, 8), 1e-12);
        assertEquals(101 / 110.0, WeightEma.warmedUp(0.99, 100), 1e-12);
        assertEquals(0.9, WeightEma.warmedUp(0.9, 100), 1e-12);
    }

    @Test
    void batchNormStatisticsOfTrainingLayersAreAveragedAndFrozenLayersLeftOut() {
        try (NDManager m = manager.newSubManager()) {
            ResNet net = TrainerTest.tinyNet(m, 3);
            // Stem, layer1 and layer2 frozen; layer3, layer4 and the head train.
            Trainer.configure(net, new Phase(3, 1, 1, 1, false));
            Map<String, NDArray> live = WeightEma.trainable(net);
            String mean = "layer3.0.bn1.running_mean";
            assertTrue(live.containsKey(mean) && live.containsKey("layer3.0.bn1.running_var"));
            assertTrue(live.containsKey("layer4.1.conv2.weight") && live.containsKey("fc.bias"));
            assertFalse(live.containsKey("conv1.weight") || live.containsKey("bn1.running_mean")
                    || live.containsKey("layer2.1.bn2.running_var") || live.containsKey("layer2.0.conv1.weight"));
            assertFalse(live.keySet().stream().anyMatch(k -> k.endsWith("num_batches_tracked")));

            try (WeightEma ema = new WeightEma(0.5, m)) {
                ema.track(live);
                float[] before = live.get(mean).toFloatArray();
                float[] frozenBefore = net.stateDict().get("layer1.0.bn1.running_mean").getArray().toFloatArray();
                // A training-mode forward pass moves the running statistics of the layers that train.
                NDArray x = m.randomNormal(new Shape(4, 3, 16, 16)).add(1);
                net.forward(x, true);
                float[] after = live.get(mean).toFloatArray();
                assertFalse(java.util.Arrays.equals(before, after), "precondition: the statistics moved");
                assertArrayEquals(frozenBefore, net.stateDict().get("layer1.0.bn1.running_mean").getArray().toFloatArray(),
                        "precondition: frozen statistics stay");
                ema.updateWithDecay(live, 0.5);
                float[] averaged = ema.arrays().get(mean).toFloatArray();
                for (int i = 0; i < before.length; i++) {
                    assertEquals(0.5 * before[i] + 0.5 * after[i], averaged[i], 1e-6, "channel " + i);
                }
            }
        }
    }

    @Test
    void aLaterPhaseAddsItsLayersFromTheirCurrentValues() {
        try (NDManager m = manager.newSubManager(); WeightEma ema = new WeightEma(0.5, m)) {
            NDArray a = m.create(new float[] {1});
            NDArray b = m.create(new float[] {4});
            ema.track(Map.of("a", a));
            m.create(new float[] {3}).copyTo(a);
            ema.updateWithDecay(Map.of("a", a), 0.5);
            Map<String, NDArray> both = new LinkedHashMap<>();
            both.put("a", a);
            both.put("b", b);
            ema.track(both);
            assertArrayEquals(new float[] {2}, ema.arrays().get("a").toFloatArray(), "kept its average");
            assertArrayEquals(new float[] {4}, ema.arrays().get("b").toFloatArray(), "starts at its weights");
        }
    }
}
