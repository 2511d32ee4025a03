package dev.ferry.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Temperature scaling and the expected calibration error against values worked by hand. */
class CalibrationTest {

    @Test
    void theFittedTemperatureMakesTheProbabilityTheObservedFrequency() {
        // Four images, each given p = (0.9, 0.1); three are class 0. The likelihood is highest when the
        // scaled probability of class 0 is 3/4: 0.9^b / (0.9^b + 0.1^b) = 3/4, i.e. 9^b = 3, b = 1/2, T = 2.
        float[][] p = {{0.9f, 0.1f}, {0.9f, 0.1f}, {0.9f, 0.1f}, {0.9f, 0.1f}};
        int[] y = {0, 0, 0, 1};
        Calibration c = Calibration.fit(p, y);
        assertEquals(2.0, c.temperature(), 1e-6);
        assertEquals(4, c.samples());
        // NLL at T = 1: (3 (-ln 0.9) + (-ln 0.1)) / 4; at T = 2: -(3 ln 0.75 + ln 0.25) / 4.
        assertEquals((3 * -Math.log(0.9) - Math.log(0.1)) / 4, c.nllBefore(), 1e-6);
        assertEquals(-(3 * Math.log(0.75) + Math.log(0.25)) / 4, c.nllAfter(), 1e-6);
        // ECE: one bin at confidence 0.9 with accuracy 0.75 before; 0.75 and 0.75 after.
        assertEquals(0.15, c.eceBefore(), 1e-6);
        assertEquals(0.0, c.eceAfter(), 1e-6);
        assertArrayEquals(new float[] {0.75f, 0.25f}, c.apply(new float[] {0.9f, 0.1f}), 1e-6f);
    }

    @Test
    void underConfidentProbabilitiesAreSharpened() {
        // p = (0.6, 0.4) always right: the likelihood keeps rising as T falls, to the search's bound.
        float[][] p = {{0.6f, 0.4f}, {0.4f, 0.6f}};
        Calibration c = Calibration.fit(p, new int[] {0, 1});
        assertEquals(Calibration.MIN_TEMPERATURE, c.temperature(), 1e-6);
        assertTrue(c.nllAfter() < c.nllBefore());
        // Three classes, right 2 of 3 times at p = 0.5: scaled, p0^b / (p0^b + 2 * 0.25^b) = 2/3
        // gives 2^b = 4, b = 2, T = 1/2.
        float[][] q = {{0.5f, 0.25f, 0.25f}, {0.5f, 0.25f, 0.25f}, {0.5f, 0.25f, 0.25f}};
        Calibration d = Calibration.fit(q, new int[] {0, 0, 1});
        assertEquals(0.5, d.temperature(), 1e-6);
        // What training stores only softens: the same data then keeps T = 1, unchanged probabilities.
        Calibration s = Calibration.fitSoftening(q, new int[] {0, 0, 1});
        assertEquals(1.0, s.temperature(), 1e-6);
        assertEquals(s.nllBefore(), s.nllAfter(), 1e-9);
        // Over-confident data is softened as by the unconstrained fit (T = 2, as above).
        float[][] p9 = {{0.9f, 0.1f}, {0.9f, 0.1f}, {0.9f, 0.1f}, {0.9f, 0.1f}};
        assertEquals(2.0, Calibration.fitSoftening(p9, new int[] {0, 0, 0, 1}).temperature(), 1e-6);
        assertThrows(IllegalArgumentException.class, () -> Calibration.fit(q, new int[] {0, 0, 1}, 2, 1));
    }

    @Test
    void expectedCalibrationErrorByHand() {
        // Ten bins; confidences 0.9 (right), 0.8 (wrong), 0.6 (right), 0.55 (wrong): one image per bin,
        // ECE = (|1 - 0.9| + |0 - 0.8| + |1 - 0.6| + |0 - 0.55|) / 4 = 0.4625.
        float[][] p = {{0.9f, 0.1f}, {0.8f, 0.2f}, {0.4f, 0.6f}, {0.55f, 0.45f}};
        int[] y = {0, 1, 1, 1};
        Calibration.Reliability r = Calibration.Reliability.of(p, y, 10);
        assertEquals(0.4625, r.ece(), 1e-6);
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 1, 1, 0, 1, 1}, r.counts());
        assertEquals(0.0, r.accuracy()[8]);
        assertEquals(0.8, r.confidence()[8], 1e-6);
        assertTrue(Double.isNaN(r.accuracy()[0]), "an empty bin has no accuracy");
        // A confidence of exactly 1 falls in the last bin.
        assertEquals(1, Calibration.Reliability.of(new float[][] {{1f, 0f}}, new int[] {0}, 10).counts()[9]);
        assertThrows(IllegalArgumentException.class, () -> Calibration.fit(new float[0][], new int[0]));
    }
}
