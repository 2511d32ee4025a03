package dev.ferry.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The inference plan is the network's one folded description: its steps, names and shapes are
 * derived from the modules without allocating anything, and folding is the BatchNorm arithmetic
 * worked by hand here.
 */
class InferencePlanTest {

    @Test
    void resnet50PlanListsEveryConvolutionOnceWithTorchvisionNames() {
        InferencePlan plan = InferencePlan.of(ResNetConfig.of(Architecture.RESNET50, 1000));
        // 1 stem + 16 bottlenecks x 3 + 4 projections = 53 convolutions, as in torchvision's resnet50.
        assertEquals(53, plan.convs().size());
        assertEquals(16, plan.blocks().size());
        assertEquals(4, plan.blocks().stream().filter(b -> !b.identity()).count());
        assertTrue(plan.maxPool());
        assertEquals(new InferencePlan.Conv("conv1", "bn1", 3, 64, 7, 2, 3, true), plan.stem());
        InferencePlan.Block first = plan.blocks().get(0);
        assertEquals(List.of(
                new InferencePlan.Conv("layer1.0.conv1", "layer1.0.bn1", 64, 64, 1, 1, 0, true),
                new InferencePlan.Conv("layer1.0.conv2", "layer1.0.bn2", 64, 64, 3, 1, 1, true),
                new InferencePlan.Conv("layer1.0.conv3", "layer1.0.bn3", 64, 256, 1, 1, 0, false)), first.branch());
        assertEquals(new InferencePlan.Conv("layer1.0.downsample.0", "layer1.0.downsample.1", 64, 256, 1, 1, 0, false),
                first.shortcut());
        // The stride sits on the 3x3 of the first block of layers 2-4 (torchvision's v1.5) and on its projection.
        InferencePlan.Block layer2 = plan.blocks().get(3);
        assertEquals("layer2.0.conv2", layer2.branch().get(1).conv());
        assertEquals(2, layer2.branch().get(1).stride());
        assertEquals(1, layer2.branch().get(0).stride());
        assertEquals(2, layer2.shortcut().stride());
        assertNull(plan.blocks().get(4).shortcut(), "layer2.1 adds its input unchanged");
        assertEquals(new InferencePlan.Head("fc", 2048, 1000), plan.head());

        // Every state_dict key but the BN counters is read by exactly one step.
        Set<String> read = new TreeSet<>();
        for (InferencePlan.Conv c : plan.convs()) {
            for (String k : List.of(c.conv() + ".weight", c.bn() + ".weight", c.bn() + ".bias", c.bn() + ".running_mean",
                    c.bn() + ".running_var")) {
                assertTrue(read.add(k), "read twice: " + k);
            }
        }
        read.add("fc.weight");
        read.add("fc.bias");
        Set<String> keys = new TreeSet<>(ResNet.create(ResNetConfig.of(Architecture.RESNET50, 1000)).stateDict().keySet());
        keys.removeIf(k -> k.endsWith(".num_batches_tracked"));
        assertEquals(keys, read);
    }

    @Test
    void basicBlocksAndTheSmallStem() {
        InferencePlan plan = InferencePlan.of(new ResNetConfig(Architecture.RESNET18, 10, 16, Stem.SMALL, 0f, false));
        assertFalse(plan.maxPool());
        assertEquals(new InferencePlan.Conv("conv1", "bn1", 3, 16, 3, 1, 1, true), plan.stem());
        // 1 + 8 x 2 + 3 projections (layer1 keeps 16 channels at stride 1).
        assertEquals(20, plan.convs().size());
        assertTrue(plan.blocks().get(0).identity());
        assertEquals(List.of(true, false), plan.blocks().get(0).branch().stream().map(InferencePlan.Conv::relu).toList());
        assertEquals(new InferencePlan.Head("fc", 128, 10), plan.head());
    }

    @Test
    void foldingIsTheBatchNormArithmetic() {
        // One 1x1 convolution, two output channels, two inputs: W = [[1, 2], [3, -4]].
        InferencePlan.Conv c = new InferencePlan.Conv("c", "b", 2, 2, 1, 1, 0, false);
        Map<String, float[]> v = new HashMap<>();
        v.put("c.weight", new float[] {1, 2, 3, -4});
        v.put("b.weight", new float[] {2, 0.5f});
        v.put("b.bias", new float[] {1, -1});
        v.put("b.running_mean", new float[] {0.5f, -2});
        v.put("b.running_var", new float[] {4 - BatchNorm2d.EPS, 0.25f - BatchNorm2d.EPS});
        InferencePlan.Folded f = c.fold(v::get);
        // s = gamma / sqrt(var + eps) = (1, 1); bias = beta - mean * s = (0.5, 1).
        assertArrayEquals(new float[] {1, 2, 3, -4}, f.weight(), 1e-6f);
        assertArrayEquals(new float[] {0.5f, 1}, f.bias(), 1e-6f);
        v.put("b.weight", new float[] {4, 1.5f});
        f = c.fold(v::get);
        // s = (2, 3): rows scaled, bias = (1 - 0.5 * 2, -1 + 2 * 3).
        assertArrayEquals(new float[] {2, 4, 9, -12}, f.weight(), 1e-5f);
        assertArrayEquals(new float[] {0, 5}, f.bias(), 1e-5f);
        assertArrayEquals(new float[] {1, 2, 3, -4}, v.get("c.weight"), "the caller's values are not modified");

        v.remove("b.running_var");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.fold(v::get));
        assertEquals("b.running_var: expected 2 values, got none", e.getMessage());
        v.put("b.running_var", new float[] {1, 1, 1});
        e = assertThrows(IllegalArgumentException.class, () -> c.fold(v::get));
        assertEquals("b.running_var: expected 2 values, got 3", e.getMessage());
    }

    @Test
    void theEngineReleasesHostWeightsOnceItHoldsItsOwnCopy() {
        ResNet structure = ResNet.create(new ResNetConfig(Architecture.RESNET18, 3, 8, Stem.SMALL, 0f, false));
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        Map<String, float[]> values = new HashMap<>();
        structure.stateDict().forEach((k, p) -> {
            long n = p.getShape().size();
            float[] v = new float[(int) n];
            for (int i = 0; i < v.length; i++) {
                v[i] = k.endsWith("running_var") ? 1f : (float) r.nextDouble(-0.1, 0.1);
            }
            values.put(k, v);
        });
        HostValues host = new HostValues(values::get);
        try (OrtResNet net = OrtResNet.of(InferencePlan.of(structure), host, 1, false)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> host.apply("conv1.weight"));
            assertEquals("the host weights were released", e.getMessage());
            float[] logits = net.forward(new float[2 * 3 * 16 * 16], 2, 16, 16);
            assertEquals(2 * 3, logits.length);
            assertArrayEquals(java.util.Arrays.copyOfRange(logits, 0, 3), java.util.Arrays.copyOfRange(logits, 3, 6),
                    "two equal images, equal logits");
        }
        // Plain functions are the caller's to keep: the engine leaves them alone.
        Map<String, float[]> kept = new HashMap<>(values);
        try (OrtResNet net = OrtResNet.of(InferencePlan.of(structure), kept::get, 1, false)) {
            assertEquals(values.size(), kept.size());
        }
    }
}
