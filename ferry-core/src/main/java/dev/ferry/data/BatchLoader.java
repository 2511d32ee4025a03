package dev.ferry.data;

import dev.ferry.platform.DaemonThreads;
import dev.ferry.FerryException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Decodes and transforms samples on worker threads and hands out batches in a fixed order, a
 * bounded number of batches ahead of the consumer (one epoch per loader).
 *
 * <p>Determinism: the batch order is the sample order, or with {@code shuffle} a permutation drawn
 * from {@code (seed, epoch)}; each sample's augmentation uses a generator seeded from
 * {@code (seed, epoch, sample index)}. Nothing depends on thread timing, so the same inputs give
 * the same batches whatever the thread count.
 *
 * <p>Errors: a sample that fails (a bad image, a transform error) fails its batch; {@link #next()}
 * throws that exception (a {@link dev.ferry.FerryException} such as {@link BadImageException}
 * unchanged, anything else wrapped) when the consumer reaches that batch, and the loader closes.
 *
 * <p>Not thread-safe: one consumer thread calls {@code hasNext}/{@code next}/{@code close}. Always
 * close it (try-with-resources); closing stops the workers and waits for them to exit.
 */
public final class BatchLoader implements Iterator<Batch>, AutoCloseable {

    /**
     * Loader settings.
     *
     * @param batchSize samples per batch (the last one may be smaller unless {@code dropLast})
     * @param threads   decoding/transform worker threads, at least 1
     * @param prefetch  batches prepared ahead of the consumer, at least 1
     * @param shuffle   permute the samples each epoch
     * @param dropLast  drop a final incomplete batch
     * @param seed      root seed for shuffling and augmentation
     */
    public record Options(int batchSize, int threads, int prefetch, boolean shuffle, boolean dropLast, long seed) {

        /** Validates the values. */
        public Options {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
            }
            if (threads < 1) {
                throw new IllegalArgumentException("loader threads must be >= 1, got " + threads);
            }
            if (prefetch < 1) {
                throw new IllegalArgumentException("prefetch must be >= 1, got " + prefetch);
            }
        }

        /** Training: shuffled, last incomplete batch kept, prefetch 2 batches per thread (at least 2). */
        public static Options training(int batchSize, int threads, long seed) {
            return new Options(batchSize, threads, Math.max(2, 2 * threads), true, false, seed);
        }

        /** Evaluation: sample order, every sample, prefetch 2 batches per thread (at least 2). */
        public static Options evaluation(int batchSize, int threads) {
            return new Options(batchSize, threads, Math.max(2, 2 * threads), false, false, 0L);
        }
    }

    private final List<Sample> samples;
    private final SampleTransform transform;
    private final Options options;
    private final int epoch;
    private final int[] order;
    private final int batchCount;
    private final DaemonThreads workers = new DaemonThreads("ferry-loader");
    private final ExecutorService pool;
    private final ArrayDeque<Pending> window = new ArrayDeque<>();
    private int nextToSubmit;
    private int nextToReturn;
    private volatile boolean closed;

    /** A batch being prepared. */
    private record Pending(int index, float[] data, int[] labels, List<Path> paths, int[] sampleIndices,
                           CompletableFuture<?>[] parts, CompletableFuture<Void> done) {

        /** The failure of the first failed sample in batch order, so the error reported is deterministic. */
        Throwable firstFailure(Throwable fallback) {
            for (CompletableFuture<?> part : parts) {
                if (part.isCompletedExceptionally()) {
                    try {
                        part.join();
                    } catch (CompletionException e) {
                        return e.getCause() == null ? e : e.getCause();
                    } catch (CancellationException e) {
                        return e;
                    }
                }
            }
            return fallback;
        }
    }

    /**
     * Starts loading the first batches of an epoch.
     *
     * @param samples   the dataset
     * @param transform decoding is followed by this transform, per sample
     * @param options   batch size, threads, prefetch, shuffle, seed
     * @param epoch     epoch number (changes the shuffle and the augmentation)
     */
    public BatchLoader(List<Sample> samples, SampleTransform transform, Options options, int epoch) {
        this.samples = List.copyOf(samples);
        this.transform = Objects.requireNonNull(transform, "transform");
        this.options = Objects.requireNonNull(options, "options");
        this.epoch = epoch;
        int n = this.samples.size();
        this.order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (options.shuffle()) {
            SplittableRandom rnd = Seeds.forEpoch(options.seed(), epoch);
            for (int i = n - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        this.batchCount = options.dropLast() ? n / options.batchSize()
                : (n + options.batchSize() - 1) / options.batchSize();
        this.pool = Executors.newFixedThreadPool(options.threads(), workers);
        try {
            while (nextToSubmit < batchCount && window.size() < options.prefetch()) {
                submit();
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /** Batches in this epoch. */
    public int batchCount() {
        return batchCount;
    }

    /** The sample order of this epoch: {@code order()[k]} is the index of the k-th sample served. */
    public int[] order() {
        return order.clone();
    }

    @Override
    public boolean hasNext() {
        return !closed && nextToReturn < batchCount;
    }

    /**
     * The next batch, waiting for it if needed.
     *
     * @throws NoSuchElementException if the epoch is over or the loader is closed
     * @throws FerryException         (or a subclass such as {@link BadImageException}) if a sample failed
     */
    @Override
    public Batch next() {
        if (!hasNext()) {
            throw new NoSuchElementException(closed ? "batch loader is closed" : "no more batches in this epoch");
        }
        Pending p = window.poll();
        // Keep the window full while the consumer waits on (and then works with) this batch.
        if (nextToSubmit < batchCount) {
            submit();
        }
        try {
            p.done().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new FerryException("interrupted while waiting for batch " + p.index(), e);
        } catch (ExecutionException e) {
            close();
            throw propagate(p.firstFailure(e.getCause()));
        } catch (CancellationException e) {
            close();
            throw new FerryException("batch " + p.index() + " was cancelled", e);
        }
        nextToReturn++;
        return new Batch(p.index(), p.data(), p.labels(), p.paths(), p.sampleIndices(), transform.outputHeight(),
                transform.outputWidth());
    }

    private static RuntimeException propagate(Throwable cause) {
        if (cause instanceof FerryException fe) {
            return fe;
        }
        if (cause instanceof Error err) {
            throw err;
        }
        return new FerryException("loading a batch failed: " + cause, cause);
    }

    private void submit() {
        int b = nextToSubmit++;
        int start = b * options.batchSize();
        int size = Math.min(options.batchSize(), samples.size() - start);
        int sampleSize = transform.sampleSize();
        float[] data = new float[Math.multiplyExact(size, sampleSize)];
        int[] labels = new int[size];
        int[] indices = new int[size];
        List<Path> paths = new ArrayList<>(size);
        CompletableFuture<?>[] parts = new CompletableFuture<?>[size];
        for (int k = 0; k < size; k++) {
            int sampleIndex = order[start + k];
            Sample s = samples.get(sampleIndex);
            labels[k] = s.label();
            indices[k] = sampleIndex;
            paths.add(s.path());
            int offset = k * sampleSize;
            parts[k] = CompletableFuture.runAsync(() -> load(s, sampleIndex, data, offset), pool);
        }
        window.add(new Pending(b, data, labels, paths, indices, parts, CompletableFuture.allOf(parts)));
    }

    private void load(Sample s, int sampleIndex, float[] data, int offset) {
        if (closed) {
            throw new CancellationException("loader closed");
        }
        RgbImage image = ImageDecoder.decode(s.path(), transform.exifTranspose());
        transform.apply(image, Seeds.forSample(options.seed(), epoch, sampleIndex), data, offset);
    }

    /** Stops the workers, drops prepared batches and waits for the threads to exit. Idempotent. */
    @Override
    public void close() {
        if (closed && pool.isTerminated()) {
            return;
        }
        closed = true;
        for (Pending p : window) {
            p.done().cancel(false);
        }
        window.clear();
        workers.shutdownAndJoin(pool);
    }

    @Override
    public String toString() {
        return "BatchLoader[samples=" + samples.size() + ", batches=" + batchCount + ", epoch=" + epoch + ", options="
                + options + ", next=" + nextToReturn + ", order=" + (order.length <= 8 ? Arrays.toString(order)
                : "...") + "]";
    }
}
