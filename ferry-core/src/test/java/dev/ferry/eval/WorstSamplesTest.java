package dev.ferry.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The worst samples kept while streaming and merged across parts are the whole evaluation's worst. */
class WorstSamplesTest {

    @Test
    void mergedPartsKeepTheWorstOfAllInClassificationMetricsOrder() {
        SplittableRandom r = new SplittableRandom(3);
        int n = 200;
        int k = 4;
        float[][] rows = new float[n][k];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            float sum = 0;
            for (int c = 0; c < k; c++) {
                rows[i][c] = (float) r.nextDouble(0.01, 1);
                sum += rows[i][c];
            }
            for (int c = 0; c < k; c++) {
                rows[i][c] /= sum;
            }
            labels[i] = r.nextInt(k);
        }
        ClassificationMetrics m = ClassificationMetrics.compute(labels, rows, List.of("a", "b", "c", "d"), 0);
        List<SampleResult> expected = m.worst(12);

        // Parts of uneven size, merged in a tree as a distributed reduce merges them.
        List<WorstSamples> parts = new ArrayList<>();
        int at = 0;
        for (int size : new int[] {1, 37, 0, 90, 72}) {
            WorstSamples part = new WorstSamples(12);
            for (int i = at; i < at + size; i++) {
                part.add(String.format("img%03d", i), labels[i], rows[i]);
            }
            at += size;
            parts.add(part);
        }
        assertEquals(n, at);
        WorstSamples all = parts.get(3).merge(parts.get(4)).merge(parts.get(0).merge(parts.get(1)).merge(parts.get(2)));
        List<WorstSamples.Sample> got = all.worst();
        assertEquals(12, got.size());
        for (int i = 0; i < 12; i++) {
            SampleResult e = expected.get(i);
            WorstSamples.Sample g = got.get(i);
            assertEquals(String.format("img%03d", e.index()), g.key(), "#" + i);
            assertEquals(e.trueLabel(), g.trueLabel());
            assertEquals(e.predicted(), g.predicted());
            assertEquals(e.confidence(), g.confidence());
            assertEquals(e.trueProbability(), g.trueProbability());
        }
    }

    @Test
    void aNanComesFirstTiesGoByKeyAndCapacityBounds() {
        WorstSamples w = new WorstSamples(3);
        w.add("b", 0, new float[] {0.2f, 0.8f});
        w.add("a", 0, new float[] {0.2f, 0.8f});
        w.add("c", 1, new float[] {0.9f, 0.1f});
        w.add("z", 0, new float[] {Float.NaN, 0.5f});
        w.add("d", 1, new float[] {0.5f, 0.5f});
        assertEquals(List.of("z", "c", "a"), w.worst().stream().map(WorstSamples.Sample::key).toList());
        assertEquals(0, new WorstSamples(0).merge(w).worst().size());
    }
}
