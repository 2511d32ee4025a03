package dev.ferry.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Likely label errors from out-of-sample class scores, by confident learning (Northcutt, Jiang and
 * Chuang 2021): a class's threshold is the mean score it gets from the samples labelled with it;
 * a sample is suspect when the highest-scoring class among those it clears the threshold of is
 * not its label. Suspects come most suspicious first (the lowest score for their own label).
 *
 * <p>The scores must come from a model that did not train on the sample (out-of-fold), or every
 * training label looks right.
 */
public final class LabelIssues {
    private LabelIssues() {}

    /**
     * One suspect.
     *
     * @param index the sample's position
     * @param given its label
     * @param suggested the class confident learning assigns it
     * @param givenScore its score for the given label
     * @param suggestedScore its score for the suggested class
     */
    public record Suspect(int index, int given, int suggested, double givenScore, double suggestedScore) {}

    /**
     * Per-class thresholds: the mean score of class j over the samples labelled j (NaN for a class
     * without samples).
     *
     * @param scores n x C out-of-sample scores, row-major
     */
    public static double[] thresholds(double[] scores, int[] labels, int classes) {
        double[] sum = new double[classes];
        int[] count = new int[classes];
        for (int i = 0; i < labels.length; i++) {
            sum[labels[i]] += scores[i * classes + labels[i]];
            count[labels[i]]++;
        }
        double[] t = new double[classes];
        for (int c = 0; c < classes; c++) {
            t[c] = count[c] == 0 ? Double.NaN : sum[c] / count[c];
        }
        return t;
    }

    /** The suspects among {@code labels}, most suspicious first. */
    public static List<Suspect> find(double[] scores, int[] labels, int classes) {
        if (scores.length != labels.length * classes) {
            throw new IllegalArgumentException(scores.length + " scores for " + labels.length + " samples of " + classes + " classes");
        }
        double[] t = thresholds(scores, labels, classes);
        List<Suspect> out = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            int best = -1;
            for (int c = 0; c < classes; c++) {
                double s = scores[i * classes + c];
                if (!Double.isNaN(t[c]) && s >= t[c] && (best < 0 || s > scores[i * classes + best])) {
                    best = c;
                }
            }
            if (best >= 0 && best != labels[i]) {
                out.add(new Suspect(i, labels[i], best, scores[i * classes + labels[i]], scores[i * classes + best]));
            }
        }
        out.sort(Comparator.comparingDouble(Suspect::givenScore).thenComparingInt(Suspect::index));
        return out;
    }
}
