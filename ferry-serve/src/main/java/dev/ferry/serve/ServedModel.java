package dev.ferry.serve;

import dev.ferry.data.EvalTransform;
import dev.ferry.data.ImageDecoder;
import dev.ferry.data.Preset;
import dev.ferry.data.RgbImage;
import dev.ferry.data.Torchvision;
import dev.ferry.train.Inference;
import dev.ferry.train.ModelDirectory;
import dev.ferry.train.ModelInfo;
import dev.ferry.train.TestTime;
import dev.ferry.workflow.Networks;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Semaphore;

/**
 * One model being served: its network on the inference engine, its class names, the
 * preprocessing it was trained with, its calibration temperature and its {@link Batcher}. The
 * probabilities are those of {@code ferry predict}: the same decoder, the same eval transform, the
 * same temperature, the same softmax.
 */
final class ServedModel implements AutoCloseable {

    /** An uploaded image ready for the network, and the centre crop it was made from. */
    record Prepared(float[] pixels, RgbImage crop) {}

    private final String name;
    private final Path dir;
    private final ModelInfo info;
    private final Networks.Open open;
    private final EvalTransform transform;
    private final Batcher batcher;

    private ServedModel(String name, Path dir, ModelInfo info, Networks.Open open, ServeOptions o, Semaphore permit,
                        ServeMetrics metrics) {
        this.name = name;
        this.dir = dir;
        this.info = info;
        this.open = open;
        this.transform = new EvalTransform(open.preset());
        int crop = open.preset().crop();
        int classes = open.labels().size();
        double temperature = open.temperature();
        Batcher.Engine engine = (images, n) -> {
            float[] p = Inference.requireFinite(TestTime.probabilities(open.network(), images, n, crop, crop,
                    temperature, false));
            float[][] rows = new float[n][];
            for (int i = 0; i < n; i++) {
                rows[i] = Arrays.copyOfRange(p, i * classes, (i + 1) * classes);
            }
            return rows;
        };
        this.batcher = new Batcher(name, 3 * crop * crop, o.maxBatch(), o.maxDelay().toNanos(), o.queueCapacity(), engine,
                permit, (size, nanos) -> metrics.batch(name, size, nanos));
    }

    /**
     * Loads {@code m}'s directory onto the inference engine.
     *
     * @throws dev.ferry.InputException if the directory is not a usable model
     */
    static ServedModel load(ServeOptions.Model m, ServeOptions o, Semaphore permit, ServeMetrics metrics) {
        ModelInfo info = ModelDirectory.readInfo(m.dir());
        Networks.Open open = Networks.openModel(m.dir(), null, o.engineThreads(), m.int8());
        try {
            return new ServedModel(m.name(), m.dir(), info, open, o, permit, metrics);
        } catch (RuntimeException e) {
            open.close();
            throw e;
        }
    }

    String name() {
        return name;
    }

    Path dir() {
        return dir;
    }

    ModelInfo info() {
        return info;
    }

    List<String> labels() {
        return open.labels();
    }

    Preset preset() {
        return open.preset();
    }

    double temperature() {
        return open.temperature();
    }

    Batcher batcher() {
        return batcher;
    }

    /** Floats per preprocessed image. */
    int perImage() {
        return 3 * preset().crop() * preset().crop();
    }

    /**
     * Decodes and preprocesses one uploaded image as {@code ferry predict} does a file.
     *
     * @param label how the image is named in errors
     * @throws dev.ferry.data.BadImageException if it is not a decodable image within the limit
     */
    Prepared prepare(byte[] data, String label, long maxPixels) {
        RgbImage image = ImageDecoder.decode(data, Path.of(label), transform.exifTranspose(), maxPixels);
        RgbImage crop = transform.resizeAndCrop(image);
        float[] pixels = new float[perImage()];
        Torchvision.toNormalizedTensor(crop, preset().mean(), preset().std(), pixels, 0);
        return new Prepared(pixels, crop);
    }

    /** Stops the batcher (answering what is queued), then frees the engine. */
    @Override
    public void close() {
        try {
            batcher.close();
        } finally {
            open.close();
        }
    }
}
