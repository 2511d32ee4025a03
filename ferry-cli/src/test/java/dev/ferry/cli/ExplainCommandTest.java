package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry explain} on the demo's shipped model (resnet50, width 16, small stem, 28x28 grey
 * images, five classes): files written, the JSON's shape, the probabilities predict reports, and the
 * errors that stop it with exit code 2 before anything is written.
 */
class ExplainCommandTest {
    private static final Path DEMO_MODEL = Path.of("src/main/resources/dev/ferry/demo/pretrained");
    private static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Sandal", "Sneaker", "Bag");

    @TempDir
    static Path dir;
    static Path a;
    static Path b;

    @BeforeAll
    static void images() throws IOException {
        a = dir.resolve("stripes.png");
        b = dir.resolve("blob.png");
        BufferedImage stripes = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        BufferedImage blob = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                stripes.getRaster().setSample(x, y, 0, (x / 4) % 2 == 0 ? 230 : 20);
                double r = Math.hypot(x - 10, y - 17);
                blob.getRaster().setSample(x, y, 0, r < 7 ? 220 : 15);
            }
        }
        ImageIO.write(stripes, "png", a.toFile());
        ImageIO.write(blob, "png", b.toFile());
    }

    @Test
    void writesAnOverlayPerImageAndALinePerImage(@TempDir Path out) throws IOException {
        CliHarness.Result r = CliHarness.run("explain", "--model", DEMO_MODEL.toString(), "--out", out.toString(),
                a.toString(), b.toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(2, lines.size(), r.out());
        Path pa = out.resolve("stripes_gradcam.png");
        Path pb = out.resolve("blob_gradcam.png");
        assertTrue(lines.get(0).startsWith(a + "  "), lines.get(0));
        assertTrue(lines.get(0).endsWith(pa.toString()) || lines.get(0).endsWith(pa + "  (constant map)"), lines.get(0));
        assertTrue(lines.get(1).endsWith(pb.toString()) || lines.get(1).endsWith(pb + "  (constant map)"), lines.get(1));
        for (Path p : List.of(pa, pb)) {
            BufferedImage img = ImageIO.read(p.toFile());
            assertEquals(28, img.getWidth(), "the overlay has the network's input size");
            assertEquals(28, img.getHeight());
        }
        // The overlay is the image blended with colour: a grey input gains unequal channels.
        BufferedImage img = ImageIO.read(pa.toFile());
        boolean coloured = false;
        for (int y = 0; y < 28 && !coloured; y++) {
            for (int x = 0; x < 28; x++) {
                int rgb = img.getRGB(x, y);
                coloured |= ((rgb >> 16) & 0xff) != (rgb & 0xff);
            }
        }
        assertTrue(coloured);
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(Set.of(pa, pb), Set.copyOf(files.toList()),
                    "no temporary file is left");
        }
    }

    @Test
    void jsonHasOneObjectPerImageWithPredictsProbability(@TempDir Path out) {
        CliHarness.Result r = CliHarness.run("explain", "--model", DEMO_MODEL.toString(), "--out", out.toString(), "--json",
                a.toString(), b.toString());
        assertEquals(0, r.code(), r.err());
        JsonArray rows = JsonParser.parseString(r.out()).getAsJsonArray();
        assertEquals(2, rows.size());
        CliHarness.Result predicted = CliHarness.run("predict", "--model", DEMO_MODEL.toString(), "--json", "--top-k", "1",
                a.toString(), b.toString());
        assertEquals(0, predicted.code(), predicted.err());
        JsonArray top = JsonParser.parseString(predicted.out()).getAsJsonArray();
        for (int i = 0; i < 2; i++) {
            JsonObject o = rows.get(i).getAsJsonObject();
            assertEquals(Set.of("image", "class", "index", "predicted", "probability", "logit", "layer", "constant", "png", "cam"),
                    o.keySet());
            assertEquals("layer4", o.get("layer").getAsString());
            JsonObject first = top.get(i).getAsJsonObject().getAsJsonArray("top").get(0).getAsJsonObject();
            // The default class is the predicted one, with the probability predict reports for it:
            // the explained input is the one predict classifies.
            assertEquals(first.get("index").getAsInt(), o.get("index").getAsInt());
            assertEquals(o.get("class").getAsString(), o.get("predicted").getAsString());
            assertEquals(CLASSES.get(o.get("index").getAsInt()), o.get("class").getAsString());
            assertEquals(first.get("probability").getAsDouble(), o.get("probability").getAsDouble(), 1e-4);
            assertTrue(Files.isRegularFile(Path.of(o.get("png").getAsString())));
            // layer4 of a 28x28 input through the small stem: 28, 28, 14, 7, 4.
            JsonArray cam = o.getAsJsonArray("cam");
            assertEquals(4, cam.size());
            double max = 0;
            for (JsonElement row : cam) {
                assertEquals(4, row.getAsJsonArray().size());
                for (JsonElement v : row.getAsJsonArray()) {
                    assertTrue(v.getAsDouble() >= 0 && v.getAsDouble() <= 1, cam.toString());
                    max = Math.max(max, v.getAsDouble());
                }
            }
            assertEquals(o.get("constant").getAsBoolean() ? 0.0 : 1.0, max, 1e-6);
        }
    }

    @Test
    void aChosenClassAndLayerAreExplained(@TempDir Path out) {
        CliHarness.Result r = CliHarness.run("explain", "--model", DEMO_MODEL.toString(), "--out", out.toString(), "--json",
                "--class", "Trouser", "--layer", "layer2", a.toString());
        assertEquals(0, r.code(), r.err());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonArray().get(0).getAsJsonObject();
        assertEquals(1, o.get("index").getAsInt());
        assertEquals("Trouser", o.get("class").getAsString());
        assertEquals("layer2", o.get("layer").getAsString());
        assertEquals(14, o.getAsJsonArray("cam").size());
        CliHarness.Result other = CliHarness.run("explain", "--model", DEMO_MODEL.toString(), "--out", out.toString(), "--json",
                "--class", "Bag", "--layer", "layer2", a.toString());
        assertNotEquals(o.get("cam"), JsonParser.parseString(other.out()).getAsJsonArray().get(0).getAsJsonObject().get("cam"),
                "another class has another map");
    }

    @Test
    void aBadImageIsNamedAndNothingIsWritten(@TempDir Path tmp) throws IOException {
        Path bad = tmp.resolve("broken.png");
        Files.writeString(bad, "not a picture");
        Path out = tmp.resolve("out");
        CliHarness.Result r = CliHarness.run("explain", "--model", DEMO_MODEL.toString(), "--out", out.toString(),
                a.toString(), bad.toString());
        assertEquals(2, r.code(), r.err());
        assertEquals("", r.out());
        List<String> err = r.err().lines().toList();
        assertEquals(1, err.size(), r.err());
        assertTrue(err.get(0).startsWith("ferry: error: " + bad + ": "), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void anUnknownLayerOrClassIsBadUsageNamingTheAllowedValues(@TempDir Path out) {
        CliHarness.Result layer = CliHarness.run("explain", "--model", DEMO_MODEL.toString(), "--out", out.toString(),
                "--layer", "layer5", a.toString());
        assertEquals(2, layer.code());
        assertEquals("ferry: error: --layer must be one of layer1, layer2, layer3, layer4, got 'layer5'", layer.err().strip());
        CliHarness.Result cls = CliHarness.run("explain", "--model", DEMO_MODEL.toString(), "--out", out.toString(),
                "--class", "Cat", a.toString());
        assertEquals(2, cls.code());
        assertEquals("ferry: error: --class must be one of the model's classes (" + String.join(", ", CLASSES)
                + "), got 'Cat'", cls.err().strip());
    }
}
