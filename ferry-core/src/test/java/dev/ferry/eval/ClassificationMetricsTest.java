package dev.ferry.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClassificationMetricsTest {
    private static final double EPS = 1e-12;

    @Test
    void petsPerClassByHand() {
        ClassificationMetrics m = Fixtures.pets();
        assertArrayEquals(new int[][] {{3, 1, 0}, {1, 2, 0}, {0, 1, 2}}, m.confusionMatrix().toArray());
        assertEquals(0.7, m.accuracy(), EPS);
        assertEquals(7, m.correctCount());
        assertEquals(10, m.sampleCount());
        assertEquals(Fixtures.PET_LOSS, m.loss());

        // cat: TP 3 of 4 predicted, 4 true.
        assertClass(m.perClass().get(0), "cat", 0.75, 0.75, 0.75, 4);
        // dog: TP 2 of 4 predicted, 3 true; F1 = 2 * 1/2 * 2/3 / (1/2 + 2/3) = 4/7.
        assertClass(m.perClass().get(1), "dog", 0.5, 2.0 / 3, 4.0 / 7, 3);
        // bird: TP 2 of 2 predicted, 3 true; F1 = 2 * 1 * 2/3 / (5/3) = 4/5.
        assertClass(m.perClass().get(2), "bird", 1.0, 2.0 / 3, 0.8, 3);
    }

    @Test
    void petsAveragesByHand() {
        ClassificationMetrics m = Fixtures.pets();
        // macro: (3/4 + 1/2 + 1) / 3, (3/4 + 2/3 + 2/3) / 3 = 25/36, (3/4 + 4/7 + 4/5) / 3 = 99/140
        assertEquals(0.75, m.macroAvg().precision(), EPS);
        assertEquals(25.0 / 36, m.macroAvg().recall(), EPS);
        assertEquals(99.0 / 140, m.macroAvg().f1(), EPS);
        assertEquals(10, m.macroAvg().support());
        // weighted by support 4, 3, 3: (3 + 1.5 + 3) / 10; recall equals accuracy; (3 + 12/7 + 12/5) / 10 = 249/350
        assertEquals(0.75, m.weightedAvg().precision(), EPS);
        assertEquals(0.7, m.weightedAvg().recall(), EPS);
        assertEquals(249.0 / 350, m.weightedAvg().f1(), EPS);
        assertEquals(10, m.weightedAvg().support());
    }

    @Test
    void threeClassesHaveNoTop5() {
        assertTrue(Fixtures.pets().top5Accuracy().isEmpty());
        // Exactly 5 classes is still "not more than 5".
        ClassificationMetrics five = ClassificationMetrics.compute(
                new int[] {4}, new float[][] {{0.5f, 0.2f, 0.1f, 0.1f, 0.1f}}, List.of("a", "b", "c", "d", "e"), 1.0);
        assertTrue(five.top5Accuracy().isEmpty());
    }

    @Test
    void top5OnSevenClasses() {
        List<String> names = List.of("c0", "c1", "c2", "c3", "c4", "c5", "c6");
        int[] labels = {6, 4, 5, 0};
        float[][] probs = {
            // true class 6 is last of 7: miss
            {0.3f, 0.2f, 0.15f, 0.12f, 0.1f, 0.08f, 0.05f},
            // true class 4 is 5th: hit
            {0.3f, 0.2f, 0.15f, 0.12f, 0.1f, 0.08f, 0.05f},
            // class 5 ties class 4 at 0.1; the lower index ranks first, so 5 is 6th: miss
            {0.2f, 0.2f, 0.15f, 0.15f, 0.1f, 0.1f, 0.1f},
            // true class 0 is the argmax: hit (and the only correct top-1)
            {0.9f, 0.05f, 0.05f, 0f, 0f, 0f, 0f},
        };
        ClassificationMetrics m = ClassificationMetrics.compute(labels, probs, names, 1.5);
        assertEquals(0.5, m.top5Accuracy().orElseThrow(), EPS);
        assertEquals(0.25, m.accuracy(), EPS);
    }

    @Test
    void argmaxTiesGoToTheLowestIndexAndNanWins() {
        assertEquals(1, ClassificationMetrics.argmax(new float[] {0.2f, 0.4f, 0.4f}));
        assertEquals(0, ClassificationMetrics.argmax(new float[] {0.5f, 0.5f}));
        assertEquals(0, ClassificationMetrics.argmax(new float[] {0.3f}));
        assertEquals(0, ClassificationMetrics.argmax(new float[] {-0.0f, 0.0f}), "-0 and 0 tie, as in torch");
        assertEquals(1, ClassificationMetrics.argmax(new float[] {1f, Float.NaN, Float.NaN}));
        assertEquals(2, ClassificationMetrics.argmax(new float[] {Float.NEGATIVE_INFINITY, -5f, -1f}));
        assertThrows(IllegalArgumentException.class, () -> ClassificationMetrics.argmax(new float[0]));
        // The tie in sample 6 of the pets (0.45 / 0.45) went to cat.
        assertEquals(0, Fixtures.pets().samples().get(6).predicted());
    }

    @Test
    void neverPredictedAndUnsupportedClassesScoreZero() {
        List<String> names = List.of("a", "b", "c", "d");
        int[] labels = {0, 0, 1, 1, 2, 2};
        // predictions 0, 1, 1, 1, 1, 3: c is never predicted, d has no support but is predicted once
        float[][] probs = {
            {0.7f, 0.1f, 0.1f, 0.1f},
            {0.1f, 0.7f, 0.1f, 0.1f},
            {0.1f, 0.7f, 0.1f, 0.1f},
            {0.1f, 0.7f, 0.1f, 0.1f},
            {0.1f, 0.6f, 0.2f, 0.1f},
            {0.1f, 0.1f, 0.3f, 0.5f},
        };
        ClassificationMetrics m = ClassificationMetrics.compute(labels, probs, names, 0.9);
        assertArrayEquals(new int[][] {{1, 1, 0, 0}, {0, 2, 0, 0}, {0, 1, 0, 1}, {0, 0, 0, 0}},
                m.confusionMatrix().toArray());
        assertClass(m.perClass().get(0), "a", 1.0, 0.5, 2.0 / 3, 2);
        assertClass(m.perClass().get(1), "b", 0.5, 1.0, 2.0 / 3, 2);
        assertClass(m.perClass().get(2), "c", 0.0, 0.0, 0.0, 2); // precision 0/0 -> 0
        assertClass(m.perClass().get(3), "d", 0.0, 0.0, 0.0, 0); // recall 0/0 -> 0
        assertEquals(0.5, m.accuracy(), EPS);
        // macro over all 4 classes, the unsupported one included
        assertEquals(0.375, m.macroAvg().precision(), EPS);
        assertEquals(0.375, m.macroAvg().recall(), EPS);
        assertEquals(1.0 / 3, m.macroAvg().f1(), EPS);
        // weighted by support 2, 2, 2, 0
        assertEquals(0.5, m.weightedAvg().precision(), EPS);
        assertEquals(0.5, m.weightedAvg().recall(), EPS);
        assertEquals(4.0 / 9, m.weightedAvg().f1(), EPS);
        assertEquals(0.0, m.confusionMatrix().rowFraction(3, 3));
    }

    @Test
    void samplesAndWorst() {
        ClassificationMetrics m = Fixtures.pets();
        SampleResult s9 = m.samples().get(9);
        assertEquals(9, s9.index());
        assertEquals(2, s9.trueLabel());
        assertEquals(1, s9.predicted());
        assertEquals(0.75f, s9.confidence(), 0.0);
        assertEquals(0.2f, s9.trueProbability(), 0.0);
        assertFalse(s9.correct());
        assertTrue(m.samples().get(0).correct());
        // true-class probabilities: 9 -> 0.2, 3 -> 0.3, 6 -> 0.45, then 2 and 5 tie at 0.5 (index order)
        assertEquals(List.of(9, 3, 6, 2, 5), m.worst(5).stream().map(SampleResult::index).toList());
        assertEquals(10, m.worst(100).size());
        assertEquals(List.of(), m.worst(0));
        assertThrows(IllegalArgumentException.class, () -> m.worst(-1));
    }

    @Test
    void nanProbabilityCountsAsWorst() {
        ClassificationMetrics m = ClassificationMetrics.compute(
                new int[] {0, 1}, new float[][] {{0.9f, 0.1f}, {Float.NaN, Float.NaN}}, List.of("x", "y"), Double.NaN);
        assertEquals(1, m.worst(1).get(0).index());
        assertEquals(0, m.samples().get(1).predicted(), "first NaN wins like torch.argmax");
    }

    @Test
    void rejectsInconsistentInput() {
        List<String> names = List.of("a", "b");
        assertThrows(IllegalArgumentException.class,
                () -> ClassificationMetrics.compute(new int[0], new float[0][], names, 0));
        assertThrows(IllegalArgumentException.class,
                () -> ClassificationMetrics.compute(new int[] {0, 1}, new float[][] {{1, 0}}, names, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClassificationMetrics.compute(new int[] {2}, new float[][] {{1, 0}}, names, 0));
        assertTrue(e.getMessage().contains("label 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ClassificationMetrics.compute(new int[] {0}, new float[][] {{1, 0, 0}}, names, 0));
        assertThrows(IllegalArgumentException.class,
                () -> ClassificationMetrics.compute(new int[] {0}, new float[][] {{1}}, List.of(), 0));
        assertThrows(IllegalArgumentException.class,
                () -> ClassificationMetrics.compute(new int[] {0}, new float[][] {{1, 0}}, List.of("a", "a"), 0));
    }

    @Test
    void metricsAreValues() {
        assertEquals(Fixtures.pets(), Fixtures.pets());
        assertEquals(Fixtures.pets().hashCode(), Fixtures.pets().hashCode());
        assertFalse(Fixtures.pets().equals(Fixtures.pets(List.of("cat", "dog", "fish"))));
        assertThrows(UnsupportedOperationException.class, () -> Fixtures.pets().samples().clear());
    }

    @Test
    void confusionMatrixIsAnImmutableValue() {
        int[][] counts = {{1, 2}, {3, 4}};
        ConfusionMatrix cm = new ConfusionMatrix(counts);
        counts[0][0] = 99;
        assertEquals(1, cm.count(0, 0));
        cm.toArray()[0][0] = 99;
        assertEquals(1, cm.count(0, 0));
        assertEquals(new ConfusionMatrix(new int[][] {{1, 2}, {3, 4}}), cm);
        assertEquals(10, cm.total());
        assertEquals(5, cm.trace());
        assertEquals(3, cm.rowTotal(0));
        assertEquals(4, cm.columnTotal(0));
        assertEquals(2.0 / 3, cm.rowFraction(0, 1), EPS);
        assertThrows(IllegalArgumentException.class, () -> new ConfusionMatrix(new int[][] {{1, 2}}));
        assertThrows(IllegalArgumentException.class, () -> new ConfusionMatrix(new int[][] {{-1}}));
    }

    private static void assertClass(ClassMetrics c, String name, double p, double r, double f1, int support) {
        assertEquals(name, c.className());
        assertEquals(p, c.precision(), EPS, name + " precision");
        assertEquals(r, c.recall(), EPS, name + " recall");
        assertEquals(f1, c.f1(), EPS, name + " f1");
        assertEquals(support, c.support(), name + " support");
    }
}
