package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.ferry.TestFiles;
import dev.ferry.data.Npy;
import dev.ferry.data.EmbeddingIndex;
import dev.ferry.train.ModelDirectory;
import dev.ferry.weights.StateDict;
import dev.ferry.weights.WeightsReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry spark predict|embed|evaluate --master local[2]} against {@code ferry predict
 * --json}, {@code ferry embed} and {@code ferry evaluate --json} on the demo's 100 training images
 * (JSON Lines output, read back here without Spark), with a model trained on them.
 */
class SparkCommandTest {
    @TempDir
    static Path tmp;
    static Path train;
    static Path model;
    static Path pretrained;

    @BeforeAll
    static void demoModel() throws IOException {
        DemoFixture.unpackImages("train/", tmp, false);
        train = tmp.resolve("train");
        pretrained = Files.createDirectories(tmp.resolve("pretrained"));
        DemoFixture.copyNetwork(pretrained);
        model = tmp.resolve("model");
        CliHarness.Result r = CliHarness.run("train", "--data", train.toString(), "--weights", pretrained.toString(),
                "--strategy", "feature-extract", "--epochs", "3", "--seed", "3", "--threads", "2", "--out", model.toString());
        assertEquals(0, r.code(), r.err());
    }

    private static CliHarness.Result spark(String job, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("spark", job, "--master", "local[2]", "--batch-size", "8",
                "--conf", "spark.sql.files.maxPartitionBytes=40m"));
        args.addAll(List.of(extra));
        return CliHarness.run(args.toArray(String[]::new));
    }

    /** The rows of a JSON Lines output folder (its part files), as objects. */
    private static List<JsonObject> rows(Path dir) throws IOException {
        List<JsonObject> out = new java.util.ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path part : files.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList()) {
                for (String line : Files.readAllLines(part)) {
                    if (!line.isBlank()) {
                        out.add(JsonParser.parseString(line).getAsJsonObject());
                    }
                }
            }
        }
        return out;
    }

    private static String relative(String uri, Path root) {
        String prefix = "file:" + root.toAbsolutePath() + "/";
        assertTrue(uri.startsWith(prefix), uri);
        return uri.substring(prefix.length());
    }

    @Test
    void predictWritesFerryPredictsProbabilitiesAndAnErrorRowForABrokenFile() throws IOException {
        Path input = tmp.resolve("with-broken");
        TestFiles.copyTree(train, input);
        Files.writeString(input.resolve("Coat/broken.png"), "not a png");

        // ferry predict reports the broken file and exits 1: the reference is the folder without it.
        Map<String, JsonArray> expected = ferryPredict(model);

        Path out = tmp.resolve("predictions");
        CliHarness.Result r = spark("predict", "--model", model.toString(), "--input", input.toString(), "--output", out.toString(),
                "--format", "jsonl", "--top-k", "3", "--json");
        assertEquals(0, r.code(), r.err());
        JsonObject summary = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals(101, summary.get("rows").getAsLong());
        assertEquals(1, summary.get("errors").getAsLong());

        List<JsonObject> rows = rows(out);
        assertEquals(101, rows.size());
        for (JsonObject row : rows) {
            if (relative(row.get("path").getAsString(), input).equals("Coat/broken.png")) {
                assertTrue(row.get("error").getAsString().startsWith("not an image"), row.toString());
                assertTrue(!row.has("classes") || row.get("classes").isJsonNull());
            }
        }
        assertEquals(100, assertSameTop(expected, rows, input));
    }

    /** {@code ferry predict --model M --top-k 3 --json} on the training images, with {@code extra} options: the top by path. */
    private static Map<String, JsonArray> ferryPredict(Path m, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("predict", "--model", m.toString(), "--top-k", "3", "--json"));
        args.addAll(List.of(extra));
        args.add(train.toString());
        CliHarness.Result single = CliHarness.run(args.toArray(String[]::new));
        assertEquals(0, single.code(), single.err());
        Map<String, JsonArray> expected = new HashMap<>();
        for (JsonElement e : JsonParser.parseString(single.out()).getAsJsonArray()) {
            JsonObject o = e.getAsJsonObject();
            if (o.has("top")) {
                expected.put(train.relativize(Path.of(o.get("image").getAsString())).toString(), o.getAsJsonArray("top"));
            }
        }
        assertEquals(100, expected.size());
        return expected;
    }

    /**
     * Every row without an error has {@code expected}'s classes for its path, in order, and
     * probabilities within rel. 1e-5; returns how many rows were compared.
     */
    private static int assertSameTop(Map<String, JsonArray> expected, List<JsonObject> rows, Path input) {
        int compared = 0;
        for (JsonObject row : rows) {
            String rel = relative(row.get("path").getAsString(), input);
            if (row.has("error") && !row.get("error").isJsonNull()) {
                continue;
            }
            JsonArray top = expected.get(rel);
            JsonArray classes = row.getAsJsonArray("classes");
            JsonArray probs = row.getAsJsonArray("probabilities");
            assertEquals(top.size(), classes.size(), rel);
            for (int i = 0; i < top.size(); i++) {
                JsonObject t = top.get(i).getAsJsonObject();
                assertEquals(t.get("label").getAsString(), classes.get(i).getAsString(), rel);
                double want = t.get("probability").getAsDouble();
                assertEquals(want, probs.get(i).getAsDouble(), 1e-5 * want, rel);
            }
            compared++;
        }
        return compared;
    }

    /** The largest difference between two sets of top probabilities (1 where the classes differ). */
    private static double largestDifference(Map<String, JsonArray> a, Map<String, JsonArray> b) {
        double most = 0;
        for (Map.Entry<String, JsonArray> e : a.entrySet()) {
            JsonArray x = e.getValue();
            JsonArray y = b.get(e.getKey());
            for (int i = 0; i < x.size(); i++) {
                JsonObject p = x.get(i).getAsJsonObject();
                JsonObject q = y.get(i).getAsJsonObject();
                most = Math.max(most, p.get("label").equals(q.get("label"))
                        ? Math.abs(p.get("probability").getAsDouble() - q.get("probability").getAsDouble()) : 1);
            }
        }
        return most;
    }

    @Test
    void mirroredAndInt8JobsAreFerrysMirroredAndInt8Runs() throws IOException {
        Path quantized = tmp.resolve("model-int8");
        TestFiles.copyTree(model, quantized);
        CliHarness.Result q = CliHarness.run("quantize", "--model", quantized.toString(), "--calibration", train.toString(), "--images",
                "32");
        assertEquals(0, q.code(), q.err());
        Map<String, JsonArray> plain = ferryPredict(quantized);
        Map<String, JsonArray> expected = ferryPredict(quantized, "--tta", "--int8");
        // Each option changes the answers, so a job that ignored either would be caught.
        assertTrue(largestDifference(plain, ferryPredict(quantized, "--tta")) > 1e-4, "--tta changes the probabilities");
        assertTrue(largestDifference(plain, ferryPredict(quantized, "--int8")) > 1e-4, "--int8 changes the probabilities");
        Path out = tmp.resolve("predictions-tta-int8");
        CliHarness.Result r = spark("predict", "--model", quantized.toString(), "--input", train.toString(), "--output",
                out.toString(), "--format", "jsonl", "--top-k", "3", "--tta", "--int8");
        assertEquals(0, r.code(), r.err());
        assertEquals(100, assertSameTop(expected, rows(out), train));

        CliHarness.Result single = CliHarness.run("evaluate", "--model", quantized.toString(), "--data", train.toString(), "--json",
                "--tta", "--int8");
        assertEquals(0, single.code(), single.err());
        CliHarness.Result ev = spark("evaluate", "--model", quantized.toString(), "--input", train.toString(), "--json", "--tta",
                "--int8");
        assertEquals(0, ev.code(), ev.err());
        JsonObject want = JsonParser.parseString(single.out()).getAsJsonObject();
        JsonObject got = JsonParser.parseString(ev.out()).getAsJsonObject();
        for (String key : List.of("accuracy", "top5Accuracy", "samples", "correct", "perClass", "confusionMatrix")) {
            assertEquals(want.get(key), got.get(key), key);
        }
        assertEquals(want.get("loss").getAsDouble(), got.get("loss").getAsDouble(), 1e-9 * want.get("loss").getAsDouble());

        // Embeddings are one view of the float backbone: the options are not offered there.
        CliHarness.Result embed = spark("embed", "--model", quantized.toString(), "--input", train.toString(), "--output",
                tmp.resolve("never-embedded").toString(), "--tta");
        assertEquals(2, embed.code(), embed.err());
        assertTrue(embed.err().contains("Unknown option: '--tta'"), embed.err());
        CliHarness.Result weights = spark("predict", "--weights", pretrained.toString(), "--input", train.toString(), "--output",
                tmp.resolve("never-predicted").toString(), "--int8");
        assertEquals(2, weights.code(), weights.err());
        assertTrue(weights.err().contains("--int8 runs a trained model's quantized network: it needs --model DIR, not --weights"),
                weights.err());
        for (String engines : List.of("0", "none")) {
            CliHarness.Result bad = spark("predict", "--model", model.toString(), "--input", train.toString(), "--output",
                    tmp.resolve("never-predicted").toString(), "--engines", engines);
            assertEquals(2, bad.code(), bad.err());
            assertTrue(bad.err().contains("--engines takes a count of at least 1 or 'slots', got '" + engines + "'"), bad.err());
        }
    }

    @Test
    void embedWritesTheRowsFerryEmbedWrites() throws IOException {
        Path npy = tmp.resolve("single/train.npy");
        assertEquals(0, CliHarness.run("embed", "--weights", pretrained.toString(), "--data", train.toString(), "--out",
                npy.toString(), "--threads", "2").code());
        EmbeddingIndex index = EmbeddingIndex.read(EmbeddingIndex.fileFor(npy));
        Npy.Matrix m = Npy.open(npy);
        Map<String, float[]> expected = new HashMap<>();
        for (int i = 0; i < index.rows(); i++) {
            float[] row = new float[(int) m.cols()];
            m.rows(i, 1, row);
            expected.put(index.items().get(i).path(), row);
        }

        Path out = tmp.resolve("embeddings");
        CliHarness.Result r = spark("embed", "--weights", pretrained.toString(), "--input", train.toString(), "--output",
                out.toString(), "--format", "jsonl");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("wrote 100 embeddings (0 with an error) to "), r.out());
        List<JsonObject> rows = rows(out);
        assertEquals(100, rows.size());
        for (JsonObject row : rows) {
            String rel = relative(row.get("path").getAsString(), train);
            assertEquals(rel.substring(0, rel.indexOf('/')), row.get("label").getAsString());
            JsonArray v = row.getAsJsonArray("features");
            float[] want = expected.get(rel);
            assertEquals(want.length, v.size());
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], v.get(i).getAsFloat(), rel + " feature " + i);
            }
        }
        assertTrue(Files.isRegularFile(out.resolve("_ferry.json")));
    }

    @Test
    void evaluatePrintsFerryEvaluatesMetrics() throws IOException {
        CliHarness.Result single = CliHarness.run("evaluate", "--model", model.toString(), "--data", train.toString(), "--json");
        assertEquals(0, single.code(), single.err());
        Path out = tmp.resolve("evaluation");
        Path report = tmp.resolve("evaluation-report");
        CliHarness.Result r = spark("evaluate", "--model", model.toString(), "--input", train.toString(), "--output", out.toString(),
                "--json", "--report", report.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("ferry: report written to " + report.resolve("report.html")), r.err());
        assertTrue(Files.readString(report.resolve("report.html")).contains("ferry evaluation report"));
        JsonObject want = JsonParser.parseString(single.out()).getAsJsonObject();
        JsonObject got = JsonParser.parseString(r.out()).getAsJsonObject();
        for (String key : List.of("accuracy", "top5Accuracy", "samples", "correct", "classes", "perClass", "macroAvg", "weightedAvg",
                "confusionMatrix", "skipped")) {
            assertEquals(want.get(key), got.get(key), key);
        }
        assertEquals(want.get("loss").getAsDouble(), got.get("loss").getAsDouble(), 1e-9 * want.get("loss").getAsDouble());
        JsonObject file = JsonParser.parseString(Files.readString(out.resolve("metrics.json"))).getAsJsonObject();
        assertEquals(got.get("confusionMatrix"), file.get("confusionMatrix"));
        // A report over the model's own training report is refused before the job.
        CliHarness.Result over = spark("evaluate", "--model", model.toString(), "--input", train.toString(), "--report",
                model.toString());
        assertEquals(2, over.code(), over.err());
        assertTrue(over.err().contains("is a model directory, whose report.html is its training report"), over.err());
    }

    @Test
    void aHeadTrainedOnSparkEmbeddingsEqualsOneTrainedFromTheFolder() throws IOException {
        Path emb = tmp.resolve("spark-embeddings");
        assertEquals(0, spark("embed", "--weights", pretrained.toString(), "--input", train.toString(), "--output", emb.toString())
                .code());
        Path a = tmp.resolve("from-spark");
        CliHarness.Result ra = CliHarness.run("train", "--features", emb.toString(), "--weights", pretrained.toString(), "--epochs",
                "3", "--seed", "5", "--threads", "2", "--out", a.toString());
        assertEquals(0, ra.code(), ra.err());
        Path b = tmp.resolve("from-folder");
        CliHarness.Result rb = CliHarness.run("train", "--data", train.toString(), "--strategy", "feature-extract", "--weights",
                pretrained.toString(), "--epochs", "3", "--seed", "5", "--threads", "2", "--out", b.toString());
        assertEquals(0, rb.code(), rb.err());
        StateDict wa = WeightsReader.read(a.resolve(ModelDirectory.WEIGHTS));
        StateDict wb = WeightsReader.read(b.resolve(ModelDirectory.WEIGHTS));
        assertEquals(wb.keys(), wa.keys());
        for (String k : wb.keys()) {
            assertArrayEquals(wb.get(k).floats(), wa.get(k).floats(), k);
        }
        // Its checkpoint records that it trained on features: --resume is refused, not the folder
        // of Parquet files scanned for images.
        CliHarness.Result resumed = CliHarness.run("train", "--resume", "--out", a.toString(), "--epochs", "5");
        assertEquals(2, resumed.code(), resumed.err());
        assertTrue(resumed.err().contains("ferry: error: the run in " + a + " trained on the features in "), resumed.err());
        assertTrue(resumed.err().contains("--resume continues runs on image folders only"), resumed.err());

        // A row whose image could not be read: refused, or left out and named with --skip-bad.
        Path withBroken = tmp.resolve("embed-broken");
        TestFiles.copyTree(train, withBroken);
        Files.writeString(withBroken.resolve("Dress/broken.png"), "no");
        Path embBroken = tmp.resolve("spark-embeddings-broken");
        assertEquals(0, spark("embed", "--weights", pretrained.toString(), "--input", withBroken.toString(), "--output",
                embBroken.toString(), "--format", "jsonl").code());
        CliHarness.Result refused = CliHarness.run("train", "--features", embBroken.toString(), "--weights", pretrained.toString(),
                "--epochs", "1", "--out", tmp.resolve("never-trained").toString());
        assertEquals(2, refused.code(), refused.err());
        assertTrue(refused.err().contains("1 row have no features because the image could not be read (first: file:"
                + withBroken.toAbsolutePath() + "/Dress/broken.png: "), refused.err());
        CliHarness.Result skipped = CliHarness.run("train", "--features", embBroken.toString(), "--weights", pretrained.toString(),
                "--epochs", "1", "--skip-bad", "--threads", "2", "--out", tmp.resolve("skipped").toString());
        assertEquals(0, skipped.code(), skipped.err());
        assertTrue(skipped.err().contains("ferry: warning: skipped the row of unreadable image file:" + withBroken.toAbsolutePath()
                + "/Dress/broken.png"), skipped.err());
    }

    /**
     * Under spark-submit (its own main class, in a child JVM with this test's class path) the job
     * runs on the master spark-submit was given, with no --master of its own.
     */
    @Test
    void sparkSubmitRunsTheCommandOnItsMaster() throws Exception {
        Path out = tmp.resolve("submitted");
        String javaCommand = ProcessHandle.current().info().command().orElse("java");
        // spark-submit wants a primary jar: any jar already on the class path does.
        String primary = Path.of(picocli.CommandLine.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        Path options = Path.of("..", "ferry-spark", "src", "main", "jvm", "spark-java.options").toAbsolutePath().normalize();
        Process p = new ProcessBuilder(javaCommand, "@" + options, "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"),
                "org.apache.spark.deploy.SparkSubmit", "--master", "local[2]", "--conf", "spark.ui.enabled=false",
                "--class", "dev.ferry.cli.FerryCli", primary,
                "spark", "predict", "--model", model.toString(), "--input", train.toString(), "--output", out.toString(),
                "--format", "jsonl", "--json")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String stdout = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), stdout);
        JsonObject summary = JsonParser.parseString(stdout.strip()).getAsJsonObject();
        assertEquals(100, summary.get("rows").getAsLong());
        assertEquals(100, rows(out).size());
    }

    @Test
    void badUsageIsOneLineAndExitTwo() {
        CliHarness.Result both = spark("predict", "--model", model.toString(), "--weights", pretrained.toString(), "--input",
                train.toString(), "--output", tmp.resolve("never").toString());
        assertEquals(2, both.code());
        assertEquals("ferry: error: --model and --weights exclude each other: give one network", both.err().strip());
        CliHarness.Result missing = spark("predict", "--model", tmp.resolve("no-model").toString(), "--input", train.toString(),
                "--output", tmp.resolve("never").toString());
        assertEquals(2, missing.code(), missing.err());
        assertEquals(1, missing.err().strip().lines().count(), missing.err());
        assertTrue(Files.notExists(tmp.resolve("never")));
        CliHarness.Result weightsEval = spark("evaluate", "--weights", pretrained.toString(), "--input", train.toString());
        assertEquals(2, weightsEval.code());
        assertTrue(weightsEval.err().contains("evaluation needs a trained model"), weightsEval.err());
    }
}
