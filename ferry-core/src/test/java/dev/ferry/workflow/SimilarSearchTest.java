package dev.ferry.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.data.Npy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Similar#search} on vectors whose cosines are known by hand. */
class SimilarSearchTest {
    @TempDir
    Path tmp;

    private Npy.Matrix matrix(String name, float[] data, int rows, int cols) {
        Path f = tmp.resolve(name);
        Npy.write(f, data, rows, cols);
        return Npy.open(f);
    }

    private static List<Long> rows(List<Similar.Hit> hits) {
        return hits.stream().map(Similar.Hit::row).toList();
    }

    @Test
    void handConstructedVectorsRankByCosine() {
        // Against the query (1, 0): row 0 is 1, row 4 is 2/sqrt(4.01) = 0.99875, row 2 is
        // 1/sqrt(2) = 0.7071, row 1 and the all-zero row 5 are 0, row 3 is -1. Rows are stored
        // unnormalised: row 4's length (2) must not make it outrank row 0.
        float[] data = {1, 0, 0, 1, 1, 1, -1, 0, 2, 0.1f, 0, 0};
        Npy.Matrix m = matrix("m.npy", data, 6, 2);
        List<Similar.Hit> hits = Similar.search(m, new float[][] {{3, 0}}, 6, 1).get(0);
        assertEquals(List.of(0L, 4L, 2L, 1L, 5L, 3L), rows(hits));
        assertEquals(1f, hits.get(0).cosine(), 1e-7);
        assertEquals(2 / Math.sqrt(4.01), hits.get(1).cosine(), 1e-6);
        assertEquals(Math.sqrt(0.5), hits.get(2).cosine(), 1e-6);
        assertEquals(0f, hits.get(4).cosine());
        assertEquals(-1f, hits.get(5).cosine(), 1e-7);
        // A second query in the same pass, and top-k larger than the rows.
        List<List<Similar.Hit>> two = Similar.search(m, new float[][] {{1, 0}, {0, -5}}, 2, 1);
        assertEquals(List.of(0L, 4L), rows(two.get(0)));
        assertEquals(List.of(0L, 4L), rows(two.get(0)));
        assertEquals(List.of(0L, 4L, 2L, 1L, 5L, 3L), rows(Similar.search(m, new float[][] {{1, 0}}, 100, 1).get(0)));
        // Against (0, -5): rows 0, 3, 5 are 0, row 4 -0.0499, row 2 -0.707, row 1 -1; equal ones by row.
        assertEquals(List.of(0L, 3L), rows(two.get(1)));
    }

    @Test
    void threadsFindWhatOneFindsAndWhatDoublePrecisionSays() {
        int n = 3000;
        int d = 37;
        SplittableRandom r = new SplittableRandom(5);
        float[] data = new float[n * d];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) r.nextGaussian();
        }
        // Duplicate rows far apart, in different threads' ranges: the tie must go to the earlier.
        System.arraycopy(data, 17 * d, data, 2900 * d, d);
        Npy.Matrix m = matrix("r.npy", data, n, d);
        float[] query = new float[d];
        System.arraycopy(data, 17 * d, query, 0, d);
        for (int i = 0; i < d; i++) {
            query[i] += 0.3f * (float) r.nextGaussian();
        }
        List<Long> expected = new ArrayList<>();
        List<double[]> scored = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double dot = 0;
            double nr = 0;
            double nq = 0;
            for (int j = 0; j < d; j++) {
                dot += (double) data[i * d + j] * query[j];
                nr += (double) data[i * d + j] * data[i * d + j];
                nq += (double) query[j] * query[j];
            }
            scored.add(new double[] {i, dot / Math.sqrt(nr * nq)});
        }
        scored.sort(Comparator.<double[]>comparingDouble(s -> -s[1]).thenComparingDouble(s -> s[0]));
        for (int i = 0; i < 10; i++) {
            expected.add((long) scored.get(i)[0]);
        }
        List<Similar.Hit> one = Similar.search(m, new float[][] {query}, 10, 1).get(0);
        List<Similar.Hit> four = Similar.search(m, new float[][] {query}, 10, 4).get(0);
        assertEquals(List.of(17L, 2900L), rows(one).subList(0, 2));
        assertEquals(expected, rows(one));
        assertEquals(one, four);
    }
}
