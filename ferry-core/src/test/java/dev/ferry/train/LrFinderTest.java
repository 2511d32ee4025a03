package dev.ferry.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.ferry.platform.Engines;
import dev.ferry.InputException;
import dev.ferry.model.ResNet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LrFinderTest {
    private static NDManager manager;

    @BeforeAll
    static void start() {
        manager = Engines.newManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    static TrainConfig config() {
        return TrainConfig.defaults(new Strategy.FineTune(1)).withSeed(5);
    }

    @Test
    void ratesGrowExponentiallyAndLossesAreTheBiasCorrectedAverage() {
        LrFinder.Settings settings = new LrFinder.Settings(1e-5, 1e-2, 8, 6);
        List<Double> seen = new ArrayList<>();
        try (NDManager m = manager.newSubManager()) {
            LrFinder.Result r = new LrFinder(config(), settings, (step, steps, rate, loss) -> seen.add(rate))
                    .run(TrainerTest.tinyNet(m, 1), TrainerTest.synthetic(4, 3, true), m);

            assertEquals(8, r.rates().length, "the range stays far below divergence");
            assertFalse(r.stoppedEarly());
            for (int i = 0; i < 8; i++) {
                assertEquals(1e-5 * Math.pow(1e3, i / 7.0), r.rates()[i], 1e-12 * r.rates()[i]);
                assertEquals(r.rates()[i], seen.get(i), 0.0);
            }
            double avg = 0;
            for (int i = 0; i < 8; i++) {
                avg = 0.98 * avg + 0.02 * r.rawLosses()[i];
                assertEquals(avg / (1 - Math.pow(0.98, i + 1)), r.losses()[i], 1e-9);
            }
            assertEquals(r.rawLosses()[0], r.losses()[0], 1e-9, "bias correction makes the first value the first loss");
            assertEquals(LrFinder.suggest(r.rates(), r.losses()), r.suggestedLr(), 0.0);
        }
    }

    @Test
    void stopsOnceTheLossExceedsFourTimesItsMinimumAndTrainsTheNetworkInPlace() {
        try (NDManager m = manager.newSubManager()) {
            ResNet net = TrainerTest.tinyNet(m, 1);
            Map<String, float[]> before = TrainerTest.weights(net);
            LrFinder.Result r = new LrFinder(config(), new LrFinder.Settings(1e-2, 1e6, 16, 6), null)
                    .run(net, TrainerTest.synthetic(4, 3, true), m);

            assertTrue(r.stoppedEarly(), "rates up to 1e6 must diverge");
            int n = r.losses().length;
            assertTrue(n < 16 && n >= 2, "stopped after " + n + " steps");
            for (int i = 0; i < n - 1; i++) {
                assertTrue(r.losses()[i] <= 4 * min(r.losses(), i), "should have stopped at step " + (i + 1));
            }
            assertTrue(r.losses()[n - 1] > 4 * min(r.losses(), n - 1), "the last point is the one that diverged");
            assertTrue(r.suggestedLr() >= 1e-3 && r.suggestedLr() <= r.rates()[n - 1], "suggestion " + r.suggestedLr());
            assertFalse(java.util.Arrays.equals(before.get("conv1.weight"), TrainerTest.weights(net).get("conv1.weight")),
                    "the sweep trains the network; nothing is restored");
        }
    }

    /** The lowest of {@code values[0..last]}. */
    private static double min(double[] values, int last) {
        return java.util.Arrays.stream(values, 0, last + 1).min().orElseThrow();
    }

    @Test
    void seededSweepsRepeat() {
        LrFinder.Settings settings = new LrFinder.Settings(1e-4, 1, 4, 6);
        double[][] losses = new double[2][];
        for (int run = 0; run < 2; run++) {
            try (NDManager m = manager.newSubManager()) {
                losses[run] = new LrFinder(config(), settings, null).run(TrainerTest.tinyNet(m, 1), TrainerTest.synthetic(4, 3, true), m).rawLosses();
            }
        }
        assertArrayEquals(losses[0], losses[1], 0.0);
    }

    @Test
    void suggestionIsTheSteepestDescentBeforeTheMinimum() {
        int n = 50;
        double[] rates = new double[n];
        double[] losses = new double[n];
        for (int i = 0; i < n; i++) {
            rates[i] = 1e-6 * Math.pow(10, i / 7.0);
            // A plateau, a fall steepest at i = 20, a minimum at i = 35, then a steep rise (which
            // must not count: it is after the minimum).
            losses[i] = i <= 35 ? 2 - Math.tanh((i - 20) / 5.0) : 2 - Math.tanh(15 / 5.0) + 5 * (i - 35);
        }
        assertEquals(rates[20], LrFinder.suggest(rates, losses), 0.0);

        // The steep rise after the minimum is ignored even when it is the biggest slope in absolute value.
        double[] g = LrFinder.gradient(rates, losses);
        assertTrue(g[40] > 0 && Math.abs(g[40]) > Math.abs(g[20]));
    }

    /**
     * A curve worked out by hand. 20 points, rates {@code 10^(-8 + i/2)}: equal steps of
     * {@code h = ln(10)/2} in log(rate), so the slope inside is {@code (L[i+1] - L[i-1]) / ln(10)}.
     * The first {@code min(20 / 10, 10) = 2} points are skipped; the lowest loss is 1.0 at i = 10.
     *
     * <pre>
     *  i   loss   L[i+1] - L[i-1]
     *  0   5.0    (one-sided: (3.0 - 5.0) / h = -4 / ln 10; skipped)
     *  1   3.0    2.9 - 5.0  = -2.1   (skipped)
     *  2   2.9    2.8 - 3.0  = -0.2
     *  3   2.8    2.6 - 2.9  = -0.3
     *  4   2.6    2.0 - 2.8  = -0.8
     *  5   2.0    1.5 - 2.6  = -1.1   steepest in [2, 10]
     *  6   1.5    1.3 - 2.0  = -0.7
     *  7   1.3    1.1 - 1.5  = -0.4
     *  8   1.1    1.05 - 1.3 = -0.25
     *  9   1.05   1.0 - 1.1  = -0.1
     * 10   1.0    1.4 - 1.05 = +0.35  the minimum
     * 11   1.4    then a rebound: 13 falls by 1.1 - 3.0 = -1.9, steeper than 5 but after the minimum
     * 12   3.0
     * 13   1.2
     * 14   1.1
     * 15.. 2.0, 4.0, 2.5, 6.0, 9.0
     * </pre>
     *
     * The suggestion is rates[5] = 10^-5.5. Slopes against the rate itself rather than its log would
     * pick an early point (the steps in rate grow 3.16-fold per point); a forward difference
     * {@code L[i+1] - L[i]} would pick i = 4 (2.0 - 2.6 = -0.6 is the largest single drop); not
     * skipping would pick i = 0; not stopping at the minimum would pick i = 13.
     */
    @Test
    void aHandWorkedCurveSuggestsItsSteepestPointBeforeTheMinimum() {
        double[] losses = {5.0, 3.0, 2.9, 2.8, 2.6, 2.0, 1.5, 1.3, 1.1, 1.05, 1.0, 1.4, 3.0, 1.2, 1.1, 2.0, 4.0, 2.5, 6.0, 9.0};
        double[] rates = new double[losses.length];
        for (int i = 0; i < rates.length; i++) {
            rates[i] = Math.pow(10, -8 + i / 2.0);
        }
        double ln10 = Math.log(10);
        double[] g = LrFinder.gradient(rates, losses);
        assertEquals(-4 / ln10, g[0], 1e-12, "one-sided at the start");
        assertEquals(-2.1 / ln10, g[1], 1e-12);
        assertEquals(-1.1 / ln10, g[5], 1e-12);
        assertEquals(-0.8 / ln10, g[4], 1e-12);
        assertEquals(-1.9 / ln10, g[13], 1e-12);
        assertEquals((9.0 - 6.0) / (ln10 / 2), g[19], 1e-12, "one-sided at the end");

        assertEquals(Math.pow(10, -5.5), LrFinder.suggest(rates, losses), 1e-12 * Math.pow(10, -5.5));
        assertEquals(rates[5], LrFinder.suggest(rates, losses), 0.0);
    }

    /**
     * Hand-worked fallback: 10 points (1 skipped), the lowest loss 0.5 at i = 0 and rising after it,
     * so nothing falls in [0, 0]: a tenth of rates[0] = 1e-3, i.e. 1e-4. A curve dipping to its
     * lowest loss 0.2 at i = 3 is searched over i = 1..3, where L[i+1] - L[i-1] is
     * 0.7 - 1.0 = -0.3 at i = 1, 0.2 - 0.9 = -0.7 at i = 2 and 0.6 - 0.7 = -0.1 at i = 3: rates[2].
     */
    @Test
    void handWorkedFallbackAndShortCurve() {
        double[] rates = new double[10];
        for (int i = 0; i < rates.length; i++) {
            rates[i] = 1e-3 * Math.pow(10, i);
        }
        double[] rising = {0.5, 0.6, 0.8, 1.0, 1.3, 1.7, 2.2, 2.8, 3.5, 4.3};
        assertEquals(1e-4, LrFinder.suggest(rates, rising), 1e-18);
        double[] dip = {1.0, 0.9, 0.7, 0.2, 0.6, 0.8, 1.0, 1.5, 2.0, 3.0};
        assertEquals(rates[2], LrFinder.suggest(rates, dip), 0.0);
    }

    /**
     * The other two rules on the hand-worked dip {@code 1.0, 0.9, 0.7, 0.2, 0.6, 0.8, 1.0, 1.5, 2.0,
     * 3.0} at rates 1e-3 .. 1e6: the lowest loss is at i = 3, so minimum gives rates[3] / 10 = 0.1.
     * The longest strictly falling run (a subsequence, not necessarily contiguous) is 1.0 > 0.9 >
     * 0.7 > 0.2, four points ending at i = 3; fastai's arithmetic starts it at 3 - 4 = -1 and takes
     * -1 + floor(4 / 3) + floor(4 / 6) = 0. On {@code 3, 1, 2, 1.5, 1.2, 0.5, 4}, runs are longest
     * through 3 > 2 > 1.5 > 1.2 > 0.5 (five points, ending at i = 5, start 0): 0 + 1 + 0 = rates[1],
     * though the contiguous fall 3 > 1 is shorter.
     */
    @Test
    void minimumAndValleyRulesHandWorked() {
        double[] rates = new double[10];
        for (int i = 0; i < rates.length; i++) {
            rates[i] = 1e-3 * Math.pow(10, i);
        }
        double[] dip = {1.0, 0.9, 0.7, 0.2, 0.6, 0.8, 1.0, 1.5, 2.0, 3.0};
        assertEquals(0.1, LrFinder.Rule.MINIMUM.pick(rates, dip).getAsDouble(), 1e-12);
        assertEquals(rates[0], LrFinder.Rule.VALLEY.pick(rates, dip).getAsDouble(), 0.0);
        assertEquals(rates[2], LrFinder.Rule.STEEPEST.pick(rates, dip).getAsDouble(), 0.0);

        double[] r7 = java.util.Arrays.copyOf(rates, 7);
        double[] wiggle = {3, 1, 2, 1.5, 1.2, 0.5, 4};
        assertEquals(rates[1], LrFinder.Rule.VALLEY.pick(r7, wiggle).getAsDouble(), 0.0);
        assertEquals(rates[5] / 10, LrFinder.Rule.MINIMUM.pick(r7, wiggle).getAsDouble(), 1e-15);

        double[] rising = {0.5, 0.6, 0.8, 1.0, 1.3, 1.7, 2.2, 2.8, 3.5, 4.3};
        assertTrue(LrFinder.Rule.MINIMUM.pick(rates, rising).isEmpty(), "lowest at the first rate");
        assertTrue(LrFinder.Rule.VALLEY.pick(rates, rising).isEmpty(), "nothing falls");
        assertTrue(LrFinder.Rule.STEEPEST.pick(rates, rising).isEmpty());
        assertEquals(LrFinder.Rule.VALLEY, LrFinder.Rule.byId("Valley"));
        assertEquals(null, LrFinder.Rule.byId("slide"));
    }

    @Test
    void aLossRisingFromTheStartFallsBackToATenthOfTheBestRate() {
        double[] rates = {1e-4, 1e-3, 1e-2, 1e-1};
        double[] losses = {1.0, 1.1, 1.5, 3.0};
        assertEquals(1e-5, LrFinder.suggest(rates, losses), 1e-20);
    }

    @Test
    void theFirstPointsAreSkipped() {
        // The steepest fall is at index 1, inside the skipped first tenth (n = 30: 3 points).
        double[] rates = new double[30];
        double[] losses = new double[30];
        for (int i = 0; i < 30; i++) {
            rates[i] = Math.pow(10, -6 + i / 5.0);
            losses[i] = i == 0 ? 10 : 3 - 0.05 * i;
        }
        int suggested = java.util.Arrays.binarySearch(rates, LrFinder.suggest(rates, losses));
        assertTrue(suggested >= 3, "suggested point " + suggested);
    }

    @Test
    void settingsAreChecked() {
        assertThrows(InputException.class, () -> new LrFinder.Settings(0, 10, 100, 8));
        assertThrows(InputException.class, () -> new LrFinder.Settings(1e-3, 1e-4, 100, 8));
        assertThrows(InputException.class, () -> new LrFinder.Settings(1e-7, Double.POSITIVE_INFINITY, 100, 8));
        assertThrows(InputException.class, () -> new LrFinder.Settings(1e-7, 10, 1, 8));
        InputException b = assertThrows(InputException.class, () -> new LrFinder.Settings(1e-7, 10, 100, 1));
        assertEquals("batchSize must be at least 2 (BatchNorm needs two images per step), got 1", b.getMessage());
        LrFinder.Settings d = LrFinder.Settings.defaults(16);
        assertEquals(1e-7, d.rate(0), 0.0);
        assertEquals(10, d.rate(99), 1e-12);
    }
}
