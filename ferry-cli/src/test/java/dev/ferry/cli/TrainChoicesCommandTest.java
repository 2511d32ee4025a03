package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.ferry.train.ModelDirectory;
import dev.ferry.train.TinyTask;
import dev.ferry.workflow.CrossValidation;
import dev.ferry.workflow.TrainingRun;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ferry train --lr auto}, {@code --strategy auto} and {@code --folds} on the {@link TinyTask}. */
class TrainChoicesCommandTest {
    @TempDir
    static Path tmp;
    static TinyTask task;

    @BeforeAll
    static void fixtures() throws IOException {
        task = TinyTask.create(tmp);
    }

    private static JsonObject modelJson(Path out) throws IOException {
        return JsonParser.parseString(Files.readString(out.resolve(ModelDirectory.INFO), StandardCharsets.UTF_8)).getAsJsonObject();
    }

    /** The last line of stdout: the {@code --json} run summary after the per-epoch lines. */
    private static JsonObject summary(CliHarness.Result r) {
        List<String> lines = r.out().lines().toList();
        return JsonParser.parseString(lines.get(lines.size() - 1)).getAsJsonObject();
    }

    @Test
    void badChoicesAreExitCode2InOneLineAndWriteNothing() {
        record Case(String name, String expected, String[] args) {}
        List<Case> cases = List.of(
                new Case("lr", "'fast' is neither a rate (such as 0.01) nor auto (or auto:RULE)", args("lr", "--lr", "fast")),
                new Case("lr rule", "'auto:slide': the finder's rules are auto:steepest, auto:minimum, auto:valley",
                        args("rule", "--lr", "auto:slide")),
                new Case("trial without auto", "--trial-fraction applies to --strategy auto only",
                        args("trial", "--trial-fraction", "0.5")),
                new Case("trial out of range", "--trial-fraction must be in (0, 1] (1: the whole fine-tuning recipe), got 1.5",
                        args("trial2", "--strategy", "auto", "--trial-fraction", "1.5")),
                new Case("one fold", "--folds must be at least 2 (or 0: no cross-validation), got 1", args("k1", "--folds", "1")),
                new Case("too many folds", "--folds 9 is more than the 8 images of class folder "
                        + task.data().resolve("checker") + ": every fold needs an image of each class; use at most --folds 8",
                        args("k9", "--folds", "9")),
                new Case("auto without validation", "--strategy auto compares the candidates' validation accuracy and needs "
                        + "validation images: give --val or a --val-split in (0, 1), not 0.0",
                        args("noval", "--strategy", "auto", "--val-split", "0")),
                new Case("auto with two-stage's option", "--head-epochs applies to two-stage only; --strategy auto chooses between "
                        + "feature-extract and fine-tune", args("head", "--strategy", "auto", "--head-epochs", "2")));
        for (Case c : cases) {
            Path out = Path.of(c.args()[Arrays.asList(c.args()).indexOf("--out") + 1]);
            CliHarness.Result r = CliHarness.run(c.args());
            assertEquals(2, r.code(), c.name() + ": " + r.err());
            // A value the option's converter rejects is a usage error: picocli adds its line pointing to --help.
            assertEquals(c.name().startsWith("lr") ? 2 : 1, r.err().lines().count(), c.name() + ": " + r.err());
            assertTrue(r.err().startsWith("ferry: error: ") && r.err().contains(c.expected()), c.name() + ": " + r.err());
            assertFalse(Files.exists(out), c.name() + ": " + out + " was created");
        }
    }

    private static String[] args(String out, String... extra) {
        return task.trainArgs(tmp.resolve("bad-" + out), extra);
    }

    @Test
    void autoRateAndFoldsAreRecordedPrintedAndKeptOnResume() throws IOException {
        Path out = tmp.resolve("auto-lr-folds");
        CliHarness.Result r = CliHarness.run(task.trainArgs(out, "--strategy", "feature-extract", "--epochs", "2", "--lr", "auto",
                "--folds", "2", "--json"));
        assertEquals(0, r.code(), r.err());
        JsonObject info = modelJson(out);
        JsonObject extra = info.getAsJsonObject("extra");
        double rate = extra.getAsJsonObject(TrainingRun.LR_FINDER).get("suggestedLr").getAsDouble();
        assertEquals(rate, info.getAsJsonObject("hyperParameters").get("lr").getAsDouble(), 0.0);
        assertTrue(r.err().contains("ferry: learning rate ") && r.err().contains("suggested by the LR finder"), r.err());

        List<Double> acc = new ArrayList<>();
        extra.getAsJsonObject(TrainingRun.CROSS_VALIDATION).getAsJsonArray("accuracies").forEach(a -> acc.add(a.getAsDouble()));
        assertEquals(2, acc.size());
        CrossValidation.Summary cv = CrossValidation.summarize(acc);
        assertTrue(r.err().contains("ferry: cross-validated accuracy " + cv.line()), r.err());
        JsonObject s = summary(r);
        assertEquals(rate, s.getAsJsonObject(TrainingRun.LR_FINDER).get("suggestedLr").getAsDouble(), 0.0);
        assertEquals(cv.mean(), s.getAsJsonObject(TrainingRun.CROSS_VALIDATION).get("mean").getAsDouble(), 1e-12);

        // Resumed and extended: the recorded rate, not a new sweep; what was chosen stays recorded.
        CliHarness.Result resumed = CliHarness.run("train", "--out", out.toString(), "--resume", "--epochs", "3", "--lr", "auto");
        assertEquals(0, resumed.code(), resumed.err());
        assertFalse(resumed.err().contains("finding the learning rate"), resumed.err());
        JsonObject after = modelJson(out);
        assertEquals(3, after.getAsJsonArray("epochs").size());
        assertEquals(rate, after.getAsJsonObject("hyperParameters").get("lr").getAsDouble(), 0.0);
        assertEquals(extra.get(TrainingRun.LR_FINDER), after.getAsJsonObject("extra").get(TrainingRun.LR_FINDER));
        assertEquals(extra.get(TrainingRun.CROSS_VALIDATION), after.getAsJsonObject("extra").get(TrainingRun.CROSS_VALIDATION));

        CliHarness.Result again = CliHarness.run("train", "--out", out.toString(), "--resume", "--epochs", "4", "--folds", "2");
        assertEquals(2, again.code(), again.err());
        assertEquals(1, again.err().lines().count(), again.err());
        assertTrue(again.err().contains("--folds runs before training starts; a resumed run (--resume) continues its recorded choices"),
                again.err());
    }

    @Test
    void autoStrategyPrintsAndRecordsBothCandidates() throws IOException {
        Path out = tmp.resolve("auto-strategy");
        CliHarness.Result r = CliHarness.run(task.trainArgs(out, "--strategy", "auto", "--epochs", "3", "--json"));
        assertEquals(0, r.code(), r.err());
        JsonObject sel = modelJson(out).getAsJsonObject("extra").getAsJsonObject(TrainingRun.STRATEGY_CHOICE);
        double fe = sel.getAsJsonObject("featureExtract").get("validationAccuracy").getAsDouble();
        double ft = sel.getAsJsonObject("fineTune").get("validationAccuracy").getAsDouble();
        String chosen = ft > fe ? "fine-tune" : "feature-extract";
        assertEquals(chosen, sel.get("chosen").getAsString());
        assertEquals(chosen, modelJson(out).get("strategy").getAsString());
        // --epochs 3 given: both candidates take it, and the fine-tune trial is at least 3 epochs.
        assertEquals(3, sel.getAsJsonObject("featureExtract").get("epochs").getAsInt());
        assertEquals(3, sel.getAsJsonObject("fineTune").get("epochs").getAsInt());
        assertTrue(r.err().contains("ferry: strategy " + chosen + " kept: validation accuracy"), r.err());
        assertEquals(chosen, summary(r).getAsJsonObject(TrainingRun.STRATEGY_CHOICE).get("chosen").getAsString());
        // The default stays fine-tune.
        assertTrue(new picocli.CommandLine(new TrainCommand()).getCommandSpec().findOption("--strategy").defaultValue()
                .equals("fine-tune"));
    }
}
