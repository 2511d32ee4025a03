package dev.ferry.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The outlier fence and centroid distances on numbers worked out by hand. */
class InspectOutliersTest {

    @Test
    void quantilesInterpolateAsNumpyAndTheFenceIsThreeIqrsAboveQ3() {
        double[] v = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        assertEquals(3.0, Inspect.quantile(v, 0.25), 1e-12);
        assertEquals(7.0, Inspect.quantile(v, 0.75), 1e-12);
        assertEquals(7.0 + 3 * 4.0, Inspect.fence(new double[] {9, 1, 8, 2, 7, 3, 6, 4, 5}), 1e-12);
        assertEquals(1.75, Inspect.quantile(new double[] {1, 2, 3, 4}, 0.25), 1e-12);
    }

    @Test
    void distanceIsOneMinusTheBestCentroidCosine() {
        // Four images in 2-D, two classes. Means (0.5, 0.5), sample sds sqrt(1/3): z = (x - 0.5) * sqrt 3.
        // Unit-length z: (1,1)->(1,1)/r2, (1,0)->(1,-1)/r2, (0,1)->(-1,1)/r2, (0,0)->(-1,-1)/r2.
        float[] x = {1, 1, 1, 0, 0, 1, 0, 0};
        int[] labels = {0, 0, 1, 1};
        double[] d = new double[4];
        int[] nearest = new int[4];
        Inspect.centroidDistances(x, 4, 2, labels, 2, d, nearest);
        // Class 0's centroid: (2, 0) / r2 normalised = (1, 0); class 1's: (-2, 0) / r2 -> (-1, 0).
        double c = 1 / Math.sqrt(2);
        assertEquals(1 - c, d[0], 1e-9);
        assertEquals(1 - c, d[1], 1e-9);
        assertEquals(1 - c, d[2], 1e-9);
        assertEquals(1 - c, d[3], 1e-9);
        assertEquals(0, nearest[0]);
        assertEquals(0, nearest[1]);
        assertEquals(1, nearest[2]);
        assertEquals(1, nearest[3]);
    }
}
