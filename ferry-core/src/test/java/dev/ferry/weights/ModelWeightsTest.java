package dev.ferry.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.ferry.platform.Engines;
import dev.ferry.InputException;
import dev.ferry.model.Architecture;
import dev.ferry.model.ResNet;
import dev.ferry.model.ResNetConfig;
import dev.ferry.model.Stem;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelWeightsTest {

    static Path fixture(String name) throws URISyntaxException {
        return Path.of(ModelWeightsTest.class.getResource("/weights/" + name).toURI());
    }

    @Test
    void infersEveryDepthFromTheKeys() throws Exception {
        for (Architecture a : Architecture.values()) {
            // ResNet at width 8 (make_weight_fixtures.py), ResNeXt and Wide ResNet at width 4
            // (make_grouped_fixtures.py): every row of the table, told apart by the file alone.
            boolean plain = a.id().startsWith("resnet");
            Path f = plain ? fixture(a.id() + "_w8.pth") : Fixtures.path("grouped", a.id() + "_w4.pth");
            ResNetConfig c = ModelWeights.inferConfig(WeightsReader.read(f), f);
            assertEquals(a, c.architecture());
            assertEquals(plain ? 8 : 4, c.width());
            assertEquals(Stem.IMAGENET, c.stem());
            assertEquals(10, c.numClasses());
        }
    }

    /** torchvision's V1 ImageNet files have no num_batches_tracked; torch loads them, so must ferry. */
    @Test
    void acceptsFilesWithoutNumBatchesTracked() throws Exception {
        Path f = fixture("resnet18_w8.pth");
        StateDict sd = WeightsReader.read(f);
        Map<String, Tensor> old = new LinkedHashMap<>();
        sd.asMap().forEach((k, t) -> {
            if (!k.endsWith("num_batches_tracked")) {
                old.put(k, t);
            }
        });
        try (NDManager m = Engines.newManager()) {
            ResNet net = ResNet.create(ModelWeights.inferConfig(sd, f)).initialize(m);
            ModelWeights.LoadReport r = ModelWeights.load(net, StateDict.of(old), false, f);
            assertTrue(r.missing().isEmpty(), r.missing().toString());
            assertEquals(old.size(), r.loaded());
        }
    }

    @Test
    void headOfAnotherClassCountIsReplacedOtherMismatchesAreErrors() throws Exception {
        Path f = fixture("resnet18_w8.pth");
        StateDict sd = WeightsReader.read(f);
        try (NDManager m = Engines.newManager()) {
            ResNet seven = ResNet.create(ResNetConfig.of(Architecture.RESNET18, 7).withWidth(8)).initialize(m);
            ModelWeights.LoadReport r = ModelWeights.load(seven, sd, false, f);
            assertTrue(r.headReplaced());
            assertEquals(10, r.fileClasses());
            assertTrue(r.lines().get(1).startsWith("head replaced"), r.lines().toString());
            float[] w = seven.stateDict().get("layer2.0.conv1.weight").getArray().toFloatArray();
            assertEquals(sd.get("layer2.0.conv1.weight").floats()[5], w[5]);

            ResNet wide = ResNet.create(ResNetConfig.of(Architecture.RESNET18, 10).withWidth(16)).initialize(m);
            InputException e = assertThrows(InputException.class, () -> ModelWeights.load(wide, sd, false, f));
            assertTrue(e.getMessage().contains("shape mismatches") && e.getMessage().contains(f.toString()), e.getMessage());
            ModelWeights.LoadReport lenient = ModelWeights.load(wide, sd, true, f);
            // at width 16 every tensor but the scalar counters and fc.bias (10 classes) has another shape
            assertEquals(sd.size(), lenient.loaded() + lenient.mismatched().size());
            assertEquals(21, lenient.loaded(), "the 20 num_batches_tracked scalars and fc.bias fit");

            ResNet r34 = ResNet.create(ResNetConfig.of(Architecture.RESNET34, 10).withWidth(8)).initialize(m);
            InputException missing = assertThrows(InputException.class, () -> ModelWeights.load(r34, sd, false, f));
            assertTrue(missing.getMessage().contains("missing keys"), missing.getMessage());
        }
    }
}
