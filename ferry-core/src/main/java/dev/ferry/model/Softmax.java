package dev.ferry.model;

/**
 * Softmax and cross-entropy of logits on the host, in double precision, for inference on host
 * arrays (no libtorch). Rows are subtracted by their maximum first, as torch's softmax does, so large
 * logits do not overflow.
 */
public final class Softmax {
    private Softmax() {}

    /**
     * Softmax of each row of {@code logits} (n rows, row-major). A row with a NaN or infinite logit
     * comes out NaN, as torch's does: callers that must not pass such an answer on check for it.
     */
    public static float[] rows(float[] logits, int n) {
        int k = classes(logits, n);
        float[] out = new float[logits.length];
        for (int r = 0; r < n; r++) {
            int base = r * k;
            double max = max(logits, base, k);
            double sum = 0;
            for (int j = 0; j < k; j++) {
                sum += Math.exp(logits[base + j] - max);
            }
            for (int j = 0; j < k; j++) {
                out[base + j] = (float) (Math.exp(logits[base + j] - max) / sum);
            }
        }
        return out;
    }

    /**
     * The summed cross-entropy of {@code n} rows of logits against {@code labels}:
     * {@code sum_r (logsumexp(row_r) - row_r[label_r])}; NaN or infinite when a logit is.
     */
    public static double crossEntropySum(float[] logits, int n, int[] labels) {
        int k = classes(logits, n);
        double total = 0;
        for (int r = 0; r < n; r++) {
            int base = r * k;
            double max = max(logits, base, k);
            double sum = 0;
            for (int j = 0; j < k; j++) {
                sum += Math.exp(logits[base + j] - max);
            }
            total += max + Math.log(sum) - logits[base + labels[r]];
        }
        return total;
    }

    /** {@code logits / temperature}, in place when the temperature is not 1; returns the array. */
    public static float[] divide(float[] logits, double temperature) {
        if (temperature != 1.0) {
            for (int i = 0; i < logits.length; i++) {
                logits[i] = (float) (logits[i] / temperature);
            }
        }
        return logits;
    }

    private static int classes(float[] logits, int n) {
        if (n < 1 || logits.length % n != 0 || logits.length == 0) {
            throw new IllegalArgumentException(logits.length + " logits are not " + n + " equal rows");
        }
        return logits.length / n;
    }

    private static double max(float[] logits, int base, int k) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < k; j++) {
            max = Math.max(max, logits[base + j]);
        }
        return max;
    }
}
