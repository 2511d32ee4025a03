package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.ferry.TestFiles;
import dev.ferry.model.Architecture;
import dev.ferry.eval.EpochRecord;
import dev.ferry.train.ModelDirectory;
import dev.ferry.train.PresetOverride;
import dev.ferry.train.Strategy;
import dev.ferry.train.TinyTask;
import dev.ferry.train.TrainConfig;
import dev.ferry.train.TrainListener;
import dev.ferry.workflow.TrainingRun;
import dev.ferry.weights.StateDict;
import dev.ferry.weights.WeightsReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code ferry train} on the {@link TinyTask} (3 classes x 8 PNGs of 32x32, a ResNet-18 of width 4),
 * then {@code ferry evaluate} and {@code ferry predict --model} on the result.
 */
class TrainCommandTest {
    static final List<String> CLASSES = TinyTask.CLASSES;
    static final int PER_CLASS = TinyTask.PER_CLASS;

    @TempDir
    static Path tmp;
    static Path data;
    static Path weights;
    /** A completed 3-epoch fine-tuning run, shared by the tests that need one. */
    private static Path finished;

    @BeforeAll
    static void fixtures() throws IOException {
        TinyTask task = TinyTask.create(tmp);
        data = task.data();
        weights = task.weights();
    }

    /** {@code ferry train} on the tiny task with the given extra arguments. */
    static String[] train(Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--data", data.toString(), "--weights", weights.toString()));
        args.addAll(TinyTask.presetArgs());
        args.addAll(List.of("--batch-size", "8", "--threads", "2", "--out", out.toString()));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    @ParameterizedTest
    @ValueSource(strings = {"feature-extract", "fine-tune", "unfreeze-from:layer3", "two-stage", "scratch"})
    void eachStrategyWritesAModelDirectory(String strategy) throws IOException {
        Path out = tmp.resolve("model-" + strategy.replace(':', '-'));
        CliHarness.Result r = CliHarness.run(train(out, "--strategy", strategy, "--epochs", "2"));

        assertEquals(0, r.code(), r.err());
        for (String file : new String[] {ModelDirectory.WEIGHTS, ModelDirectory.INFO, ModelDirectory.CHECKPOINT, "report.html"}) {
            assertTrue(Files.isRegularFile(out.resolve(file)), strategy + ": no " + file);
        }
        JsonObject info = JsonParser.parseString(Files.readString(out.resolve(ModelDirectory.INFO), StandardCharsets.UTF_8)).getAsJsonObject();
        assertEquals(strategy.startsWith("unfreeze") ? "unfreeze-from-layer3" : strategy, info.get("strategy").getAsString());
        assertEquals(2, info.getAsJsonArray("epochs").size());
        assertEquals(CLASSES, List.of(new com.google.gson.Gson().fromJson(info.getAsJsonArray("classes"), String[].class)));
        assertEquals("resnet18", info.get("arch").getAsString());
        assertEquals(4, info.get("width").getAsInt());
        assertEquals(32, info.getAsJsonObject("preset").get("crop").getAsInt());
        for (var e : info.getAsJsonArray("epochs")) {
            assertTrue(Double.isFinite(e.getAsJsonObject().get("trainLoss").getAsDouble()), e.toString());
        }

        // What the strategy froze and trained, in the network after the last epoch (the
        // checkpoint's weights) and in the saved model (the best epoch's weights).
        StateDict pretrained = WeightsReader.read(weights);
        StateDict last = ModelDirectory.readCheckpoint(out).weights();
        StateDict best = WeightsReader.read(out.resolve(ModelDirectory.WEIGHTS));
        int firstTrained = switch (strategy) {
            case "feature-extract" -> FROZEN_BACKBONE; // the whole backbone frozen, BN in inference mode
            case "unfreeze-from:layer3" -> 3; // the stem, layer1 and layer2 frozen
            default -> 0; // fine-tune, two-stage (in its second phase), scratch: everything trains
        };
        assertTrainedWhatTheStrategyTrains(strategy + " (last epoch)", firstTrained, strategy.equals("scratch"), pretrained, last);
        int bestEpoch = info.get("bestEpoch").getAsInt();
        if (bestEpoch == 2) {
            assertEquals(last.keys(), best.keys(), strategy);
            for (String key : last.keys()) {
                assertTrue(same(last.get(key), best.get(key)), strategy + ": the best epoch is the last, yet " + key + " differs");
            }
        } else {
            assertEquals(1, bestEpoch, strategy);
            // Two-stage's head epochs train the head alone: its backbone is still the pretrained one.
            boolean headOnly = strategy.equals("two-stage")
                    && info.getAsJsonObject("hyperParameters").getAsJsonObject("strategy").get("headEpochs").getAsInt() >= bestEpoch;
            assertTrainedWhatTheStrategyTrains(strategy + " (best epoch 1)", headOnly ? FROZEN_BACKBONE : firstTrained,
                    strategy.equals("scratch"), pretrained, best);
        }
    }

    /** The backbone parts in {@link dev.ferry.model.ResNet}'s order: the stem, then the four stages. */
    private static final List<List<String>> PARTS = List.of(List.of("conv1.", "bn1."), List.of("layer1."), List.of("layer2."),
            List.of("layer3."), List.of("layer4."));
    /** The index into {@link #PARTS} past the last part: no backbone part trains. */
    private static final int FROZEN_BACKBONE = 5;

    /**
     * Checks {@code trained} against the pretrained weights: the backbone parts before
     * {@code firstTrained} (an index into {@link #PARTS}) bit-identical, BatchNorm running statistics
     * included; in each later part a learned tensor and a BatchNorm statistic changed; the head new.
     * Training from the pretrained weights moves the convolutions by little after 2 short epochs;
     * {@code scratch} starts from a random initialisation, as far from them as two independent draws.
     */
    private static void assertTrainedWhatTheStrategyTrains(String what, int firstTrained, boolean scratch, StateDict pretrained,
            StateDict trained) {
        List<String> backbone = pretrained.keys().stream().filter(k -> !k.startsWith("fc.")).toList();
        assertTrue(backbone.size() > 100, "precondition: a ResNet-18 backbone, " + backbone.size() + " tensors");
        for (String key : backbone) {
            assertTrue(trained.contains(key), what + ": no " + key + " in the model");
            assertArrayEquals(pretrained.get(key).shape(), trained.get(key).shape(), what + ": shape of " + key);
        }
        // The new head: 3 classes where the pretrained one had 10, over the same features.
        long features = pretrained.get("fc.weight").shape()[1];
        assertEquals(10, pretrained.get("fc.weight").shape()[0], "precondition: a 10-class pretrained head");
        assertArrayEquals(new long[] {3, features}, trained.get("fc.weight").shape(), what);
        assertArrayEquals(new long[] {3}, trained.get("fc.bias").shape(), what);
        float[] head = trained.get("fc.weight").floats();
        assertFalse(Arrays.equals(Arrays.copyOf(pretrained.get("fc.weight").floats(), head.length), head),
                what + ": the head is new, not the first rows of the pretrained one");
        for (float v : head) {
            assertTrue(Float.isFinite(v), what + ": fc.weight holds " + v);
        }

        for (int part = 0; part < PARTS.size(); part++) {
            List<String> prefixes = PARTS.get(part);
            List<String> keys = backbone.stream().filter(k -> prefixes.stream().anyMatch(k::startsWith)).toList();
            assertFalse(keys.isEmpty(), "precondition: tensors under " + prefixes);
            if (part < firstTrained) {
                for (String key : keys) {
                    // Running statistics and num_batches_tracked too: a frozen BatchNorm is in inference mode.
                    assertTrue(same(pretrained.get(key), trained.get(key)), what + ": frozen " + key + " changed");
                }
            } else {
                // A learned tensor moved, not only BatchNorm's statistics (which any forward pass in
                // training mode moves); and those moved too, as BatchNorm trains in training mode.
                assertTrue(keys.stream().filter(k -> !isBuffer(k)).anyMatch(k -> !same(pretrained.get(k), trained.get(k))),
                        what + ": no learned tensor of " + prefixes + " changed");
                assertTrue(keys.stream().filter(TrainCommandTest::isBuffer).anyMatch(k -> !same(pretrained.get(k), trained.get(k))),
                        what + ": the BatchNorm statistics of " + prefixes + " did not move");
            }
        }

        for (String key : backbone.stream().filter(k -> k.endsWith("conv1.weight") || k.endsWith("conv2.weight")).toList()) {
            double distance = relativeDistance(pretrained.get(key), trained.get(key));
            if (scratch) {
                assertTrue(distance > 0.5, what + ": " + key + " is " + distance + " from the pretrained values: they were loaded");
            } else {
                assertTrue(distance < 0.1, what + ": " + key + " is " + distance + " from the pretrained values: they were not loaded");
            }
        }
        if (scratch) {
            assertFalse(same(pretrained.get("conv1.weight"), trained.get("conv1.weight")), what);
            long differing = backbone.stream().filter(k -> !same(pretrained.get(k), trained.get(k))).count();
            assertTrue(differing > backbone.size() / 2, what + ": only " + differing + " of " + backbone.size() + " tensors differ");
        }
    }

    /** BatchNorm's state (running statistics and the batch count): not trained by the optimizer. */
    private static boolean isBuffer(String key) {
        return key.endsWith(".running_mean") || key.endsWith(".running_var") || key.endsWith(".num_batches_tracked");
    }

    /** Bit-identical values of the same shape (floats, or the longs of an integer tensor). */
    private static boolean same(dev.ferry.weights.Tensor a, dev.ferry.weights.Tensor b) {
        if (!Arrays.equals(a.shape(), b.shape()) || a.isFloating() != b.isFloating()) {
            return false;
        }
        return a.isFloating() ? Arrays.equals(a.floats(), b.floats()) : Arrays.equals(a.longs(), b.longs());
    }

    /** {@code |b - a| / |a|} over all values (Euclidean norms). */
    private static double relativeDistance(dev.ferry.weights.Tensor a, dev.ferry.weights.Tensor b) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < a.numel(); i++) {
            diff += Math.pow(b.value(i) - a.value(i), 2);
            norm += Math.pow(a.value(i), 2);
        }
        return Math.sqrt(diff / norm);
    }

    @Test
    void evaluateReportsMetricsOfTheTrainedModel() throws IOException {
        Path model = finishedRun();
        Path report = tmp.resolve("evaluation");

        CliHarness.Result r = CliHarness.run("evaluate", "--model", model.toString(), "--data", data.toString(), "--json",
                "--report", report.toString(), "--batch-size", "5", "--threads", "2");

        assertEquals(0, r.code(), r.err());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        double accuracy = o.get("accuracy").getAsDouble();
        assertTrue(accuracy >= 0 && accuracy <= 1, r.out());
        assertTrue(o.get("top5Accuracy").isJsonNull(), "3 classes: top-5 is meaningless");
        assertTrue(o.get("loss").getAsDouble() > 0, r.out());
        assertEquals(CLASSES.size() * PER_CLASS, o.get("samples").getAsInt());
        assertEquals(CLASSES, List.of(new com.google.gson.Gson().fromJson(o.getAsJsonArray("classes"), String[].class)));
        assertEquals(3, o.getAsJsonArray("perClass").size());
        JsonArray matrix = o.getAsJsonArray("confusionMatrix");
        int total = 0;
        int diagonal = 0;
        for (int t = 0; t < 3; t++) {
            JsonArray row = matrix.get(t).getAsJsonArray();
            int support = 0;
            for (int p = 0; p < 3; p++) {
                support += row.get(p).getAsInt();
            }
            assertEquals(PER_CLASS, support, "every class folder holds " + PER_CLASS + " images");
            total += support;
            diagonal += row.get(t).getAsInt();
        }
        assertEquals(24, total);
        assertEquals(diagonal / 24.0, accuracy, 1e-12);
        assertTrue(Files.isRegularFile(report.resolve("report.html")));
        assertTrue(Files.readString(report.resolve("report.html"), StandardCharsets.UTF_8).contains("ferry evaluation report"));

        CliHarness.Result text = CliHarness.run("evaluate", "--model", model.toString(), "--data", data.toString());
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("checker") && text.out().contains("accuracy"), text.out());
    }

    @Test
    void evaluateMapsClassFoldersByName() throws IOException {
        Path model = finishedRun();
        // Two of the three classes: 'vertical' is this folder's class 1 but the model's class 2, so
        // labels must be mapped by name for the confusion matrix rows to match the full evaluation.
        Path subset = tmp.resolve("subset");
        for (String c : List.of("checker", "vertical")) {
            TestFiles.copyTree(data.resolve(c), subset.resolve(c));
        }
        CliHarness.Result all = CliHarness.run("evaluate", "--model", model.toString(), "--data", data.toString(), "--json");
        CliHarness.Result part = CliHarness.run("evaluate", "--model", model.toString(), "--data", subset.toString(), "--json");
        assertEquals(0, part.code(), part.err());
        JsonArray fullMatrix = JsonParser.parseString(all.out()).getAsJsonObject().getAsJsonArray("confusionMatrix");
        JsonArray partMatrix = JsonParser.parseString(part.out()).getAsJsonObject().getAsJsonArray("confusionMatrix");
        assertEquals(fullMatrix.get(0), partMatrix.get(0));
        assertEquals(fullMatrix.get(2), partMatrix.get(2));
        assertEquals("[0,0,0]", partMatrix.get(1).toString(), "no 'horizontal' images: no support");

        Path unknown = tmp.resolve("unknown-class");
        TestFiles.copyTree(data.resolve("checker"), unknown.resolve("checker"));
        TestFiles.copyTree(data.resolve("vertical"), unknown.resolve("diagonal"));
        CliHarness.Result bad = CliHarness.run("evaluate", "--model", model.toString(), "--data", unknown.toString());
        assertEquals(2, bad.code());
        assertEquals(1, bad.err().lines().count(), bad.err());
        assertTrue(bad.err().contains("class folder 'diagonal'") && bad.err().contains("is not one of the model's 3 classes"), bad.err());
    }

    @Test
    void evaluateStopsOnBadImagesUnlessSkipBad() throws IOException {
        Path model = finishedRun();
        Path withBad = tmp.resolve("with-bad");
        TestFiles.copyTree(data, withBad);
        Files.writeString(withBad.resolve("checker/broken.png"), "not a png");
        Files.write(withBad.resolve("vertical/empty.jpg"), new byte[0]);

        CliHarness.Result stop = CliHarness.run("evaluate", "--model", model.toString(), "--data", withBad.toString());
        assertEquals(2, stop.code());
        assertEquals("", stop.out());
        List<String> lines = stop.err().lines().toList();
        assertEquals(3, lines.size(), stop.err());
        assertTrue(lines.get(0).startsWith("ferry: bad image: ") && lines.get(0).contains("broken.png"), stop.err());
        assertTrue(lines.get(1).contains("empty.jpg"), stop.err());
        assertTrue(lines.get(2).startsWith("ferry: error: 2 bad images"), stop.err());

        Path report = tmp.resolve("with-bad-report");
        CliHarness.Result skip = CliHarness.run("evaluate", "--model", model.toString(), "--data", withBad.toString(), "--skip-bad",
                "--json", "--report", report.toString());
        assertEquals(0, skip.code(), skip.err());
        JsonObject o = JsonParser.parseString(skip.out()).getAsJsonObject();
        assertEquals(24, o.get("samples").getAsInt());
        assertEquals(2, o.getAsJsonArray("skipped").size());
        assertTrue(Files.readString(report.resolve("report.html"), StandardCharsets.UTF_8).contains("broken.png"));
    }

    @Test
    void predictWithTheTrainedModelUsesItsClassNames() {
        Path model = finishedRun();
        CliHarness.Result r = CliHarness.run("predict", "--model", model.toString(), "--json", "--threads", "2",
                data.resolve("horizontal").toString());
        assertEquals(0, r.code(), r.err());
        JsonArray results = JsonParser.parseString(r.out()).getAsJsonArray();
        assertEquals(PER_CLASS, results.size());
        for (var e : results) {
            JsonArray top = e.getAsJsonObject().getAsJsonArray("top");
            assertEquals(3, top.size(), "top-5 capped at the model's 3 classes");
            List<String> labels = new ArrayList<>();
            top.forEach(t -> labels.add(t.getAsJsonObject().get("label").getAsString()));
            assertEquals(CLASSES, labels.stream().sorted().toList());
            for (var t : top) {
                JsonObject c = t.getAsJsonObject();
                assertEquals(CLASSES.get(c.get("index").getAsInt()), c.get("label").getAsString());
            }
        }
        assertTrue(results.get(0).getAsJsonObject().get("image").getAsString().endsWith("img00.png"));

        CliHarness.Result wrongArch = CliHarness.run("predict", "--model", model.toString(), "--arch", "resnet50",
                data.resolve("horizontal/img00.png").toString());
        assertEquals(2, wrongArch.code());
        assertTrue(wrongArch.err().contains("--arch resnet50 does not match the model, which is resnet18"), wrongArch.err());
    }

    @Test
    void badInputIsExitCode2AndWritesNothing() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Path oneClass = tmp.resolve("one-class");
        TestFiles.copyTree(data.resolve("checker"), oneClass.resolve("checker"));
        Path resnet34 = tmp.resolve("resnet34.safetensors");
        TinyTask.writeWeights(resnet34, Architecture.RESNET34, 4);
        record Case(String name, String expected, String[] args) {}
        List<Case> cases = List.of(
                new Case("missing", "does not exist", withData(tmp.resolve("nowhere"))),
                new Case("empty", "no class folders", withData(empty)),
                new Case("one class", "need at least 2 classes", withData(oneClass)),
                new Case("arch", "--arch resnet34 does not match the weights, which are resnet18", args("--arch", "resnet34")),
                new Case("other weights", "--arch resnet18 does not match the weights, which are resnet34",
                        replace(args("--arch", "resnet18"), weights.toString(), resnet34.toString())),
                new Case("epochs", "--epochs must be at least 1, got 0", args("--epochs", "0")),
                new Case("lr", "--lr must be a rate in (0, 100), got -0.1", args("--lr=-0.1")));
        for (Case c : cases) {
            Path out = Path.of(c.args()[Arrays.asList(c.args()).indexOf("--out") + 1]);
            CliHarness.Result r = CliHarness.run(c.args());
            assertEquals(2, r.code(), c.name() + ": " + r.err());
            assertEquals(1, r.err().lines().count(), c.name() + ": " + r.err());
            assertTrue(r.err().startsWith("ferry: error: ") && r.err().contains(c.expected()), c.name() + ": " + r.err());
            assertFalse(r.err().contains("Exception"), r.err());
            assertFalse(Files.exists(out), c.name() + ": " + out + " was created");
        }
    }

    /**
     * Interrupted after epoch 1 (the best epoch is still ahead) and after epoch 2 (the reference
     * run's best epoch: the resumed process never sees a better one, so the best weights must come
     * from the model directory, not from memory).
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void aResumedRunEndsBitForBitWhereTheUninterruptedOneDid(int killedAfter) throws IOException {
        Path complete = finishedRun();
        JsonObject reference = JsonParser.parseString(Files.readString(complete.resolve(ModelDirectory.INFO), StandardCharsets.UTF_8))
                .getAsJsonObject();
        assertEquals(2, reference.get("bestEpoch").getAsInt(), "precondition: the tiny task's best epoch is 2 of 3");
        Path interrupted = tmp.resolve("interrupted-after-" + killedAfter);
        // finishedRun's command line as TrainCommand configures it, stopped as if the process had
        // been killed at the end of epoch `killedAfter`, its checkpoint on disk.
        TrainConfig cfg = TrainConfig.defaults(new Strategy.FineTune(0.1)).withSeed(42).withEarlyStop(0).withEpochs(3).withBatchSize(8)
                .withLr(0.01).withLabelSmoothing(0.1);
        TrainingRun run = TrainingRun.builder().data(data).weights(weights.toString()).config(cfg)
                .preset(new PresetOverride(0, 32, new float[] {0.5f}, new float[] {0.25f})).out(interrupted).threads(2).build();
        TrainListener killer = new TrainListener() {
            @Override
            public void epochFinished(EpochRecord record, boolean best) {
                if (record.epoch() == killedAfter) {
                    throw new IllegalStateException("killed after epoch " + record.epoch());
                }
            }
        };
        IllegalStateException killed = assertThrows(IllegalStateException.class, () -> run.run(killer, quiet()));
        assertEquals("killed after epoch " + killedAfter, killed.getMessage());
        assertEquals(killedAfter, ModelDirectory.readCheckpoint(interrupted).state().completedEpochs());

        CliHarness.Result resumed = CliHarness.run(train(interrupted, "--epochs", "3", "--resume"));

        assertEquals(0, resumed.code(), resumed.err());
        JsonObject info = JsonParser.parseString(Files.readString(interrupted.resolve(ModelDirectory.INFO), StandardCharsets.UTF_8))
                .getAsJsonObject();
        assertEquals(3, info.getAsJsonArray("epochs").size());
        assertEquals(reference.get("hyperParameters"), info.get("hyperParameters"));
        assertEquals(reference.get("bestEpoch"), info.get("bestEpoch"));
        for (int e = 0; e < 3; e++) {
            JsonObject a = reference.getAsJsonArray("epochs").get(e).getAsJsonObject();
            JsonObject b = info.getAsJsonArray("epochs").get(e).getAsJsonObject();
            for (String metric : new String[] {"trainLoss", "trainAccuracy", "valLoss", "valAccuracy", "learningRate"}) {
                assertEquals(a.get(metric), b.get(metric), "epoch " + (e + 1) + " " + metric);
            }
        }
        assertArrayEquals(Files.readAllBytes(complete.resolve(ModelDirectory.WEIGHTS)),
                Files.readAllBytes(interrupted.resolve(ModelDirectory.WEIGHTS)));
    }

    @Test
    void twoSeededRunsWriteIdenticalWeights() throws IOException {
        Path first = finishedRun();
        Path second = tmp.resolve("repeat");
        CliHarness.Result r = CliHarness.run(train(second, FINISHED_RECIPE));
        assertEquals(0, r.code(), r.err());
        assertArrayEquals(Files.readAllBytes(first.resolve(ModelDirectory.WEIGHTS)), Files.readAllBytes(second.resolve(ModelDirectory.WEIGHTS)));

        // Not vacuous: training moved the backbone away from the pretrained weights.
        StateDict pretrained = WeightsReader.read(weights);
        StateDict trained = WeightsReader.read(second.resolve(ModelDirectory.WEIGHTS));
        assertFalse(Arrays.equals(pretrained.get("layer1.0.conv1.weight").floats(), trained.get("layer1.0.conv1.weight").floats()));
    }

    @Test
    void anExistingModelIsNotOverwrittenWithoutResume() throws IOException {
        // A copy of the shared run: were the refusal missing, training into it would change the
        // model the other tests read.
        Path model = tmp.resolve("existing");
        TestFiles.copyTree(finishedRun(), model);
        byte[] before = Files.readAllBytes(model.resolve(ModelDirectory.WEIGHTS));
        java.util.Map<String, byte[]> files = contents(model);
        CliHarness.Result r = CliHarness.run(train(model, "--epochs", "1"));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("already holds a model; pass --resume"), r.err());
        assertArrayEquals(before, Files.readAllBytes(model.resolve(ModelDirectory.WEIGHTS)));
        java.util.Map<String, byte[]> after = contents(model);
        assertEquals(files.keySet(), after.keySet(), "no file added or removed (a lock left behind, say)");
        files.forEach((name, bytes) -> assertArrayEquals(bytes, after.get(name), name + " changed"));
    }

    /** Every file under {@code dir} by relative path. */
    private static java.util.Map<String, byte[]> contents(Path dir) throws IOException {
        java.util.Map<String, byte[]> out = new java.util.TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return out;
    }

    @Test
    void exifTransposeIsStoredWithTheModel() throws IOException {
        Path out = tmp.resolve("exif");
        CliHarness.Result r = CliHarness.run(train(out, "--epochs", "1", "--exif-transpose"));
        assertEquals(0, r.code(), r.err());
        JsonObject preset = JsonParser.parseString(Files.readString(out.resolve(ModelDirectory.INFO), StandardCharsets.UTF_8))
                .getAsJsonObject().getAsJsonObject("preset");
        assertTrue(preset.get("exifTranspose").getAsBoolean(), preset.toString());
        JsonObject plain = JsonParser.parseString(Files.readString(finishedRun().resolve(ModelDirectory.INFO), StandardCharsets.UTF_8))
                .getAsJsonObject().getAsJsonObject("preset");
        assertFalse(plain.get("exifTranspose").getAsBoolean(), "off unless asked for");
    }

    @Test
    void mixingAverageAndBalanceOptionsAreRecordedAndARunResumesWithThem() throws IOException {
        Path out = tmp.resolve("tricks");
        CliHarness.Result r = CliHarness.run(train(out, "--epochs", "1", "--mixup", "0.3", "--cutmix", "0.5", "--ema",
                "--balance", "SAMPLER"));
        assertEquals(0, r.code(), r.err());
        JsonObject hp = JsonParser.parseString(Files.readString(out.resolve(ModelDirectory.INFO), StandardCharsets.UTF_8))
                .getAsJsonObject().getAsJsonObject("hyperParameters");
        assertEquals(0.3, hp.get("mixupAlpha").getAsDouble());
        assertEquals(0.5, hp.get("cutmixAlpha").getAsDouble());
        assertEquals(0.1, hp.get("emaHorizon").getAsDouble(), "--ema alone: the default horizon");
        assertEquals("sampler", hp.get("balance").getAsString());

        // Left out on --resume, the options take the recorded values (a differing value is refused).
        CliHarness.Result resumed = CliHarness.run(train(out, "--epochs", "2", "--resume"));
        assertEquals(0, resumed.code(), resumed.err());
        JsonObject after = JsonParser.parseString(Files.readString(out.resolve(ModelDirectory.INFO), StandardCharsets.UTF_8))
                .getAsJsonObject();
        assertEquals(2, after.getAsJsonArray("epochs").size());
        assertEquals(hp.get("balance"), after.getAsJsonObject("hyperParameters").get("balance"));
        CliHarness.Result changed = CliHarness.run(train(out, "--epochs", "3", "--resume", "--balance", "weights"));
        assertEquals(FerryCommand.BAD_INPUT, changed.code(), changed.err());
        assertTrue(changed.err().contains("--balance: sampler recorded, weights now"), changed.err());
    }

    /** The shared fine-tuning run (3 epochs, seed 42), trained on first use. */
    private static final String[] FINISHED_RECIPE = {"--epochs", "3", "--lr", "0.01", "--backbone-lr-factor", "0.1",
        "--label-smoothing", "0.1"};

    private static synchronized Path finishedRun() {
        if (finished == null) {
            Path out = tmp.resolve("finished");
            // A recipe whose best epoch on the tiny task is not its last (the resume test needs one).
            CliHarness.Result r = CliHarness.run(train(out, FINISHED_RECIPE));
            assertEquals(0, r.code(), r.err());
            finished = out;
        }
        return finished;
    }

    private static String[] withData(Path dataDir) {
        return replace(args(), data.toString(), dataDir.toString());
    }

    /** Training arguments (2 epochs) with a fresh --out and {@code extra}. */
    private static String[] args(String... extra) {
        Path out = tmp.resolve("never-" + System.nanoTime());
        List<String> a = new ArrayList<>(List.of(train(out)));
        if (Stream.of(extra).noneMatch(e -> e.startsWith("--epochs"))) {
            a.addAll(List.of("--epochs", "2"));
        }
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    private static String[] replace(String[] args, String from, String to) {
        return Stream.of(args).map(a -> a.equals(from) ? to : a).toArray(String[]::new);
    }


    /** The training log of the in-process run, discarded. */
    private static PrintStream quiet() {
        return new PrintStream(java.io.OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
    }
}
