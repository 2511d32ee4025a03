package dev.ferry.workflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.InputException;
import dev.ferry.data.EmbeddingIndex;
import dev.ferry.data.FeatureTable;
import dev.ferry.data.ImageFolder;
import dev.ferry.data.Npy;
import dev.ferry.eval.EpochRecord;
import dev.ferry.model.Architecture;
import dev.ferry.train.Balance;
import dev.ferry.train.ModelDirectory;
import dev.ferry.train.Strategy;
import dev.ferry.train.TinyTask;
import dev.ferry.train.TrainConfig;
import dev.ferry.train.TrainListener;
import dev.ferry.weights.StateDict;
import dev.ferry.weights.WeightsReader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training the head on the features {@link Embed} wrote is training from the folder with the
 * feature-extract strategy: the same split, the same head, the same history; and what cannot be
 * trained on features is refused, naming why. On {@link TinyTask}'s images and weights.
 */
class FeatureTrainingTest {
    @TempDir
    static Path tmp;
    static TinyTask task;
    static Path npy;
    static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @BeforeAll
    static void embed() throws IOException {
        task = TinyTask.create(tmp.resolve("task"));
        npy = tmp.resolve("features/tiny.npy");
        Embed.run(new Embed.Options(new Predict.Network(task.weights().toString(), null, null), task.data(), npy, 5, 2, false), QUIET);
    }

    private static TrainConfig featureExtract() {
        return TrainConfig.defaults(new Strategy.FeatureExtract(1, true)).withEpochs(4).withBatchSize(8);
    }

    private static TrainingRun.Outcome fromFolder(Path out, TrainConfig cfg) {
        return TrainingRun.builder().data(task.data()).weights(task.weights().toString()).config(cfg).out(out).threads(2)
                .build().run(TrainListener.NONE, QUIET);
    }

    private static TrainingRun.Outcome fromFeatures(Path out, TrainConfig cfg) {
        return TrainingRun.builder().features(FeatureTable.readNpy(npy)).weights(task.weights().toString()).config(cfg).out(out)
                .threads(2).build().run(TrainListener.NONE, QUIET);
    }

    @Test
    void theHeadAndTheHistoryAreThoseOfTrainingFromTheFolder() throws IOException {
        // The plain recipe, then one with the extras that depend on the split and the seed: the
        // weighted loss, mixup of feature vectors and the weight average.
        TrainConfig plain = featureExtract();
        TrainConfig extras = featureExtract().withBalance(Balance.WEIGHTS).withMixup(0.4).withEma(0.2).withSeed(7);
        int run = 0;
        for (TrainConfig cfg : List.of(plain, extras)) {
            Path a = tmp.resolve("folder-" + run);
            Path b = tmp.resolve("features-" + run);
            run++;
            TrainingRun.Outcome folder = fromFolder(a, cfg);
            TrainingRun.Outcome features = fromFeatures(b, cfg);

            StateDict fa = WeightsReader.read(a.resolve(ModelDirectory.WEIGHTS));
            StateDict fb = WeightsReader.read(b.resolve(ModelDirectory.WEIGHTS));
            assertEquals(fa.keys(), fb.keys());
            for (String key : fa.keys()) {
                // Bitwise: the rows are the feature cache's own floats, so every step computes the same numbers.
                if (fa.get(key).isFloating()) {
                    assertArrayEquals(fa.get(key).floats(), fb.get(key).floats(), key);
                } else {
                    assertArrayEquals(fa.get(key).longs(), fb.get(key).longs(), key);
                }
            }
            List<EpochRecord> ha = folder.result().history();
            List<EpochRecord> hb = features.result().history();
            assertEquals(ha.size(), hb.size());
            for (int e = 0; e < ha.size(); e++) {
                assertEquals(ha.get(e).valAccuracy(), hb.get(e).valAccuracy(), "epoch " + (e + 1));
                assertEquals(ha.get(e).valLoss(), hb.get(e).valLoss(), "epoch " + (e + 1));
                assertEquals(ha.get(e).trainLoss(), hb.get(e).trainLoss(), "epoch " + (e + 1));
            }
            assertEquals(folder.result().bestEpoch(), features.result().bestEpoch());
            assertEquals(folder.validation().sampleCount(), features.validation().sampleCount());
            assertEquals(folder.validation().accuracy(), features.validation().accuracy());
            assertEquals(0, features.result().backboneImages(), "no image went through the backbone");
            assertEquals(folder.info().classes(), features.info().classes());
            // An ordinary model directory, whose report lists its images (here at hand) as the folder's does.
            assertTrue(Files.isRegularFile(b.resolve(ModelDirectory.INFO)));
            assertTrue(Files.readString(b.resolve("report.html"), StandardCharsets.UTF_8).contains("ferry training report"));
        }
    }

    @Test
    void withoutTheImagesTheReportListsTheWorstByPath() throws IOException {
        FeatureTable read = FeatureTable.readNpy(npy);
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < read.size(); i++) {
            labels.add(read.classes().get(read.label(i)));
        }
        int[] all = java.util.stream.IntStream.range(0, read.size()).toArray();
        // As another reader would build it: no source, no image folder.
        FeatureTable bare = FeatureTable.of(read.network(), read.dim(), read.paths(), labels, read.rows(all));
        Path out = tmp.resolve("bare");
        TrainingRun.builder().features(bare).weights(task.weights().toString()).config(featureExtract().withEpochs(1)).out(out)
                .threads(2).build().run(TrainListener.NONE, QUIET);
        String report = Files.readString(out.resolve("report.html"), StandardCharsets.UTF_8);
        assertTrue(report.contains("Worst-classified validation images (the images are not at hand)"), report);
        assertTrue(Files.isRegularFile(out.resolve(ModelDirectory.WEIGHTS)));
        // Features with no file behind them (read from Spark output, or built by a caller): the
        // checkpoint says so, and resuming from the images is refused as for a .npy source.
        assertTrue(ModelDirectory.readRecorded(out).run().precomputed());
        InputException resumed = assertThrows(InputException.class, () -> TrainingRun.builder().data(task.data())
                .weights(task.weights().toString()).config(featureExtract().withEpochs(2)).out(out).resume(true).threads(2)
                .build().run(TrainListener.NONE, QUIET));
        assertEquals("the run in " + out + " trained on precomputed features, and resume continues runs on image "
                + "folders only: train again into a new out", resumed.getMessage());
    }

    @Test
    void rowsTakeTheFoldersOrderWhateverOrderTheyComeIn() {
        FeatureTable read = FeatureTable.readNpy(npy);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < read.size(); i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(3));
        List<String> paths = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        int[] rows = order.stream().mapToInt(Integer::intValue).toArray();
        for (int r : rows) {
            paths.add(read.paths().get(r));
            labels.add(read.classes().get(read.label(r)));
        }
        FeatureTable shuffled = FeatureTable.of(read.network(), read.dim(), paths, labels, read.rows(rows));

        ImageFolder folder = ImageFolder.scan(task.data());
        List<String> expected = folder.samples().stream()
                .map(s -> task.data().relativize(s.path()).toString().replace(java.io.File.separatorChar, '/')).toList();
        assertEquals(expected, shuffled.paths());
        assertEquals(folder.classes(), shuffled.classes());
        int[] all = java.util.stream.IntStream.range(0, read.size()).toArray();
        assertArrayEquals(read.rows(all), shuffled.rows(all));
        for (int i = 0; i < read.size(); i++) {
            assertEquals(folder.samples().get(i).label(), shuffled.label(i));
        }
    }

    @Test
    void anotherStrategyIsRefusedNamingIt() {
        FeatureTable t = FeatureTable.readNpy(npy);
        InputException fineTune = assertThrows(InputException.class, () -> TrainingRun.builder().features(t)
                .weights(task.weights().toString()).config(TrainConfig.defaults(new Strategy.FineTune(1))).out(tmp.resolve("ft"))
                .build());
        assertEquals("strategy fine-tune trains the backbone on the images; features train the head alone: use feature-extract",
                fineTune.getMessage());
        InputException views = assertThrows(InputException.class, () -> TrainingRun.builder().features(t)
                .weights(task.weights().toString()).config(TrainConfig.defaults(new Strategy.FeatureExtract(4, true)))
                .out(tmp.resolve("views")).build());
        assertEquals("cachedViews 4 caches augmented views of the images; features hold one view per image (cachedViews 1)",
                views.getMessage());
        InputException both = assertThrows(InputException.class, () -> TrainingRun.builder().features(t).data(task.data())
                .weights(task.weights().toString()).config(featureExtract()).out(tmp.resolve("both")).build());
        assertEquals("data and features exclude each other: train on the images or on their features", both.getMessage());
    }

    @Test
    void otherWeightsAreRefusedNamingBoth() {
        Path other = tmp.resolve("other_resnet18_w4.safetensors");
        TinyTask.writeWeights(other, Architecture.RESNET18, 5);
        Path out = tmp.resolve("other");
        InputException e = assertThrows(InputException.class, () -> TrainingRun.builder().features(FeatureTable.readNpy(npy))
                .weights(other.toString()).config(featureExtract()).out(out).build().run(TrainListener.NONE, QUIET));
        String recorded = task.weights().toAbsolutePath().toString();
        assertEquals("the features in " + npy + " were computed by " + task.weights() + " (" + recorded + "), but weights "
                + other + " is " + other + ": other weights; train with the weights that computed the features, or compute them"
                + " again with these", e.getMessage());
        assertFalse(Files.exists(out.resolve(ModelDirectory.INFO)), "nothing is written");

        Path deeper = tmp.resolve("tiny_resnet34_w4.safetensors");
        TinyTask.writeWeights(deeper, Architecture.RESNET34, 3);
        InputException arch = assertThrows(InputException.class, () -> TrainingRun.builder().features(FeatureTable.readNpy(npy))
                .weights(deeper.toString()).config(featureExtract()).out(out).build().run(TrainListener.NONE, QUIET));
        assertTrue(arch.getMessage().contains(": architecture resnet18 against resnet34; "), arch.getMessage());
    }

    @Test
    void aDuplicatePathIsRefused() {
        EmbeddingIndex.Network net = FeatureTable.readNpy(npy).network();
        float[] m = new float[3 * net.dim()];
        InputException e = assertThrows(InputException.class, () -> FeatureTable.of(net, net.dim(),
                List.of("a/x.png", "b/x.png", "a/x.png"), List.of("a", "b", "a"), m));
        assertEquals("the feature table: path 'a/x.png' appears twice (rows 0 and 2)", e.getMessage());
        m[4] = Float.NaN;
        InputException nan = assertThrows(InputException.class, () -> FeatureTable.of(net, net.dim(),
                List.of("a/x.png", "b/x.png", "a/y.png"), List.of("a", "b", "a"), m));
        assertEquals("the feature table: row 0 (a/x.png), feature 4 is NaN, not a finite number", nan.getMessage());
        InputException one = assertThrows(InputException.class, () -> FeatureTable.of(net, net.dim(),
                List.of("a/x.png", "a/y.png"), List.of("a", "a"), new float[2 * net.dim()]));
        assertEquals("the feature table: need at least 2 classes to train a classifier, found 1 (a)", one.getMessage());
    }

    @Test
    void anUnlabelledIndexIsRefused() {
        Path flat = tmp.resolve("flat/flat.npy");
        EmbeddingIndex.Network net = FeatureTable.readNpy(npy).network();
        try {
            Files.createDirectories(flat.getParent());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Npy.write(flat, new float[2 * net.dim()], 2, net.dim());
        Path indexFile = EmbeddingIndex.fileFor(flat);
        new EmbeddingIndex(EmbeddingIndex.FORMAT, EmbeddingIndex.VERSION, "0", net, "/images", false, 2, net.dim(), false,
                List.of(new EmbeddingIndex.Item("a.png", ""), new EmbeddingIndex.Item("b.png", ""))).write(indexFile);
        InputException e = assertThrows(InputException.class, () -> FeatureTable.readNpy(flat));
        assertEquals(indexFile + ": the embeddings are of a flat folder, without labels; training needs a folder with one"
                + " sub-folder per class", e.getMessage());

        new EmbeddingIndex(EmbeddingIndex.FORMAT, EmbeddingIndex.VERSION, "0", net, "/images", true, 3, net.dim(), false,
                List.of(new EmbeddingIndex.Item("a/a.png", "a"), new EmbeddingIndex.Item("b/b.png", "b"),
                        new EmbeddingIndex.Item("b/c.png", "b"))).write(indexFile);
        InputException rows = assertThrows(InputException.class, () -> FeatureTable.readNpy(flat));
        assertEquals(flat + ": 2 rows, but its index " + indexFile + " lists 3", rows.getMessage());
    }
}
