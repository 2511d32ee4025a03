package dev.ferry.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/** The percentile rule on hand-made histograms. */
class Int8CalibrationTest {
    @Test
    void nothingIsClippedWhenEveryBinHoldsMoreThanTheTail() {
        long[] h = new long[2048];
        java.util.Arrays.fill(h, 1);
        // 2,048 values: a 1e-4 tail is 0 values, so the range is the whole min-max range.
        assertArrayEquals(new float[] {0f, 2048f}, Int8Calibration.percentiles(new float[] {0f, 2048f}, h));
    }

    @Test
    void rareExtremesAreClippedToTheBinsThatHoldTheRest() {
        long[] h = new long[2048];
        h[0] = 5;
        h[2047] = 5;
        h[1000] = 99_990;
        // 100,000 values, a tail of 10 on each side: the 5 at each end are dropped, the range is
        // bin 1000 alone, [1000, 1001) in units of one bin.
        assertArrayEquals(new float[] {1000f, 1001f}, Int8Calibration.percentiles(new float[] {0f, 2048f}, h));
    }

    @Test
    void entropyKeepsEveryBinOfAnEvenHistogramAndCutsAFarOutlier() {
        long[] even = new long[2048];
        java.util.Arrays.fill(even, 100);
        // Evenly spread values lose nothing to 128 levels at any width but gain from keeping
        // all: the whole range is kept.
        org.junit.jupiter.api.Assertions.assertEquals(2048, Int8Calibration.entropyThreshold(even));
        long[] tail = new long[2048];
        for (int b = 0; b < 256; b++) {
            tail[b] = 1000 - 3 * b;
        }
        tail[2047] = 1;
        // One value far out: keeping it would spend 7 of every 8 levels on nothing.
        int t = Int8Calibration.entropyThreshold(tail);
        org.junit.jupiter.api.Assertions.assertTrue(t >= 128 && t <= 512, "threshold " + t);
    }
}
