package dev.ferry.weights;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.ferry.data.Interpolation;
import dev.ferry.data.Preset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a timm repository's {@code config.json} says about its weights: the architecture, the class
 * count and names, and the evaluation preprocessing of its {@code pretrained_cfg}.
 *
 * <p>The preset is timm's eval transform ({@code resolve_data_config} then
 * {@code create_transform(is_training=False)}) for a square input: {@code Resize(floor(size /
 * crop_pct))} of the shorter side with the config's interpolation, {@code CenterCrop(size)},
 * {@code Normalize(mean, std)}. {@link #preset()} is at {@code input_size} (timm's default);
 * {@link #testPreset()} at {@code test_input_size} and {@code test_crop_pct}, where timm's cards
 * report their higher "test" accuracy.
 *
 * @param architecture timm's model name, e.g. {@code resnet50}
 * @param numClasses the classifier's outputs
 * @param labels the class names in output order, or null when the config has none
 * @param preset the eval preprocessing at the training input size
 * @param testPreset the eval preprocessing at the test input size, or null when the config names none
 */
public record HubConfig(String architecture, int numClasses, List<String> labels, Preset preset, Preset testPreset) {

    public HubConfig {
        labels = labels == null ? null : List.copyOf(labels);
    }

    /**
     * Reads a {@code config.json}.
     *
     * @param source where the text came from (a path or URL), for messages
     * @throws dev.ferry.InputException (one line, naming {@code source}) for anything missing or out of range
     */
    public static HubConfig parse(String json, String source) {
        JsonObject root;
        try {
            JsonElement e = JsonParser.parseString(json);
            if (!e.isJsonObject()) {
                throw bad(source, "not a JSON object");
            }
            root = e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw bad(source, "not valid JSON (" + e.getMessage() + ")");
        }
        try {
            return parse(root, source);
        } catch (IllegalStateException | UnsupportedOperationException | NumberFormatException | ClassCastException e) {
            throw bad(source, "a value of the wrong type (" + e.getMessage() + ")");
        }
    }

    private static HubConfig parse(JsonObject root, String source) {
        String arch = string(root, "architecture", source);
        JsonObject cfg = root.has("pretrained_cfg") && root.get("pretrained_cfg").isJsonObject()
                ? root.getAsJsonObject("pretrained_cfg") : null;
        if (cfg == null) {
            throw bad(source, "no pretrained_cfg object (not a timm model config?)");
        }
        int classes = root.has("num_classes") ? integer(root, "num_classes", source) : integer(cfg, "num_classes", source);
        if (classes < 1) {
            throw bad(source, "num_classes must be positive, got " + classes);
        }
        List<String> labels = null;
        if (root.has("label_names") && !root.get("label_names").isJsonNull()) {
            JsonArray a = array(root, "label_names", source);
            labels = new ArrayList<>();
            for (JsonElement l : a) {
                if (!l.isJsonPrimitive()) {
                    throw bad(source, "label_names must be strings");
                }
                labels.add(l.getAsString());
            }
            if (labels.size() != classes) {
                throw bad(source, "label_names has " + labels.size() + " names for " + classes + " classes");
            }
        }
        if (cfg.has("crop_mode") && !cfg.get("crop_mode").getAsString().equals("center")) {
            throw bad(source, "crop_mode '" + cfg.get("crop_mode").getAsString()
                    + "' is not supported (ferry's eval preset is a centre crop)");
        }
        Interpolation interpolation = interpolation(cfg.has("interpolation") ? cfg.get("interpolation").getAsString() : "bilinear", source);
        float[] mean = triple(cfg, "mean", source);
        float[] std = triple(cfg, "std", source);
        double cropPct = cfg.has("crop_pct") ? number(cfg, "crop_pct", source) : 0.875;
        int size = squareSize(cfg, "input_size", source);
        Preset preset = preset(size, cropPct, mean, std, interpolation, source);
        Preset test = null;
        if (cfg.has("test_input_size") && !cfg.get("test_input_size").isJsonNull()) {
            double testPct = cfg.has("test_crop_pct") && !cfg.get("test_crop_pct").isJsonNull() ? number(cfg, "test_crop_pct", source) : cropPct;
            test = preset(squareSize(cfg, "test_input_size", source), testPct, mean, std, interpolation, source);
        }
        return new HubConfig(arch, classes, labels, preset, test);
    }

    /** timm's {@code scale_size = math.floor(img_size / crop_pct)}, then the centre crop. */
    static Preset preset(int size, double cropPct, float[] mean, float[] std, Interpolation interpolation, String source) {
        if (!(cropPct > 0 && cropPct <= 1)) {
            throw bad(source, "crop_pct must be in (0, 1], got " + cropPct);
        }
        int resize = (int) Math.floor(size / cropPct);
        try {
            return new Preset(resize, size, mean, std, interpolation);
        } catch (IllegalArgumentException e) {
            throw bad(source, e.getMessage());
        }
    }

    private static dev.ferry.InputException bad(String source, String detail) {
        return new dev.ferry.InputException(source + ": " + WeightsErrors.oneLine(detail));
    }

    private static Interpolation interpolation(String name, String source) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "bilinear" -> Interpolation.BILINEAR;
            case "bicubic" -> Interpolation.BICUBIC;
            case "nearest" -> Interpolation.NEAREST;
            default -> throw bad(source, "interpolation '" + name + "' is not supported (bilinear, bicubic or nearest)");
        };
    }

    private static int squareSize(JsonObject o, String key, String source) {
        JsonArray a = array(o, key, source);
        if (a.size() != 3) {
            throw bad(source, key + " must be [channels, height, width], got " + a);
        }
        int c = a.get(0).getAsInt();
        int h = a.get(1).getAsInt();
        int w = a.get(2).getAsInt();
        if (c != 3) {
            throw bad(source, key + " has " + c + " channels; ferry's networks take RGB (3)");
        }
        if (h != w || h < 1) {
            throw bad(source, key + " " + a + " is not a positive square size");
        }
        return h;
    }

    private static float[] triple(JsonObject o, String key, String source) {
        JsonArray a = array(o, key, source);
        if (a.size() != 3) {
            throw bad(source, key + " needs 3 values (R, G, B), got " + a);
        }
        return new float[] {a.get(0).getAsFloat(), a.get(1).getAsFloat(), a.get(2).getAsFloat()};
    }

    private static JsonArray array(JsonObject o, String key, String source) {
        if (!o.has(key) || !o.get(key).isJsonArray()) {
            throw bad(source, "no " + key + " list");
        }
        return o.getAsJsonArray(key);
    }

    private static String string(JsonObject o, String key, String source) {
        if (!o.has(key) || !o.get(key).isJsonPrimitive()) {
            throw bad(source, "no " + key + " (not a timm model config?)");
        }
        return o.get(key).getAsString();
    }

    private static int integer(JsonObject o, String key, String source) {
        if (!o.has(key) || !o.get(key).isJsonPrimitive() || !o.get(key).getAsJsonPrimitive().isNumber()) {
            throw bad(source, "no " + key + " number");
        }
        return o.get(key).getAsInt();
    }

    private static double number(JsonObject o, String key, String source) {
        if (!o.get(key).isJsonPrimitive() || !o.get(key).getAsJsonPrimitive().isNumber()) {
            throw bad(source, key + " must be a number");
        }
        return o.get(key).getAsDouble();
    }
}
