package dev.ferry.train;

import ai.djl.ndarray.NDManager;
import dev.ferry.model.InferenceNetwork;
import dev.ferry.model.ResNet;

/**
 * Backbone features of a dataset, computed once and reused every epoch.
 *
 * <p>With a frozen backbone whose BatchNorms are in inference mode, the backbone is a fixed function:
 * running it every epoch (the usual recipe) recomputes the same features. Ferry computes them once per
 * image and augmented view; each epoch then trains only the head, a single matrix product per batch.
 */
public final class FeatureCache {
    private final float[][] views;
    private final int size;
    private final int dim;
    private final long backboneImages;
    private final long backboneNanos;

    private FeatureCache(float[][] views, int size, int dim, long backboneImages, long backboneNanos) {
        this.views = views;
        this.size = size;
        this.dim = dim;
        this.backboneImages = backboneImages;
        this.backboneNanos = backboneNanos;
    }

    /**
     * Runs every sample through {@code net}'s backbone in inference mode (as its {@link InferenceNetwork}).
     *
     * @param viewCount views per sample; with {@code augment} each view is a different augmented draw
     *     (view v uses the augmentation of "epoch" v), otherwise the single eval-transform view
     */
    public static FeatureCache compute(
            ResNet net, SampleSource source, int viewCount, boolean augment, long seed, int batchSize,
            NDManager manager, TrainListener listener) {
        int n = source.size();
        int dim = net.config().featureDim();
        int views = augment ? viewCount : 1;
        float[][] out = new float[views][n * dim];
        long nanos = 0;
        int total = views * n;
        // The backbone is a fixed function here, so its BN-folded copy computes the same features faster.
        try (InferenceNetwork backbone = InferenceNetwork.of(net, manager)) {
            for (int v = 0; v < views; v++) {
                float[] view = out[v];
                int done = v * n;
                nanos += forEachBatch(backbone, source, augment, seed, v, batchSize, (start, features, count) -> {
                    System.arraycopy(features, 0, view, start * dim, count * dim);
                    listener.caching(done + start + count, total);
                });
            }
        }
        return new FeatureCache(out, n, dim, (long) total, nanos);
    }

    /** Receives the features of each batch, in order. */
    @FunctionalInterface
    public interface BatchSink {
        /**
         * @param start the index of the batch's first sample
         * @param features {@code count x dim} features, row-major
         * @param count samples in the batch
         */
        void accept(int start, float[] features, int count) throws java.io.IOException;
    }

    /**
     * The one backbone pass every feature consumer shares (this cache, embeddings written to disk,
     * similarity queries): {@code source}'s samples in order, {@code batchSize} at a time, view
     * {@code view} (its augmentation when {@code augment}, else the eval transform), through
     * {@code net}'s pooled features. The same calls on the same engine give the same floats, so
     * what any consumer gets is what the cache holds.
     *
     * @return the nanoseconds spent in the network
     */
    public static long forEachBatch(InferenceNetwork net, SampleSource source, boolean augment, long seed, int view, int batchSize,
                                    BatchSink sink) {
        int n = source.size();
        int[] shape = source.sampleShape();
        int per = shape[0] * shape[1] * shape[2];
        long nanos = 0;
        for (int start = 0; start < n; start += batchSize) {
            int count = Math.min(batchSize, n - start);
            int[] idx = new int[count];
            for (int i = 0; i < count; i++) {
                idx[i] = start + i;
            }
            float[] pixels = new float[count * per];
            source.load(idx, augment, seed, view, pixels);
            long t = System.nanoTime();
            float[] f = net.forwardFeatures(pixels, count, shape[1], shape[2]);
            nanos += System.nanoTime() - t;
            try {
                sink.accept(start, f, count);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return nanos;
    }

    /**
     * Features computed before the run (by {@code ferry embed}, or a job elsewhere), as the single
     * eval-transform view {@link #compute} would cache: the trainer's cached phases then train on
     * them exactly as on features computed here.
     *
     * @param matrix {@code n x dim} features, row-major (not copied: the caller gives it up)
     * @throws IllegalArgumentException if {@code matrix} does not hold {@code n x dim} values
     */
    public static FeatureCache of(float[] matrix, int n, int dim) {
        if (n < 0 || dim < 1 || (long) n * dim != matrix.length) {
            throw new IllegalArgumentException(matrix.length + " values are not " + n + " rows of " + dim + " features");
        }
        return new FeatureCache(new float[][] {matrix}, n, dim, 0, 0);
    }

    /** Number of cached samples. */
    public int size() {
        return size;
    }

    /** Feature width. */
    public int dim() {
        return dim;
    }

    /** Number of views cached per sample. */
    public int views() {
        return views.length;
    }

    /** How many images went through the backbone to build this cache (samples x views). */
    public long backboneImages() {
        return backboneImages;
    }

    /**
     * Seconds spent in the backbone alone while building this cache (decoding and preprocessing
     * left out): what inference of these images costs on this machine.
     */
    public double backboneSeconds() {
        return backboneNanos / 1e9;
    }

    /** The features of {@code indices} in view {@code view % views()}, row-major N x dim. */
    public float[] batch(int view, int[] indices) {
        float[] src = views[Math.floorMod(view, views.length)];
        float[] out = new float[indices.length * dim];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(src, indices[i] * dim, out, i * dim, dim);
        }
        return out;
    }
}
