package dev.ferry.eval;

import java.util.List;

/**
 * Renders {@link ClassificationMetrics} as plain text: a table laid out like scikit-learn's
 * {@code classification_report} (4 decimals), the top-5 accuracy and loss, and the confusion
 * matrix with class names. Column widths follow the longest class name.
 *
 * <pre>
 *               precision     recall   f1-score    support
 *
 *          cat     0.7500     0.7500     0.7500          4
 *          dog     0.5000     0.6667     0.5714          3
 *         bird     1.0000     0.6667     0.8000          3
 *
 *     accuracy                           0.7000         10
 *    macro avg     0.7500     0.6944     0.7071         10
 * weighted avg     0.7500     0.7000     0.7114         10
 * </pre>
 */
public final class MetricsText {
    private static final String[] HEADERS = {"precision", "recall", "f1-score", "support"};
    private static final int COLUMN = 9;
    private static final String GAP = "  ";
    private static final String CORNER = "true \\ pred";

    private MetricsText() {}

    /**
     * The classification report, summary lines and confusion matrix, each line ending in
     * {@code \n}.
     *
     * @param metrics the metrics to render
     * @return the text
     */
    public static String render(ClassificationMetrics metrics) {
        return classificationReport(metrics) + "\n" + summary(metrics) + "\n" + confusionMatrix(metrics);
    }

    /**
     * Only the scikit-learn-style table: per class, accuracy, macro and weighted averages.
     *
     * @param metrics the metrics to render
     * @return the table, each line ending in {@code \n}
     */
    public static String classificationReport(ClassificationMetrics metrics) {
        List<String> names = metrics.classNames().stream().map(Fmt::oneLine).toList();
        int width = "weighted avg".length();
        for (String name : names) {
            width = Math.max(width, name.length());
        }
        StringBuilder sb = new StringBuilder();
        sb.append(pad("", width));
        for (String h : HEADERS) {
            sb.append(GAP).append(pad(h, COLUMN));
        }
        sb.append("\n\n");
        for (int c = 0; c < names.size(); c++) {
            ClassMetrics cm = metrics.perClass().get(c);
            row(sb, width, names.get(c), Fmt.metric(cm.precision()), Fmt.metric(cm.recall()),
                    Fmt.metric(cm.f1()), cm.support());
        }
        sb.append('\n');
        row(sb, width, "accuracy", "", "", Fmt.metric(metrics.accuracy()), metrics.sampleCount());
        average(sb, width, "macro avg", metrics.macroAvg());
        average(sb, width, "weighted avg", metrics.weightedAvg());
        return sb.toString();
    }

    /**
     * The lines after the table: top-5 accuracy (only with more than 5 classes), loss, and the
     * correct / total count.
     *
     * @param metrics the metrics to render
     * @return the lines, each ending in {@code \n}
     */
    public static String summary(ClassificationMetrics metrics) {
        StringBuilder sb = new StringBuilder();
        sb.append("accuracy:        ").append(Fmt.metric(metrics.accuracy()))
                .append(" (").append(metrics.correctCount()).append('/').append(metrics.sampleCount()).append(")\n");
        if (metrics.top5Accuracy().isPresent()) {
            sb.append("top-5 accuracy:  ").append(Fmt.metric(metrics.top5Accuracy().getAsDouble())).append('\n');
        }
        sb.append("loss:            ").append(Fmt.metric(metrics.loss())).append('\n');
        return sb.toString();
    }

    /**
     * The confusion matrix with class names as row and column headers; each column is as wide as
     * its class name or its largest count.
     *
     * @param metrics the metrics to render
     * @return the matrix with a heading line, each line ending in {@code \n}
     */
    public static String confusionMatrix(ClassificationMetrics metrics) {
        List<String> names = metrics.classNames().stream().map(Fmt::oneLine).toList();
        ConfusionMatrix cm = metrics.confusionMatrix();
        int n = names.size();
        int rowHeader = CORNER.length();
        for (String name : names) {
            rowHeader = Math.max(rowHeader, name.length());
        }
        int[] widths = new int[n];
        for (int p = 0; p < n; p++) {
            widths[p] = names.get(p).length();
            for (int t = 0; t < n; t++) {
                widths[p] = Math.max(widths[p], Integer.toString(cm.count(t, p)).length());
            }
        }
        StringBuilder sb = new StringBuilder("confusion matrix (rows = true class, columns = predicted class):\n");
        sb.append(pad(CORNER, rowHeader));
        for (int p = 0; p < n; p++) {
            sb.append(GAP).append(pad(names.get(p), widths[p]));
        }
        sb.append('\n');
        for (int t = 0; t < n; t++) {
            sb.append(pad(names.get(t), rowHeader));
            for (int p = 0; p < n; p++) {
                sb.append(GAP).append(pad(Integer.toString(cm.count(t, p)), widths[p]));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static void average(StringBuilder sb, int width, String label, AverageMetrics avg) {
        row(sb, width, label, Fmt.metric(avg.precision()), Fmt.metric(avg.recall()), Fmt.metric(avg.f1()),
                avg.support());
    }

    private static void row(StringBuilder sb, int width, String label, String p, String r, String f, int support) {
        sb.append(pad(label, width));
        for (String cell : new String[] {p, r, f, Integer.toString(support)}) {
            sb.append(GAP).append(pad(cell, COLUMN));
        }
        sb.append('\n');
    }

    /** Right-aligns, as scikit-learn does for names and numbers alike. */
    private static String pad(String s, int width) {
        return s.length() >= width ? s : " ".repeat(width - s.length()) + s;
    }
}
