package dev.ferry.train;

import dev.ferry.data.Augmentation;
import dev.ferry.data.EvalTransform;
import dev.ferry.data.ImageDecoder;
import dev.ferry.data.Preset;
import dev.ferry.data.RgbImage;
import dev.ferry.data.Sample;
import dev.ferry.data.Seeds;
import dev.ferry.data.TrainTransform;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Image files as a {@link SampleSource}: decoded and transformed by parallel worker threads, with
 * the eval transform of the preset or, when augmenting, its training transform.
 *
 * <p>Small datasets (decoded size under {@code decodedCacheBytes}) keep each decoded image after its
 * first use, so later epochs skip the decoder; the transform (and its randomness) still runs per
 * epoch.
 */
public final class FolderSource implements SampleSource, AutoCloseable {
    private final List<Sample> samples;
    private final EvalTransform eval;
    private final TrainTransform train;
    private final ExecutorService pool;
    private final int threads;
    private final AtomicReferenceArray<RgbImage> decoded;

    /**
     * @param threads decoding threads (at least 1)
     * @param cacheDecoded keep decoded images in memory (for small datasets)
     */
    public FolderSource(List<Sample> samples, Preset preset, Augmentation augmentation, int threads, boolean cacheDecoded) {
        this.samples = List.copyOf(samples);
        this.eval = new EvalTransform(preset);
        this.train = new TrainTransform(preset, augmentation);
        this.threads = Math.max(1, threads);
        this.pool = dev.ferry.platform.DaemonThreads.fixedPool("ferry-decode", this.threads);
        this.decoded = cacheDecoded ? new AtomicReferenceArray<>(samples.size()) : null;
    }

    /** The samples in order. */
    public List<Sample> samples() {
        return samples;
    }

    @Override
    public int size() {
        return samples.size();
    }

    @Override
    public int label(int index) {
        return samples.get(index).label();
    }

    @Override
    public int[] sampleShape() {
        return new int[] {3, eval.outputHeight(), eval.outputWidth()};
    }

    @Override
    public void load(int[] indices, boolean augment, long seed, int epoch, float[] dst) {
        int per = eval.sampleSize();
        int chunks = Math.min(threads, indices.length);
        @SuppressWarnings("unchecked")
        Future<?>[] parts = new Future<?>[chunks];
        for (int c = 0; c < chunks; c++) {
            int from = c * indices.length / chunks;
            int to = (c + 1) * indices.length / chunks;
            parts[c] = pool.submit(() -> {
                for (int i = from; i < to; i++) {
                    int index = indices[i];
                    RgbImage img = image(index);
                    if (augment) {
                        train.apply(img, Seeds.forSample(seed, epoch, index), dst, i * per);
                    } else {
                        eval.apply(img, null, dst, i * per);
                    }
                }
            });
        }
        for (Future<?> f : parts) {
            dev.ferry.Futures.await(f, "decoding images");
        }
    }

    private RgbImage image(int index) {
        if (decoded != null) {
            RgbImage img = decoded.get(index);
            if (img != null) {
                return img;
            }
        }
        RgbImage img = ImageDecoder.decode(samples.get(index).path(), eval.exifTranspose());
        if (decoded != null) {
            decoded.set(index, img);
        }
        return img;
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
