package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.train.ModelDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry embed}, then {@code ferry train --features} on what it wrote: on the demo's target
 * images and pretrained network, a model that {@code ferry evaluate} measures as it measures the
 * model trained from the folder with feature-extract.
 */
class TrainFeaturesCommandTest {
    @TempDir
    static Path tmp;
    static Path train;
    static Path test;
    static Path network;
    static Path npy;

    @BeforeAll
    static void fixtures() throws IOException {
        train = tmp.resolve("train");
        test = tmp.resolve("test");
        DemoFixture.unpackImages("train/", train, true);
        DemoFixture.unpackImages("test/", test, true);
        // 30 test images per class are enough to compare two models, and keep the test quick.
        try (Stream<Path> classes = Files.list(test)) {
            for (Path c : classes.toList()) {
                try (Stream<Path> images = Files.list(c)) {
                    List<Path> sorted = images.sorted().toList();
                    for (Path p : sorted.subList(30, sorted.size())) {
                        Files.delete(p);
                    }
                }
            }
        }
        network = DemoFixture.copyNetwork(tmp.resolve("pretrained"));
        npy = tmp.resolve("embeddings/train.npy");
        CliHarness.Result embed = CliHarness.run("embed", "--weights", network.toString(), "--data", train.toString(), "--out",
                npy.toString(), "--threads", "2");
        assertEquals(0, embed.code(), embed.err());
    }

    @Test
    void aModelTrainedOnTheFeaturesEvaluatesAsTheFolderTrainedOne() {
        Path fromFeatures = tmp.resolve("from-features");
        Path fromFolder = tmp.resolve("from-folder");
        CliHarness.Result a = CliHarness.run("train", "--features", npy.toString(), "--weights", network.toString(), "--epochs", "3",
                "--seed", "5", "--threads", "2", "--out", fromFeatures.toString());
        assertEquals(0, a.code(), a.err());
        assertTrue(a.err().contains("precomputed feature vectors"), a.err());
        CliHarness.Result resumed = CliHarness.run("train", "--resume", "--out", fromFeatures.toString(), "--epochs", "5");
        assertEquals(2, resumed.code(), resumed.err());
        assertTrue(resumed.err().contains("ferry: error: the run in " + fromFeatures + " trained on the features in " + npy
                + ", and --resume continues runs on image folders only: train again into a new --out"), resumed.err());
        CliHarness.Result b = CliHarness.run("train", "--data", train.toString(), "--strategy", "feature-extract", "--weights",
                network.toString(), "--epochs", "3", "--seed", "5", "--threads", "2", "--out", fromFolder.toString());
        assertEquals(0, b.code(), b.err());
        for (String f : new String[] {ModelDirectory.WEIGHTS, ModelDirectory.INFO, ModelDirectory.CHECKPOINT, "report.html"}) {
            assertTrue(Files.isRegularFile(fromFeatures.resolve(f)), "no " + f);
        }

        CliHarness.Result ea = CliHarness.run("evaluate", "--model", fromFeatures.toString(), "--data", test.toString(), "--threads", "2");
        CliHarness.Result eb = CliHarness.run("evaluate", "--model", fromFolder.toString(), "--data", test.toString(), "--threads", "2");
        assertEquals(0, ea.code(), ea.err());
        assertEquals(0, eb.code(), eb.err());
        assertTrue(ea.out().contains("accuracy"), ea.out());
        assertEquals(eb.out(), ea.out());
    }

    @Test
    void aFolderThatNoSparkJobWroteIsRefusedAsFeatures() {
        CliHarness.Result r = CliHarness.run("train", "--features", train.toString(), "--weights", network.toString(), "--out",
                tmp.resolve("folder-features").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("ferry: error: " + train + " is not the output of ferry spark embed (no _ferry.json)"), r.err());
        assertFalse(Files.exists(tmp.resolve("folder-features")));
    }

    @Test
    void featuresAndDataExcludeEachOther() {
        CliHarness.Result r = CliHarness.run("train", "--features", npy.toString(), "--data", train.toString(), "--weights",
                network.toString(), "--out", tmp.resolve("both").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--data and --features exclude each other"), r.err());
    }

    @Test
    void fineTuningIsRefusedNamingTheOption() {
        Path out = tmp.resolve("fine-tune");
        CliHarness.Result r = CliHarness.run("train", "--features", npy.toString(), "--strategy", "fine-tune", "--weights",
                network.toString(), "--out", out.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--strategy fine-tune trains the backbone on the images; --features train the head alone"),
                r.err());
        assertFalse(Files.exists(out.resolve(ModelDirectory.INFO)));
    }
}
