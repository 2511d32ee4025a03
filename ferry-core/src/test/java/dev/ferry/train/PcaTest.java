package dev.ferry.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Principal components against the closed form for two z-scored features. */
class PcaTest {

    @Test
    void twoCorrelatedFeaturesGiveTheDiagonalsAndOnePlusMinusRho() {
        // z-scored, any two features have correlation matrix [[1, r], [r, 1]]: eigenvalues 1 + r and
        // 1 - r, eigenvectors (1, 1) / sqrt 2 and (1, -1) / sqrt 2.
        int n = 400;
        SplittableRandom rnd = new SplittableRandom(3);
        float[] x = new float[2 * n];
        for (int i = 0; i < n; i++) {
            double a = rnd.nextGaussian();
            x[2 * i] = (float) (10 + 3 * a);
            x[2 * i + 1] = (float) (-2 + 0.5 * (a + 0.7 * rnd.nextGaussian()));
        }
        double[] m = new double[2];
        double[] sd = new double[2];
        for (int j = 0; j < 2; j++) {
            for (int i = 0; i < n; i++) {
                m[j] += x[2 * i + j] / (double) n;
            }
            for (int i = 0; i < n; i++) {
                sd[j] += Math.pow(x[2 * i + j] - m[j], 2) / (n - 1);
            }
            sd[j] = Math.sqrt(sd[j]);
        }
        double r = 0;
        for (int i = 0; i < n; i++) {
            r += (x[2 * i] - m[0]) / sd[0] * (x[2 * i + 1] - m[1]) / sd[1] / (n - 1);
        }
        Pca.Projection p = Pca.project(x, n, 2, 2, 1);
        assertEquals((1 + r) / 2, p.explained()[0], 1e-9);
        assertEquals((1 - r) / 2, p.explained()[1], 1e-9);
        for (int i = 0; i < n; i++) {
            double z0 = (x[2 * i] - m[0]) / sd[0];
            double z1 = (x[2 * i + 1] - m[1]) / sd[1];
            // Signs: each component's largest entry is positive; for (1, -1) / sqrt 2 the first one wins the tie.
            assertEquals((z0 + z1) / Math.sqrt(2), p.coordinates()[2 * i], 1e-6);
            assertEquals((z0 - z1) / Math.sqrt(2), p.coordinates()[2 * i + 1], 1e-6);
        }
    }
}
