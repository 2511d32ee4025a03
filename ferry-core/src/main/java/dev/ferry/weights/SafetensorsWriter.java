package dev.ferry.weights;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.ferry.FerryException;
import dev.ferry.platform.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes safetensors files that the Python {@code safetensors} package and {@link WeightsReader} read.
 *
 * <p>Floating tensors are written as F32 and integer/boolean tensors as I64, whatever dtype they
 * were read from, since that is what {@link Tensor} holds. Tensors appear in the header in the
 * given order; in the data, 8-byte elements come first so every tensor is aligned to its element
 * size (the header is padded to a multiple of 8 bytes, as the reference writer does).
 *
 * <p>The file is written to a temporary file in the same folder and renamed over the target, so a
 * crash or a full disk never leaves a half-written file under the final name.
 */
public final class SafetensorsWriter {
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    private SafetensorsWriter() {}

    /**
     * Writes {@code stateDict}'s tensors with {@code metadata} to {@code file}, replacing it if it exists.
     * Creates missing parent folders.
     *
     * @throws FerryException (one line) if the file cannot be written
     */
    public static void write(Path file, StateDict stateDict, Map<String, String> metadata) {
        write(file, stateDict.asMap(), metadata);
    }

    /**
     * Writes {@code tensors} in map order with {@code metadata} ({@code __metadata__}) to {@code file},
     * replacing it if it exists. Creates missing parent folders.
     *
     * @throws IllegalArgumentException if a name is empty or {@code __metadata__}
     * @throws FerryException (one line) if the file cannot be written
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
        Objects.requireNonNull(file, "file");
        byte[] header = header(tensors, metadata);
        Path absolute = file.toAbsolutePath();
        Path folder = absolute.getParent();
        Path temp = null;
        try {
            Files.createDirectories(folder);
            temp = AtomicFiles.newTempFile(folder, absolute.getFileName().toString()); // follows the umask
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).flip();
                writeAll(out, length);
                writeAll(out, ByteBuffer.wrap(header));
                ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
                for (String name : dataOrder(tensors)) {
                    writeValues(out, chunk, tensors.get(name));
                }
                out.force(true);
            }
            AtomicFiles.move(temp, absolute);
            temp = null;
        } catch (IOException e) {
            throw new FerryException("cannot write " + file + ": " + WeightsErrors.oneLine(describe(e)), e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // The write already failed and says so; a leftover hidden temp file is secondary.
                }
            }
        }
    }

    /** The padded JSON header, with offsets laid out as {@link #dataOrder} writes the data. */
    private static byte[] header(Map<String, Tensor> tensors, Map<String, String> metadata) {
        Map<String, long[]> offsets = new HashMap<>();
        long position = 0;
        for (String name : dataOrder(tensors)) {
            Tensor t = tensors.get(name);
            long bytes = (long) t.numel() * (t.isFloating() ? 4 : 8);
            offsets.put(name, new long[] {position, position + bytes});
            position += bytes;
        }
        JsonObject root = new JsonObject();
        if (!metadata.isEmpty()) {
            JsonObject meta = new JsonObject();
            metadata.forEach((k, v) -> meta.addProperty(Objects.requireNonNull(k, "metadata key"), Objects.requireNonNull(v, k)));
            root.add("__metadata__", meta);
        }
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            if (name == null || name.isEmpty() || name.equals("__metadata__")) {
                throw new IllegalArgumentException("invalid tensor name for safetensors: '" + name + "'");
            }
            Tensor t = e.getValue();
            JsonObject info = new JsonObject();
            info.addProperty("dtype", t.isFloating() ? "F32" : "I64");
            JsonArray shape = new JsonArray();
            for (long d : t.shape()) {
                shape.add(d);
            }
            info.add("shape", shape);
            JsonArray span = new JsonArray();
            long[] range = offsets.get(name);
            span.add(range[0]);
            span.add(range[1]);
            info.add("data_offsets", span);
            root.add(name, info);
        }
        byte[] json = GSON.toJson(root).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] header = new byte[padded];
        System.arraycopy(json, 0, header, 0, json.length);
        Arrays.fill(header, json.length, padded, (byte) ' ');
        return header;
    }

    /**
     * The names in the order their tensors' bytes are written: 8-byte (I64) ones first, then 4-byte
     * (F32), each group in map order. A tensor used under two names is written once per name, since
     * safetensors forbids shared data.
     */
    private static List<String> dataOrder(Map<String, Tensor> tensors) {
        List<String> order = new ArrayList<>();
        tensors.forEach((name, t) -> {
            if (!t.isFloating()) {
                order.add(name);
            }
        });
        tensors.forEach((name, t) -> {
            if (t.isFloating()) {
                order.add(name);
            }
        });
        return order;
    }

    private static void writeValues(FileChannel out, ByteBuffer chunk, Tensor t) throws IOException {
        chunk.clear();
        if (t.isFloating()) {
            for (float v : t.floats()) {
                if (chunk.remaining() < 4) {
                    writeAll(out, chunk.flip());
                    chunk.clear();
                }
                chunk.putFloat(v);
            }
        } else {
            for (long v : t.longs()) {
                if (chunk.remaining() < 8) {
                    writeAll(out, chunk.flip());
                    chunk.clear();
                }
                chunk.putLong(v);
            }
        }
        writeAll(out, chunk.flip());
    }

    private static void writeAll(FileChannel out, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            out.write(buf);
        }
    }

    private static String describe(IOException e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
