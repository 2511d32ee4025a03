package dev.ferry.serve;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.ferry.data.Preset;
import dev.ferry.platform.BuildInfo;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * KServe's Open Inference Protocol v2 over REST, for ferry's models: server and model metadata,
 * and inference with one input, either {@value #IMAGE_INPUT} ({@code BYTES}, shape {@code [N]}: the
 * encoded image files, base64 in JSON) or {@value #TENSOR_INPUT} ({@code FP32}, shape
 * {@code [N, 3, crop, crop]}: images already preprocessed as the model's preset says, flat or
 * nested, row-major). The one output is {@value #OUTPUT}: {@code FP32 [N, classes]}, the
 * calibrated softmax probabilities, the numbers {@code ferry predict} prints.
 *
 * <p>Deliberately left out: the binary tensor extension, model versions and the repository
 * extension. A request is parsed into typed values here; every mistake in it is a 400 naming the
 * field.
 */
final class OpenInference {
    static final String IMAGE_INPUT = "image";
    static final String TENSOR_INPUT = "input";
    static final String OUTPUT = "probabilities";

    private OpenInference() {}

    /** What a request asks to classify. */
    sealed interface Input permits Encoded, Tensor {}

    /** Encoded image files. */
    record Encoded(List<byte[]> images) implements Input {}

    /** {@code n} preprocessed images, row-major. */
    record Tensor(float[] data, int n) implements Input {}

    /**
     * A parsed infer request.
     *
     * @param id the client's request id, echoed back (null when absent)
     * @param inputName the input's name as sent
     * @param input what to classify
     */
    record Request(String id, String inputName, Input input) {}

    /** {@code GET /v2}. */
    static Map<String, Object> serverMetadata() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "ferry");
        m.put("version", BuildInfo.current().ferry());
        m.put("extensions", List.of());
        return m;
    }

    /** {@code GET /v2/models/{model}}: inputs, outputs, and ferry's own facts under parameters. */
    static Map<String, Object> metadata(ServedModel model) {
        int crop = model.preset().crop();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", model.name());
        m.put("platform", "ferry_onnxruntime");
        m.put("inputs", List.of(
                tensorMeta(IMAGE_INPUT, "BYTES", List.of(-1)),
                tensorMeta(TENSOR_INPUT, "FP32", List.of(-1, 3, crop, crop))));
        m.put("outputs", List.of(tensorMeta(OUTPUT, "FP32", List.of(-1, model.labels().size()))));
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("classes", model.labels());
        parameters.put("arch", model.info().arch());
        parameters.put("preset", preset(model.preset()));
        parameters.put("temperature", model.temperature());
        m.put("parameters", parameters);
        return m;
    }

    private static Map<String, Object> tensorMeta(String name, String datatype, List<Integer> shape) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("datatype", datatype);
        m.put("shape", shape);
        return m;
    }

    private static Map<String, Object> preset(Preset p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("resize", p.resize());
        m.put("crop", p.crop());
        m.put("mean", p.mean());
        m.put("std", p.std());
        m.put("interpolation", p.interpolation().name().toLowerCase(Locale.ROOT));
        m.put("exifTranspose", p.exifTranspose());
        return m;
    }

    /** The infer answer: the probabilities as one {@code FP32 [N, classes]} output. */
    static Map<String, Object> response(ServedModel model, String id, float[][] probabilities) {
        int classes = model.labels().size();
        float[] flat = new float[probabilities.length * classes];
        for (int i = 0; i < probabilities.length; i++) {
            System.arraycopy(probabilities[i], 0, flat, i * classes, classes);
        }
        Map<String, Object> out = tensorMeta(OUTPUT, "FP32", List.of(probabilities.length, classes));
        out.put("data", flat);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model_name", model.name());
        if (id != null) {
            m.put("id", id);
        }
        m.put("outputs", List.of(out));
        return m;
    }

    /**
     * Parses an infer request for {@code model}.
     *
     * @throws HttpError 400 naming what is wrong, 413 for more than {@code maxImages} images
     */
    static Request parse(byte[] body, ServedModel model, int maxImages) {
        JsonObject root;
        try {
            JsonElement e = JsonParser.parseString(new String(body, StandardCharsets.UTF_8));
            if (!e.isJsonObject()) {
                throw bad("the body must be a JSON object with \"inputs\"");
            }
            root = e.getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw bad("the body is not JSON (" + Routes.describe(e) + ")");
        }
        String id = root.has("id") && root.get("id").isJsonPrimitive() ? root.get("id").getAsString() : null;
        if (root.has("outputs")) {
            JsonElement outs = root.get("outputs");
            if (!outs.isJsonArray()) {
                throw bad("\"outputs\" must be an array");
            }
            for (JsonElement o : outs.getAsJsonArray()) {
                String name = o.isJsonObject() && o.getAsJsonObject().has("name") ? o.getAsJsonObject().get("name").getAsString() : null;
                if (!OUTPUT.equals(name)) {
                    throw bad("unknown output '" + Answer.oneLine(String.valueOf(name)) + "': this model has one output, '" + OUTPUT + "'");
                }
            }
        }
        JsonElement inputs = root.get("inputs");
        if (inputs == null || !inputs.isJsonArray() || inputs.getAsJsonArray().size() != 1) {
            throw bad("\"inputs\" must be an array of exactly one input ('" + IMAGE_INPUT + "' BYTES or '" + TENSOR_INPUT + "' FP32)");
        }
        if (!inputs.getAsJsonArray().get(0).isJsonObject()) {
            throw bad("inputs[0] must be an object with name, shape, datatype and data");
        }
        JsonObject in = inputs.getAsJsonArray().get(0).getAsJsonObject();
        String name = string(in, "name");
        String datatype = string(in, "datatype");
        long[] shape = shape(in);
        JsonElement data = in.get("data");
        if (data == null || !data.isJsonArray()) {
            throw bad("inputs[0].data must be an array");
        }
        long count = 1;
        for (long d : shape) {
            count = Math.multiplyExact(count, d);
        }
        if (datatype.equals("BYTES")) {
            if (shape.length != 1) {
                throw bad("a BYTES input has shape [N] (one encoded image each), got " + java.util.Arrays.toString(shape));
            }
            int n = images(shape[0], maxImages);
            List<byte[]> images = new ArrayList<>(n);
            collect(data.getAsJsonArray(), images, count);
            if (images.size() != n) {
                throw bad("inputs[0].data holds " + images.size() + " elements for shape [" + n + "]");
            }
            return new Request(id, name, new Encoded(images));
        }
        if (datatype.equals("FP32")) {
            int crop = model.preset().crop();
            if (shape.length != 4 || shape[1] != 3 || shape[2] != crop || shape[3] != crop) {
                throw bad("an FP32 input has shape [N, 3, " + crop + ", " + crop + "] (preprocessed with the model's preset), got "
                        + java.util.Arrays.toString(shape));
            }
            int n = images(shape[0], maxImages);
            // The shape gives the count (bounded by the image limit): the numbers go straight into
            // the tensor, unboxed.
            float[] flat = new float[Math.toIntExact(count)];
            int filled = fill(data.getAsJsonArray(), flat, 0);
            if (filled != count) {
                throw bad("inputs[0].data holds " + filled + " numbers for shape " + java.util.Arrays.toString(shape)
                        + " (" + count + ")");
            }
            return new Request(id, name, new Tensor(flat, n));
        }
        throw bad("inputs[0].datatype must be BYTES (encoded images) or FP32 (preprocessed images), got '"
                + Answer.oneLine(datatype) + "'");
    }

    private static int images(long n, int maxImages) {
        if (n < 1) {
            throw bad("the batch dimension must be at least 1, got " + n);
        }
        if (n > maxImages) {
            throw new HttpError(413, n + " images in one request, over the limit of " + maxImages);
        }
        return (int) n;
    }

    /** Collects base64 strings from nested arrays into decoded bytes, refusing anything else. */
    private static void collect(JsonArray a, List<byte[]> bytes, long max) {
        for (JsonElement e : a) {
            if (e.isJsonArray()) {
                collect(e.getAsJsonArray(), bytes, max);
                continue;
            }
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
                throw bad("a BYTES element must be a base64 string");
            }
            if (bytes.size() >= max) {
                throw bad("inputs[0].data holds more elements than its shape says (" + max + ")");
            }
            try {
                bytes.add(Base64.getDecoder().decode(e.getAsString()));
            } catch (IllegalArgumentException ex) {
                throw bad("inputs[0].data[" + bytes.size() + "] is not base64 (" + Routes.describe(ex) + ")");
            }
        }
    }

    /** Writes the numbers of nested arrays into {@code out} from {@code at}; returns the next index. */
    private static int fill(JsonArray a, float[] out, int at) {
        int i = at;
        for (JsonElement e : a) {
            if (e.isJsonArray()) {
                i = fill(e.getAsJsonArray(), out, i);
                continue;
            }
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
                throw bad("an FP32 element must be a number, got " + Answer.oneLine(e.toString()));
            }
            if (i >= out.length) {
                throw bad("inputs[0].data holds more numbers than its shape says (" + out.length + ")");
            }
            float f = e.getAsFloat();
            if (!Float.isFinite(f)) {
                throw bad("inputs[0].data[" + i + "] is not a finite float");
            }
            out[i++] = f;
        }
        return i;
    }

    private static String string(JsonObject o, String key) {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw bad("inputs[0]." + key + " must be a string");
        }
        return e.getAsString();
    }

    private static long[] shape(JsonObject o) {
        JsonElement e = o.get("shape");
        if (e == null || !e.isJsonArray() || e.getAsJsonArray().isEmpty()) {
            throw bad("inputs[0].shape must be an array of sizes");
        }
        JsonArray a = e.getAsJsonArray();
        long[] s = new long[a.size()];
        for (int i = 0; i < s.length; i++) {
            JsonElement d = a.get(i);
            if (!d.isJsonPrimitive() || !d.getAsJsonPrimitive().isNumber()) {
                throw bad("inputs[0].shape[" + i + "] must be a whole number");
            }
            double v = d.getAsDouble();
            if (v != Math.rint(v) || v < 0 || v > 1e9) {
                throw bad("inputs[0].shape[" + i + "] must be a whole number, got " + d);
            }
            s[i] = (long) v;
        }
        return s;
    }

    private static HttpError bad(String message) {
        return new HttpError(400, message);
    }
}
