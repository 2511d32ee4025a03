package dev.ferry.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.eval.EpochRecord;
import java.awt.GraphicsEnvironment;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ChartsTest {

    @BeforeAll
    static void headless() {
        // The charts set this themselves; setting it here too keeps the suite headless even if
        // another test touches AWT first.
        System.setProperty("java.awt.headless", "true");
    }

    @Test
    void learningCurvesWithAndWithoutValidation() throws IOException {
        List<EpochRecord> epochs = List.of(
                new EpochRecord(1, 1.9, 0.35, 1.6, 0.45, 1e-3, 12.0, 800),
                new EpochRecord(2, 1.2, 0.62, 1.1, 0.66, 8e-4, 11.5, 820),
                new EpochRecord(3, 0.8, 0.78, 0.9, 0.74, 5e-4, 11.7, 815),
                new EpochRecord(4, 0.6, 0.85, Double.NaN, Double.NaN, 2e-4, 11.6, 818));
        BufferedImage img = decode(Charts.learningCurves(epochs, 800, 500));
        assertEquals(800, img.getWidth());
        assertEquals(500, img.getHeight());
        assertTrue(GraphicsEnvironment.isHeadless());
        assertTrue(countNear(img, 0x1f77b4, 40) > 100, "train series drawn in blue");
        assertTrue(countNear(img, 0xff7f0e, 40) > 100, "validation series drawn in orange");

        List<EpochRecord> noVal = List.of(
                new EpochRecord(1, 1.0, 0.5, Double.NaN, Double.NaN, 1e-3, 1, 1),
                new EpochRecord(2, 0.7, 0.6, Double.NaN, Double.NaN, 1e-3, 1, 1));
        BufferedImage defaults = decode(Charts.learningCurves(noVal));
        assertEquals(Charts.DEFAULT_WIDTH, defaults.getWidth());
        assertEquals(Charts.LEARNING_CURVES_HEIGHT, defaults.getHeight());
        assertEquals(0, countNear(defaults, 0xff7f0e, 30), "no validation series");
        assertThrows(IllegalArgumentException.class, () -> Charts.learningCurves(List.of()));
        decode(Charts.learningCurves(List.of(new EpochRecord(1, 0.5, 0.8, 0.6, 0.7, 1e-3, 1, 1))));
        decode(Charts.learningCurves(List.of(new EpochRecord(1, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 1e-3, 1, 1))));
    }

    @Test
    void learningRateSchedule() throws IOException {
        double[] rates = new double[2000];
        for (int i = 0; i < rates.length; i++) {
            // linear warm-up then cosine decay
            rates[i] = i < 100 ? 3e-4 * (i + 1) / 100 : 1.5e-4 * (1 + Math.cos(Math.PI * (i - 100) / 1900));
        }
        BufferedImage img = decode(Charts.learningRateSchedule(rates, 640, 400));
        assertEquals(640, img.getWidth());
        assertEquals(400, img.getHeight());
        assertEquals(Charts.DEFAULT_HEIGHT, decode(Charts.learningRateSchedule(new double[] {0.1})).getHeight());
        assertThrows(IllegalArgumentException.class, () -> Charts.learningRateSchedule(new double[0]));
        assertThrows(IllegalArgumentException.class, () -> Charts.learningRateSchedule(rates, 20, 400));
    }

    @Test
    void confusionMatrixHeatMap() throws IOException {
        ClassificationMetrics m = Fixtures.pets(List.of("<b>cats & dogs</b>", "dog", "bird"));
        BufferedImage img = decode(Charts.confusionMatrix(m, 700, 600));
        assertEquals(700, img.getWidth());
        assertEquals(600, img.getHeight());
        // Cells shaded by row share: bird->bird is 2/3 of its row, so dark blue appears.
        assertTrue(countNear(img, 0x3a6ca0, 60) > 500, "dark cells drawn");
        BufferedImage auto = decode(Charts.confusionMatrix(m));
        decode(Charts.confusionMatrix(ClassificationMetrics.compute(new int[] {0}, new float[][] {{1f}}, List.of("only"), 0)));
        assertEquals(600, auto.getHeight(), "3 classes get the minimum side");

        // 40 classes with long names: cells too small for counts, names shortened; must still render.
        int n = 40;
        List<String> names = new ArrayList<>();
        int[] labels = new int[n * 3];
        float[][] probs = new float[n * 3][n];
        for (int c = 0; c < n; c++) {
            names.add("a rather long class name number " + c);
        }
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % n;
            probs[i][(i * 7) % n] = 1f;
        }
        ClassificationMetrics big = ClassificationMetrics.compute(labels, probs, names, 1.0);
        BufferedImage large = decode(Charts.confusionMatrix(big));
        assertEquals(1600, large.getHeight());
        assertEquals(1700, large.getWidth());
    }

    @Test
    void accuracyVsShots() throws IOException {
        List<ShotResult> results = List.of(
                new ShotResult("linear probe", 1, 0.41), new ShotResult("linear probe", 5, 0.63),
                new ShotResult("linear probe", 20, 0.78), new ShotResult("fine-tune", 20, 0.85),
                new ShotResult("fine-tune", 1, 0.30), new ShotResult("fine-tune", 5, 0.59),
                new ShotResult("from scratch", 5, Double.NaN), new ShotResult("from scratch", 20, 0.22));
        BufferedImage img = decode(Charts.accuracyVsShots(results));
        assertEquals(Charts.DEFAULT_WIDTH, img.getWidth());
        assertEquals(Charts.DEFAULT_HEIGHT, img.getHeight());
        assertTrue(countNear(img, 0x2ca02c, 40) > 20, "third strategy in green");
        assertThrows(IllegalArgumentException.class, () -> Charts.accuracyVsShots(List.of()));
        assertThrows(IllegalArgumentException.class, () -> new ShotResult(" ", 1, 0.5));
        assertThrows(IllegalArgumentException.class, () -> new ShotResult("x", -1, 0.5));
    }

    @Test
    void lrFinderWithSuggestion() throws IOException {
        int n = 100;
        double[] rates = new double[n];
        double[] losses = new double[n];
        for (int i = 0; i < n; i++) {
            rates[i] = 1e-7 * Math.pow(10, 8.0 * i / (n - 1));
            double x = Math.log10(rates[i]);
            losses[i] = i == n - 1 ? Double.POSITIVE_INFINITY : 2.3 - 1.5 * Math.exp(-Math.pow(x + 2.5, 2)) + (x > -1 ? 20 * (x + 1) : 0);
        }
        BufferedImage img = decode(Charts.lrFinder(rates, losses, 3e-3, 900, 520));
        assertEquals(900, img.getWidth());
        assertEquals(520, img.getHeight());
        assertTrue(countNear(img, 0xd62728, 40) > 100, "suggestion marked in red");
        BufferedImage none = decode(Charts.lrFinder(rates, losses, Double.NaN));
        decode(Charts.lrFinder(new double[] {1e-5, 1e-4}, new double[] {Double.NaN, Double.NaN}, 1e-4));
        decode(Charts.lrFinder(new double[] {1e-5, 1e-4}, new double[] {1.0, 1.0}, 1e-4));
        assertEquals(0, countNear(none, 0xd62728, 40), "no marker without a suggestion");
        assertThrows(IllegalArgumentException.class, () -> Charts.lrFinder(new double[] {1e-3, 0}, new double[] {1, 1}, 1e-3));
        assertThrows(IllegalArgumentException.class, () -> Charts.lrFinder(new double[] {1e-3}, new double[] {1, 1}, 1e-3));
    }

    static BufferedImage decode(byte[] png) throws IOException {
        assertTrue(ImageType.isPng(png), "PNG signature");
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        assertNotNull(img, "decodes as an image");
        return img;
    }

    /** Pixels within {@code tolerance} per channel of {@code rgb}. */
    static int countNear(BufferedImage img, int rgb, int tolerance) {
        int r = (rgb >> 16) & 0xff;
        int g = (rgb >> 8) & 0xff;
        int b = rgb & 0xff;
        int count = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int p = img.getRGB(x, y);
                if (Math.abs(((p >> 16) & 0xff) - r) <= tolerance && Math.abs(((p >> 8) & 0xff) - g) <= tolerance
                        && Math.abs((p & 0xff) - b) <= tolerance) {
                    count++;
                }
            }
        }
        return count;
    }
}
