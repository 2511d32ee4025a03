package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.ferry.model.Architecture;
import dev.ferry.model.ResNet;
import dev.ferry.model.ResNetConfig;
import dev.ferry.model.Stem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry sweep} on the demo's data: the 100 training images of its five-class Fashion-MNIST
 * task, and the network the demo ships (a ResNet-50 of width 16 pretrained on the other five
 * classes) against the same network randomly initialised.
 */
class SweepCommandTest {
    @TempDir
    static Path tmp;
    static Path train;
    static Path pretrained;

    @BeforeAll
    static void demoData() throws IOException {
        DemoFixture.unpackImages("train/", tmp, false);
        train = tmp.resolve("train");
        pretrained = DemoFixture.copyNetwork(tmp.resolve("pretrained"));
    }

    private static CliHarness.Result sweep(Path out, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("sweep", "--data", train.toString(), "--out", out.toString(),
                "--threads", "2", "--seed", "3"));
        args.addAll(List.of(extra));
        return CliHarness.run(args.toArray(String[]::new));
    }

    private static double[] folds(JsonObject candidate) {
        JsonArray a = candidate.getAsJsonArray("foldAccuracies");
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsDouble();
        }
        return out;
    }

    @Test
    void theShippedPretrainedNetworkRanksAboveTheSameNetworkRandomlyInitialised() throws IOException {
        Path out = tmp.resolve("sweep");
        String random = "random:" + pretrained;
        CliHarness.Result r = sweep(out, "--weights", pretrained + "," + random, "--json");
        assertEquals(0, r.code(), r.err());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals(100, o.get("images").getAsInt());
        assertEquals(5, o.get("folds").getAsInt());
        JsonArray candidates = o.getAsJsonArray("candidates");
        assertEquals(2, candidates.size());
        JsonObject p = candidates.get(0).getAsJsonObject();
        JsonObject b = candidates.get(1).getAsJsonObject();
        assertEquals(pretrained.toString(), p.get("name").getAsString());
        assertEquals(random, b.get("name").getAsString());
        assertTrue(b.get("baseline").getAsBoolean());

        // The shipped network: ResNet-50, width 16, small stem, 28 x 28 inputs; a 5-class head.
        ResNet net = ResNet.create(new ResNetConfig(Architecture.RESNET50, 5, 16, Stem.SMALL, 0f, false));
        for (JsonObject c : List.of(p, b)) {
            assertEquals(net.parameterCount(), c.get("params").getAsLong());
            assertEquals(net.macs(new Shape(1, 3, 28, 28)) / 1e9, c.get("gmacs").getAsDouble(), 1e-12);
            assertEquals("resnet50", c.get("arch").getAsString());
            assertEquals(16, c.get("width").getAsInt());
            double[] acc = folds(c);
            assertEquals(5, acc.length);
            double sum = 0;
            for (double a : acc) {
                // Each fold holds 4 of each class's 20 images: 20 images, so accuracies are twentieths.
                assertEquals(Math.round(a * 20) / 20.0, a, 1e-12, "fold accuracy " + a);
                sum += a;
            }
            assertEquals(sum / 5, c.get("mean").getAsDouble(), 1e-12);
            assertTrue(c.get("imagesPerSecond").getAsDouble() > 0);
        }
        double pm = p.get("mean").getAsDouble();
        double bm = b.get("mean").getAsDouble();
        assertTrue(pm > bm + 0.1, "pretrained " + pm + " vs random " + bm);
        assertTrue(pm > 0.6, "pretrained probe accuracy " + pm);
        assertEquals(pretrained.toString(), o.get("recommended").getAsString());

        // The report: the table and the chart, and the same results on disk.
        String html = Files.readString(out.resolve("report.html"), StandardCharsets.UTF_8);
        assertTrue(html.contains("Candidates (* recommended)") && html.contains("* " + pretrained) && html.contains(random), html);
        assertTrue(html.contains("sweep_accuracy.png"), "the chart is on the page");
        byte[] png = Files.readAllBytes(out.resolve("sweep_accuracy.png"));
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(png, 4));
        JsonObject saved = JsonParser.parseString(Files.readString(out.resolve("sweep.json"))).getAsJsonObject();
        assertEquals(o.get("candidates"), saved.get("candidates"));

        // Repeatable: the same seed gives the same folds and the same probes.
        CliHarness.Result again = sweep(tmp.resolve("again"), "--weights", pretrained + "," + random, "--json");
        JsonArray second = JsonParser.parseString(again.out()).getAsJsonObject().getAsJsonArray("candidates");
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(folds(candidates.get(i).getAsJsonObject()), folds(second.get(i).getAsJsonObject()));
        }

        CliHarness.Result text = sweep(tmp.resolve("text"), "--weights", pretrained + "," + random);
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("recommended: " + pretrained), text.out());
        assertTrue(text.out().lines().anyMatch(l -> l.startsWith("* " + pretrained)), text.out());
    }

    @Test
    void aBudgetLeavesOutWhatCostsMore() {
        // At 28 x 28 the torchvision ResNet-18 (stride-4 stem) costs 0.034 GMACs, the shipped network 0.066.
        CliHarness.Result r = sweep(tmp.resolve("budget"), "--weights", pretrained + ",random:resnet18", "--budget", "0.05",
                "--resize", "0", "--crop", "28", "--mean", "0.286", "--std", "0.353", "--json");
        assertEquals(0, r.code(), r.err());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals(List.of(pretrained.toString()), o.getAsJsonArray("overBudget").asList().stream().map(JsonElement::getAsString).toList());
        assertEquals(1, o.getAsJsonArray("candidates").size());
        assertTrue(o.get("recommended").isJsonNull(), "a random baseline is never recommended");
    }

    @Test
    void badRequestsAreOneLineUsageErrors() {
        CliHarness.Result none = sweep(tmp.resolve("none"));
        assertEquals(2, none.code());
        assertTrue(none.err().contains("name the candidates (--weights a,b,c) or a budget"), none.err());

        CliHarness.Result folds = sweep(tmp.resolve("folds"), "--weights", pretrained.toString(), "--folds", "21");
        assertEquals(2, folds.code());
        assertTrue(folds.err().contains("--folds 21 is more than the 20 images of class folder"), folds.err());

        CliHarness.Result unknown = sweep(tmp.resolve("unknown"), "--weights", "resnet51");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("unknown pretrained weights 'resnet51'"), unknown.err());
        for (CliHarness.Result r : List.of(none, folds, unknown)) {
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertEquals("", r.out());
        }
    }
}
