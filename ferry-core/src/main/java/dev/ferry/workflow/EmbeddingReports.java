package dev.ferry.workflow;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.ferry.data.BadImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@link Embed} and {@link Similar} results as text for people and as JSON for programs, the same
 * for every front end.
 */
public final class EmbeddingReports {
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

    private EmbeddingReports() {}

    /** One line: what was written where. */
    public static String text(Embed.Result r) {
        return String.format(Locale.ROOT, "wrote %d x %d float32 to %s, index %s (%s folder; %.1f s, %.0f images/s in the network)%n",
                r.rows(), r.dim(), r.matrix(), r.index(), r.labelled() ? "labelled" : "flat", r.seconds(),
                r.rows() / Math.max(r.backboneSeconds(), 1e-9));
    }

    /**
     * One JSON object: {@code matrix}, {@code index}, {@code rows}, {@code dim}, {@code labelled},
     * {@code network}, {@code skipped} ({@code [{"path", "reason"}]}), {@code seconds}.
     */
    public static String json(Embed.Result r) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("matrix", r.matrix().toString());
        o.put("index", r.index().toString());
        o.put("rows", r.rows());
        o.put("dim", r.dim());
        o.put("labelled", r.labelled());
        o.put("network", r.network());
        List<Map<String, Object>> skipped = new ArrayList<>();
        for (BadImage b : r.skipped()) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("path", b.path().toString());
            s.put("reason", b.reason());
            skipped.add(s);
        }
        o.put("skipped", skipped);
        o.put("seconds", r.seconds());
        return GSON.toJson(o);
    }

    /** Per query its path, then one line per neighbour: rank, cosine, path and label. */
    public static String text(Similar.Result r) {
        StringBuilder sb = new StringBuilder();
        for (Similar.Query q : r.queries()) {
            sb.append(q.image()).append('\n');
            for (Similar.Match m : q.matches()) {
                sb.append(String.format(Locale.ROOT, "  %3d  %.4f  %s", m.rank(), m.cosine(), m.path()));
                if (!m.label().isEmpty()) {
                    sb.append("  ").append(m.label());
                }
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    /**
     * One JSON object: {@code matrix}, {@code rows}, {@code dim}, {@code network},
     * {@code searchMillis} and {@code queries}, each {@code {"image", "matches": [{"rank", "row",
     * "cosine", "path", "label"}]}}.
     */
    public static String json(Similar.Result r) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("matrix", r.matrix().toString());
        o.put("rows", r.rows());
        o.put("dim", r.dim());
        o.put("network", r.network());
        o.put("searchMillis", r.searchMillis());
        List<Map<String, Object>> queries = new ArrayList<>();
        for (Similar.Query q : r.queries()) {
            Map<String, Object> qo = new LinkedHashMap<>();
            qo.put("image", q.image().toString());
            List<Map<String, Object>> matches = new ArrayList<>();
            for (Similar.Match m : q.matches()) {
                Map<String, Object> mo = new LinkedHashMap<>();
                mo.put("rank", m.rank());
                mo.put("row", m.row());
                // A Float, so that JSON carries the shortest decimal that reads back as the same float.
                mo.put("cosine", m.cosine());
                mo.put("path", m.path());
                mo.put("label", m.label());
                matches.add(mo);
            }
            qo.put("matches", matches);
            queries.add(qo);
        }
        o.put("queries", queries);
        return GSON.toJson(o);
    }
}
