package dev.ferry.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders a backbone sweep: the table as text, the whole as JSON values, and the HTML report
 * (summary, table, the accuracy-against-cost chart, each fold's accuracies).
 */
public final class SweepReport {
    private SweepReport() {}

    /** The chart's file name next to the report. */
    public static final String CHART = "sweep_accuracy.png";

    /**
     * The table, one row per candidate, the recommended one marked with {@code *}.
     *
     * @param recommended the recommended candidate's name, or null
     */
    public static String table(List<BackboneScore> scores, String recommended) {
        int nameWidth = "candidate".length();
        for (BackboneScore b : scores) {
            nameWidth = Math.max(nameWidth, b.name().length());
        }
        StringBuilder sb = new StringBuilder();
        String head = "  %-" + nameWidth + "s  %-18s %9s %8s %16s %17s %10s %11s %s%n";
        sb.append(String.format(Locale.ROOT, head, "candidate", "arch", "params", "GMACs", "probe accuracy", "95% interval",
                "features", "images/s", "preset"));
        for (BackboneScore b : scores) {
            sb.append(String.format(Locale.ROOT, "%s %-" + nameWidth + "s  %-18s %9s %8.3f %8.4f +- %.4f %8.4f to %.4f %9.1fs %11.0f %s%n",
                    b.name().equals(recommended) ? "*" : " ", b.name(), b.arch() + (b.width() != 64 ? " w" + b.width() : ""),
                    params(b.params()), b.gmacs(), b.mean(), b.halfWidth(), b.low(), b.high(), b.featuresSeconds(), b.imagesPerSecond(),
                    b.preset()));
        }
        return sb.toString();
    }

    private static String params(long p) {
        return p >= 1_000_000 ? String.format(Locale.ROOT, "%.1fM", p / 1e6) : String.format(Locale.ROOT, "%.1fk", p / 1e3);
    }

    /** One candidate as JSON values. */
    public static Map<String, Object> json(BackboneScore b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", b.name());
        m.put("arch", b.arch());
        m.put("width", b.width());
        m.put("stem", b.stem());
        m.put("baseline", b.baseline());
        m.put("params", b.params());
        m.put("gmacs", b.gmacs());
        m.put("preset", b.preset());
        m.put("foldAccuracies", b.accuracies());
        m.put("mean", b.mean());
        m.put("sd", b.sd());
        m.put("halfWidth95", b.halfWidth());
        m.put("interval95", List.of(b.low(), b.high()));
        m.put("probePenalties", b.penalties());
        m.put("featuresSeconds", b.featuresSeconds());
        m.put("imagesPerSecond", b.imagesPerSecond());
        return m;
    }

    /** Every candidate as JSON values, in order. */
    public static List<Map<String, Object>> json(List<BackboneScore> scores) {
        List<Map<String, Object>> out = new ArrayList<>();
        scores.forEach(b -> out.add(json(b)));
        return out;
    }

    /**
     * The report.
     *
     * @param summary what was swept and what is recommended, as label -> value rows
     */
    public static Report report(Map<String, String> summary, List<BackboneScore> scores, String recommended) {
        StringBuilder folds = new StringBuilder();
        for (BackboneScore b : scores) {
            folds.append(b.name()).append(':');
            for (double a : b.accuracies()) {
                folds.append(String.format(Locale.ROOT, " %.4f", a));
            }
            folds.append('\n');
        }
        return Report.builder("ferry backbone sweep")
                .summary("Summary", summary)
                .text("Candidates (* recommended)", table(scores, recommended))
                .chart("Accuracy against cost", CHART, Charts.backboneSweep(scores),
                        "Each point is a candidate's mean probe accuracy over the folds with its 95% interval;"
                                + " further left is cheaper to run.")
                .text("Accuracy of each fold", folds.toString())
                .build();
    }
}
