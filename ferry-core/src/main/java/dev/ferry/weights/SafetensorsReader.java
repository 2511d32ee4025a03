package dev.ferry.weights;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads safetensors files: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
 * ({@code {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}}), then
 * the data, with offsets relative to the start of the data.
 *
 * <p>Validates what the reference implementation validates: the header fits in the file and is at
 * most 100 MB, every tensor's byte range matches its dtype and shape, and the ranges tile the data
 * exactly (no gaps, no overlaps, nothing left over).
 */
final class SafetensorsReader {
    /** The reference implementation's limit; real headers are a few hundred kilobytes at most. */
    static final long MAX_HEADER = 100_000_000;

    private SafetensorsReader() {}

    private record Entry(String name, DType dtype, long[] shape, long begin, long end) {}

    private record Header(Map<String, String> metadata, List<Entry> entries, long dataStart, long dataLength) {}

    /** The {@code __metadata__} strings of {@code file}, reading only its header. */
    static Map<String, String> readMetadata(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return header(file, channel).metadata();
        }
    }

    private static Header header(Path file, FileChannel channel) throws IOException {
        long fileSize = channel.size();
        if (fileSize < 8) {
            throw WeightsErrors.truncated(file, "in the safetensors header length");
        }
        long headerLength = readFully(file, channel, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLength < 2 || headerLength > MAX_HEADER) {
            throw WeightsErrors.bad(file, "safetensors header length " + Long.toUnsignedString(headerLength)
                    + " is not plausible; corrupt file?");
        }
        if (headerLength > fileSize - 8) {
            throw WeightsErrors.bad(file, "safetensors header length " + headerLength + " is larger than the "
                    + (fileSize - 8) + " bytes after it; truncated or corrupt file");
        }
        String json = utf8(file, readFully(file, channel, 8, (int) headerLength));
        JsonObject header = parse(file, json);
        long dataStart = 8 + headerLength;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : header.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                metadata = metadata(file, e.getValue());
            } else {
                entries.add(entry(file, e.getKey(), e.getValue()));
            }
        }
        return new Header(metadata, entries, dataStart, fileSize - dataStart);
    }

    static StateDict read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            Header h = header(file, channel);
            Map<String, String> metadata = h.metadata();
            List<Entry> entries = h.entries();
            long dataStart = h.dataStart();
            long dataLength = h.dataLength();

            List<Entry> byOffset = new ArrayList<>(entries);
            byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
            long expectedBegin = 0;
            for (Entry en : byOffset) {
                if (en.begin != expectedBegin) {
                    throw WeightsErrors.bad(file, "tensor '" + en.name + "' data starts at " + en.begin + " but the previous "
                            + "tensor ends at " + expectedBegin + " (safetensors data must be packed without gaps or overlaps)");
                }
                expectedBegin = en.end;
            }
            if (expectedBegin != dataLength) {
                throw WeightsErrors.bad(file, "tensors cover " + expectedBegin + " bytes of data but the file holds "
                        + dataLength + " after the header; truncated or corrupt file");
            }

            Map<String, Tensor> tensors = new LinkedHashMap<>();
            int rounded = 0;
            for (Entry en : entries) {
                ByteBuffer bytes = readFully(file, channel, dataStart + en.begin, (int) (en.end - en.begin));
                long count = (en.end - en.begin) / en.dtype.byteSize();
                tensors.put(en.name, TensorDecoder.decode(file, en.name, en.dtype, bytes, count, 0, 0, en.shape,
                        rowMajorStrides(en.shape)));
                if (en.dtype == DType.F64) {
                    rounded++;
                }
            }
            List<String> notes = rounded > 0 ? List.of("rounded " + rounded + " float64 tensors to float32") : List.of();
            return new StateDict(tensors, metadata, notes);
        }
    }

    private static JsonObject parse(Path file, String json) {
        try {
            JsonReader reader = new JsonReader(new StringReader(json));
            reader.setStrictness(Strictness.STRICT);
            JsonElement root = new Gson().getAdapter(JsonElement.class).read(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw WeightsErrors.bad(file, "safetensors header has data after its JSON object");
            }
            if (!root.isJsonObject()) {
                throw WeightsErrors.bad(file, "safetensors header is not a JSON object");
            }
            return root.getAsJsonObject();
        } catch (IOException | JsonParseException | IllegalStateException e) {
            // Gson's messages end in advice about its own API; keep only where the JSON broke.
            Matcher where = Pattern.compile("line \\d+ column \\d+").matcher(String.valueOf(e.getMessage()));
            throw WeightsErrors.bad(file, "safetensors header is not valid JSON" + (where.find() ? " (at " + where.group() + ")" : ""));
        }
    }

    private static Map<String, String> metadata(Path file, JsonElement value) {
        if (!value.isJsonObject()) {
            throw WeightsErrors.bad(file, "safetensors __metadata__ is not a JSON object");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : value.getAsJsonObject().entrySet()) {
            JsonElement v = e.getValue();
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
                throw WeightsErrors.bad(file, "safetensors __metadata__ entry '" + e.getKey() + "' is not a string");
            }
            out.put(e.getKey(), v.getAsString());
        }
        return out;
    }

    private static Entry entry(Path file, String name, JsonElement value) {
        String where = "safetensors tensor '" + name + "'";
        if (!value.isJsonObject()) {
            throw WeightsErrors.bad(file, where + " is not described by a JSON object");
        }
        JsonObject o = value.getAsJsonObject();
        JsonElement dtypeJson = o.get("dtype");
        if (dtypeJson == null || !dtypeJson.isJsonPrimitive() || !dtypeJson.getAsJsonPrimitive().isString()) {
            throw WeightsErrors.bad(file, where + " has no dtype");
        }
        String dtypeName = dtypeJson.getAsString();
        DType dtype = DType.fromSafetensors(dtypeName).orElseThrow(() -> WeightsErrors.bad(file, where
                + " has dtype " + dtypeName + ", which ferry does not read (F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL)"));
        long[] shape = longs(file, o.get("shape"), where + " shape", -1);
        long[] offsets = longs(file, o.get("data_offsets"), where + " data_offsets", 2);
        long begin = offsets[0];
        long end = offsets[1];
        if (end < begin) {
            throw WeightsErrors.bad(file, where + " data_offsets [" + begin + ", " + end + "] end before they begin");
        }
        long bytes;
        try {
            long count = 1;
            for (long d : shape) {
                count = Math.multiplyExact(count, d);
            }
            bytes = Math.multiplyExact(count, (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw WeightsErrors.bad(file, where + " has an impossible shape");
        }
        if (end - begin != bytes) {
            throw WeightsErrors.bad(file, where + " spans " + (end - begin) + " bytes but " + dtypeName + " "
                    + Arrays.toString(shape) + " needs " + bytes);
        }
        if (bytes > TensorDecoder.MAX_ELEMENTS) {
            throw WeightsErrors.bad(file, where + " is larger than 2 GiB, more than ferry can hold in one array");
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** A JSON array of non-negative integers; {@code length} -1 for any length. */
    private static long[] longs(Path file, JsonElement value, String what, int length) {
        if (value == null || !value.isJsonArray()) {
            throw WeightsErrors.bad(file, what + " is missing or not an array");
        }
        JsonArray array = value.getAsJsonArray();
        if (length >= 0 && array.size() != length) {
            throw WeightsErrors.bad(file, what + " has " + array.size() + " entries, expected " + length);
        }
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            JsonElement v = array.get(i);
            long n;
            try {
                if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
                    throw new NumberFormatException();
                }
                n = v.getAsJsonPrimitive().getAsBigDecimal().longValueExact();
            } catch (NumberFormatException | ArithmeticException e) {
                throw WeightsErrors.bad(file, what + " holds " + v + ", not an integer");
            }
            if (n < 0) {
                throw WeightsErrors.bad(file, what + " holds the negative number " + n);
            }
            out[i] = n;
        }
        return out;
    }

    static long[] rowMajorStrides(long[] shape) {
        long[] stride = new long[shape.length];
        long s = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            stride[d] = s;
            s *= shape[d];
        }
        return stride;
    }

    private static String utf8(Path file, ByteBuffer bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes)
                    .toString();
        } catch (CharacterCodingException e) {
            throw WeightsErrors.bad(file, "safetensors header is not valid UTF-8");
        }
    }

    private static ByteBuffer readFully(Path file, FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining()) {
            if (channel.read(buf, position + buf.position()) < 0) {
                throw WeightsErrors.truncated(file, "at offset " + (position + buf.position()));
            }
        }
        return buf.flip();
    }
}
