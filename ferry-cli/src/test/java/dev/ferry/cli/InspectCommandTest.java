package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry inspect} on a dataset with known faults, made from the demo's target images (5
 * classes of Fashion-MNIST the shipped network never trained on): 200 training images per class
 * with 10% of the labels flipped, 100 test images per class, and planted in the test split 50
 * resized and re-encoded copies (5% of the training images) and 10 byte-for-byte copies of
 * training images, plus one unreadable file.
 */
class InspectCommandTest {
    @TempDir
    static Path tmp;

    static Path train;
    static Path test;
    static Path pretrained;
    static Set<String> flipped = new HashSet<>();
    static Map<String, String> nearCopies = new TreeMap<>(); // copy -> original
    static Map<String, String> exactCopies = new TreeMap<>();

    @BeforeAll
    static void makeDataset() throws IOException {
        Path all = tmp.resolve("all");
        DemoFixture.unpackImages("test/", all, true);
        pretrained = DemoFixture.copyNetwork(tmp.resolve("pretrained"));
        train = tmp.resolve("train");
        test = tmp.resolve("test");
        List<String> classes = new ArrayList<>();
        try (var s = Files.list(all)) {
            s.map(p -> p.getFileName().toString()).sorted().forEach(classes::add);
        }
        SplittableRandom r = new SplittableRandom(7);
        List<Path[]> trainFiles = new ArrayList<>(); // {placed file, original class folder}
        for (String c : classes) {
            List<Path> files;
            try (var s = Files.list(all.resolve(c))) {
                files = s.sorted().toList();
            }
            for (int i = 0; i < 300; i++) {
                boolean isTrain = i < 200;
                Path dir = Files.createDirectories((isTrain ? train : test).resolve(c));
                Path to = dir.resolve(files.get(i).getFileName());
                Files.copy(files.get(i), to);
                if (isTrain) {
                    trainFiles.add(new Path[] {to, dir});
                }
            }
        }
        int n = trainFiles.size();
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        for (int i = n - 1; i > 0; i--) {
            java.util.Collections.swap(order, i, r.nextInt(i + 1));
        }
        // 10% flipped: moved into another class's folder.
        for (int k = 0; k < n / 10; k++) {
            Path[] f = trainFiles.get(order.get(k));
            String from = f[1].getFileName().toString();
            String to = classes.get((classes.indexOf(from) + 1 + r.nextInt(classes.size() - 1)) % classes.size());
            Path moved = train.resolve(to).resolve("flipped_" + f[0].getFileName());
            Files.move(f[0], moved);
            flipped.add(moved.toString());
        }
        // 5% near copies and 10 exact copies of (unflipped) training images, into test under their class.
        for (int k = n / 10; k < n / 10 + n / 20; k++) {
            Path original = trainFiles.get(order.get(k))[0];
            Path copy = test.resolve(original.getParent().getFileName()).resolve("near_" + original.getFileName().toString().replace(".png", ".jpg"));
            resizedJpeg(original, copy, 36 + r.nextInt(30), 0.5f + 0.4f * (float) r.nextDouble());
            nearCopies.put(copy.toString(), original.toString());
        }
        for (int k = n / 10 + n / 20; k < n / 10 + n / 20 + 10; k++) {
            Path original = trainFiles.get(order.get(k))[0];
            Path copy = test.resolve(original.getParent().getFileName()).resolve("copy_" + original.getFileName());
            Files.copy(original, copy);
            exactCopies.put(copy.toString(), original.toString());
        }
        Files.writeString(test.resolve(classes.get(0)).resolve("broken.png"), "not an image");
    }

    private static void resizedJpeg(Path from, Path to, int side, float quality) throws IOException {
        BufferedImage src = ImageIO.read(from.toFile());
        BufferedImage dst = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = dst.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(src, 0, 0, side, side, null);
        g.dispose();
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpg").next();
        ImageWriteParam p = w.getDefaultWriteParam();
        p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        p.setCompressionQuality(quality);
        try (ImageOutputStream os = ImageIO.createImageOutputStream(to.toFile())) {
            w.setOutput(os);
            w.write(null, new IIOImage(dst, null, null), p);
        } finally {
            w.dispose();
        }
    }

    @Test
    void findsTheFlippedLabelsTheCopiesAndTheBrokenFile() throws IOException {
        Path out = tmp.resolve("out");
        CliHarness.Result res = CliHarness.run("inspect", "--data", train.toString(), "--test", test.toString(), "--weights",
                pretrained.toString(), "--out", out.toString(), "--json", "--threads", "2");
        assertEquals(0, res.code(), res.err());
        JsonObject o = JsonParser.parseString(res.out().trim()).getAsJsonObject();
        assertEquals(o, JsonParser.parseString(Files.readString(out.resolve("inspect.json"))));
        assertTrue(Files.size(out.resolve("report.html")) > 10_000);
        assertTrue(Files.exists(out.resolve("embedding_map.png")));

        JsonArray splits = o.getAsJsonArray("splits");
        JsonObject tr = splits.get(0).getAsJsonObject();
        JsonObject te = splits.get(1).getAsJsonObject();
        assertEquals(1000, tr.get("images").getAsInt());
        assertEquals(500 + 50 + 10, te.get("images").getAsInt());
        assertEquals(1, te.getAsJsonArray("unreadable").size());
        assertTrue(te.getAsJsonArray("unreadable").get(0).getAsJsonObject().get("path").getAsString().endsWith("broken.png"));
        assertEquals(50, te.getAsJsonObject("formats").get("jpeg").getAsInt());

        // Every exact copy, in a group across the splits with its original.
        Set<String> exactFound = new HashSet<>();
        for (JsonElement g : o.getAsJsonArray("exactDuplicates")) {
            JsonArray imgs = g.getAsJsonObject().getAsJsonArray("images");
            Set<String> paths = new HashSet<>();
            imgs.forEach(i -> paths.add(i.getAsJsonObject().get("path").getAsString()));
            exactCopies.forEach((copy, original) -> {
                if (paths.contains(copy) && paths.contains(original)) {
                    exactFound.add(copy);
                }
            });
        }
        assertEquals(exactCopies.keySet(), exactFound);
        assertEquals(10, o.getAsJsonArray("exactDuplicates").size(), "no other byte-identical files");

        // Near copies across the splits.
        int nearFound = 0;
        int nearOther = 0;
        for (JsonElement e : o.getAsJsonObject("nearDuplicates").getAsJsonArray("pairs")) {
            JsonObject p = e.getAsJsonObject();
            String a = p.getAsJsonObject("a").get("path").getAsString();
            String b = p.getAsJsonObject("b").get("path").getAsString();
            if (a.equals(nearCopies.get(b)) || b.equals(nearCopies.get(a))) {
                nearFound++;
                assertTrue(p.get("acrossSplits").getAsBoolean());
            } else {
                nearOther++;
            }
        }
        // Measured: all 50 found, no other pair.
        assertTrue(nearFound >= 45, nearFound + " of 50 near copies found");
        assertTrue(nearOther <= 5, nearOther + " pairs that are not planted copies");

        // Flipped labels.
        JsonArray suspects = o.getAsJsonObject("labels").getAsJsonArray("suspects");
        int hits = 0;
        for (JsonElement e : suspects) {
            hits += flipped.contains(e.getAsJsonObject().get("path").getAsString()) ? 1 : 0;
        }
        double recall = (double) hits / flipped.size();
        double precision = suspects.isEmpty() ? 0 : (double) hits / suspects.size();
        System.err.printf("inspect: %d near copies of 50 found, %d other pairs; %d suspects, %d of %d flipped: recall %.3f precision %.3f%n",
                nearFound, nearOther, suspects.size(), hits, flipped.size(), recall, precision);
        // Measured: 143 suspects, 74 of the 100 flipped (recall 0.74, precision 0.52). Flagging at random
        // would reach a precision of 0.06 (100 flipped among 1,560 images); the probe is right on 78% of
        // the images, and Coat, Pullover and Shirt are what its clean mistakes confuse.
        assertTrue(recall >= 0.7, "recall " + recall);
        assertTrue(precision >= 0.45, "precision " + precision);
        JsonObject first = suspects.get(0).getAsJsonObject();
        assertNotNull(first.get("suggested").getAsString());
        assertEquals(1560, o.getAsJsonObject("map").getAsJsonArray("points").size());
    }

    @Test
    void withoutWeightsOnlyFilesAndCopiesAreInspected() {
        Path out = tmp.resolve("plain");
        CliHarness.Result res = CliHarness.run("inspect", "--data", train.toString(), "--test", test.toString(), "--out", out.toString());
        assertEquals(0, res.code(), res.err());
        assertTrue(res.out().contains("exact duplicates: 10 groups, 10 across splits"), res.out());
        assertTrue(!res.out().contains("likely label errors"), res.out());
    }

    @Test
    void aMissingFolderIsBadInput() {
        CliHarness.Result res = CliHarness.run("inspect", "--data", tmp.resolve("nope").toString(), "--out", tmp.resolve("x").toString());
        assertEquals(2, res.code(), res.err());
        assertTrue(res.err().contains("nope"), res.err());
    }
}
