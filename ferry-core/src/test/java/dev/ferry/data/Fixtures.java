package dev.ferry.data;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;

/**
 * Access to the fixtures written by tools/make_data_fixtures.py (Pillow 9.4 / torchvision 0.14).
 */
final class Fixtures {

    private Fixtures() {
    }

    /** The fixture root, src/test/resources/data, as a file-system path. */
    static Path root() {
        URL url = Fixtures.class.getResource("/data/manifest.json");
        if (url == null) {
            throw new IllegalStateException("test fixtures missing: run tools/make_data_fixtures.py");
        }
        try {
            return Path.of(url.toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path path(String relative) {
        return root().resolve(relative);
    }

    static JsonObject manifest() {
        try {
            return JsonParser.parseString(Files.readString(path("manifest.json"))).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * An expected 8-bit RGB result stored as PNG, read as a raw raster (no colour management;
     * independent of {@link ImageDecoder}).
     */
    static RgbImage expectedRgb(String relative) {
        try {
            BufferedImage img = ImageIO.read(path(relative).toFile());
            Raster r = img.getRaster();
            int w = r.getWidth();
            int h = r.getHeight();
            if (r.getNumBands() != 3 || r.getSampleModel().getSampleSize(0) != 8) {
                throw new IllegalStateException(relative + " is not an 8-bit RGB PNG");
            }
            int[] px = r.getPixels(0, 0, w, h, (int[]) null);
            byte[] out = new byte[px.length];
            for (int i = 0; i < px.length; i++) {
                out[i] = (byte) px[i];
            }
            return new RgbImage(w, h, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A gzip-compressed little-endian float32 array. */
    static float[] floats(String relative) {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(path(relative)))) {
            byte[] bytes = in.readAllBytes();
            ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            float[] out = new float[bytes.length / 4];
            bb.asFloatBuffer().get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** HWC bytes to CHW values 0..255. */
    static int[] chw(RgbImage img) {
        int plane = img.width() * img.height();
        int[] out = new int[plane * 3];
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                out[c * plane + i] = img.rgb()[i * 3 + c] & 0xFF;
            }
        }
        return out;
    }

    /** Largest absolute difference between two equally sized images. */
    static int maxAbsDiff(RgbImage a, RgbImage b) {
        int max = 0;
        for (int i = 0; i < a.rgb().length; i++) {
            max = Math.max(max, Math.abs((a.rgb()[i] & 0xFF) - (b.rgb()[i] & 0xFF)));
        }
        return max;
    }

    /** Mean absolute difference between two equally sized images. */
    static double meanAbsDiff(RgbImage a, RgbImage b) {
        long sum = 0;
        for (int i = 0; i < a.rgb().length; i++) {
            sum += Math.abs((a.rgb()[i] & 0xFF) - (b.rgb()[i] & 0xFF));
        }
        return sum / (double) a.rgb().length;
    }

    /** Where two images first differ, for failure messages. */
    static String firstDifference(RgbImage actual, RgbImage expected) {
        for (int i = 0; i < actual.rgb().length; i++) {
            if (actual.rgb()[i] != expected.rgb()[i]) {
                int px = i / 3;
                return "first difference at x=" + (px % actual.width()) + " y=" + (px / actual.width()) + " channel "
                        + (i % 3) + ": got " + (actual.rgb()[i] & 0xFF) + ", Pillow " + (expected.rgb()[i] & 0xFF);
            }
        }
        return "no difference";
    }
}
