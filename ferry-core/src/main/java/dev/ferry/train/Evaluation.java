package dev.ferry.train;

/**
 * Predictions of a network over a dataset.
 *
 * @param probabilities softmax outputs, one row per sample
 * @param labels true class per sample
 * @param loss mean cross-entropy (no label smoothing)
 */
public record Evaluation(float[][] probabilities, int[] labels, double loss) {

    /**
     * This evaluation, if every probability is finite; a training checks its validation loss
     * itself (and names the epoch), a reader of a saved model calls this.
     *
     * @throws dev.ferry.FerryException saying the network's outputs are not finite
     */
    public Evaluation requireFinite() {
        for (float[] row : probabilities) {
            Inference.requireFinite(row);
        }
        return this;
    }

    /** Whether every probability is finite (false for a network whose weights diverged). */
    public boolean isFinite() {
        for (float[] row : probabilities) {
            for (float v : row) {
                if (!Float.isFinite(v)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Fraction of samples whose arg-max equals the label (ties to the lowest index). */
    public double accuracy() {
        int correct = 0;
        for (int i = 0; i < labels.length; i++) {
            if (argMax(probabilities[i]) == labels[i]) {
                correct++;
            }
        }
        return labels.length == 0 ? Double.NaN : correct / (double) labels.length;
    }

    static int argMax(float[] row) {
        int best = 0;
        for (int k = 1; k < row.length; k++) {
            if (row[k] > row[best]) {
                best = k;
            }
        }
        return best;
    }
}
