package dev.ferry.cli;

import dev.ferry.train.TinyTask;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.ferry.train.ModelDirectory;
import dev.ferry.weights.SafetensorsWriter;
import dev.ferry.weights.StateDict;
import dev.ferry.weights.Tensor;
import dev.ferry.weights.WeightsReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model directories that do not hold together, and weights that give non-finite outputs: each is
 * one clear line and a non-zero exit, never a random or non-finite answer given as a result (the
 * divergence guard of training itself is tested in TrainerTest).
 */
class ModelDirectoryMisuseTest {
    @TempDir
    static Path tmp;
    static TinyTask task;
    /** A finished one-epoch run on the tiny task (3 classes). */
    static Path model;

    @BeforeAll
    static void fixtures() throws IOException {
        task = TinyTask.create(tmp);
        model = tmp.resolve("model");
        CliHarness.Result r = CliHarness.run(train(model, "--strategy", "fine-tune", "--epochs", "1", "--seed", "0"));
        assertEquals(0, r.code(), r.err());
    }

    static String[] train(Path out, String... extra) {
        return task.trainArgs(out, extra);
    }

    /** A copy of the trained model directory with model.json edited by {@code edit}. */
    static Path withInfo(String name, java.util.function.Consumer<JsonObject> edit) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.copy(model.resolve(ModelDirectory.WEIGHTS), dir.resolve(ModelDirectory.WEIGHTS));
        JsonObject info = JsonParser.parseString(Files.readString(model.resolve(ModelDirectory.INFO))).getAsJsonObject();
        edit.accept(info);
        Files.writeString(dir.resolve(ModelDirectory.INFO), info.toString(), StandardCharsets.UTF_8);
        return dir;
    }

    private static String image() {
        return task.data().resolve("horizontal/img00.png").toString();
    }

    @Test
    void aHeadThatDisagreesWithTheClassListIsAnError() throws IOException {
        Path two = withInfo("two-classes", info -> {
            JsonArray classes = new JsonArray();
            classes.add("checker");
            classes.add("horizontal");
            info.add("classes", classes);
        });
        for (int run = 0; run < 2; run++) {
            CliHarness.Result r = CliHarness.run("predict", "--model", two.toString(), image());
            assertEquals(2, r.code(), r.out() + r.err());
            assertEquals("", r.out());
            assertTrue(r.err().contains("2 classes") && r.err().contains("3 outputs"), r.err());
            assertTrue(r.err().contains(two.toString()), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
        CliHarness.Result eval = CliHarness.run("evaluate", "--model", two.toString(), "--data", task.data().toString());
        assertEquals(2, eval.code(), eval.err());
    }

    @Test
    void corruptPresetValuesAreOneLine() throws IOException {
        Path crop = withInfo("bad-crop", info -> info.getAsJsonObject("preset").addProperty("crop", -5));
        CliHarness.Result r = CliHarness.run("predict", "--model", crop.toString(), image());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("ferry: error: corrupt model.json"), r.err());
        assertTrue(r.err().contains("crop must be positive, got -5"), r.err());
        assertFalse(r.err().contains("internal error"), r.err());

        Path std = withInfo("bad-std", info -> {
            JsonArray zeros = new JsonArray();
            for (int i = 0; i < 3; i++) {
                zeros.add(0);
            }
            info.getAsJsonObject("preset").add("std", zeros);
        });
        CliHarness.Result s = CliHarness.run("predict", "--model", std.toString(), image());
        assertEquals(2, s.code(), s.err());
        assertTrue(s.err().contains("std values must be positive"), s.err());
    }

    @Test
    void weightsWithNonFiniteOutputsAreAFailureNotAnAnswer() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("nan-weights"));
        Files.copy(model.resolve(ModelDirectory.INFO), dir.resolve(ModelDirectory.INFO));
        StateDict sd = WeightsReader.read(model.resolve(ModelDirectory.WEIGHTS));
        Map<String, Tensor> tensors = new LinkedHashMap<>(sd.asMap());
        Tensor fc = tensors.get("fc.bias");
        float[] nan = new float[fc.floats().length];
        java.util.Arrays.fill(nan, Float.NaN);
        tensors.put("fc.bias", Tensor.ofFloats(fc.shape(), nan));
        SafetensorsWriter.write(dir.resolve(ModelDirectory.WEIGHTS), tensors, sd.metadata());

        CliHarness.Result p = CliHarness.run("predict", "--model", dir.toString(), "--json", image());
        assertEquals(1, p.code(), p.out() + p.err());
        assertTrue(p.err().contains("not finite"), p.err());
        assertFalse(p.err().contains("internal error"), p.err());
        CliHarness.Result e = CliHarness.run("evaluate", "--model", dir.toString(), "--data", task.data().toString());
        assertEquals(1, e.code(), e.out() + e.err());
        assertTrue(e.err().contains("not finite"), e.err());
    }

    @Test
    void everyFileFollowsTheUmask() throws IOException {
        // What the umask gives a new file here (the test cannot set the umask; it compares).
        Path probe = Files.createFile(tmp.resolve("umask-probe"));
        var expected = Files.getPosixFilePermissions(probe);
        try (var files = Files.list(model)) {
            for (Path f : files.toList()) {
                assertEquals(expected, Files.getPosixFilePermissions(f), f.getFileName() + " does not follow the umask");
            }
        }
    }

    @Test
    void outNeverOverwritesWhatIsNotFerrys() throws IOException {
        Path mine = Files.createDirectories(tmp.resolve("mine"));
        Files.writeString(mine.resolve("report.html"), "mine");
        Files.writeString(mine.resolve("notes.txt"), "mine too");
        CliHarness.Result r = CliHarness.run(train(mine, "--epochs", "1"));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("not empty and not a ferry model directory (it holds notes.txt)"), r.err());
        assertEquals("mine", Files.readString(mine.resolve("report.html")));
        try (var files = Files.list(mine)) {
            assertEquals(2, files.count(), "nothing was added");
        }

        Path classFolder = task.data().resolve("checker");
        long images;
        try (var files = Files.list(classFolder)) {
            images = files.count();
        }
        CliHarness.Result inData = CliHarness.run(train(classFolder, "--epochs", "1"));
        assertEquals(2, inData.code(), inData.err());
        assertTrue(inData.err().contains("is inside the image folder " + task.data()), inData.err());
        CliHarness.Result below = CliHarness.run(train(classFolder.resolve("model"), "--epochs", "1"));
        assertEquals(2, below.code(), below.err());
        try (var files = Files.list(classFolder)) {
            assertEquals(images, files.count(), "nothing was written into the training data");
        }
    }

    @Test
    void evaluateDoesNotReplaceTheTrainingReport() throws IOException {
        byte[] before = Files.readAllBytes(model.resolve("report.html"));
        CliHarness.Result r = CliHarness.run("evaluate", "--model", model.toString(), "--data", task.data().toString(),
                "--report", model.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("is a model directory"), r.err());
        org.junit.jupiter.api.Assertions.assertArrayEquals(before, Files.readAllBytes(model.resolve("report.html")));
        Path beside = model.resolve("evaluation");
        CliHarness.Result ok = CliHarness.run("evaluate", "--model", model.toString(), "--data", task.data().toString(),
                "--report", beside.toString());
        assertEquals(0, ok.code(), ok.err());
        assertTrue(Files.isRegularFile(beside.resolve("report.html")));
    }

    @Test
    void aSecondRunOnTheSameOutIsRefusedAndAStaleLockIsTakenOver() throws IOException, InterruptedException {
        Path out = Files.createDirectories(tmp.resolve("locked"));
        String host = java.net.InetAddress.getLocalHost().getHostName().replace(' ', '_');
        // A live owner: this very JVM.
        Files.writeString(out.resolve(dev.ferry.workflow.OutLock.NAME), ProcessHandle.current().pid() + " " + host + "\n");
        CliHarness.Result r = CliHarness.run(train(out, "--epochs", "1"));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("another ferry run (pid " + ProcessHandle.current().pid() + " on " + host + ")"), r.err());
        assertFalse(Files.exists(out.resolve(ModelDirectory.INFO)));

        // A dead owner: a process that has ended.
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Files.writeString(out.resolve(dev.ferry.workflow.OutLock.NAME), gone.pid() + " " + host + "\n");
        CliHarness.Result taken = CliHarness.run(train(out, "--epochs", "1"));
        assertEquals(0, taken.code(), taken.err());
        assertTrue(Files.isRegularFile(out.resolve(ModelDirectory.INFO)));
        assertFalse(Files.exists(out.resolve(dev.ferry.workflow.OutLock.NAME)), "the lock is released at the end");
    }
}
