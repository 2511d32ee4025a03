package dev.ferry.eval;

import java.util.Locale;

/**
 * Renders {@link ClassificationMetrics} as an HTML fragment (no {@code <html>} or styles): a
 * summary table, the per-class table and the confusion matrix, whose cells are shaded by their
 * share of the row. All class names are escaped. The elements carry the CSS classes
 * {@code ferry-metrics}, {@code summary}, {@code report}, {@code confusion} and {@code num} that
 * {@link ReportWriter}'s stylesheet uses; on a page of its own the fragment is plain but readable.
 */
public final class MetricsHtml {
    private MetricsHtml() {}

    /**
     * The fragment.
     *
     * @param metrics the metrics to render
     * @return HTML text, one {@code <div class="ferry-metrics">}
     */
    public static String fragment(ClassificationMetrics metrics) {
        StringBuilder sb = new StringBuilder("<div class=\"ferry-metrics\">\n");
        summary(sb, metrics);
        report(sb, metrics);
        confusion(sb, metrics);
        sb.append("</div>\n");
        return sb.toString();
    }

    private static void summary(StringBuilder sb, ClassificationMetrics m) {
        sb.append("<table class=\"summary\">\n");
        summaryRow(sb, "accuracy", Fmt.metric(m.accuracy()) + " (" + m.correctCount() + "/" + m.sampleCount() + ")");
        if (m.top5Accuracy().isPresent()) {
            summaryRow(sb, "top-5 accuracy", Fmt.metric(m.top5Accuracy().getAsDouble()));
        }
        summaryRow(sb, "loss", Fmt.metric(m.loss()));
        sb.append("</table>\n");
    }

    private static void summaryRow(StringBuilder sb, String key, String value) {
        sb.append("<tr><th>").append(Html.escape(key)).append("</th><td class=\"num\">")
                .append(Html.escape(value)).append("</td></tr>\n");
    }

    private static void report(StringBuilder sb, ClassificationMetrics m) {
        sb.append("<table class=\"report\">\n<thead><tr><th>class</th><th class=\"num\">precision</th>"
                + "<th class=\"num\">recall</th><th class=\"num\">f1-score</th><th class=\"num\">support</th></tr></thead>\n<tbody>\n");
        for (ClassMetrics cm : m.perClass()) {
            reportRow(sb, cm.className(), cm.precision(), cm.recall(), cm.f1(), cm.support());
        }
        sb.append("</tbody>\n<tbody class=\"averages\">\n");
        sb.append("<tr><th>accuracy</th><td></td><td></td><td class=\"num\">").append(Fmt.metric(m.accuracy()))
                .append("</td><td class=\"num\">").append(m.sampleCount()).append("</td></tr>\n");
        AverageMetrics macro = m.macroAvg();
        reportRow(sb, "macro avg", macro.precision(), macro.recall(), macro.f1(), macro.support());
        AverageMetrics weighted = m.weightedAvg();
        reportRow(sb, "weighted avg", weighted.precision(), weighted.recall(), weighted.f1(), weighted.support());
        sb.append("</tbody>\n</table>\n");
    }

    private static void reportRow(StringBuilder sb, String label, double p, double r, double f, int support) {
        sb.append("<tr><th>").append(Html.escape(label)).append("</th>")
                .append("<td class=\"num\">").append(Fmt.metric(p)).append("</td>")
                .append("<td class=\"num\">").append(Fmt.metric(r)).append("</td>")
                .append("<td class=\"num\">").append(Fmt.metric(f)).append("</td>")
                .append("<td class=\"num\">").append(support).append("</td></tr>\n");
    }

    private static void confusion(StringBuilder sb, ClassificationMetrics m) {
        ConfusionMatrix cm = m.confusionMatrix();
        int n = cm.size();
        sb.append("<table class=\"confusion\">\n<caption>Confusion matrix: rows = true class, columns = predicted class"
                + "</caption>\n<thead><tr><th>true \\ predicted</th>");
        for (int p = 0; p < n; p++) {
            sb.append("<th>").append(Html.escape(m.className(p))).append("</th>");
        }
        sb.append("</tr></thead>\n<tbody>\n");
        for (int t = 0; t < n; t++) {
            sb.append("<tr><th>").append(Html.escape(m.className(t))).append("</th>");
            for (int p = 0; p < n; p++) {
                double fraction = cm.rowFraction(t, p);
                // The same ramp as the heat-map chart; text turns white where the background gets
                // too dark for black text.
                String style = String.format(Locale.ROOT, "background-color:#%06x;color:%s",
                        BlueScale.rgb(fraction), BlueScale.darkBackground(fraction) ? "#fff" : "#111");
                String title = "true " + m.className(t) + ", predicted " + m.className(p) + ": "
                        + cm.count(t, p) + " (" + Fmt.percent(fraction) + " of the row)";
                sb.append("<td class=\"num\" style=\"").append(style).append("\" title=\"")
                        .append(Html.escape(title)).append("\">").append(cm.count(t, p)).append("</td>");
            }
            sb.append("</tr>\n");
        }
        sb.append("</tbody>\n</table>\n");
    }
}
