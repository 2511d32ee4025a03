package dev.ferry.eval;

import java.io.Serializable;
import java.util.List;

/**
 * What {@link ClassificationMetrics} is computed from, kept as sums that add: confusion counts,
 * top-5 hits, the summed loss and the sample count. Counts made on different machines (one per
 * partition of a distributed evaluation) merge into exactly the counts of one pass over every
 * sample, so the metrics are the same; only the loss, a sum of doubles, may differ in its last
 * bits with the order of the additions.
 *
 * <p>Mutable and not thread-safe: one per partition, then {@link #merge}d.
 */
public final class MetricCounts implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int[][] confusion;
    private int top5Hits;
    private double lossSum;
    private long losses;

    /** Empty counts for {@code classes} classes. */
    public MetricCounts(int classes) {
        if (classes < 1) {
            throw new IllegalArgumentException("evaluation: no classes");
        }
        this.confusion = new int[classes][classes];
    }

    /**
     * Counts one sample, as {@link ClassificationMetrics#compute} does.
     *
     * @param label its true class
     * @param probabilities its probability row, one per class
     * @throws IllegalArgumentException if the row has the wrong length or the label is out of range
     */
    public void add(int label, float[] probabilities) {
        int n = confusion.length;
        if (probabilities.length != n) {
            throw new IllegalArgumentException("evaluation: a probability row of " + probabilities.length + " values, expected "
                    + n + " classes");
        }
        if (label < 0 || label >= n) {
            throw new IllegalArgumentException("evaluation: label " + label + " is outside 0.." + (n - 1));
        }
        confusion[label][ClassificationMetrics.argmax(probabilities)]++;
        if (ClassificationMetrics.rankOf(probabilities, label) < ClassificationMetrics.TOP_K) {
            top5Hits++;
        }
    }

    /** Adds the summed loss of {@code samples} samples (the mean loss is their total over all samples). */
    public void addLoss(double sum, int samples) {
        lossSum += sum;
        losses += samples;
    }

    /** Adds {@code other}'s counts to these and returns these. */
    public MetricCounts merge(MetricCounts other) {
        if (other.confusion.length != confusion.length) {
            throw new IllegalArgumentException("evaluation: counts of " + other.confusion.length + " and " + confusion.length
                    + " classes cannot be merged");
        }
        for (int t = 0; t < confusion.length; t++) {
            for (int p = 0; p < confusion.length; p++) {
                confusion[t][p] += other.confusion[t][p];
            }
        }
        top5Hits += other.top5Hits;
        lossSum += other.lossSum;
        losses += other.losses;
        return this;
    }

    /** Samples counted. */
    public int samples() {
        int total = 0;
        for (int[] row : confusion) {
            for (int c : row) {
                total += c;
            }
        }
        return total;
    }

    /**
     * The metrics of every sample counted (without per-sample results), the loss the mean of the
     * summed losses (NaN when no loss was added for every sample).
     *
     * @throws IllegalArgumentException if nothing was counted or the names do not match
     */
    public ClassificationMetrics metrics(List<String> classNames) {
        int total = samples();
        double meanLoss = losses == total && total > 0 ? lossSum / total : Double.NaN;
        int[][] copy = new int[confusion.length][];
        for (int t = 0; t < copy.length; t++) {
            copy[t] = confusion[t].clone();
        }
        return ClassificationMetrics.fromCounts(classNames, copy, top5Hits, meanLoss, List.of());
    }
}
