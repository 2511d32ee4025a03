package dev.ferry.eval;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

/**
 * Renders {@link ClassificationMetrics} as one JSON object:
 *
 * <pre>{@code
 * {"accuracy": 0.7, "top5Accuracy": null, "loss": 0.61, "samples": 10, "correct": 7,
 *  "classes": ["cat", "dog", "bird"],
 *  "perClass": [{"class": "cat", "precision": 0.75, "recall": 0.75, "f1": 0.75, "support": 4}, ...],
 *  "macroAvg": {"precision": ..., "recall": ..., "f1": ..., "support": 10},
 *  "weightedAvg": {...},
 *  "confusionMatrix": [[3, 1, 0], ...]}
 * }</pre>
 *
 * <p>{@code confusionMatrix} rows are true classes. {@code top5Accuracy} is {@code null} with 5 or
 * fewer classes. Any NaN or infinite number (an unknown loss, a diverged model) is written as
 * {@code null}, because JSON has no such numbers and strict parsers reject Gson's
 * {@code NaN} extension. Null members are always written, so every field is present.
 */
public final class MetricsJson {
    private MetricsJson() {}

    /**
     * The metrics as a Gson tree, for callers that add fields of their own.
     *
     * @param metrics the metrics to render
     * @return a new JSON object
     */
    public static JsonObject toJsonObject(ClassificationMetrics metrics) {
        JsonObject o = new JsonObject();
        o.add("accuracy", number(metrics.accuracy()));
        o.add("top5Accuracy", metrics.top5Accuracy().isPresent()
                ? number(metrics.top5Accuracy().getAsDouble()) : JsonNull.INSTANCE);
        o.add("loss", number(metrics.loss()));
        o.addProperty("samples", metrics.sampleCount());
        o.addProperty("correct", metrics.correctCount());
        JsonArray classes = new JsonArray();
        metrics.classNames().forEach(classes::add);
        o.add("classes", classes);
        JsonArray perClass = new JsonArray();
        for (ClassMetrics cm : metrics.perClass()) {
            JsonObject c = new JsonObject();
            c.addProperty("class", cm.className());
            c.add("precision", number(cm.precision()));
            c.add("recall", number(cm.recall()));
            c.add("f1", number(cm.f1()));
            c.addProperty("support", cm.support());
            perClass.add(c);
        }
        o.add("perClass", perClass);
        o.add("macroAvg", average(metrics.macroAvg()));
        o.add("weightedAvg", average(metrics.weightedAvg()));
        JsonArray matrix = new JsonArray();
        ConfusionMatrix cm = metrics.confusionMatrix();
        for (int t = 0; t < cm.size(); t++) {
            JsonArray row = new JsonArray();
            for (int p = 0; p < cm.size(); p++) {
                row.add(cm.count(t, p));
            }
            matrix.add(row);
        }
        o.add("confusionMatrix", matrix);
        return o;
    }

    /**
     * The metrics as compact JSON on one line (for {@code --json} on stdout).
     *
     * @param metrics the metrics to render
     * @return the JSON text, without a trailing newline
     */
    public static String toJson(ClassificationMetrics metrics) {
        return new GsonBuilder().serializeNulls().disableHtmlEscaping().create().toJson(toJsonObject(metrics));
    }

    /**
     * The metrics as indented JSON (for a {@code metrics.json} file).
     *
     * @param metrics the metrics to render
     * @return the JSON text, without a trailing newline
     */
    public static String toPrettyJson(ClassificationMetrics metrics) {
        return new GsonBuilder().serializeNulls().disableHtmlEscaping().setPrettyPrinting().create().toJson(toJsonObject(metrics));
    }

    /** A finite number as itself, anything else as null (see the class comment). */
    static JsonElement number(double v) {
        return Double.isFinite(v) ? new JsonPrimitive(v) : JsonNull.INSTANCE;
    }

    private static JsonObject average(AverageMetrics avg) {
        JsonObject o = new JsonObject();
        o.add("precision", number(avg.precision()));
        o.add("recall", number(avg.recall()));
        o.add("f1", number(avg.f1()));
        o.addProperty("support", avg.support());
        return o;
    }
}
