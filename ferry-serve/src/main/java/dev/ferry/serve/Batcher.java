package dev.ferry.serve;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Dynamic batching for one model: images from concurrent requests wait in a bounded queue, and one
 * worker thread takes them out in batches of at most {@code maxBatch}, runs each batch through the
 * engine and completes every image's future with its row of probabilities.
 *
 * <p>A batch starts with the first waiting image and takes whatever else is waiting, then waits up
 * to {@code maxDelay} for more until it is full. With a delay of 0 nothing is ever held back: under
 * load the images that arrive while the engine works form the next batch by themselves, and a lone
 * client pays no delay. The queue is counted in images and bounded: {@link #submit} refuses a
 * request whose images do not all fit, so memory never grows with the load.
 *
 * <p>All models of a server share one {@code engine} permit, so that two models never run at once,
 * each on every core.
 */
final class Batcher implements AutoCloseable {

    /** Runs one batch: {@code n} preprocessed images, N x 3 x H x W, to N rows of probabilities. */
    interface Engine {
        float[][] run(float[] images, int n);
    }

    /** Sees each batch as it is run, for the metrics. */
    interface Observer {
        void batch(int size, long nanos);
    }

    /** The queue had no room for a request's images. */
    static final class QueueFull extends RuntimeException {
        private static final long serialVersionUID = 1L;

        QueueFull(String message) {
            super(message, null, false, false);
        }
    }

    private record Job(float[] pixels, CompletableFuture<float[]> result) {}

    private static final Job STOP = new Job(new float[0], new CompletableFuture<>());

    private final String name;
    private final int perImage;
    private final int maxBatch;
    private final long maxDelayNanos;
    private final int capacity;
    private final Engine engine;
    private final Semaphore permit;
    private final Observer observer;
    private final LinkedBlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger waiting = new AtomicInteger();
    private final RateWindow rate = new RateWindow(10);
    private final Thread worker;
    private volatile boolean accepting = true;

    /**
     * @param name the model's name, for messages
     * @param perImage floats per preprocessed image (3 x H x W)
     * @param permit the engine permit all models share
     */
    Batcher(String name, int perImage, int maxBatch, long maxDelayNanos, int capacity, Engine engine, Semaphore permit,
            Observer observer) {
        this.name = name;
        this.perImage = perImage;
        this.maxBatch = maxBatch;
        this.maxDelayNanos = maxDelayNanos;
        this.capacity = capacity;
        this.engine = engine;
        this.permit = permit;
        this.observer = observer;
        this.worker = new Thread(this::loop, "ferry-batch-" + name);
        worker.setDaemon(true);
        worker.start();
    }

    /** Images waiting for a batch. */
    int depth() {
        return waiting.get();
    }

    /** The most images that may wait. */
    int capacity() {
        return capacity;
    }

    /** Whether the queue is full now (checked before a request's body is read). */
    boolean full() {
        return waiting.get() >= capacity;
    }

    /** Images classified per second over the last ten seconds. */
    double imagesPerSecond() {
        return rate.perSecond(System.nanoTime());
    }

    /** Whole seconds a refused client should wait: the time to work off a full queue, 1 to 60. */
    long retryAfterSeconds() {
        double r = imagesPerSecond();
        double s = r > 0 ? (waiting.get() + 1) / r : 1;
        return Math.max(1, Math.min(60, (long) Math.ceil(s)));
    }

    /**
     * Queues {@code images} (each 3 x H x W), all or none.
     *
     * @return one future per image, completed with its probabilities or the engine's failure
     * @throws QueueFull if they do not all fit, or the server is stopping
     */
    List<CompletableFuture<float[]>> submit(List<float[]> images) {
        if (!accepting) {
            throw new QueueFull("the server is shutting down");
        }
        int n = images.size();
        while (true) {
            int w = waiting.get();
            if (w + n > capacity) {
                throw new QueueFull("the queue of model '" + name + "' is full (" + w + " of " + capacity
                        + " images waiting" + (n > 1 ? ", " + n + " more asked" : "") + ")");
            }
            if (waiting.compareAndSet(w, w + n)) {
                break;
            }
        }
        List<CompletableFuture<float[]>> out = new ArrayList<>(n);
        for (float[] pixels : images) {
            if (pixels.length != perImage) {
                throw new IllegalArgumentException("an image of " + pixels.length + " floats for a model that takes " + perImage);
            }
            CompletableFuture<float[]> f = new CompletableFuture<>();
            queue.add(new Job(pixels, f));
            out.add(f);
        }
        return out;
    }

    private void loop() {
        List<Job> batch = new ArrayList<>(maxBatch);
        boolean stopping = false;
        while (!stopping) {
            batch.clear();
            Job first;
            try {
                first = queue.take();
            } catch (InterruptedException e) {
                break;
            }
            if (first == STOP) {
                break;
            }
            batch.add(first);
            long deadline = System.nanoTime() + maxDelayNanos;
            while (batch.size() < maxBatch) {
                Job next = queue.poll();
                if (next == null && maxDelayNanos > 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    try {
                        next = queue.poll(left, TimeUnit.NANOSECONDS);
                    } catch (InterruptedException e) {
                        stopping = true;
                        break;
                    }
                }
                if (next == null) {
                    break;
                }
                if (next == STOP) {
                    // Finish this batch, then stop: what was queued before the stop is answered.
                    stopping = true;
                    break;
                }
                batch.add(next);
            }
            waiting.addAndGet(-batch.size());
            run(batch);
        }
        // Anything still queued after the stop (only possible after an interrupt) is failed, not lost.
        for (Job j; (j = queue.poll()) != null; ) {
            j.result().completeExceptionally(new QueueFull("the server stopped before this image was classified"));
        }
    }

    private void run(List<Job> batch) {
        // A request that timed out has cancelled its futures: its images are not worth a pass.
        batch.removeIf(j -> j.result().isDone());
        if (batch.isEmpty()) {
            return;
        }
        int n = batch.size();
        float[] images = new float[n * perImage];
        for (int i = 0; i < n; i++) {
            System.arraycopy(batch.get(i).pixels(), 0, images, i * perImage, perImage);
        }
        long start = System.nanoTime();
        float[][] rows;
        permit.acquireUninterruptibly();
        try {
            rows = engine.run(images, n);
        } catch (RuntimeException | Error e) {
            for (Job j : batch) {
                j.result().completeExceptionally(e);
            }
            return;
        } finally {
            permit.release();
        }
        long took = System.nanoTime() - start;
        rate.add(n, System.nanoTime());
        observer.batch(n, took);
        for (int i = 0; i < n; i++) {
            batch.get(i).result().complete(rows[i]);
        }
    }

    /**
     * Stops taking new images, answers every image already queued, then ends the worker.
     */
    @Override
    public void close() {
        accepting = false;
        queue.add(STOP);
        try {
            worker.join(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (worker.isAlive()) {
            worker.interrupt();
        }
    }

    @Override
    public String toString() {
        return "batcher of model '" + name + "' (" + waiting.get() + " of " + capacity + " images waiting)";
    }
}
