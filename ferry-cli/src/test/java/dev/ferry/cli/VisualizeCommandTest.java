package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.eval.Grids;
import dev.ferry.weights.Tensor;
import dev.ferry.weights.WeightsReader;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry visualize} on the resnet18 fixture network: the filter grid's pixels are conv1's
 * weights min-max scaled per filter, the feature-map grids are written for an image, and the report
 * shows them.
 */
class VisualizeCommandTest {
    private static final Path WEIGHTS = PredictCommandTest.resource("weights/resnet18_w8.pth");

    @Test
    void theFilterGridsPixelsAreEachFiltersScaledWeights(@TempDir Path out) throws IOException {
        CliHarness.Result r = CliHarness.run("visualize", "--weights", WEIGHTS.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of(out.resolve("filters.png"), out.resolve("report.html")),
                Files.list(out).sorted().toList(), "without an image: the filters and the report");
        Tensor conv1 = WeightsReader.read(WEIGHTS).get("conv1.weight");
        float[] w = conv1.floats();
        int filters = (int) conv1.shape()[0];
        int k = (int) conv1.shape()[2];
        assertEquals(8, filters);
        assertEquals(7, k);
        BufferedImage img = ImageIO.read(out.resolve("filters.png").toFile());
        int scale = Grids.scaleFor(k, 48);
        int side = k * scale;
        assertEquals(Grids.GAP + 8 * (side + Grids.GAP), img.getWidth(), "one row of eight tiles");
        assertEquals(Grids.GAP + side + Grids.GAP, img.getHeight());
        int per = 3 * k * k;
        int checked = 0;
        for (int f = 0; f < filters; f++) {
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (int i = f * per; i < (f + 1) * per; i++) {
                lo = Math.min(lo, w[i]);
                hi = Math.max(hi, w[i]);
            }
            int[][] positions = {{0, 0}, {k - 1, 0}, {3, 5}, {k - 1, k - 1}};
            for (int[] p : positions) {
                int x = p[0];
                int y = p[1];
                // The centre of the weight's enlarged square, so the test also pins the layout.
                int px = Grids.GAP + f * (side + Grids.GAP) + x * scale + scale / 2;
                int py = Grids.GAP + y * scale + scale / 2;
                int rgb = img.getRGB(px, py);
                for (int c = 0; c < 3; c++) {
                    double v = w[f * per + (c * k + y) * k + x];
                    int want = (int) Math.round(255 * (v - lo) / (hi - lo));
                    assertEquals(want, (rgb >> (16 - 8 * c)) & 0xff, "filter " + f + " channel " + c + " at " + x + "," + y);
                    checked++;
                }
            }
        }
        assertEquals(8 * 4 * 3, checked);
        assertEquals(Grids.BACKGROUND, img.getRGB(0, 0) & 0xffffff, "the gap");
    }

    @Test
    void withAnImageEveryLayersFeatureMapsAreDrawnAndReported(@TempDir Path out) throws IOException {
        Path image = PredictCommandTest.resource("predict/waves_300x260.png");
        CliHarness.Result r = CliHarness.run("visualize", "--weights", WEIGHTS.toString(), "--image", image.toString(),
                "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        String html = Files.readString(out.resolve("report.html"), StandardCharsets.UTF_8);
        for (String layer : List.of("stem", "layer1", "layer2", "layer3", "layer4")) {
            Path png = out.resolve("feature_maps_" + layer + ".png");
            assertTrue(Files.isRegularFile(png), layer);
            assertTrue(html.contains("href=\"feature_maps_" + layer + ".png\""), layer);
            assertTrue(r.out().contains(png.toString()), r.out());
        }
        assertTrue(html.contains("href=\"filters.png\""));
        // layer3 of the 224x224 crop: 32 channels of 14x14, the first 16 drawn in two rows of eight.
        BufferedImage l3 = ImageIO.read(out.resolve("feature_maps_layer3.png").toFile());
        int tile = 14 * Grids.scaleFor(14, 64);
        assertEquals(Grids.GAP + 8 * (tile + Grids.GAP), l3.getWidth());
        assertEquals(Grids.GAP + 2 * (tile + Grids.GAP), l3.getHeight());
        assertTrue(r.out().contains("layer3  [32, 14, 14]  16 tiles"), r.out());
    }

    @Test
    void aNetworkMustBeNamedOnceAndABadImageStopsIt(@TempDir Path tmp) throws IOException {
        CliHarness.Result none = CliHarness.run("visualize", "--out", tmp.resolve("a").toString());
        assertEquals(2, none.code());
        assertTrue(none.err().contains("--weights"), none.err());
        Path bad = tmp.resolve("bad.jpg");
        Files.writeString(bad, "text");
        Path out = tmp.resolve("b");
        CliHarness.Result r = CliHarness.run("visualize", "--weights", WEIGHTS.toString(), "--image", bad.toString(),
                "--out", out.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("ferry: error: " + bad + ": "), r.err());
        assertFalse(Files.exists(out.resolve("report.html")));
    }
}
