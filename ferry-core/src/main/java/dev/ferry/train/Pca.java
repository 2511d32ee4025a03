package dev.ferry.train;

import java.util.SplittableRandom;

/**
 * The leading principal components of cached features, for a 2-D map of a dataset.
 *
 * <p>Power iteration on the centred data itself ({@code v <- X^T (X v)}, each later component kept
 * orthogonal to the earlier ones): two passes over the n x d features per step and no d x d
 * covariance, so a 2048-wide backbone costs as little as a narrow one. Features are z-scored first
 * (dimensions without variance are left at zero), as the probes see them. PCA rather than t-SNE or
 * UMAP: it is deterministic, has no perplexity or neighbour count to choose, and distances on the
 * map keep their meaning (a cluster far from the others is far in feature space too).
 */
public final class Pca {
    private Pca() {}

    /** Power-iteration steps at most; stops earlier once a component moves by less than 1e-10. */
    static final int MAX_STEPS = 500;

    /**
     * Projection of every row onto the leading components.
     *
     * @param coordinates n x components, row-major
     * @param explained each component's share of the total variance, in [0, 1]
     */
    public record Projection(int components, double[] coordinates, double[] explained) {}

    /**
     * @param features n x dim, row-major
     * @param components how many (at most {@code dim})
     * @param seed the start vectors' (the result does not depend on it beyond the sign)
     */
    public static Projection project(float[] features, int n, int dim, int components, long seed) {
        if (features.length != (long) n * dim) {
            throw new IllegalArgumentException(features.length + " values for " + n + " x " + dim);
        }
        if (components < 1 || components > dim) {
            throw new IllegalArgumentException(components + " components of " + dim + " dimensions");
        }
        double[] x = ZScores.of(features, n, dim);
        double total = ZScores.varying(x, n, dim);
        double[][] vectors = new double[components][];
        double[] explained = new double[components];
        double[] coordinates = new double[n * components];
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] u = new double[n];
        for (int c = 0; c < components; c++) {
            double[] v = new double[dim];
            for (int j = 0; j < dim; j++) {
                v[j] = rnd.nextDouble() - 0.5;
            }
            orthonormalise(v, vectors, c);
            for (int step = 0; step < MAX_STEPS; step++) {
                multiply(x, n, dim, v, u);
                double[] w = new double[dim];
                for (int i = 0; i < n; i++) {
                    double ui = u[i];
                    for (int j = 0; j < dim; j++) {
                        w[j] += x[i * dim + j] * ui;
                    }
                }
                orthonormalise(w, vectors, c);
                double moved = 0;
                for (int j = 0; j < dim; j++) {
                    moved = Math.max(moved, Math.abs(w[j] - v[j]));
                }
                v = w;
                if (moved < 1e-10) {
                    break;
                }
            }
            // A fixed sign (largest entry positive) so the map does not flip between runs or machines.
            int big = 0;
            for (int j = 1; j < dim; j++) {
                if (Math.abs(v[j]) > Math.abs(v[big])) {
                    big = j;
                }
            }
            if (v[big] < 0) {
                for (int j = 0; j < dim; j++) {
                    v[j] = -v[j];
                }
            }
            vectors[c] = v;
            multiply(x, n, dim, v, u);
            double var = 0;
            for (int i = 0; i < n; i++) {
                coordinates[i * components + c] = u[i];
                var += u[i] * u[i];
            }
            explained[c] = total == 0 ? 0 : var / Math.max(1, n - 1) / total;
        }
        return new Projection(components, coordinates, explained);
    }

    private static void multiply(double[] x, int n, int dim, double[] v, double[] out) {
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < dim; j++) {
                s += x[i * dim + j] * v[j];
            }
            out[i] = s;
        }
    }

    /** Removes the first {@code count} vectors' directions from {@code v} and scales it to unit length. */
    private static void orthonormalise(double[] v, double[][] vectors, int count) {
        for (int k = 0; k < count; k++) {
            double d = 0;
            for (int j = 0; j < v.length; j++) {
                d += v[j] * vectors[k][j];
            }
            for (int j = 0; j < v.length; j++) {
                v[j] -= d * vectors[k][j];
            }
        }
        double norm = 0;
        for (double a : v) {
            norm += a * a;
        }
        norm = Math.sqrt(norm);
        if (norm > 0) {
            for (int j = 0; j < v.length; j++) {
                v[j] /= norm;
            }
        }
    }
}
