package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry predict} end to end against torchvision: {@code tools/make_predict_fixtures.py} ran
 * the {@code resnet50_w8.pth} fixture network on two PNGs with torchvision's ImageNet preprocessing
 * and recorded the softmax top-5.
 */
class PredictCommandTest {
    static final String WAVES = "waves_300x260.png";
    static final String RINGS = "rings_240x320.png";

    @Test
    void top5MatchesTorchvision() {
        String weights = resource("weights/resnet50_w8.pth").toString();
        String waves = resource("predict/" + WAVES).toString();
        String rings = resource("predict/" + RINGS).toString();

        CliHarness.Result r = CliHarness.run("predict", "--weights", weights, "--top-k", "5", "--json", waves, rings);

        assertEquals(0, r.code(), r.err());
        assertEquals("", r.err());
        JsonArray results = JsonParser.parseString(r.out()).getAsJsonArray();
        assertEquals(2, results.size());
        assertMatchesTorchvision(results.get(0).getAsJsonObject(), waves, WAVES);
        assertMatchesTorchvision(results.get(1).getAsJsonObject(), rings, RINGS);
    }

    @Test
    void textIsABlockPerImage() {
        String waves = resource("predict/" + WAVES).toString();
        CliHarness.Result r = CliHarness.run("predict", "--weights", resource("weights/resnet50_w8.pth").toString(),
                "--top-k", "2", waves);
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        JsonArray top = expected(WAVES).getAsJsonArray("top");
        assertEquals(3, lines.size(), r.out());
        assertEquals(waves, lines.get(0));
        for (int i = 0; i < 2; i++) {
            int index = top.get(i).getAsJsonObject().get("index").getAsInt();
            double p = top.get(i).getAsJsonObject().get("probability").getAsDouble();
            assertEquals(String.format(java.util.Locale.ROOT, "  %.4f  class %d (%d)", p, index, index), lines.get(i + 1));
        }
    }

    @Test
    void foldersAreSearchedRecursivelyInSortedOrderAndCsvIsWritten(@TempDir Path dir) throws IOException {
        Path images = dir.resolve("images");
        Files.createDirectories(images.resolve("b/deeper"));
        Files.copy(resource("predict/" + RINGS), images.resolve("b/deeper/rings.PNG"));
        Files.copy(resource("predict/" + WAVES), images.resolve("a, \"waves\".png"));
        Files.writeString(images.resolve("b/notes.txt"), "not an image, and not named like one");
        Path csv = dir.resolve("out/predictions.csv");

        CliHarness.Result r = CliHarness.run("predict", "--weights", resource("weights/resnet50_w8.pth").toString(),
                "--top-k", "3", "--batch-size", "1", "--threads", "2", "--csv", csv.toString(), images.toString());

        assertEquals(0, r.code(), r.err());
        assertEquals("", r.out(), "with --csv nothing goes to stdout");
        List<String> rows = Files.readAllLines(csv, StandardCharsets.UTF_8);
        assertEquals(1 + 2 * 3, rows.size(), rows.toString());
        assertEquals("image,rank,index,label,probability", rows.get(0));
        String quoted = "\"" + images.resolve("a, \"waves\".png").toString().replace("\"", "\"\"") + "\"";
        for (int rank = 1; rank <= 3; rank++) {
            JsonObject want = expected(WAVES).getAsJsonArray("top").get(rank - 1).getAsJsonObject();
            String row = rows.get(rank);
            assertTrue(row.startsWith(quoted + "," + rank + "," + want.get("index").getAsInt() + ",class "
                    + want.get("index").getAsInt() + ","), row);
            assertEquals(want.get("probability").getAsDouble(), Double.parseDouble(row.substring(row.lastIndexOf(',') + 1)), 1e-5);
        }
        JsonObject firstRings = expected(RINGS).getAsJsonArray("top").get(0).getAsJsonObject();
        assertTrue(rows.get(4).startsWith(images.resolve("b/deeper/rings.PNG") + ",1," + firstRings.get("index").getAsInt() + ","),
                rows.get(4));
        try (Stream<Path> files = Files.list(csv.getParent())) {
            assertEquals(List.of(csv), files.toList(), "no temporary file is left next to the CSV");
        }
    }

    @Test
    void aBadImageAmongGoodOnesIsNamedTheOthersArePredictedAndTheExitCodeIs1(@TempDir Path dir) throws IOException {
        Path corrupt = dir.resolve("corrupt.png");
        byte[] png = Files.readAllBytes(resource("predict/" + WAVES));
        Files.write(corrupt, java.util.Arrays.copyOf(png, png.length / 3));
        Path text = dir.resolve("text.jpg");
        Files.writeString(text, "hello");
        Path missing = dir.resolve("missing.png");
        String waves = resource("predict/" + WAVES).toString();
        String rings = resource("predict/" + RINGS).toString();

        CliHarness.Result r = CliHarness.run("predict", "--weights", resource("weights/resnet50_w8.pth").toString(), "--json",
                "--batch-size", "2", waves, corrupt.toString(), missing.toString(), text.toString(), rings);

        assertEquals(1, r.code(), r.err());
        JsonArray results = JsonParser.parseString(r.out()).getAsJsonArray();
        assertEquals(2, results.size(), r.out());
        assertMatchesTorchvision(results.get(0).getAsJsonObject(), waves, WAVES);
        assertMatchesTorchvision(results.get(1).getAsJsonObject(), rings, RINGS);
        List<String> err = r.err().lines().toList();
        assertEquals(4, err.size(), r.err());
        assertTrue(err.stream().allMatch(l -> l.startsWith("ferry: error: ")), r.err());
        assertTrue(err.stream().anyMatch(l -> l.contains(missing + ": no such file or folder")), r.err());
        assertTrue(err.stream().anyMatch(l -> l.contains(corrupt + ": truncated or corrupt PNG")), r.err());
        assertTrue(err.stream().anyMatch(l -> l.contains(text + ": not an image")), r.err());
        assertEquals("ferry: error: 3 of 5 inputs could not be read; the other 2 were predicted", err.get(3));
    }

    @Test
    void noReadableImageIsExitCode2AndWritesNothing(@TempDir Path dir) throws IOException {
        Path text = dir.resolve("text.png");
        Files.writeString(text, "hello");
        Path csv = dir.resolve("predictions.csv");
        CliHarness.Result r = CliHarness.run("predict", "--weights", resource("weights/resnet50_w8.pth").toString(),
                "--csv", csv.toString(), text.toString(), dir.resolve("missing.png").toString());
        assertEquals(2, r.code(), r.err());
        assertEquals("", r.out());
        assertTrue(r.err().lines().toList().get(r.err().lines().toList().size() - 1).startsWith("ferry: error: no image could be read"), r.err());
        assertFalse(Files.exists(csv));

        CliHarness.Result none = CliHarness.run("predict", "--weights", resource("weights/resnet50_w8.pth").toString(),
                dir.resolve("nothing.png").toString());
        assertEquals(2, none.code());
        assertEquals(List.of("ferry: error: " + dir.resolve("nothing.png") + ": no such file or folder",
                "ferry: error: no image to predict: none of the 1 inputs could be read"), none.err().lines().toList());
    }

    @Test
    void unusableWeightsAreAOneLineErrorWithExitCode2() {
        String image = resource("predict/" + WAVES).toString();
        Path malicious = resource("weights/malicious_os_system.pth");
        Path truncated = resource("weights/truncated_zip.pth");
        Path resnet50 = resource("weights/resnet50_w8.pth");
        for (String[] args : new String[][] {
            {"--weights", malicious.toString()},
            {"--weights", truncated.toString()},
            {"--weights", resnet50.toString(), "--arch", "resnet18"},
        }) {
            String[] full = Stream.concat(Stream.of("predict"), Stream.concat(Stream.of(args), Stream.of(image))).toArray(String[]::new);
            CliHarness.Result r = CliHarness.run(full);
            assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
            assertEquals("", r.out());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().startsWith("ferry: error: "), r.err());
            assertFalse(r.err().contains("Exception"), r.err());
            assertTrue(r.err().contains(args[1]), r.err());
        }
        assertTrue(CliHarness.run("predict", "--weights", malicious.toString(), image).err().contains("refused to load"));
        assertTrue(CliHarness.run("predict", "--weights", resnet50.toString(), "--arch", "resnet18", image).err()
                .contains("--arch resnet18 does not match the weights, which are resnet50"));
    }

    @Test
    void badUsageIsExitCode2() {
        String image = resource("predict/" + WAVES).toString();
        String weights = resource("weights/resnet50_w8.pth").toString();
        String[][] cases = {
            {"predict", image},
            {"predict", "--weights", weights, "--model", "somewhere", image},
            {"predict", "--weights", weights, "--top-k", "0", image},
            {"predict", "--weights", weights, "--batch-size", "0", image},
            {"predict", "--weights", weights, "--json", "--csv", "x.csv", image},
            {"predict", "--weights", weights},
        };
        for (String[] args : cases) {
            CliHarness.Result r = CliHarness.run(args);
            assertEquals(2, r.code(), String.join(" ", args));
            assertEquals("", r.out());
            assertTrue(r.err().startsWith("ferry: error: "), r.err());
        }
    }

    @Test
    void topKIsCappedAtTheNumberOfClasses() {
        CliHarness.Result r = CliHarness.run("predict", "--weights", resource("weights/resnet50_w8.pth").toString(),
                "--top-k", "50", "--json", resource("predict/" + RINGS).toString());
        assertEquals(0, r.code(), r.err());
        JsonArray top = JsonParser.parseString(r.out()).getAsJsonArray().get(0).getAsJsonObject().getAsJsonArray("top");
        assertEquals(10, top.size());
        double sum = 0;
        for (JsonElement e : top) {
            sum += e.getAsJsonObject().get("probability").getAsDouble();
        }
        assertEquals(1.0, sum, 1e-5);
    }

    private static void assertMatchesTorchvision(JsonObject result, String path, String fixture) {
        assertEquals(path, result.get("image").getAsString());
        JsonArray top = result.getAsJsonArray("top");
        JsonArray want = expected(fixture).getAsJsonArray("top");
        assertEquals(want.size(), top.size());
        for (int i = 0; i < want.size(); i++) {
            JsonObject got = top.get(i).getAsJsonObject();
            JsonObject exp = want.get(i).getAsJsonObject();
            assertEquals(exp.get("index").getAsInt(), got.get("index").getAsInt(), fixture + " rank " + (i + 1));
            assertEquals("class " + exp.get("index").getAsInt(), got.get("label").getAsString());
            assertEquals(exp.get("probability").getAsDouble(), got.get("probability").getAsDouble(), 1e-5,
                    fixture + " rank " + (i + 1));
        }
    }

    static JsonObject expected(String image) {
        try {
            String text = Files.readString(resource("predict/expected.json"), StandardCharsets.UTF_8);
            return JsonParser.parseString(text).getAsJsonObject().getAsJsonObject("images").getAsJsonObject(image);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A file under src/test/resources. */
    static Path resource(String name) {
        URL url = PredictCommandTest.class.getResource("/" + name);
        if (url == null) {
            throw new IllegalStateException("missing test resource " + name);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
