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
        assertEquals(steepestDescentBeforeTheMinimum(r2, l2), suggested, 0.0, "the documented rule, computed here");
        int lowest = 0;
        for (int i = 1; i < l2.length; i++) {
            lowest = l2[i] < l2[lowest] ? i : lowest;
        }
        // Every rule's reading of the same curve, as --lr auto:RULE would train at.
        JsonObject rules = o.getAsJsonObject("rules");
        assertEquals(java.util.Set.of("steepest", "minimum", "valley"), rules.keySet());
        for (LrFinder.Rule rule : LrFinder.Rule.values()) {
            java.util.OptionalDouble v = rule.pick(r2, l2);
            if (v.isPresent()) {
                assertEquals(v.getAsDouble(), rules.get(rule.id()).getAsDouble(), 0.0, rule.id());
            } else {
                assertTrue(rules.get(rule.id()).isJsonNull(), rule.id());
            }
        }
        if (lowest > 0) {
            assertEquals(r2[lowest] / 10, rules.get("minimum").getAsDouble(), 1e-15 * r2[lowest], "a tenth of the lowest loss's rate");
        }
        int at = java.util.Arrays.binarySearch(r2, suggested);
        assertTrue(at >= Math.min(r2.length / 10, lowest) && at <= lowest || suggested == r2[lowest] / 10,
                "suggestion " + suggested + " is neither a rate from the skipped points to the minimum nor the fallback");
        double[] raw = new double[r2.length];
        double avg = 0;
        for (int i = 0; i < raw.length; i++) {
            raw[i] = o.getAsJsonArray("rawLosses").get(i).getAsDouble();
            avg = LrFinder.BETA * avg + (1 - LrFinder.BETA) * raw[i];
            assertEquals(avg / (1 - Math.pow(LrFinder.BETA, i + 1)), l2[i], 1e-9 * Math.max(1, Math.abs(l2[i])),
                    "losses are the bias-corrected moving average of rawLosses");
        }
        assertEquals(rates.size() < 20, o.get("stoppedEarly").getAsBoolean());
        assertEquals("fine-tune", o.get("strategy").getAsString());

        byte[] png = Files.readAllBytes(out.resolve("lr_find.png"));
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(png, 4));
        assertEquals(r.out().trim(), Files.readString(out.resolve("lr_find.json"), StandardCharsets.UTF_8).trim());
        assertTrue(r.err().contains("wrote " + out.resolve("lr_find.png")), r.err());
    }

    /**
     * A sweep whose loss falls before its minimum and then, diverging, falls again after it: the
     * reported suggestion is the documented rule's, computed here from the printed curve.
     */
    @Test
    void theSuggestionIsTheSteepestFallBeforeTheMinimumOfThePrintedCurve() {
        CliHarness.Result r = CliHarness.run(args(tmp.resolve("descending"), "--start", "1e-3", "--end", "100", "--steps", "30", "--json"));
        assertEquals(0, r.code(), r.err());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        int n = o.getAsJsonArray("rates").size();
        double[] rates = new double[n];
        double[] losses = new double[n];
        for (int i = 0; i < n; i++) {
            rates[i] = o.getAsJsonArray("rates").get(i).getAsDouble();
            losses[i] = o.getAsJsonArray("losses").get(i).getAsDouble();
        }
        double suggested = o.get("suggestedLr").getAsDouble();
        assertEquals(steepestDescentBeforeTheMinimum(rates, losses), suggested, 0.0, r.out());
        int at = java.util.Arrays.binarySearch(rates, suggested);
        // Not the fallback: the loss falls somewhere between the skipped points and its minimum.
        assertTrue(at >= Math.min(n / 10, 10), "precondition: a curve that falls before its minimum; " + r.out());
        int lowest = 0;
        for (int i = 1; i < n; i++) {
            lowest = losses[i] < losses[lowest] ? i : lowest;
        }
        assertTrue(at <= lowest, "suggested point " + at + " is after the minimum at " + lowest);
    }

    @Test
    void textPrintsTheSuggestionForEachStrategy() {
        for (String strategy : new String[] {"feature-extract", "two-stage", "scratch"}) {
            Path out = tmp.resolve("text-" + strategy);
            CliHarness.Result r = CliHarness.run(args(out, "--strategy", strategy, "--steps", "4", "--start", "1e-3", "--end", "1"));
            assertEquals(0, r.code(), strategy + ": " + r.err());
            assertTrue(r.out().matches("suggested learning rate: \\d\\.\\d\\de[-+]\\d\\d \\(steepest descent of the smoothed loss\\)\\R"
                    + "(  --lr auto:(steepest|minimum |valley  ) (\\d\\.\\d\\de[-+]\\d\\d|\\(nothing to suggest\\))\\R){3}"), r.out());
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

    /**
     * The suggestion rule as {@link LrFinder#suggest}'s documentation states it, written out here
     * independently: the slope of the loss against log(rate) (central differences inside, one-sided
     * at the ends); the most negative slope from point min(n / 10, 10) up to the point of lowest loss
     * (the first lowest, where the search also starts when it comes before point min(n / 10, 10));
     * its rate, or a tenth of the rate of lowest loss when no slope there is negative.
     */
    static double steepestDescentBeforeTheMinimum(double[] rates, double[] losses) {
        int n = rates.length;
        int lowest = 0;
        for (int i = 0; i < n; i++) {
            if (losses[i] < losses[lowest]) {
                lowest = i;
            }
        }
        int skip = Math.min(n / 10, 10);
        Double best = null;
        double bestSlope = 0;
        for (int i = Math.min(skip, lowest); i <= lowest; i++) {
            int before = Math.max(i - 1, 0);
            int after = Math.min(i + 1, n - 1);
            double slope = (losses[after] - losses[before]) / (Math.log(rates[after]) - Math.log(rates[before]));
            if (slope < bestSlope) {
                bestSlope = slope;
                best = rates[i];
            }
        }
        return best != null ? best : rates[lowest] / 10;
    }

    /** {@code args} with the value of {@code option} replaced. */
    private static String[] withOption(String[] args, String option, String value) {
        String[] copy = args.clone();
        copy[List.of(copy).indexOf(option) + 1] = value;
        return copy;
    }
}
