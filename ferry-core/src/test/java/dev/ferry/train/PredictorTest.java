package dev.ferry.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.ferry.data.BadImage;
import dev.ferry.data.EvalTransform;
import dev.ferry.data.ImageDecoder;
import dev.ferry.data.Preset;
import dev.ferry.model.Architecture;
import dev.ferry.model.InferenceNetwork;
import dev.ferry.model.InferencePlan;
import dev.ferry.model.ResNet;
import dev.ferry.model.ResNetConfig;
import dev.ferry.model.Stem;
import dev.ferry.platform.Engines;
import dev.ferry.weights.ModelWeights;
import dev.ferry.weights.StateDict;
import dev.ferry.weights.Tensor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PredictorTest {

    @Test
    void topKIsByDecreasingProbabilityWithTiesInIndexOrder() {
        float[] p = {0.1f, 0.3f, 0.05f, 0.3f, 0.25f};
        List<String> labels = List.of("a", "b", "c", "d", "e");
        assertEquals(List.of(new Predictor.Top(1, "b", 0.3f), new Predictor.Top(3, "d", 0.3f), new Predictor.Top(4, "e", 0.25f)),
                Predictor.top(p, 3, labels));
        assertEquals(5, Predictor.top(p, 9, labels).size());
        assertEquals(2, Predictor.top(p, 9, labels).get(4).index());
    }

    @Test
    void inputsExpandFoldersRecursivelyInCodePointOrder(@TempDir Path dir) throws IOException {
        Path root = Files.createDirectories(dir.resolve("in"));
        Files.createDirectories(root.resolve("sub/deep"));
        for (String name : new String[] {"b.jpg", "a.PNG", "Z.png", "sub/deep/x.gif", "sub/c.bmp", "sub/readme.txt", "é.png"}) {
            Files.write(root.resolve(name), new byte[] {1});
        }
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Files.write(empty.resolve("notes.txt"), new byte[] {1});
        Path loose = dir.resolve("loose.dat");
        Files.write(loose, new byte[] {1});
        Path missing = dir.resolve("missing.png");

        Predictor.Inputs in = Predictor.collect(List.of(loose, root, missing, empty));

        assertEquals(List.of(loose, root.resolve("Z.png"), root.resolve("a.PNG"), root.resolve("b.jpg"),
                root.resolve("sub/c.bmp"), root.resolve("sub/deep/x.gif"), root.resolve("é.png")), in.images(),
                "a file given by name is taken whatever its extension; folders yield image extensions only");
        assertEquals(2, in.problems().size());
        assertEquals(missing, in.problems().get(0).path());
        assertEquals(BadImage.Kind.UNREADABLE, in.problems().get(0).kind());
        assertEquals(empty, in.problems().get(1).path());
        assertTrue(in.problems().get(1).reason().startsWith("folder holds no image files"), in.problems().get(1).reason());
    }

    /** One call of the sink: a prediction or a failure, in the order the sink saw them. */
    private record Event(Path image, Predictor.Prediction prediction, BadImage failure) {}

    /** A sink that records what it receives. */
    private static final class Recorder implements Predictor.Sink {
        final List<Event> events = new ArrayList<>();

        @Override
        public void predicted(Predictor.Prediction p) {
            events.add(new Event(p.image(), p, null));
        }

        @Override
        public void failed(BadImage bad) {
            events.add(new Event(bad.path(), null, bad));
        }

        List<Predictor.Prediction> predictions() {
            return events.stream().filter(e -> e.prediction() != null).map(Event::prediction).toList();
        }

        List<BadImage> failures() {
            return events.stream().filter(e -> e.failure() != null).map(Event::failure).toList();
        }
    }

    @Test
    void predictionsAreTheSoftmaxOfTheNetworksLogitsInInputOrder(@TempDir Path dir) throws IOException {
        List<String> labels = List.of("checker", "horizontal", "vertical");
        Preset preset = Preset.small(32, 0.5f, 0.25f);
        // Seven inputs: five PNGs (one larger than the crop, so that it is cropped) and two that
        // cannot be decoded, a ".png" holding text and an empty one, between them.
        SplittableRandom r = new SplittableRandom(3);
        List<Path> images = new ArrayList<>();
        List<Path> good = new ArrayList<>();
        List<Path> bad = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            Path p = dir.resolve(String.format("img%d.png", i));
            if (i == 1) {
                Files.writeString(p, "not a png", StandardCharsets.UTF_8);
                bad.add(p);
            } else if (i == 4) {
                Files.write(p, new byte[0]);
                bad.add(p);
            } else {
                BufferedImage img = TinyTask.pattern(i % 3, r);
                if (i == 5) {
                    BufferedImage big = new BufferedImage(40, 36, BufferedImage.TYPE_INT_RGB);
                    big.getGraphics().drawImage(img, 0, 0, 40, 36, null);
                    img = big;
                }
                ImageIO.write(img, "png", p.toFile());
                good.add(p);
            }
            images.add(p);
        }

        try (NDManager manager = Engines.newManager()) {
            Engines.seed(17);
            ResNet net = ResNet.create(new ResNetConfig(Architecture.RESNET18, 3, 4, Stem.SMALL, 0f, false)).initialize(manager);
            // BatchNorm statistics and affine parameters away from their initial 0 and 1, so that
            // inference mode (running statistics) differs from training mode (batch statistics)
            // and folding BatchNorm into the convolutions is not a no-op.
            Map<String, Tensor> perturbed = new LinkedHashMap<>();
            SplittableRandom w = new SplittableRandom(5);
            ModelWeights.export(net).forEach((k, t) -> {
                boolean bn = k.endsWith(".running_mean") || k.endsWith(".running_var")
                        || (k.contains("bn") || k.contains("downsample.1")) && (k.endsWith(".weight") || k.endsWith(".bias"));
                if (!bn || !t.isFloating()) {
                    perturbed.put(k, t);
                    return;
                }
                float[] v = new float[t.numel()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (k.endsWith(".running_var") || k.endsWith(".weight") ? w.nextDouble(0.5, 1.5) : w.nextDouble(-0.3, 0.3));
                }
                perturbed.put(k, Tensor.ofFloats(t.shape(), v));
            });
            ModelWeights.load(net, StateDict.of(perturbed), false, dir.resolve("perturbed"));

            // The reference: each readable image decoded and transformed on its own, one forward
            // pass in inference mode, and the softmax of its logits in double precision.
            EvalTransform transform = new EvalTransform(preset);
            Map<Path, double[]> expected = new LinkedHashMap<>();
            for (Path p : good) {
                float[] x = transform.apply(ImageDecoder.decode(p));
                assertEquals(3 * 32 * 32, x.length);
                try (NDManager scope = manager.newSubManager()) {
                    NDArray logits = net.forward(scope.create(x, new Shape(1, 3, 32, 32)), false);
                    expected.put(p, softmax(logits.toFloatArray()));
                }
            }

            Recorder oneBatch = new Recorder();
            Recorder batches = new Recorder();
            Recorder single = new Recorder();
            Recorder top2 = new Recorder();
            // The network as prediction runs it: the weights on the host, folded into the
            // inference engine without a libtorch copy (the reference above ran them on libtorch).
            try (InferenceNetwork folded = InferenceNetwork.of(InferencePlan.of(ResNet.create(net.config())),
                    ModelWeights.values(StateDict.of(perturbed)), 2)) {
                try (Predictor predictor = new Predictor(folded, labels, preset, 16, 2)) {
                    predictor.predict(images, 3, oneBatch);
                    predictor.predict(images, 2, top2);
                }
                try (Predictor predictor = new Predictor(folded, labels, preset, 3, 2)) {
                    predictor.predict(images, 5, batches); // k capped at the 3 classes
                }
                try (Predictor predictor = new Predictor(folded, labels, preset, 1, 3)) {
                    predictor.predict(images, 3, single);
                }
            }

            for (Recorder rec : List.of(oneBatch, batches, single, top2)) {
                // Every input reaches the sink exactly once, predictions and failures interleaved
                // exactly in input order, whatever the batch size (as the sink's contract says).
                assertEquals(images.size(), rec.events.size());
                assertEquals(good, rec.predictions().stream().map(Predictor.Prediction::image).toList());
                assertEquals(bad, rec.failures().stream().map(BadImage::path).toList());
                assertEquals(images, rec.events.stream().map(Event::image).toList());
            }
            assertEquals(List.of(BadImage.Kind.NOT_AN_IMAGE, BadImage.Kind.EMPTY),
                    oneBatch.failures().stream().map(BadImage::kind).toList(), "text in a .png file, then an empty one");

            for (Recorder rec : List.of(oneBatch, batches, single)) {
                for (Predictor.Prediction p : rec.predictions()) {
                    List<Predictor.Top> top = p.top();
                    assertEquals(3, top.size(), p.toString());
                    assertEquals(java.util.Set.of(0, 1, 2), java.util.Set.copyOf(top.stream().map(Predictor.Top::index).toList()));
                    double sum = 0;
                    double[] want = expected.get(p.image());
                    for (int i = 0; i < top.size(); i++) {
                        Predictor.Top t = top.get(i);
                        assertEquals(labels.get(t.index()), t.label(), p.toString());
                        if (i > 0) {
                            assertTrue(top.get(i - 1).probability() >= t.probability(), "not sorted: " + p);
                        }
                        assertEquals(want[t.index()], t.probability(), 1e-5, p.image() + " class " + t.index());
                        sum += t.probability();
                    }
                    assertEquals(1.0, sum, 1e-5, p.toString());
                    // The most probable class is the largest logit's.
                    assertEquals(argmax(want), top.get(0).index(), p.toString());
                }
            }
            // Batches of 3 and of 1 give what one batch gives.
            for (int i = 0; i < good.size(); i++) {
                List<Predictor.Top> a = oneBatch.predictions().get(i).top();
                List<Predictor.Top> b = batches.predictions().get(i).top();
                List<Predictor.Top> c = single.predictions().get(i).top();
                for (int j = 0; j < 3; j++) {
                    assertEquals(a.get(j).index(), b.get(j).index(), good.get(i).toString());
                    assertEquals(a.get(j).index(), c.get(j).index(), good.get(i).toString());
                    assertEquals(a.get(j).probability(), b.get(j).probability(), 1e-5, good.get(i).toString());
                    assertEquals(a.get(j).probability(), c.get(j).probability(), 1e-5, good.get(i).toString());
                }
                // Top-2 is the first two of top-3.
                assertEquals(a.subList(0, 2), top2.predictions().get(i).top());
            }
            // Not vacuous: the images are told apart (their probabilities differ).
            assertEquals(good.size(), expected.values().stream().map(java.util.Arrays::toString).distinct().count(),
                    "every image has its own probabilities");
        }
    }

    private static double[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logits[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    private static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
