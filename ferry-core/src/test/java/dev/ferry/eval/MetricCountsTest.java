package dev.ferry.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Counts made in parts and merged give the metrics of one pass over every sample. */
class MetricCountsTest {
    private static final List<String> NAMES = List.of("a", "b", "c", "d", "e", "f", "g");

    @Test
    void mergedPartsEqualOnePass() {
        SplittableRandom r = new SplittableRandom(3);
        int n = 500;
        int[] labels = new int[n];
        float[][] probs = new float[n][];
        for (int i = 0; i < n; i++) {
            labels[i] = r.nextInt(NAMES.size());
            float[] row = new float[NAMES.size()];
            float sum = 0;
            for (int c = 0; c < row.length; c++) {
                // Leaning towards the label, so that the counts are not uniform; some exact ties.
                row[c] = (c == labels[i] ? 2f : 0f) + (r.nextInt(10) == 0 ? 1f : (float) r.nextDouble(3));
                sum += row[c];
            }
            for (int c = 0; c < row.length; c++) {
                row[c] /= sum;
            }
            probs[i] = row;
        }
        ClassificationMetrics whole = ClassificationMetrics.compute(labels, probs, NAMES, 0.75);
        MetricCounts[] parts = {new MetricCounts(7), new MetricCounts(7), new MetricCounts(7)};
        int[] bounds = {0, 123, 124, n};
        for (int p = 0; p < 3; p++) {
            for (int i = bounds[p]; i < bounds[p + 1]; i++) {
                parts[p].add(labels[i], probs[i]);
            }
            int count = bounds[p + 1] - bounds[p];
            parts[p].addLoss(0.75 * count, count);
        }
        ClassificationMetrics merged = parts[2].merge(parts[0]).merge(parts[1]).metrics(NAMES);
        assertEquals(whole.confusionMatrix(), merged.confusionMatrix());
        assertEquals(n, merged.sampleCount());
        assertEquals(whole.correctCount(), merged.correctCount());
        assertEquals(whole.accuracy(), merged.accuracy());
        assertEquals(whole.top5Accuracy(), merged.top5Accuracy());
        assertTrue(whole.top5Accuracy().getAsDouble() < 1.0, "top-5 is tested only if it misses some");
        assertEquals(whole.perClass(), merged.perClass());
        assertEquals(whole.macroAvg(), merged.macroAvg());
        assertEquals(whole.weightedAvg(), merged.weightedAvg());
        assertEquals(0.75, merged.loss(), 1e-12);
        assertTrue(merged.samples().isEmpty());
    }

    @Test
    void aLossNotGivenForEverySampleIsUnknownAndMismatchesAreRefused() {
        MetricCounts c = new MetricCounts(2);
        c.add(0, new float[] {0.9f, 0.1f});
        c.add(1, new float[] {0.6f, 0.4f});
        c.addLoss(0.1, 1);
        ClassificationMetrics m = c.metrics(List.of("x", "y"));
        assertTrue(Double.isNaN(m.loss()));
        assertEquals(0.5, m.accuracy());
        assertThrows(IllegalArgumentException.class, () -> c.merge(new MetricCounts(3)));
        assertThrows(IllegalArgumentException.class, () -> c.add(2, new float[] {0.5f, 0.5f}));
        assertThrows(IllegalArgumentException.class, () -> c.add(0, new float[] {1f}));
        assertThrows(IllegalArgumentException.class, () -> new MetricCounts(2).metrics(List.of("x", "y")));
    }
}
