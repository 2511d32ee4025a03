package dev.ferry.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.ferry.platform.Engines;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The ridge probe against fits computed here from the normal equations, one left-out row at a time. */
class LinearProbeTest {
    private static NDManager manager;

    @BeforeAll
    static void open() {
        manager = Engines.newManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    private static double[] gaussian(int count, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[count];
        for (int i = 0; i < count; i++) {
            // Box-Muller
            v[i] = Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
        }
        return v;
    }

    /** Solves (A^T A + lambda I) W = A^T B by Gaussian elimination with partial pivoting. */
    private static double[] ridgeByHand(double[] a, double[] b, int rows, int dim, int classes, double lambda) {
        double[][] m = new double[dim][dim + classes];
        for (int p = 0; p < dim; p++) {
            for (int q = 0; q < dim; q++) {
                double s = p == q ? lambda : 0;
                for (int i = 0; i < rows; i++) {
                    s += a[i * dim + p] * a[i * dim + q];
                }
                m[p][q] = s;
            }
            for (int c = 0; c < classes; c++) {
                double s = 0;
                for (int i = 0; i < rows; i++) {
                    s += a[i * dim + p] * b[i * classes + c];
                }
                m[p][dim + c] = s;
            }
        }
        for (int col = 0; col < dim; col++) {
            int pivot = col;
            for (int r = col + 1; r < dim; r++) {
                if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) {
                    pivot = r;
                }
            }
            double[] t = m[col];
            m[col] = m[pivot];
            m[pivot] = t;
            for (int r = 0; r < dim; r++) {
                if (r != col) {
                    double f = m[r][col] / m[col][col];
                    for (int k = col; k < dim + classes; k++) {
                        m[r][k] -= f * m[col][k];
                    }
                }
            }
        }
        double[] w = new double[dim * classes];
        for (int p = 0; p < dim; p++) {
            for (int c = 0; c < classes; c++) {
                w[p * classes + c] = m[p][dim + c] / m[p][p];
            }
        }
        return w;
    }

    private static void checkAgainstRefits(int n, int dim, int classes, double lambda, long seed) {
        double[] z = gaussian(n * dim, seed);
        double[] y = gaussian(n * classes, seed + 1);
        LinearProbe.Ridge ridge = LinearProbe.ridge(z, y, n, dim, classes, lambda, manager);
        assertArrayEquals(ridgeByHand(z, y, n, dim, classes, lambda), ridge.weights(), 1e-9, "weights, " + n + " x " + dim);
        for (int out = 0; out < n; out++) {
            double[] zr = new double[(n - 1) * dim];
            double[] yr = new double[(n - 1) * classes];
            for (int i = 0, k = 0; i < n; i++) {
                if (i != out) {
                    System.arraycopy(z, i * dim, zr, k * dim, dim);
                    System.arraycopy(y, i * classes, yr, k * classes, classes);
                    k++;
                }
            }
            double[] w = ridgeByHand(zr, yr, n - 1, dim, classes, lambda);
            for (int c = 0; c < classes; c++) {
                double pred = 0;
                for (int p = 0; p < dim; p++) {
                    pred += z[out * dim + p] * w[p * classes + c];
                }
                assertEquals(y[out * classes + c] - pred, ridge.looResiduals()[out * classes + c], 1e-9,
                        "left-out residual of row " + out + ", " + n + " x " + dim);
            }
        }
    }

    @Test
    void leaveOneOutResidualsEqualRefitsWithoutEachRowInBothForms() {
        checkAgainstRefits(7, 19, 3, 0.7, 1); // fewer rows than features: the n x n inverse
        checkAgainstRefits(23, 5, 4, 2.5, 2); // more rows than features: the d x d inverse
        checkAgainstRefits(9, 9, 2, 0.01, 3);
    }

    /** Two Gaussian clusters per class in 30 dimensions, the classes apart along a few of them. */
    private static float[] clusters(int[] labels, int dim, double separation, long seed) {
        double[] noise = gaussian(labels.length * dim, seed);
        float[] x = new float[labels.length * dim];
        for (int i = 0; i < labels.length; i++) {
            for (int j = 0; j < dim; j++) {
                x[i * dim + j] = (float) (noise[i * dim + j] + (j % 3 == labels[i] && j < 9 ? separation : 0) * 5 + 100);
            }
        }
        return x;
    }

    @Test
    void separableClassesAreFoundAndNoiseIsNot() {
        int dim = 30;
        int[] train = new int[60];
        int[] test = new int[300];
        for (int i = 0; i < train.length; i++) {
            train[i] = i % 3;
        }
        for (int i = 0; i < test.length; i++) {
            test[i] = i % 3;
        }
        LinearProbe.Model m = LinearProbe.fit(clusters(train, dim, 1, 5), train, dim, 3, LinearProbe.DEFAULT_PENALTIES, manager);
        assertEquals(1.0, m.accuracy(clusters(test, dim, 1, 6), test, manager), 0.01);
        assertTrue(m.looAccuracy() > 0.95, "leave-one-out accuracy " + m.looAccuracy());
        assertTrue(LinearProbe.DEFAULT_PENALTIES.contains(m.penalty()));

        LinearProbe.Model noise = LinearProbe.fit(clusters(train, dim, 0, 7), train, dim, 3, LinearProbe.DEFAULT_PENALTIES, manager);
        double chance = noise.accuracy(clusters(test, dim, 0, 8), test, manager);
        assertTrue(Math.abs(chance - 1.0 / 3) < 0.1, "features without signal: accuracy " + chance);
        // With nothing to learn, leave-one-out prefers a heavy penalty (towards predicting the class mean).
        assertTrue(noise.penalty() >= 10, "penalty " + noise.penalty());
        assertTrue(m.penalty() < noise.penalty(), m.penalty() + " vs " + noise.penalty());
    }

    @Test
    void theChosenPenaltyHasTheSmallestLeaveOneOutError() {
        int dim = 30;
        int[] train = new int[45];
        for (int i = 0; i < train.length; i++) {
            train[i] = i % 3;
        }
        float[] x = clusters(train, dim, 0.3, 9);
        LinearProbe.Model chosen = LinearProbe.fit(x, train, dim, 3, LinearProbe.DEFAULT_PENALTIES, manager);
        for (double p : LinearProbe.DEFAULT_PENALTIES) {
            assertTrue(LinearProbe.fit(x, train, dim, 3, p, manager).looError() >= chosen.looError(), "penalty " + p);
        }
        // The scale of the features does not matter: they are z-scored and the penalty is relative.
        float[] scaled = x.clone();
        for (int i = 0; i < scaled.length; i++) {
            scaled[i] = scaled[i] * 1000 - 7;
        }
        LinearProbe.Model same = LinearProbe.fit(scaled, train, dim, 3, List.of(chosen.penalty()), manager);
        assertEquals(chosen.looError(), same.looError(), 1e-6);
        assertArrayEquals(chosen.predict(x, manager), same.predict(scaled, manager));
    }

    @Test
    void badArgumentsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> LinearProbe.fit(new float[7], new int[2], 3, 2, 1.0, manager));
        assertThrows(IllegalArgumentException.class, () -> LinearProbe.fit(new float[6], new int[] {0, 2}, 3, 2, 1.0, manager));
        assertThrows(IllegalArgumentException.class, () -> LinearProbe.fit(new float[6], new int[] {0, 1}, 3, 2, 0.0, manager));
        assertThrows(IllegalArgumentException.class, () -> LinearProbe.fit(new float[3], new int[] {0}, 3, 2, 1.0, manager));
    }
}
