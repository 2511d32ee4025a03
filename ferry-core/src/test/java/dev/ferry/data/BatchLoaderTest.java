package dev.ferry.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.FerryException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchLoaderTest {

    @TempDir
    Path tmp;

    private static final TrainTransform AUGMENT = new TrainTransform(Preset.small(8, 0.5f, 0.25f),
            Augmentation.padAndShift(2, true));

    private List<Sample> samples(int a, int b) {
        return ImageFolder.scan(TestData.dataset(tmp.resolve("d"), new String[] {"a", "b"}, new int[] {a, b})).samples();
    }

    private static List<Batch> drain(BatchLoader loader) {
        List<Batch> out = new ArrayList<>();
        while (loader.hasNext()) {
            out.add(loader.next());
        }
        return out;
    }

    @Test
    void batchesHoldTheTransformedSamplesInOrder() {
        List<Sample> samples = samples(13, 10);
        BatchLoader.Options opts = new BatchLoader.Options(5, 3, 2, false, false, 99);
        try (BatchLoader loader = new BatchLoader(samples, AUGMENT, opts, 4)) {
            assertEquals(5, loader.batchCount());
            List<Batch> batches = drain(loader);
            assertEquals(5, batches.size());
            int next = 0;
            for (Batch b : batches) {
                assertEquals(next / 5, b.index());
                assertArrayEquals(new long[] {b.size(), 3, 8, 8}, b.shape());
                for (int k = 0; k < b.size(); k++, next++) {
                    Sample s = samples.get(next);
                    assertEquals(next, b.sampleIndices()[k]);
                    assertEquals(s.label(), b.labels()[k]);
                    assertEquals(s.path(), b.paths().get(k));
                    float[] expected = AUGMENT.apply(ImageDecoder.decode(s.path()), Seeds.forSample(99, 4, next));
                    assertArrayEquals(expected, Arrays.copyOfRange(b.data(), k * 192, (k + 1) * 192));
                }
            }
            assertEquals(23, next);
            assertEquals(3, batches.get(4).size());
        }
    }

    @Test
    void resultsDoNotDependOnThreadCount() {
        List<Sample> samples = samples(9, 8);
        List<Batch> one;
        List<Batch> many;
        try (BatchLoader l = new BatchLoader(samples, AUGMENT, new BatchLoader.Options(4, 1, 1, true, false, 5), 2)) {
            one = drain(l);
        }
        try (BatchLoader l = new BatchLoader(samples, AUGMENT, new BatchLoader.Options(4, 6, 5, true, false, 5), 2)) {
            many = drain(l);
        }
        assertEquals(one.size(), many.size());
        for (int i = 0; i < one.size(); i++) {
            assertArrayEquals(one.get(i).data(), many.get(i).data());
            assertArrayEquals(one.get(i).labels(), many.get(i).labels());
            assertEquals(one.get(i).paths(), many.get(i).paths());
        }
    }

    @Test
    void shuffleIsAPermutationSeededByEpoch() {
        List<Sample> samples = samples(10, 10);
        int[] e0;
        int[] e0again;
        int[] e1;
        try (BatchLoader l = new BatchLoader(samples, AUGMENT, BatchLoader.Options.training(4, 2, 11), 0)) {
            e0 = l.order();
        }
        try (BatchLoader l = new BatchLoader(samples, AUGMENT, BatchLoader.Options.training(4, 2, 11), 0)) {
            e0again = l.order();
            int[] served = drain(l).stream().flatMapToInt(b -> Arrays.stream(b.sampleIndices())).toArray();
            assertArrayEquals(e0, served);
        }
        try (BatchLoader l = new BatchLoader(samples, AUGMENT, BatchLoader.Options.training(4, 2, 11), 1)) {
            e1 = l.order();
        }
        assertArrayEquals(e0, e0again);
        assertFalse(Arrays.equals(e0, e1), "another epoch, another order");
        int[] sorted = e0.clone();
        Arrays.sort(sorted);
        assertArrayEquals(java.util.stream.IntStream.range(0, 20).toArray(), sorted);
        try (BatchLoader l = new BatchLoader(samples, AUGMENT, BatchLoader.Options.evaluation(4, 2), 3)) {
            assertArrayEquals(java.util.stream.IntStream.range(0, 20).toArray(), l.order());
        }
    }

    @Test
    void dropLast() {
        try (BatchLoader l = new BatchLoader(samples(6, 5), AUGMENT, new BatchLoader.Options(4, 2, 2, false, true, 0), 0)) {
            List<Batch> b = drain(l);
            assertEquals(2, b.size());
            assertEquals(4, b.get(1).size());
        }
    }

    @Test
    void aBadImageFailsItsBatchWithTheFileNamed() throws IOException {
        List<Sample> samples = samples(6, 6);
        Path broken = samples.get(7).path();
        Files.writeString(broken, "not a png");
        try (BatchLoader l = new BatchLoader(samples, AUGMENT, new BatchLoader.Options(5, 3, 3, false, false, 0), 0)) {
            Batch first = l.next();
            assertEquals(0, first.index());
            BadImageException e = assertThrows(BadImageException.class, l::next);
            assertEquals(broken, e.badImage().path());
            assertEquals(BadImage.Kind.NOT_AN_IMAGE, e.badImage().kind());
            assertFalse(l.hasNext(), "a failed loader is closed");
            assertThrows(NoSuchElementException.class, l::next);
        }
    }

    @Test
    void transformErrorsPropagateWrapped() {
        SampleTransform failing = new SampleTransform() {
            @Override
            public int outputHeight() {
                return 2;
            }

            @Override
            public int outputWidth() {
                return 2;
            }

            @Override
            public void apply(RgbImage image, SplittableRandom random, float[] dst, int offset) {
                throw new IllegalStateException("boom");
            }
        };
        try (BatchLoader l = new BatchLoader(samples(2, 2), failing, new BatchLoader.Options(2, 2, 2, false, false, 0), 0)) {
            FerryException e = assertThrows(FerryException.class, l::next);
            assertInstanceOf(IllegalStateException.class, e.getCause());
            assertTrue(e.getMessage().contains("boom"), e.getMessage());
        }
    }

    @Test
    void prefetchIsBoundedAndCloseStopsTheWorkers() throws InterruptedException {
        AtomicInteger started = new AtomicInteger();
        SampleTransform counting = new SampleTransform() {
            @Override
            public int outputHeight() {
                return 1;
            }

            @Override
            public int outputWidth() {
                return 1;
            }

            @Override
            public void apply(RgbImage image, SplittableRandom random, float[] dst, int offset) {
                started.incrementAndGet();
            }
        };
        BatchLoader l = new BatchLoader(samples(10, 10), counting, new BatchLoader.Options(2, 4, 3, false, false, 0), 0);
        awaitCount(started, 6);
        Thread.sleep(200);
        assertEquals(6, started.get(), "3 batches of 2 prepared ahead, no more");
        l.next();
        awaitCount(started, 8);
        Thread.sleep(200);
        assertEquals(8, started.get(), "taking one batch lets one more be prepared");
        l.close();
        l.close(); // idempotent
        assertFalse(l.hasNext());
        assertThrows(NoSuchElementException.class, l::next);
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            assertFalse(t.getName().startsWith("ferry-loader") && t.isAlive(), "worker still alive: " + t.getName());
        }
    }

    private static void awaitCount(AtomicInteger counter, int target) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (counter.get() < target && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    @Test
    void emptyDatasetHasNoBatches() {
        try (BatchLoader l = new BatchLoader(List.of(), AUGMENT, BatchLoader.Options.evaluation(4, 2), 0)) {
            assertFalse(l.hasNext());
            assertEquals(0, l.batchCount());
        }
    }

    @Test
    void optionsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> new BatchLoader.Options(0, 1, 1, false, false, 0));
        assertThrows(IllegalArgumentException.class, () -> new BatchLoader.Options(1, 0, 1, false, false, 0));
        assertThrows(IllegalArgumentException.class, () -> new BatchLoader.Options(1, 1, 0, false, false, 0));
        assertNotEquals(BatchLoader.Options.training(8, 2, 1), BatchLoader.Options.evaluation(8, 2));
        assertSame(BatchLoader.Options.class, BatchLoader.Options.training(1, 1, 1).getClass());
    }
}
