package dev.ferry.train;

/** Features centred and scaled per dimension, as the map and the outlier check compare them. */
public final class ZScores {
    private ZScores() {}

    /**
     * Each dimension of {@code x} (n x dim, row-major) minus its mean over the rows, divided by its
     * sample standard deviation (n - 1); a dimension without variance becomes all zeros (it says
     * nothing about any row).
     */
    public static double[] of(float[] x, int n, int dim) {
        if (x.length != (long) n * dim) {
            throw new IllegalArgumentException(x.length + " values for " + n + " x " + dim);
        }
        double[] z = new double[n * dim];
        for (int j = 0; j < dim; j++) {
            double mean = 0;
            for (int i = 0; i < n; i++) {
                mean += x[i * dim + j];
            }
            mean /= Math.max(1, n);
            double var = 0;
            for (int i = 0; i < n; i++) {
                double d = x[i * dim + j] - mean;
                var += d * d;
            }
            double sd = Math.sqrt(var / Math.max(1, n - 1));
            if (sd > 1e-12) {
                for (int i = 0; i < n; i++) {
                    z[i * dim + j] = (x[i * dim + j] - mean) / sd;
                }
            }
        }
        return z;
    }

    /** How many dimensions of a {@link #of} result vary (the rest are all zero). */
    static int varying(double[] z, int n, int dim) {
        int count = 0;
        for (int j = 0; j < dim; j++) {
            for (int i = 0; i < n; i++) {
                if (z[i * dim + j] != 0) {
                    count++;
                    break;
                }
            }
        }
        return count;
    }
}
