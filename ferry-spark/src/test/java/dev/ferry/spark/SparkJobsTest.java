package dev.ferry.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.ferry.InputException;
import dev.ferry.TestFiles;
import dev.ferry.data.ImageFolder;
import dev.ferry.data.Sample;
import dev.ferry.eval.ClassificationMetrics;
import dev.ferry.eval.MetricsJson;
import dev.ferry.train.FeatureCache;
import dev.ferry.train.FolderSource;
import dev.ferry.train.PresetOverride;
import dev.ferry.train.Predictor;
import dev.ferry.train.Strategy;
import dev.ferry.train.TinyTask;
import dev.ferry.train.TrainConfig;
import dev.ferry.train.TrainListener;
import dev.ferry.workflow.Evaluate;
import dev.ferry.workflow.Networks;
import dev.ferry.workflow.Predict;
import dev.ferry.workflow.TrainingRun;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark jobs in local mode ({@code local[2]}, several images per partition so that many
 * partitions merge) against the single-machine library calls on the same images: predictions,
 * embeddings, evaluation, and a folder with broken files.
 */
class SparkJobsTest {
    private static final PresetOverride PRESET = new PresetOverride(0, 32, new float[] {0.5f}, new float[] {0.25f});
    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream(), true);
    static final int PER_CLASS = 15;

    @TempDir
    static Path tmp;
    static TinyTask task;
    static Path model;
    static Path images;
    static SparkRunner spark;

    @BeforeAll
    static void setUp() throws IOException {
        task = TinyTask.create(tmp.resolve("task"));
        model = tmp.resolve("model");
        TrainConfig cfg = TrainConfig.defaults(new Strategy.FeatureExtract(1, true)).withEpochs(3).withBatchSize(8).withSeed(5);
        TrainingRun.builder().data(task.data()).validationSplit(0.25).weights(task.weights().toString()).config(cfg)
                .preset(PRESET).out(model).threads(2).build().run(TrainListener.NONE, QUIET);
        // More images than the training set, in 3 class folders, one of them nested deeper.
        images = tmp.resolve("images");
        SplittableRandom r = new SplittableRandom(11);
        for (int c = 0; c < TinyTask.CLASSES.size(); c++) {
            Path dir = Files.createDirectories(images.resolve(TinyTask.CLASSES.get(c)).resolve(c == 2 ? "deeper" : ""));
            for (int i = 0; i < PER_CLASS; i++) {
                ImageIO.write(TinyTask.pattern(c, r), "png", dir.resolve(String.format("x%02d.png", i)).toFile());
            }
        }
        // Four images per task: 12 partitions for 45 images.
        spark = SparkRunner.start("local[2]", Map.of("spark.sql.files.maxPartitionBytes", "16m"), "ferry test");
    }

    @AfterAll
    static void tearDown() {
        spark.close();
    }

    private static SparkJobs.Job job(Path input, Path out, SparkJobs.Format format, NetworkSource network) {
        return new SparkJobs.Job(input.toString(), out == null ? null : out.toString(), format, null, network, 4, 2);
    }

    private static String relative(Path root, Path file) {
        return root.relativize(file).toString();
    }

    private static String relativeUri(String uri, Path root) {
        String prefix = "file:" + root.toAbsolutePath();
        assertTrue(uri.startsWith(prefix + "/"), uri);
        return uri.substring(prefix.length() + 1);
    }

    @Test
    void predictionsEqualFerryPredictsAndBrokenFilesBecomeErrorRows() throws IOException {
        Path withBad = tmp.resolve("with-bad");
        TestFiles.copyTree(images, withBad);
        Files.writeString(withBad.resolve("checker/broken.png"), "not a png");
        Files.write(withBad.resolve("vertical/empty.jpg"), new byte[0]);
        Files.writeString(withBad.resolve("notes.txt"), "not an image name: never read");

        List<Predictor.Prediction> expected = Predict.run(new Predict.Options(new Predict.Network(null, model, null),
                List.of(withBad), 3, 4, 2), new Predictor.Sink() {
                    @Override
                    public void predicted(Predictor.Prediction p) {}

                    @Override
                    public void failed(dev.ferry.data.BadImage bad) {}
                }, QUIET).predictions();
        Map<String, Predictor.Prediction> byPath = new HashMap<>();
        expected.forEach(p -> byPath.put(relative(withBad, p.image()), p));

        for (SparkJobs.Format format : SparkJobs.Format.values()) {
            Path out = tmp.resolve("predictions-" + format);
            // Parquet from one engine shared by both task slots, JSON Lines from an engine per slot.
            SparkJobs.Job plain = job(withBad, out, format, NetworkSource.model(model.toString()));
            int engines = format == SparkJobs.Format.PARQUET ? 1 : EngineSettings.EXECUTOR_CORES;
            SparkJobs.Job job = new SparkJobs.Job(plain.input(), plain.output(), format, null, plain.network(), 4,
                    EngineSettings.EXECUTOR_CORES, false, engines);
            SparkJobs.Written w = spark.predict(job, 3);
            assertEquals(3 * PER_CLASS + 2, w.images());
            assertEquals(2, w.errors());
            List<Row> rows = SparkJobs.readOutput(spark.session(), out.toString(), format).collectAsList();
            assertEquals(3 * PER_CLASS + 2, rows.size());
            int compared = 0;
            for (Row row : rows) {
                String rel = relativeUri(row.getAs(SparkImages.PATH), withBad);
                String error = row.getAs(FerrySpark.ERROR);
                if (rel.equals("checker/broken.png") || rel.equals("vertical/empty.jpg")) {
                    assertTrue(error != null && !error.isBlank(), rel);
                    assertNull(row.getAs(FerrySpark.CLASSES));
                    continue;
                }
                assertNull(error, rel);
                Predictor.Prediction p = byPath.get(rel);
                List<String> classes = row.getList(row.fieldIndex(FerrySpark.CLASSES));
                List<?> probs = row.getList(row.fieldIndex(FerrySpark.PROBABILITIES));
                assertEquals(p.top().size(), classes.size(), rel);
                for (int i = 0; i < classes.size(); i++) {
                    assertEquals(p.top().get(i).label(), classes.get(i), rel);
                    double got = ((Number) probs.get(i)).doubleValue();
                    double want = p.top().get(i).probability();
                    assertEquals(want, got, 1e-5 * Math.max(want, 1e-30), rel + " class " + i);
                }
                compared++;
            }
            assertEquals(3 * PER_CLASS, compared);
        }

        // A pool of two engines opens the second only when a task finds the first busy.
        ExecutorModels.Open pool = ExecutorModels.get(new EngineSettings(NetworkSource.model(model.toString()), 4, 2, Map.of(),
                false, 2));
        assertEquals(1, pool.engineCount());
        pool.exclusive(a -> pool.exclusive(b -> {
            assertNotSame(a, b);
            return null;
        }));
        assertEquals(2, pool.engineCount());
        pool.exclusive(a -> null);
        assertEquals(2, pool.engineCount(), "no third engine: the two are free again");
    }

    @Test
    void embeddingsAreTheFeatureCachesVectors() throws IOException {
        Path out = tmp.resolve("embeddings");
        SparkJobs.Written w = spark.embed(job(images, out, SparkJobs.Format.PARQUET, NetworkSource.weights(task.weights().toString())));
        assertEquals(3 * PER_CLASS, w.images());
        assertEquals(0, w.errors());

        List<Sample> samples = ImageFolder.scan(images).samples();
        dev.ferry.train.Pretrained p = dev.ferry.train.Pretrained.resolve(task.weights().toString(), null, QUIET);
        float[] cache;
        int dim;
        try (var manager = dev.ferry.platform.Engines.newManager();
             FolderSource source = new FolderSource(samples, p.preset(), dev.ferry.data.Augmentation.none(), 2, false)) {
            dev.ferry.model.ResNet net = dev.ferry.model.ResNet.create(p.config()).initialize(manager);
            dev.ferry.weights.ModelWeights.load(net, p.stateDict(), false, p.file());
            FeatureCache c = FeatureCache.compute(net, source, 1, false, 0, 4, manager, TrainListener.NONE);
            cache = c.batch(0, IntStream.range(0, samples.size()).toArray());
            dim = c.dim();
        }
        Map<String, float[]> expected = new HashMap<>();
        for (int i = 0; i < samples.size(); i++) {
            expected.put(relative(images, samples.get(i).path()), java.util.Arrays.copyOfRange(cache, i * dim, (i + 1) * dim));
        }
        List<Row> rows = spark.session().read().parquet(out.toString()).collectAsList();
        assertEquals(samples.size(), rows.size());
        for (Row row : rows) {
            String rel = relativeUri(row.getAs(SparkImages.PATH), images);
            assertEquals(rel.substring(0, rel.indexOf('/')), row.getAs(SparkImages.LABEL));
            List<Float> v = row.getList(row.fieldIndex(FerrySpark.FEATURES));
            float[] got = new float[v.size()];
            for (int i = 0; i < got.length; i++) {
                got[i] = v.get(i);
            }
            assertArrayEquals(expected.get(rel), got, rel);
        }
        JsonObject info = JsonParser.parseString(Files.readString(out.resolve(SparkJobs.EMBEDDINGS_INFO))).getAsJsonObject();
        assertEquals(SparkJobs.EMBEDDINGS_FORMAT, info.get("format").getAsString());
        assertEquals("resnet18", info.getAsJsonObject("network").get("architecture").getAsString());
        assertEquals(dim, info.getAsJsonObject("network").get("dim").getAsInt());
        assertEquals("file:" + images.toAbsolutePath(), info.get("input").getAsString());
    }

    @Test
    void evaluationEqualsFerryEvaluate() throws IOException {
        Evaluate.Result single = Evaluate.run(new Evaluate.Options(model, images, 4, 2, false, null));
        Path out = tmp.resolve("evaluation");
        Path report = tmp.resolve("evaluation-report");
        SparkJobs.Evaluated e = spark.evaluate(job(images, out, SparkJobs.Format.PARQUET, NetworkSource.model(model.toString())),
                false, report);
        ClassificationMetrics m = e.evaluation().metrics();
        assertEquals(3 * PER_CLASS, m.sampleCount());
        assertEquals(single.metrics().confusionMatrix(), m.confusionMatrix());
        assertEquals(single.metrics().accuracy(), m.accuracy());
        assertEquals(single.metrics().perClass(), m.perClass());
        assertEquals(single.metrics().macroAvg(), m.macroAvg());
        assertEquals(single.metrics().loss(), m.loss(), 1e-6 * single.metrics().loss());
        assertTrue(e.evaluation().failed().isEmpty());
        JsonObject written = JsonParser.parseString(Files.readString(out.resolve(SparkJobs.METRICS))).getAsJsonObject();
        JsonObject expected = MetricsJson.toJsonObject(single.metrics());
        for (String key : List.of("accuracy", "samples", "correct", "classes", "perClass", "macroAvg", "weightedAvg", "confusionMatrix")) {
            assertEquals(expected.get(key), written.get(key), key);
        }
        // The worst-classified images, merged from 12 partitions, are the single pass's worst.
        List<dev.ferry.data.Sample> samples = Evaluate.samples(dev.ferry.data.ImageFolder.scan(images), single.info().classes(), model);
        List<dev.ferry.eval.SampleResult> singleWorst = single.metrics().worst(dev.ferry.workflow.Reports.GALLERY);
        assertEquals(dev.ferry.workflow.Reports.GALLERY, e.evaluation().worst().size());
        for (int i = 0; i < singleWorst.size(); i++) {
            dev.ferry.eval.SampleResult a = singleWorst.get(i);
            dev.ferry.eval.WorstSamples.Sample b = e.evaluation().worst().get(i);
            assertEquals(relative(images, samples.get(a.index()).path()), relativeUri(b.key(), images), "worst #" + i);
            assertEquals(a.trueLabel(), b.trueLabel());
            assertEquals(a.predicted(), b.predicted());
            assertEquals(a.trueProbability(), b.trueProbability(), 1e-6);
        }
        // Its report: the metrics, the chart, and those of them that are wrong listed by path.
        assertEquals(report.resolve("report.html"), e.report());
        String html = Files.readString(e.report());
        assertTrue(html.contains("Worst-classified images (the images are not at hand)"), html);
        assertTrue(Files.isRegularFile(report.resolve("confusion_matrix.png")));
        List<dev.ferry.eval.WorstSamples.Sample> gallery = e.evaluation().gallery();
        assertEquals(dev.ferry.workflow.Reports.galleryResults(single.metrics()).size(), gallery.size());
        for (dev.ferry.eval.WorstSamples.Sample s : gallery) {
            assertTrue(html.contains(s.key() + ": "), s.key());
        }
        assertEquals(gallery.isEmpty(), html.contains("none misclassified"));

        // Mirrored, as ferry evaluate --tta: its loss is the averaged probabilities', another number.
        Evaluate.Result mirrored = Evaluate.run(new Evaluate.Options(model, images, 4, 2, false, null, true));
        SparkJobs.Job job = job(images, null, null, NetworkSource.model(model.toString()));
        SparkJobs.Evaluated em = spark.evaluate(new SparkJobs.Job(job.input(), null, job.format(), null, job.network(), 4, 2, true, 1),
                false);
        assertTrue(Math.abs(mirrored.metrics().loss() - single.metrics().loss()) > 1e-4 * single.metrics().loss(),
                "mirroring changes the loss");
        assertEquals(mirrored.metrics().confusionMatrix(), em.evaluation().metrics().confusionMatrix());
        assertEquals(mirrored.metrics().loss(), em.evaluation().metrics().loss(), 1e-6 * mirrored.metrics().loss());
    }

    @Test
    void evaluationRefusesUnknownClassesAndCountsBadImagesOut() throws IOException {
        Path odd = tmp.resolve("odd-classes");
        TestFiles.copyTree(images.resolve("checker"), odd.resolve("checker"));
        TestFiles.copyTree(images.resolve("checker"), odd.resolve("diagonal"));
        InputException unknown = assertThrows(InputException.class, () -> spark.evaluate(
                job(odd, null, null, NetworkSource.model(model.toString())), false));
        assertTrue(unknown.getMessage().contains("class folder 'diagonal' is not one of the model's 3 classes"), unknown.getMessage());

        Path bad = tmp.resolve("bad-eval");
        TestFiles.copyTree(images, bad);
        Files.writeString(bad.resolve("horizontal/broken.png"), "no");
        Files.copy(images.resolve("checker/x00.png"), bad.resolve("loose.png"));
        InputException refused = assertThrows(InputException.class, () -> spark.evaluate(
                job(bad, null, null, NetworkSource.model(model.toString())), false));
        assertTrue(refused.getMessage().startsWith("2 images of "), refused.getMessage());
        SparkJobs.Evaluated skipped = spark.evaluate(job(bad, null, null, NetworkSource.model(model.toString())), true);
        assertEquals(3 * PER_CLASS, skipped.evaluation().metrics().sampleCount());
        assertEquals(List.of("horizontal/broken.png", "loose.png"),
                skipped.evaluation().failed().stream().map(f -> relativeUri(f.path(), bad)).toList());
        assertEquals("not in a class folder", skipped.evaluation().failed().get(1).reason());
    }

    @Test
    void anExistingOutputAndAMissingInputAreRefusedBeforeAnyWork() throws IOException {
        Path exists = Files.createDirectories(tmp.resolve("exists"));
        InputException e = assertThrows(InputException.class, () -> spark.predict(
                job(images, exists, null, NetworkSource.model(model.toString())), 1));
        assertTrue(e.getMessage().startsWith("the output folder exists already: "), e.getMessage());
        InputException missing = assertThrows(InputException.class, () -> spark.predict(
                job(tmp.resolve("nowhere"), tmp.resolve("out-missing"), null, NetworkSource.model(model.toString())), 1));
        assertTrue(missing.getMessage().startsWith("no such input folder: "), missing.getMessage());
        assertTrue(Files.notExists(tmp.resolve("out-missing")));
        // Embeddings are one view of the float backbone: mirroring is refused, and nothing written.
        SparkJobs.Job mirrored = new SparkJobs.Job(images.toString(), tmp.resolve("out-mirrored").toString(), null, null,
                NetworkSource.model(model.toString()), 4, 2, true, 1);
        InputException tta = assertThrows(InputException.class, () -> spark.embed(mirrored));
        assertEquals("--tta averages classifications; embeddings are one view's features, as ferry embed computes them",
                tta.getMessage());
        assertTrue(Files.notExists(tmp.resolve("out-mirrored")));
    }
}
