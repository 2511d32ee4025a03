package dev.ferry.cli;

import dev.ferry.train.TinyTask;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.ferry.train.LrFinder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ferry lr-find} on the {@link TinyTask}. */
class LrFindCommandTest {
    @TempDir
    static Path tmp;
    static TinyTask task;

    @BeforeAll
    static void fixtures() throws IOException {
        task = TinyTask.create(tmp);
    }

    static String[] args(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("lr-find", "--data", task.data().toString(), "--weights", task.weights().toString()));
        a.addAll(TinyTask.presetArgs());
        a.addAll(List.of("--batch-size", "8", "--threads", "2", "--out", out.toString()));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    @Test
    void jsonCurveChartAndSuggestion() throws IOException {
        Path out = tmp.resolve("sweep");
        CliHarness.Result r = CliHarness.run(args(out, "--start", "1e-4", "--end", "1e4", "--steps", "20", "--json"));

        assertEquals(0, r.code(), r.err());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        JsonArray rates = o.getAsJsonArray("rates");
        JsonArray losses = o.getAsJsonArray("losses");
        assertEquals(rates.size(), losses.size());
        assertEquals(rates.size(), o.getAsJsonArray("rawLosses").size());
        assertTrue(rates.size() >= 2 && rates.size() <= 20, r.out());
        assertEquals(1e-4, rates.get(0).getAsDouble(), 1e-16);
        double[] r2 = new double[rates.size()];
        double[] l2 = new double[rates.size()];
        for (int i = 0; i < r2.length; i++) {
            r2[i] = rates.get(i).getAsDouble();
            l2[i] = losses.get(i).getAsDouble();
            if (i > 0) {
                assertEquals(Math.pow(1e8, 1 / 19.0), r2[i] / r2[i - 1], 1e-9, "exponential steps");
            }
        }
        double suggested = o.get("suggestedLr").getAsDouble();
        assertEquals(LrFinder.suggest(r2, l2), suggested, 0.0);
        assertEquals(rates.size() < 20, o.get("stoppedEarly").getAsBoolean());
        assertEquals("fine-tune", o.get("strategy").getAsString());

        byte[] png = Files.readAllBytes(out.resolve("lr_find.png"));
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(png, 4));
        assertEquals(r.out().trim(), Files.readString(out.resolve("lr_find.json"), StandardCharsets.UTF_8).trim());
        assertTrue(r.err().contains("wrote " + out.resolve("lr_find.png")), r.err());
    }

    @Test
    void textPrintsTheSuggestionForEachStrategy() {
        for (String strategy : new String[] {"feature-extract", "two-stage", "scratch"}) {
            Path out = tmp.resolve("text-" + strategy);
            CliHarness.Result r = CliHarness.run(args(out, "--strategy", strategy, "--steps", "4", "--start", "1e-3", "--end", "1"));
            assertEquals(0, r.code(), strategy + ": " + r.err());
            assertTrue(r.out().matches("suggested learning rate: \\d\\.\\d\\de[-+]\\d\\d \\(steepest descent of the smoothed loss\\)\\R"), r.out());
            assertTrue(Files.isRegularFile(out.resolve("lr_find.png")), strategy);
        }
    }

    @Test
    void badInputIsExitCode2AndWritesNothing() throws IOException {
        Path oneClass = tmp.resolve("one-class/only");
        Files.createDirectories(oneClass);
        Files.copy(task.data().resolve("checker/img00.png"), oneClass.resolve("a.png"));
        Files.copy(task.data().resolve("checker/img01.png"), oneClass.resolve("b.png"));
        String[][] cases = {
            args(tmp.resolve("x1"), "--start", "0"),
            args(tmp.resolve("x2"), "--start", "1", "--end", "0.1"),
            args(tmp.resolve("x3"), "--steps", "1"),
            withOption(args(tmp.resolve("x4")), "--batch-size", "1"),
            args(tmp.resolve("x5"), "--arch", "resnet50"),
            args(tmp.resolve("x6"), "--strategy", "unfreeze-from:layer9"),
            withOption(args(tmp.resolve("x7")), "--data", tmp.resolve("nowhere").toString()),
            withOption(args(tmp.resolve("x8")), "--data", oneClass.getParent().toString()),
        };
        for (String[] a : cases) {
            CliHarness.Result r = CliHarness.run(a);
            String out = a[List.of(a).indexOf("--out") + 1];
            assertEquals(2, r.code(), String.join(" ", a) + ": " + r.err());
            assertEquals("", r.out());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().startsWith("ferry: error: "), r.err());
            assertFalse(Files.exists(Path.of(out)), out + " was created");
        }
    }

    /** {@code args} with the value of {@code option} replaced. */
    private static String[] withOption(String[] args, String option, String value) {
        String[] copy = args.clone();
        copy[List.of(copy).indexOf(option) + 1] = value;
        return copy;
    }
}
