package dev.ferry.eval;

import java.util.Arrays;

/**
 * Counts of (true class, predicted class) pairs: rows are true classes, columns are predicted
 * classes, the orientation scikit-learn's {@code confusion_matrix} uses.
 *
 * <p>Immutable: the counts are copied in and out.
 */
public final class ConfusionMatrix {
    private final int[][] counts;

    /**
     * A matrix from square counts.
     *
     * @param counts {@code counts[t][p]} = number of samples of true class {@code t} predicted as
     *     {@code p}; copied
     * @throws IllegalArgumentException if the array is empty, not square, or holds a negative count
     */
    public ConfusionMatrix(int[][] counts) {
        if (counts.length == 0) {
            throw new IllegalArgumentException("confusion matrix: no classes");
        }
        int n = counts.length;
        this.counts = new int[n][];
        for (int t = 0; t < n; t++) {
            if (counts[t].length != n) {
                throw new IllegalArgumentException(
                        "confusion matrix: row " + t + " has " + counts[t].length + " columns, expected " + n);
            }
            for (int p = 0; p < n; p++) {
                if (counts[t][p] < 0) {
                    throw new IllegalArgumentException(
                            "confusion matrix: negative count " + counts[t][p] + " at [" + t + "][" + p + "]");
                }
            }
            this.counts[t] = counts[t].clone();
        }
    }

    /** Number of classes (rows and columns). */
    public int size() {
        return counts.length;
    }

    /** Samples of true class {@code trueClass} predicted as {@code predictedClass}. */
    public int count(int trueClass, int predictedClass) {
        return counts[trueClass][predictedClass];
    }

    /** Samples whose true class is {@code trueClass} (the class's support). */
    public int rowTotal(int trueClass) {
        int sum = 0;
        for (int c : counts[trueClass]) {
            sum += c;
        }
        return sum;
    }

    /** Samples predicted as {@code predictedClass}. */
    public int columnTotal(int predictedClass) {
        int sum = 0;
        for (int[] row : counts) {
            sum += row[predictedClass];
        }
        return sum;
    }

    /** All samples. */
    public int total() {
        int sum = 0;
        for (int t = 0; t < counts.length; t++) {
            sum += rowTotal(t);
        }
        return sum;
    }

    /** Samples on the diagonal (correctly classified). */
    public int trace() {
        int sum = 0;
        for (int i = 0; i < counts.length; i++) {
            sum += counts[i][i];
        }
        return sum;
    }

    /**
     * The cell as a fraction of its row: the share of true class {@code trueClass} that was predicted
     * as {@code predictedClass}; 0 for a row without samples, so an unsupported class reads as
     * empty rather than undefined.
     */
    public double rowFraction(int trueClass, int predictedClass) {
        int total = rowTotal(trueClass);
        return total == 0 ? 0.0 : (double) counts[trueClass][predictedClass] / total;
    }

    /** A copy of the counts, {@code [true][predicted]}. */
    public int[][] toArray() {
        int[][] copy = new int[counts.length][];
        for (int i = 0; i < counts.length; i++) {
            copy[i] = counts[i].clone();
        }
        return copy;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConfusionMatrix other && Arrays.deepEquals(counts, other.counts);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(counts);
    }

    @Override
    public String toString() {
        return "ConfusionMatrix" + Arrays.deepToString(counts);
    }
}
