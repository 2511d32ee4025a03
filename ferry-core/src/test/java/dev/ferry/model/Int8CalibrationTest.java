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
}
