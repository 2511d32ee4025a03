package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The evaluation report's gallery of worst-classified images shows each one's Grad-CAM overlay
 * (for the class it was given) next to its thumbnail.
 */
class EvaluateGalleryTest {
    private static final Path DEMO_MODEL = Path.of("src/main/resources/dev/ferry/demo/pretrained");

    @Test
    void everyGalleryImageHasItsOverlay(@TempDir Path tmp) throws IOException {
        Path data = tmp.resolve("test");
        // The same two images under two classes: whatever the model predicts, at least two of the
        // four are wrong, so the gallery is not empty.
        for (String cls : new String[] {"Bag", "Trouser"}) {
            Files.createDirectories(data.resolve(cls));
            for (int i = 0; i < 2; i++) {
                BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
                for (int y = 0; y < 28; y++) {
                    for (int x = 0; x < 28; x++) {
                        img.getRaster().setSample(x, y, 0, i == 0 ? ((x / 4) % 2 == 0 ? 230 : 20) : (y > 8 && y < 20 ? 200 : 10));
                    }
                }
                ImageIO.write(img, "png", data.resolve(cls + "/img" + i + ".png").toFile());
            }
        }
        Path report = tmp.resolve("report");
        CliHarness.Result r = CliHarness.run("evaluate", "--model", DEMO_MODEL.toString(), "--data", data.toString(),
                "--report", report.toString());
        assertEquals(0, r.code(), r.err());
        String html = Files.readString(report.resolve("report.html"), StandardCharsets.UTF_8);
        int figures = html.split("<figure class=\"wrong\">", -1).length - 1;
        assertTrue(figures >= 2, html.length() + " characters, " + figures + " wrong figures");
        assertEquals(figures, html.split("<div class=\"pair\">", -1).length - 1, "an overlay beside every thumbnail");
        assertEquals(figures, html.split("alt=\"Grad-CAM of img", -1).length - 1);
    }
}
