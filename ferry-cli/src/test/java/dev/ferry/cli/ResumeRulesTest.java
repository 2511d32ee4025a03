package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.ferry.TestFiles;
import dev.ferry.train.ModelDirectory;
import dev.ferry.train.TinyTask;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --resume} continues the recorded run and nothing else; an interrupted process says what
 * it kept and its model.json agrees with its checkpoint.
 */
class ResumeRulesTest {
    @TempDir
    static Path tmp;
    static TinyTask task;
    /** A finished two-epoch fine-tuning run; tests copy it before changing it. */
    static Path finished;
    /** Epochs of the interrupted runs: enough to outlast the signal, few enough to resume quickly. */
    static final int EPOCHS = 30;

    @BeforeAll
    static void fixtures() throws IOException {
        task = TinyTask.create(tmp);
        finished = tmp.resolve("finished");
        CliHarness.Result r = CliHarness.run(train(finished, "--epochs", "2"));
        assertEquals(0, r.code(), r.err());
    }

    static String[] train(Path out, String... extra) {
        return task.trainArgs(out, extra);
    }

    static Path copyOfFinished(String name) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        try (var files = Files.list(finished)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        return dir;
    }

    static JsonObject info(Path dir) throws IOException {
        return JsonParser.parseString(Files.readString(dir.resolve(ModelDirectory.INFO), StandardCharsets.UTF_8)).getAsJsonObject();
    }

    @Test
    void settingsThatChangeTheRunAreRefusedWithTheirList() throws IOException {
        Path dir = copyOfFinished("changed");
        byte[] checkpoint = Files.readAllBytes(dir.resolve(ModelDirectory.CHECKPOINT));
        CliHarness.Result r = CliHarness.run("train", "--out", dir.toString(), "--resume", "--epochs", "4",
                "--optimizer", "adamw", "--lr", "0.003", "--crop", "28", "--strategy", "feature-extract");
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        String e = r.err();
        assertTrue(e.contains("4 settings differ"), e);
        assertTrue(e.contains("--optimizer: sgd recorded, adamw now"), e);
        assertTrue(e.contains("--lr: 0.02 recorded, 0.003 now"), e);
        assertTrue(e.contains("--crop: 32 recorded, 28 now"), e);
        assertTrue(e.contains("--strategy: fine-tune (backbone rate x1) recorded, feature-extract (1 cached view per image) now"), e);
        assertArrayEquals(checkpoint, Files.readAllBytes(dir.resolve(ModelDirectory.CHECKPOINT)), "nothing was written");
    }

    @Test
    void aChangedClassSetIsRefusedNotAnInternalError() throws IOException {
        Path dir = copyOfFinished("classes");
        Path data = Files.createDirectories(tmp.resolve("four-classes"));
        for (String c : TinyTask.CLASSES) {
            TestFiles.copyTree(task.data().resolve(c), data.resolve(c));
        }
        TestFiles.copyTree(task.data().resolve("checker"), data.resolve("diagonal"));
        CliHarness.Result r = CliHarness.run("train", "--out", dir.toString(), "--resume", "--epochs", "3",
                "--data", data.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("classes: checker, horizontal, vertical recorded, checker, diagonal, horizontal, vertical now"), r.err());
        assertFalse(r.err().contains("internal error"), r.err());
    }

    @Test
    void aLargerEpochCountExtendsTheRunWithAWarmRestart() throws IOException {
        Path dir = copyOfFinished("extended");
        JsonArray before = info(dir).getAsJsonArray("epochs");

        CliHarness.Result same = CliHarness.run("train", "--out", dir.toString(), "--resume");
        assertEquals(2, same.code(), same.err());
        assertTrue(same.err().contains("finished all 2 epochs; pass --epochs more than 2 to extend it"), same.err());
        CliHarness.Result fewer = CliHarness.run("train", "--out", dir.toString(), "--resume", "--epochs", "1");
        assertEquals(2, fewer.code(), fewer.err());
        assertTrue(fewer.err().contains("--epochs 1 is fewer than the 2 epochs"), fewer.err());

        // Only --out, --resume and --epochs: everything else is the record's.
        CliHarness.Result r = CliHarness.run("train", "--out", dir.toString(), "--resume", "--epochs", "4");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("extending the run from 2 to 4 epochs: epochs 3-4 train all layers with a new onecycle schedule over 2 epochs"), r.err());
        JsonObject after = info(dir);
        JsonArray epochs = after.getAsJsonArray("epochs");
        assertEquals(4, epochs.size());
        for (int e = 0; e < 2; e++) {
            assertEquals(before.get(e), epochs.get(e), "the recorded epochs are kept as they were");
        }
        JsonObject hp = after.getAsJsonObject("hyperParameters");
        assertEquals(4, hp.get("epochs").getAsInt());
        assertEquals("[3]", hp.get("restarts").toString());
        // Onecycle restarts from its start: epoch 3 begins low again, far below epoch 2's end.
        double lr2 = epochs.get(1).getAsJsonObject().get("learningRate").getAsDouble();
        double lr3 = epochs.get(2).getAsJsonObject().get("learningRate").getAsDouble();
        assertTrue(lr3 > lr2 * 10, "epoch 3 ends near the new cycle's peak: " + lr2 + " then " + lr3);

        CliHarness.Result again = CliHarness.run("train", "--out", dir.toString(), "--resume", "--epochs", "5", "--seed", "1");
        assertEquals(2, again.code(), again.err());
        assertTrue(again.err().contains("--seed: 42 recorded, 1 now"), again.err());
    }

    @Test
    void optionsOfAnotherStrategyAreRefusedNotIgnored() {
        CliHarness.Result views = CliHarness.run(train(tmp.resolve("never-1"), "--strategy", "fine-tune", "--cached-views", "4"));
        assertEquals(2, views.code(), views.err());
        assertTrue(views.err().contains("--cached-views applies to feature-extract only (the strategy is fine-tune)"), views.err());
        CliHarness.Result head = CliHarness.run(train(tmp.resolve("never-2"), "--strategy", "feature-extract", "--head-epochs", "2"));
        assertEquals(2, head.code(), head.err());
        assertTrue(head.err().contains("--head-epochs applies to two-stage only"), head.err());
        CliHarness.Result tooMany = CliHarness.run(train(tmp.resolve("never-3"), "--strategy", "two-stage", "--head-epochs", "5", "--epochs", "3"));
        assertEquals(2, tooMany.code(), tooMany.err());
        assertTrue(tooMany.err().contains("--head-epochs 5 leaves no epoch to fine-tune in --epochs 3"), tooMany.err());
        assertFalse(Files.exists(tmp.resolve("never-3")));
    }

    @Test
    void twoStageRecordsTheHeadEpochsItRan() throws IOException {
        Path out = tmp.resolve("two-stage");
        CliHarness.Result r = CliHarness.run(train(out, "--strategy", "two-stage", "--epochs", "3"));
        assertEquals(0, r.code(), r.err());
        // The default of 3 head epochs shrinks to leave one fine-tuning epoch, and says so in model.json.
        assertEquals(2, info(out).getAsJsonObject("hyperParameters").getAsJsonObject("strategy").get("headEpochs").getAsInt());
        assertTrue(r.err().contains("training the head on cached backbone features (2 epochs)"), r.err());
        assertTrue(r.err().contains("training all layers (1 epochs"), r.err());
    }

    @Test
    void aRepeatedMeanIsAnErrorAndTooHighARateSaysSo() {
        CliHarness.Result mean = CliHarness.run(train(tmp.resolve("never-4"), "--mean", "0.4"));
        assertEquals(2, mean.code(), mean.err());
        assertTrue(mean.err().contains("--mean") && mean.err().contains("only once"), mean.err());
        CliHarness.Result rate = CliHarness.run(train(tmp.resolve("never-5"), "--lr", "100"));
        assertEquals(2, rate.code(), rate.err());
        assertTrue(rate.err().contains("--lr must be a rate in (0, 100), got 100.0"), rate.err());
        assertFalse(rate.err().contains("positive"), rate.err());
    }

    @Test
    void theReportShowsTheStrategyInWords() throws IOException {
        String html = Files.readString(finished.resolve("report.html"), StandardCharsets.UTF_8);
        assertTrue(html.contains("fine-tune (backbone rate x1)"), "strategy in words");
        assertFalse(html.contains("{name="), "not a Java map");
    }

    @Test
    void theFreeSpaceEstimateCoversWhatARunWrites() throws IOException {
        var weights = dev.ferry.weights.WeightsReader.read(finished.resolve(ModelDirectory.WEIGHTS));
        long floats = 0;
        long trainable = 0;
        for (var e : weights.asMap().entrySet()) {
            long n = java.util.Arrays.stream(e.getValue().shape()).reduce(1, (a, b) -> a * b);
            floats += n;
            if (!e.getKey().contains("running_") && !e.getKey().endsWith("num_batches_tracked")) {
                trainable += n;
            }
        }
        long model = Files.size(finished.resolve(ModelDirectory.WEIGHTS));
        long checkpoint = Files.size(finished.resolve(ModelDirectory.CHECKPOINT));
        long reports = 8_000_000L;
        long fresh = dev.ferry.workflow.TrainingRun.bytesNeeded(floats, trainable, dev.ferry.train.OptimizerKind.SGD, false);
        // The weights, the checkpoint and the checkpoint's temporary copy, within their headers' bytes.
        double tensors = fresh - reports;
        assertTrue(Math.abs(tensors - (model + 2 * checkpoint)) < 0.15 * (model + 2 * checkpoint),
                "estimate " + tensors + " vs written " + (model + 2 * checkpoint));
        long written;
        try (var files = Files.list(finished)) {
            written = files.mapToLong(f -> f.toFile().length()).sum();
        }
        assertTrue(fresh > written + checkpoint, "the estimate covers every file plus the temporary copy");
        long resumed = dev.ferry.workflow.TrainingRun.bytesNeeded(floats, trainable, dev.ferry.train.OptimizerKind.SGD, true);
        assertTrue(resumed > checkpoint && resumed < checkpoint * 1.15 + reports, "a resumed run needs one checkpoint copy: " + resumed);
    }

    @Test
    void anUnwritableOutFailsBeforeAnyImageIsDecoded() {
        CliHarness.Result r = CliHarness.run(train(Path.of("/proc/ferry-cannot-write-here"), "--epochs", "1"));
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("cannot create model directory /proc/ferry-cannot-write-here"), r.err());
        assertFalse(r.err().contains("class "), "the image table comes after the lock: " + r.err());
        assertFalse(r.err().contains("epoch 1/"), r.err());
    }

    /**
     * A real process, stopped by SIGINT and by SIGTERM in its third epoch or later: one line says
     * what is kept, model.json's history ends where the checkpoint does, and {@code --resume}
     * with no other option finishes the run.
     */
    @Test
    void anInterruptedRunSaysWhatItKeptAndResumes() throws Exception {
        for (String signal : new String[] {"INT", "TERM"}) {
            Path out = tmp.resolve("interrupted-" + signal);
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx1g", "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), FerryCli.class.getName()));
            cmd.addAll(List.of(train(out, "--epochs", Integer.toString(EPOCHS))));
            Path log = tmp.resolve("interrupted-" + signal + ".log");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (completedEpochs(out) < 3) {
                    assertTrue(p.isAlive(), "the run ended early: " + Files.readString(log));
                    assertTrue(System.nanoTime() < deadline, "no third epoch in 120 s: " + Files.readString(log));
                    Thread.sleep(50);
                }
                new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start().waitFor();
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), "still running after SIG" + signal);
            } finally {
                p.destroyForcibly();
            }
            assertEquals(signal.equals("INT") ? 130 : 143, p.exitValue());
            String output = Files.readString(log, StandardCharsets.UTF_8);
            String last = output.strip().lines().reduce((a, b) -> b).orElse("");
            int kept = ModelDirectory.readRecorded(out).state().completedEpochs();
            assertTrue(last.startsWith("ferry: interrupted in epoch " + (kept + 1) + " of " + EPOCHS + ": " + out
                    + " keeps the checkpoint of epoch " + kept + " and the best model so far (epoch "), output);
            assertTrue(last.endsWith("; training again with --out " + out + " and --resume continues"), last);
            assertEquals(kept, info(out).getAsJsonArray("epochs").size(), "model.json's history matches the checkpoint");
            assertFalse(Files.exists(out.resolve(dev.ferry.workflow.OutLock.NAME)), "the lock is released");
            try (var files = Files.list(out)) {
                assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "no temporary file is left");
            }
        }
        Path out = tmp.resolve("interrupted-INT");
        int kept = ModelDirectory.readRecorded(out).state().completedEpochs();
        CliHarness.Result r = CliHarness.run("train", "--out", out.toString(), "--resume");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("resuming after epoch " + kept + " of " + EPOCHS), r.err());
        assertEquals(EPOCHS, info(out).getAsJsonArray("epochs").size());
    }

    private static int completedEpochs(Path out) {
        if (!Files.isRegularFile(out.resolve(ModelDirectory.CHECKPOINT))) {
            return 0;
        }
        try {
            return ModelDirectory.readRecorded(out).state().completedEpochs();
        } catch (RuntimeException e) {
            return 0; // being replaced
        }
    }
}
