package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --tta} on the command line: an image's probabilities are the mean of its own and those of
 * its mirror image, each predicted without {@code --tta}.
 */
class TtaOptionTest {
    private static final Path DEMO_MODEL = Path.of("src/main/resources/dev/ferry/demo/pretrained");

    @Test
    void ttaAveragesTheImageAndItsMirrorImage(@TempDir Path dir) throws IOException {
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        BufferedImage mirror = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                int v = x < 10 ? (x * 23 + y * 7) % 256 : (y * 11) % 64;
                img.getRaster().setSample(x, y, 0, v);
                mirror.getRaster().setSample(27 - x, y, 0, v);
            }
        }
        Path a = dir.resolve("a.png");
        Path m = dir.resolve("mirror.png");
        ImageIO.write(img, "png", a.toFile());
        ImageIO.write(mirror, "png", m.toFile());

        Map<Integer, Double> plain = probabilities("--model", DEMO_MODEL.toString(), "--top-k", "5", "--json", a.toString());
        Map<Integer, Double> mirrored = probabilities("--model", DEMO_MODEL.toString(), "--top-k", "5", "--json", m.toString());
        Map<Integer, Double> tta = probabilities("--model", DEMO_MODEL.toString(), "--top-k", "5", "--json", "--tta",
                a.toString());
        assertEquals(5, tta.size(), "all five classes");
        for (int c = 0; c < 5; c++) {
            assertEquals((plain.get(c) + mirrored.get(c)) / 2, tta.get(c), 1e-5, "class " + c);
        }
    }

    private static Map<Integer, Double> probabilities(String... args) {
        String[] full = new String[args.length + 1];
        full[0] = "predict";
        System.arraycopy(args, 0, full, 1, args.length);
        CliHarness.Result r = CliHarness.run(full);
        assertEquals(0, r.code(), r.err());
        JsonArray images = JsonParser.parseString(r.out()).getAsJsonArray();
        Map<Integer, Double> out = new TreeMap<>();
        for (JsonElement t : images.get(0).getAsJsonObject().getAsJsonArray("top")) {
            out.put(t.getAsJsonObject().get("index").getAsInt(), t.getAsJsonObject().get("probability").getAsDouble());
        }
        return out;
    }
}
