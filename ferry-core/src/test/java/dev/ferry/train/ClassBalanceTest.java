package dev.ferry.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.ferry.data.Seeds;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ClassBalanceTest {

    @Test
    void balancedWeightsAreNOverKTimesTheClassCount() {
        // N = 10, K = 3: 10 / (3 * 6) = 10/18, 10 / (3 * 2) = 10/6.
        assertArrayEquals(new double[] {10 / 18.0, 10 / 6.0, 10 / 6.0}, ClassBalance.weights(new int[] {6, 2, 2}), 1e-12);
        // A class without images weighs nothing and is not counted in K: 4 / (2 * 2) = 1 and 4 / (2 * 2) = 1.
        assertArrayEquals(new double[] {1, 0, 1}, ClassBalance.weights(new int[] {2, 0, 2}), 1e-12);
    }

    @Test
    void theSamplerDrawsEveryClassAboutEquallyOftenAndRepeatsWithTheSeed() {
        int[] labels = {0, 0, 0, 0, 0, 0, 1, 1, 2, 2};
        int[] counts = {6, 2, 2};
        long[] drawn = new long[3];
        long[] perSample = new long[labels.length];
        int epochs = 4000;
        for (int e = 1; e <= epochs; e++) {
            int[] idx = ClassBalance.sample(labels, counts, Seeds.forEpoch(5, e));
            assertEquals(labels.length, idx.length, "N draws per epoch");
            for (int i : idx) {
                drawn[labels[i]]++;
                perSample[i]++;
            }
        }
        double total = (double) epochs * labels.length;
        for (int c = 0; c < 3; c++) {
            assertEquals(1 / 3.0, drawn[c] / total, 0.01, "class " + c);
        }
        // Within a class every image is equally likely: 1/18 each for class 0, 1/6 for the others.
        for (int i = 0; i < labels.length; i++) {
            assertEquals(labels[i] == 0 ? 1 / 18.0 : 1 / 6.0, perSample[i] / total, 0.006, "sample " + i);
        }
        assertArrayEquals(ClassBalance.sample(labels, counts, Seeds.forEpoch(5, 3)),
                ClassBalance.sample(labels, counts, Seeds.forEpoch(5, 3)));
        assertFalse(Arrays.equals(ClassBalance.sample(labels, counts, Seeds.forEpoch(5, 3)),
                ClassBalance.sample(labels, counts, Seeds.forEpoch(6, 3))), "another seed, another draw");
    }
}
