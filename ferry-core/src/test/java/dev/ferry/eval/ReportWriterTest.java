package dev.ferry.eval;

import dev.ferry.platform.AtomicFiles;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.FerryException;
import dev.ferry.InputException;
import dev.ferry.eval.EpochRecord;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportWriterTest {
    private static final String EVIL = "<b>cats & dogs</b>";
    private static final String EVIL_ESCAPED = "&lt;b&gt;cats &amp; dogs&lt;/b&gt;";

    @TempDir
    Path tmp;

    @BeforeAll
    static void headless() {
        System.setProperty("java.awt.headless", "true");
    }

    @Test
    void writesOneSelfContainedPageWithChartsAlongside() throws IOException {
        ClassificationMetrics m = Fixtures.pets(List.of(EVIL, "dog", "bird"));
        byte[] cm = Charts.confusionMatrix(m, 500, 400);
        byte[] curves = Charts.learningCurves(List.of(
                new EpochRecord(1, 1.0, 0.5, 1.1, 0.45, 1e-3, 1, 100),
                new EpochRecord(2, 0.6, 0.7, 0.8, 0.65, 1e-4, 1, 100)), 400, 300);
        byte[] thumbPng = Thumbnails.png(image(300, 200, Color.ORANGE), 128);
        byte[] thumbJpeg = jpeg(image(64, 64, Color.GREEN));
        List<GalleryItem> gallery = List.of(
                new GalleryItem("img_0009.jpg", thumbPng, "bird", "dog", 0.75),
                new GalleryItem("x\"><script>alert(1)</script>.jpg", thumbJpeg, EVIL, "dog", 0.45));
        Map<String, String> run = new LinkedHashMap<>();
        run.put("architecture", "resnet50");
        run.put("data", "/data/" + EVIL);
        Report report = Report.builder("Flowers & " + EVIL)
                .summary("Run", run)
                .metrics("Test set", m)
                .chart("Learning curves", "learning-curves.png", curves, "loss & accuracy")
                .chart("Confusion matrix", "confusion-matrix.png", cm)
                .text("Classification report", MetricsText.render(m))
                .gallery("Worst-classified images", gallery)
                .build();

        Path out = tmp.resolve("runs/report-1");
        Path page = ReportWriter.write(report, out);
        assertEquals(out.resolve("report.html"), page);

        try (Stream<Path> files = Files.list(out)) {
            assertEquals(List.of("confusion-matrix.png", "learning-curves.png", "report.html"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary files left");
        }
        assertArrayEquals(cm, Files.readAllBytes(out.resolve("confusion-matrix.png")));
        assertArrayEquals(curves, Files.readAllBytes(out.resolve("learning-curves.png")));

        String html = Files.readString(page, StandardCharsets.UTF_8);
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertTrue(html.contains("<style>"));
        assertTrue(html.contains("src=\"data:image/png;base64," + Base64.getEncoder().encodeToString(cm) + "\""));
        assertTrue(html.contains("src=\"data:image/png;base64," + Base64.getEncoder().encodeToString(curves) + "\""));
        assertTrue(html.contains("src=\"data:image/png;base64," + Base64.getEncoder().encodeToString(thumbPng) + "\""));
        assertTrue(html.contains("src=\"data:image/jpeg;base64," + Base64.getEncoder().encodeToString(thumbJpeg) + "\""));
        assertTrue(html.contains("<a href=\"confusion-matrix.png\">"));
        // Everything from the outside is escaped: title, summary, class names, labels, text.
        assertFalse(html.contains(EVIL), "raw class name leaked");
        assertFalse(html.contains("<script>"), "raw label leaked");
        assertTrue(html.contains("<title>Flowers &amp; " + EVIL_ESCAPED + "</title>"));
        assertTrue(html.contains("<td>/data/" + EVIL_ESCAPED + "</td>"));
        assertTrue(html.contains("<th>" + EVIL_ESCAPED + "</th>"));
        assertTrue(html.contains("true: <b>" + EVIL_ESCAPED + "</b>"));
        assertTrue(html.contains("x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;.jpg"));
        assertTrue(html.contains("predicted: <b>dog</b> (75.0%)"));
        assertTrue(html.contains("loss &amp; accuracy"));
        assertTrue(html.contains("<nav>"), "table of contents with 6 sections");
        assertTrue(html.contains("0.5714"), "metrics section");
        // The summary keeps insertion order.
        assertTrue(html.indexOf("architecture") < html.indexOf("/data/"));
    }

    @Test
    void rewritingReplacesTheReport() {
        Path out = tmp.resolve("r");
        ReportWriter.write(Report.builder("alpha report").text("t", "one").build(), out);
        ReportWriter.write(Report.builder("beta report").text("t", "two").build(), out);
        String html = read(out.resolve("report.html"));
        assertTrue(html.contains("beta report") && !html.contains("alpha report"));
    }

    @Test
    void aFailedWriteLeavesTheOldReportIntactAndNoTempFiles() throws IOException {
        Path out = tmp.resolve("r");
        ReportWriter.write(Report.builder("old report").text("t", "old").build(), out);
        // A non-empty folder where a chart file must go makes the chart's rename fail.
        Files.createDirectories(out.resolve("chart.png"));
        Files.writeString(out.resolve("chart.png/keep"), "x");
        byte[] png = Thumbnails.png(image(10, 10, Color.RED), 10);
        Report next = Report.builder("new report").chart("c", "chart.png", png).build();
        FerryException e = assertThrows(FerryException.class, () -> ReportWriter.write(next, out));
        assertTrue(e.getMessage().contains("chart.png"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
        assertTrue(read(out.resolve("report.html")).contains("old report"));
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(List.of("chart.png", "report.html"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void aFileInPlaceOfTheFolderIsAnInputError() throws IOException {
        Path file = Files.writeString(tmp.resolve("taken"), "x");
        InputException e = assertThrows(InputException.class,
                () -> ReportWriter.write(Report.builder("r").build(), file.resolve("sub")));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void atomicFilesWriteAndReplace() throws IOException {
        Path target = tmp.resolve("a/b/metrics.json");
        AtomicFiles.writeString(target, "{\"x\":1}");
        AtomicFiles.writeString(target, "{\"x\":2}");
        assertEquals("{\"x\":2}", Files.readString(target));
        try (Stream<Path> files = Files.list(target.getParent())) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void reportValidation() {
        byte[] png = Thumbnails.png(image(4, 4, Color.BLUE), 4);
        assertThrows(IllegalArgumentException.class, () -> new Report.Chart("c", "../evil.png", png));
        assertThrows(IllegalArgumentException.class, () -> new Report.Chart("c", "report.html", png));
        assertThrows(IllegalArgumentException.class, () -> new Report.Chart("c", "c.png", new byte[] {1, 2, 3}));
        assertThrows(IllegalArgumentException.class,
                () -> Report.builder("r").chart("a", "same.png", png).chart("b", "same.png", png).build());
        assertThrows(IllegalArgumentException.class, () -> new GalleryItem("x", new byte[] {0, 1}, "a", "b", 0.5));
        // Byte arrays are copied in and out, so a report cannot change after it is built.
        byte[] mutable = png.clone();
        Report.Chart chart = new Report.Chart("c", "c.png", mutable);
        mutable[20] ^= 1;
        chart.png()[21] ^= 1;
        assertArrayEquals(png, chart.png());
        assertEquals(new Report.Chart("c", "c.png", png), chart);
    }

    @Test
    void thumbnailsKeepAspectRatio() throws IOException {
        BufferedImage big = ChartsTest.decode(Thumbnails.png(image(1000, 500, Color.CYAN), 256));
        assertEquals(256, big.getWidth());
        assertEquals(128, big.getHeight());
        BufferedImage small = ChartsTest.decode(Thumbnails.png(image(50, 40, Color.CYAN), 256));
        assertEquals(50, small.getWidth());
        assertEquals(40, small.getHeight());
        Path jpg = tmp.resolve("photo.jpg");
        Files.write(jpg, jpeg(image(600, 900, Color.MAGENTA)));
        BufferedImage fromFile = ChartsTest.decode(Thumbnails.png(jpg, 90));
        assertEquals(60, fromFile.getWidth());
        assertEquals(90, fromFile.getHeight());
        Path notImage = Files.writeString(tmp.resolve("notes.jpg"), "not an image");
        InputException e = assertThrows(InputException.class, () -> Thumbnails.png(notImage, 90));
        assertTrue(e.getMessage().contains("notes.jpg"), e.getMessage());
        assertThrows(InputException.class, () -> Thumbnails.png(tmp.resolve("missing.jpg"), 90));
    }

    private static BufferedImage image(int w, int h, Color color) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(color);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.BLACK);
        g.drawLine(0, 0, w - 1, h - 1);
        g.dispose();
        return img;
    }

    private static byte[] jpeg(BufferedImage img) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, "jpeg", out));
        return out.toByteArray();
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
