package dev.ferry.workflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.InputException;
import dev.ferry.data.Sample;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The cross-validation estimate and the stratified folds, against hand computations. */
class CrossValidationTest {

    @Test
    void summaryOfFiveFolds() {
        // Accuracies 0.80, 0.90, 0.70, 0.85, 0.75:
        //   mean = 4.00 / 5 = 0.80
        //   deviations 0, +0.10, -0.10, +0.05, -0.05; squares 0, 0.01, 0.01, 0.0025, 0.0025; sum 0.025
        //   sd = sqrt(0.025 / 4) = sqrt(0.00625) = 0.0790569
        //   half-width = t(0.975, 4) * sd / sqrt(5) = 2.776445 * 0.0790569 / 2.2360680
        //              = 2.776445 * 0.0353553 = 0.0981622
        CrossValidation.Summary s = CrossValidation.summarize(List.of(0.80, 0.90, 0.70, 0.85, 0.75));
        assertEquals(5, s.folds());
        assertEquals(0.8, s.mean(), 1e-12);
        assertEquals(0.0790569, s.sd(), 1e-7);
        assertEquals(0.0981622, s.halfWidth(), 1e-7);
        assertEquals(0.8 - 0.0981622, s.low(), 1e-7);
        assertEquals(0.8 + 0.0981622, s.high(), 1e-7);
        assertEquals(s, CrossValidation.Summary.fromJson(s.toJson()), "model.json's entry reads back to the same estimate");
    }

    @Test
    void twoFoldsUseTwelvePointSeven() {
        // sd of {0.5, 0.7} = sqrt(((-0.1)^2 + 0.1^2) / 1) = 0.1414214; half = 12.706205 * 0.1414214 / sqrt(2) = 1.2706205
        CrossValidation.Summary s = CrossValidation.summarize(List.of(0.5, 0.7));
        assertEquals(0.6, s.mean(), 1e-12);
        assertEquals(1.2706205, s.halfWidth(), 1e-6);
        assertThrows(IllegalArgumentException.class, () -> CrossValidation.summarize(List.of(0.5)));
    }

    @Test
    void tQuantilesAgainstPublishedValues() {
        assertEquals(12.7062, CrossValidation.t975(1), 1e-3);
        assertEquals(4.3027, CrossValidation.t975(2), 1e-3);
        assertEquals(2.7764, CrossValidation.t975(4), 1e-3);
        assertEquals(2.2622, CrossValidation.t975(9), 1e-3);
        assertEquals(2.0452, CrossValidation.t975(29), 1e-3);
        // Beyond the table: 2.0395 at 31, 2.0211 at 40, 1.9840 at 100, the normal's 1.9600 in the limit.
        assertEquals(2.0395, CrossValidation.t975(31), 1e-4);
        assertEquals(2.0211, CrossValidation.t975(40), 1e-4);
        assertEquals(1.9840, CrossValidation.t975(100), 1e-4);
        assertEquals(1.95996, CrossValidation.t975(1_000_000), 1e-5);
        for (int df = 1; df < 200; df++) {
            assertTrue(CrossValidation.t975(df + 1) < CrossValidation.t975(df), "decreasing in df at " + df);
        }
    }

    @Test
    void tableAgreesWithTheDensityIntegrated() {
        // P(0 < T < t) = 0.475 for t = t(0.975, df): Simpson's rule on Student's density.
        for (int df : new int[] {1, 2, 3, 5, 8, 13, 21, 30}) {
            double t = CrossValidation.t975(df);
            int n = 20_000;
            double h = t / n;
            double sum = density(0, df) + density(t, df);
            for (int i = 1; i < n; i++) {
                sum += (i % 2 == 1 ? 4 : 2) * density(i * h, df);
            }
            assertEquals(0.475, sum * h / 3, 2e-6, "df " + df);
        }
    }

    /** Student's t density with {@code df} degrees of freedom. */
    private static double density(double x, int df) {
        double c = Math.exp(logGammaHalf(df + 1) - logGammaHalf(df)) / Math.sqrt(df * Math.PI);
        return c * Math.pow(1 + x * x / df, -(df + 1) / 2.0);
    }

    /** log Gamma(m / 2) for a positive integer m, from Gamma(1/2) = sqrt(pi), Gamma(1) = 1 and Gamma(z + 1) = z Gamma(z). */
    private static double logGammaHalf(int m) {
        double z = m % 2 == 0 ? 1 : 0.5;
        double log = m % 2 == 0 ? 0 : 0.5 * Math.log(Math.PI);
        while (z < m / 2.0) {
            log += Math.log(z);
            z += 1;
        }
        return log;
    }

    @Test
    void foldsAreStratified() {
        // Class a: 7 images, class b: 4, class c: 3; 3 folds. Dealt round-robin within each class:
        // a -> 3, 2, 2; b -> 2, 1, 1; c -> 1, 1, 1 (whichever images the seeded shuffle puts first).
        List<String> classes = List.of("a", "b", "c");
        List<Sample> samples = samples(new int[] {7, 4, 3});
        int[] fold = CrossValidation.assignFolds(samples, classes, 3, 42);
        int[][] counts = new int[3][3];
        for (int i = 0; i < samples.size(); i++) {
            counts[fold[i]][samples.get(i).label()]++;
        }
        assertArrayEquals(new int[] {3, 2, 1}, counts[0]);
        assertArrayEquals(new int[] {2, 1, 1}, counts[1]);
        assertArrayEquals(new int[] {2, 1, 1}, counts[2]);
        assertArrayEquals(fold, CrossValidation.assignFolds(samples, classes, 3, 42), "seeded: the same folds again");
        boolean differs = false;
        for (long seed = 0; seed < 10 && !differs; seed++) {
            differs = !java.util.Arrays.equals(fold, CrossValidation.assignFolds(samples, classes, 3, seed));
        }
        assertTrue(differs, "another seed deals other images to the folds");

        // A class's folds do not depend on the other classes.
        List<Sample> onlyA = samples.subList(0, 7);
        int[] foldA = CrossValidation.assignFolds(onlyA, List.of("a"), 3, 42);
        assertArrayEquals(java.util.Arrays.copyOf(fold, 7), foldA);
    }

    @Test
    void moreFoldsThanTheSmallestClassIsRefusedNamingItsFolder() {
        List<Sample> samples = samples(new int[] {7, 4, 3});
        CrossValidation.requireFoldable(samples, List.of("a", "b", "c"), 3, Path.of("photos"));
        InputException e = assertThrows(InputException.class,
                () -> CrossValidation.requireFoldable(samples, List.of("a", "b", "c"), 4, Path.of("photos")));
        assertEquals("folds 4 is more than the 3 images of class folder " + Path.of("photos", "c")
                + ": every fold needs an image of each class; use at most folds 3", e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
    }

    private static List<Sample> samples(int[] perClass) {
        List<Sample> out = new ArrayList<>();
        for (int c = 0; c < perClass.length; c++) {
            for (int i = 0; i < perClass[c]; i++) {
                out.add(new Sample(Path.of("photos", "c" + c, "img" + i + ".png"), c));
            }
        }
        return out;
    }
}
