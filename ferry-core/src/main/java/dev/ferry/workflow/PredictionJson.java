package dev.ferry.workflow;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.ferry.train.Predictor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Predictions as JSON, in the one shape every front end gives them ({@code ferry predict --json}
 * and the HTTP server alike): {@code [{"image": ..., "top": [{"index", "label", "probability"}]}]},
 * so that the same image gives the same text wherever it was classified.
 */
public final class PredictionJson {
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    private PredictionJson() {}

    /** Every prediction as one JSON array. */
    public static String toJson(List<Predictor.Prediction> predictions) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Predictor.Prediction p : predictions) {
            rows.add(row(p.image().toString(), p.top()));
        }
        return GSON.toJson(rows);
    }

    /**
     * One image's entry, as an ordered map a caller may add keys to before rendering it.
     *
     * @param image how the image is named (its path, an uploaded file's name)
     */
    public static Map<String, Object> row(String image, List<Predictor.Top> top) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("image", image);
        List<Map<String, Object>> classes = new ArrayList<>();
        for (Predictor.Top t : top) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("index", t.index());
            c.put("label", t.label());
            // A Float, so that JSON carries the shortest decimal that reads back as the same float.
            c.put("probability", t.probability());
            classes.add(c);
        }
        row.put("top", classes);
        return row;
    }

    /** {@code value} (maps, lists, strings, numbers) rendered with the same settings as the rows. */
    public static String render(Object value) {
        return GSON.toJson(value);
    }
}
