package dev.ferry.weights;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Access to src/test/resources/weights, written by tools/make_weight_fixtures.py, and to the other
 * fixture folders of this package's tests ({@code grouped}: tools/make_grouped_fixtures.py).
 */
final class Fixtures {
    private Fixtures() {}

    /** The fixture file {@code name} of weights/; fails the test if it does not exist. */
    static Path path(String name) {
        return path("weights", name);
    }

    /** The fixture file {@code folder/name}; fails the test if it does not exist. */
    static Path path(String folder, String name) {
        URL url = Fixtures.class.getResource("/" + folder + "/" + name);
        if (url == null) {
            throw new IllegalStateException("missing fixture " + folder + "/" + name + "; run the tools/ script that writes " + folder + "/");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A JSON fixture (manifest.json, parity.json). */
    static JsonObject json(String name) {
        return json(path(name));
    }

    /** A JSON fixture file. */
    static JsonObject json(Path file) {
        try {
            return JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A raw little-endian float32 fixture (input.bin, *_logits.bin). */
    static float[] floats(String name) {
        return floats(path(name));
    }

    /** A raw little-endian float32 file. */
    static float[] floats(Path file) {
        ByteBuffer buf = bytes(file);
        float[] out = new float[buf.remaining() / 4];
        buf.asFloatBuffer().get(out);
        return out;
    }

    /** A raw little-endian float64 file. */
    static double[] doubles(Path file) {
        ByteBuffer buf = bytes(file);
        double[] out = new double[buf.remaining() / 8];
        buf.asDoubleBuffer().get(out);
        return out;
    }

    private static ByteBuffer bytes(Path file) {
        try {
            return ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The generator's order-sensitive checksum: sum over i of (i+1) * bits(v_i) modulo 2^64, where
     * bits is the float32 bit pattern of floating values and the value itself for integers.
     */
    static String checksum(Tensor t) {
        long total = 0;
        for (int i = 0; i < t.numel(); i++) {
            long bits = t.isFloating() ? Float.floatToRawIntBits(t.floats()[i]) & 0xffffffffL : t.longs()[i];
            total += (i + 1L) * bits;
        }
        return String.format("%016x", total);
    }
}
