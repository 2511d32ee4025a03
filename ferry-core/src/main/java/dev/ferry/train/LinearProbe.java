package dev.ferry.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * A linear probe on fixed features: ridge regression onto one-hot targets, the penalty chosen by
 * exact leave-one-out error, then argmax (the classifier scikit-learn calls {@code RidgeClassifierCV}).
 *
 * <p>Why ridge and not logistic regression: the probe exists to rank backbones, many times over
 * (every candidate, every fold), and ridge has a closed form. One matrix inverse per penalty gives
 * the weights and, through {@code (K + lambda I)^-1}, every leave-one-out residual at once (the
 * residual of sample i is {@code (A Y)_i / A_ii} with {@code A = (K + lambda I)^-1}), so choosing
 * the penalty costs no inner folds and the result is exact and repeatable: no learning rate, no
 * iterations, no seed. Features are z-scored with the training rows' statistics first, and the
 * penalty is relative to the mean squared norm of those rows, so one grid suits backbones whose
 * features have any width or scale (a random network's features too).
 *
 * <p>The inverse is of the smaller of the n x n Gram matrix (fewer images than features: the usual
 * case) and the d x d covariance, in float64. The intercept is the training targets' mean
 * (features are centred), unpenalised; leave-one-out residuals treat the centring as fixed, as
 * scikit-learn's efficient leave-one-out does.
 */
public final class LinearProbe {
    private LinearProbe() {}

    /**
     * The penalties tried, relative to the mean squared norm of the z-scored training rows (about
     * the feature width): six decades from nearly unregularised to nearly constant.
     */
    public static final List<Double> DEFAULT_PENALTIES = List.of(1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0);

    /**
     * A fitted probe: {@code scores = ((x - mean) / scale) W + bias}, the class the highest score.
     *
     * @param dim feature width
     * @param classes class count
     * @param mean per-feature mean of the training rows
     * @param scale per-feature standard deviation of the training rows (1 where it is 0)
     * @param weights d x C, row-major
     * @param bias C
     * @param penalty the relative penalty chosen
     * @param looError mean squared leave-one-out residual at that penalty (per target)
     * @param looAccuracy leave-one-out accuracy at that penalty
     */
    public record Model(int dim, int classes, double[] mean, double[] scale, double[] weights, double[] bias,
            double penalty, double looError, double looAccuracy) {

        /** The predicted class of each of the {@code x.length / dim} rows of {@code x}. */
        public int[] predict(float[] x, NDManager manager) {
            double[] s = scores(x, manager);
            int n = s.length / classes;
            int[] out = new int[n];
            for (int i = 0; i < n; i++) {
                int arg = 0;
                for (int c = 1; c < classes; c++) {
                    if (s[i * classes + c] > s[i * classes + arg]) {
                        arg = c;
                    }
                }
                out[i] = arg;
            }
            return out;
        }

        /**
         * Each row's score per class, n x C row-major. Regressed onto one-hot targets, a row's
         * scores sum to 1 (the constant is reproduced exactly), though single ones can leave [0, 1].
         */
        public double[] scores(float[] x, NDManager manager) {
            int n = rows(x, dim);
            try (NDManager m = manager.newSubManager()) {
                NDArray z = m.create(standardized(x, n, mean, scale), new Shape(n, dim));
                NDArray w = m.create(weights, new Shape(dim, classes));
                NDArray b = m.create(bias, new Shape(1, classes));
                return z.matMul(w).add(b).toDoubleArray();
            }
        }

        /** The fraction of rows of {@code x} whose predicted class is {@code labels}'. */
        public double accuracy(float[] x, int[] labels, NDManager manager) {
            int[] p = predict(x, manager);
            if (p.length != labels.length) {
                throw new IllegalArgumentException(p.length + " rows but " + labels.length + " labels");
            }
            int correct = 0;
            for (int i = 0; i < p.length; i++) {
                correct += p[i] == labels[i] ? 1 : 0;
            }
            return p.length == 0 ? Double.NaN : (double) correct / p.length;
        }
    }

    /**
     * Fits at every penalty of {@code penalties} and keeps the one with the smallest leave-one-out
     * error (the larger penalty on a tie).
     *
     * @param x n x dim training features, row-major
     * @param labels n labels in 0..classes-1
     */
    public static Model fit(float[] x, int[] labels, int dim, int classes, List<Double> penalties, NDManager manager) {
        if (penalties.isEmpty()) {
            throw new IllegalArgumentException("no penalties to try");
        }
        for (double p : penalties) {
            if (!(p > 0)) {
                throw new IllegalArgumentException("the penalty must be positive, got " + p);
            }
        }
        int n = rows(x, dim);
        if (n != labels.length) {
            throw new IllegalArgumentException(n + " rows but " + labels.length + " labels");
        }
        if (n < 2) {
            throw new IllegalArgumentException("a probe needs at least 2 training rows, got " + n);
        }
        double[] mean = new double[dim];
        double[] scale = new double[dim];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < dim; j++) {
                mean[j] += x[i * dim + j];
            }
        }
        for (int j = 0; j < dim; j++) {
            mean[j] /= n;
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < dim; j++) {
                double d = x[i * dim + j] - mean[j];
                scale[j] += d * d;
            }
        }
        for (int j = 0; j < dim; j++) {
            double sd = Math.sqrt(scale[j] / n);
            // A constant feature says nothing; after centring it is 0 whatever its scale.
            scale[j] = sd > 1e-12 ? sd : 1;
        }
        double[] yMean = new double[classes];
        double[] y = new double[n * classes];
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("label " + labels[i] + " is not in 0.." + (classes - 1));
            }
            y[i * classes + labels[i]] = 1;
            yMean[labels[i]] += 1.0 / n;
        }
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < classes; c++) {
                y[i * classes + c] -= yMean[c];
            }
        }
        double[] z = standardized(x, n, mean, scale);
        double meanNorm = 0;
        for (double v : z) {
            meanNorm += v * v;
        }
        meanNorm /= n;
        double[] lambdas = new double[penalties.size()];
        for (int k = 0; k < lambdas.length; k++) {
            lambdas[k] = penalties.get(k) * Math.max(meanNorm, 1e-12);
        }
        List<Ridge> path = ridge(z, y, n, dim, classes, lambdas, manager);
        Model best = null;
        for (int k = 0; k < lambdas.length; k++) {
            double p = penalties.get(k);
            double[] r = path.get(k).looResiduals();
            double sq = 0;
            for (double v : r) {
                sq += v * v;
            }
            int correct = 0;
            for (int i = 0; i < n; i++) {
                // Left out, sample i's prediction is its target minus its residual.
                int arg = 0;
                double top = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < classes; c++) {
                    double v = y[i * classes + c] - r[i * classes + c] + yMean[c];
                    if (v > top) {
                        top = v;
                        arg = c;
                    }
                }
                correct += arg == labels[i] ? 1 : 0;
            }
            Model m = new Model(dim, classes, mean, scale, path.get(k).weights(), yMean.clone(), p, sq / r.length, (double) correct / n);
            if (best == null || m.looError() < best.looError() * (1 - 1e-12)
                    || (m.looError() <= best.looError() * (1 + 1e-12) && p > best.penalty())) {
                best = m;
            }
        }
        return best;
    }

    /**
     * Fits at one relative penalty.
     *
     * @param penalty positive, relative to the mean squared norm of the z-scored rows
     */
    public static Model fit(float[] x, int[] labels, int dim, int classes, double penalty, NDManager manager) {
        return fit(x, labels, dim, classes, List.of(penalty), manager);
    }

    /**
     * Ridge regression without intercept on centred rows.
     *
     * @param weights d x C, row-major
     * @param looResiduals n x C: row i is {@code y_i - z_i W_(-i)}, where {@code W_(-i)} is the fit
     *     without row i
     */
    record Ridge(double[] weights, double[] looResiduals) {}

    /** Ridge of {@code y} (n x C) on {@code z} (n x d) at absolute penalty {@code lambda}. */
    static Ridge ridge(double[] zValues, double[] yValues, int n, int dim, int classes, double lambda, NDManager manager) {
        return ridge(zValues, yValues, n, dim, classes, new double[] {lambda}, manager).get(0);
    }

    /** The same at each of {@code lambdas}, the Gram (or covariance) matrix formed once for all. */
    static List<Ridge> ridge(double[] zValues, double[] yValues, int n, int dim, int classes, double[] lambdas, NDManager manager) {
        List<Ridge> out = new java.util.ArrayList<>();
        try (NDManager m = manager.newSubManager()) {
            NDArray z = m.create(zValues, new Shape(n, dim));
            NDArray yc = m.create(yValues, new Shape(n, classes));
            boolean dual = n <= dim;
            NDArray eye = dual ? m.eye(n, n, 0, DataType.FLOAT64) : m.eye(dim, dim, 0, DataType.FLOAT64);
            NDArray gram = dual ? z.matMul(z.transpose()) : z.transpose().matMul(z);
            NDArray zty = dual ? null : z.transpose().matMul(yc);
            for (double lambda : lambdas) {
                try (NDManager step = m.newSubManager()) {
                    NDArray inv = gram.add(eye.mul(lambda)).inverse();
                    inv.attach(step);
                    NDArray w;
                    NDArray residual;
                    if (dual) {
                        // Dual: A = (Z Z^T + lambda I)^-1, W = Z^T A Y; the residual of i left out is (A Y)_i / A_ii.
                        NDArray ay = inv.matMul(yc);
                        w = z.transpose().matMul(ay);
                        residual = ay.div(inv.mul(eye).sum(new int[] {1}).reshape(n, 1));
                    } else {
                        // Primal: M = (Z^T Z + lambda I)^-1, W = M Z^T Y; h_ii = z_i M z_i, residual (y_i - z_i W) / (1 - h_ii).
                        w = inv.matMul(zty);
                        NDArray h = z.matMul(inv).mul(z).sum(new int[] {1}).reshape(n, 1);
                        residual = yc.sub(z.matMul(w)).div(h.neg().add(1));
                    }
                    out.add(new Ridge(w.toDoubleArray(), residual.toDoubleArray()));
                }
            }
        }
        return out;
    }

    private static int rows(float[] x, int dim) {
        if (dim < 1 || x.length % dim != 0) {
            throw new IllegalArgumentException(x.length + " values are not rows of " + dim + " features");
        }
        return x.length / dim;
    }

    private static double[] standardized(float[] x, int n, double[] mean, double[] scale) {
        int dim = mean.length;
        double[] z = new double[n * dim];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < dim; j++) {
                z[i * dim + j] = (x[i * dim + j] - mean[j]) / scale[j];
            }
        }
        return z;
    }
}
