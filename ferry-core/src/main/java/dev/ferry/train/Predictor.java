package dev.ferry.train;

import dev.ferry.InputException;
import dev.ferry.Message;
import dev.ferry.Setting;
import dev.ferry.data.BadImage;
import dev.ferry.data.BadImageException;
import dev.ferry.data.EvalTransform;
import dev.ferry.data.ImageDecoder;
import dev.ferry.data.ImageFolder;
import dev.ferry.data.Preset;
import dev.ferry.model.InferenceNetwork;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Top-k predictions for image files: images are decoded and transformed by parallel worker threads
 * (the next batch while the network runs the current one), then classified batch by batch on an
 * {@link InferenceNetwork}, on host arrays (on ONNX Runtime, libtorch is never started).
 *
 * <p>A file that cannot be decoded does not stop the run: it is handed to {@link Sink#failed} and
 * the other images are still predicted. Results and failures reach the sink in input order.
 *
 * <pre>{@code
 * try (InferenceNetwork net = InferenceNetwork.of(plan, weights, 2);
 *      Predictor p = new Predictor(net, labels, preset, 32, 4)) {
 *     p.predict(Predictor.collect(paths).images(), 5, sink);
 * }
 * }</pre>
 */
public final class Predictor implements AutoCloseable {

    /**
     * One of an image's most probable classes.
     *
     * @param index the class index (the network's output unit)
     * @param label its name
     * @param probability its softmax probability
     */
    public record Top(int index, String label, float probability) {}

    /**
     * An image's most probable classes, most probable first.
     *
     * @param image the file
     * @param top at most k classes, by decreasing probability (ties: lower index first)
     */
    public record Prediction(Path image, List<Top> top) {
        public Prediction {
            Objects.requireNonNull(image, "image");
            top = List.copyOf(top);
        }
    }

    /** Receives the outcome of each image, in input order, on the calling thread. */
    public interface Sink {
        /** An image was classified. */
        void predicted(Prediction prediction);

        /** An image could not be read or decoded; the run continues. */
        void failed(BadImage bad);
    }

    /**
     * Image files found from command-line style inputs.
     *
     * @param images the files to predict, in order
     * @param problems inputs that yielded nothing: missing paths and folders without images
     */
    public record Inputs(List<Path> images, List<BadImage> problems) {
        public Inputs {
            images = List.copyOf(images);
            problems = List.copyOf(problems);
        }
    }

    private final InferenceNetwork net;
    private final List<String> labels;
    private final EvalTransform transform;
    private final int batchSize;
    private final double temperature;
    private final boolean mirror;
    private final ExecutorService pool;

    /**
     * @param net the network (not closed by the predictor)
     * @param labels one name per output class
     * @param preset the preprocessing the network expects
     * @param batchSize images per forward pass, at least 1
     * @param threads decoding threads, at least 1
     * @throws InputException if the labels do not match the network's classes or a count is below 1
     */
    public Predictor(InferenceNetwork net, List<String> labels, Preset preset, int batchSize, int threads) {
        this(net, labels, preset, batchSize, threads, 1.0, false);
    }

    /**
     * As above, with the logits divided by {@code temperature} (a trained model's calibration)
     * before softmax: the same classes in the same order, probabilities that mean what they say.
     *
     * @param mirror test-time augmentation: average each image's probabilities with its mirror
     *     image's ({@link TestTime})
     * @throws IllegalArgumentException if the temperature is not positive and finite
     */
    public Predictor(InferenceNetwork net, List<String> labels, Preset preset, int batchSize, int threads,
                     double temperature, boolean mirror) {
        this.temperature = dev.ferry.eval.Calibration.requireTemperature(temperature);
        this.mirror = mirror;
        this.net = Objects.requireNonNull(net, "net");
        this.labels = List.copyOf(labels);
        if (this.labels.size() != net.config().numClasses()) {
            throw new InputException(labels.size() + " class names for a network with " + net.config().numClasses() + " classes");
        }
        if (batchSize < 1) {
            throw new InputException(Message.of(Setting.BATCH_SIZE, " must be at least 1, got ", batchSize));
        }
        if (threads < 1) {
            throw new InputException(Message.of(Setting.THREADS, " must be at least 1, got ", threads));
        }
        this.transform = new EvalTransform(preset);
        this.batchSize = batchSize;
        this.pool = dev.ferry.platform.DaemonThreads.fixedPool("ferry-predict-decode", threads);
    }

    /**
     * Expands files and folders into image files. A file is taken as it is, whatever its name (the
     * decoder recognises images by content). A folder is searched recursively, following links,
     * for files with an image extension ({@link ImageDecoder#EXTENSIONS}), sorted by path in code
     * point order (Python's {@code sorted}). A missing path or a folder without images becomes a
     * problem rather than an exception, so that the other inputs can still be used.
     *
     * @throws InputException if a folder cannot be listed (permissions, a link loop)
     */
    public static Inputs collect(List<Path> inputs) {
        List<Path> images = new ArrayList<>();
        List<BadImage> problems = new ArrayList<>();
        for (Path in : inputs) {
            if (Files.isDirectory(in)) {
                List<Path> found = imagesUnder(in);
                if (found.isEmpty()) {
                    problems.add(new BadImage(in, BadImage.Kind.NOT_AN_IMAGE,
                            "folder holds no image files (" + String.join(", ", ImageDecoder.EXTENSIONS.stream().sorted().toList()) + ")"));
                }
                images.addAll(found);
            } else if (Files.exists(in)) {
                images.add(in);
            } else {
                problems.add(new BadImage(in, BadImage.Kind.UNREADABLE, "no such file or folder"));
            }
        }
        return new Inputs(images, problems);
    }

    private static List<Path> imagesUnder(Path dir) {
        List<Path> out = new ArrayList<>();
        try {
            Files.walkFileTree(dir, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (!attrs.isDirectory() && dev.ferry.data.ImageFolder.isImageFile(file)) {
                        out.add(file);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    throw e;
                }
            });
        } catch (FileSystemLoopException e) {
            throw new InputException("symbolic link loop under " + dir + " (" + e.getFile() + ")", e);
        } catch (AccessDeniedException e) {
            throw new InputException("cannot read folder " + e.getFile() + " (permission denied)", e);
        } catch (IOException e) {
            throw new InputException("cannot read folder " + dir + " (" + e.getMessage() + ")", e);
        }
        out.sort(Comparator.comparing(Path::toString, ImageFolder.PYTHON_ORDER));
        return out;
    }

    /**
     * Classifies {@code images}, reporting each outcome to {@code sink} in order.
     *
     * @param topK classes per image (capped at the number of classes), at least 1
     */
    public void predict(List<Path> images, int topK, Sink sink) {
        if (topK < 1) {
            throw new InputException("top-k must be at least 1, got " + topK);
        }
        int k = Math.min(topK, labels.size());
        int batches = (images.size() + batchSize - 1) / batchSize;
        List<Future<float[]>> pending = batches == 0 ? List.of() : submit(images, 0);
        for (int b = 0; b < batches; b++) {
            List<Future<float[]>> current = pending;
            // Decode the next batch while this one goes through the network.
            pending = b + 1 < batches ? submit(images, b + 1) : List.of();
            List<float[]> pixels = new ArrayList<>();
            // Per input of the batch: its bad-image report, or null when it decoded (then its
            // pixels are the next entry of `pixels`), so that the sink sees the inputs' order.
            BadImage[] failures = new BadImage[current.size()];
            for (int i = 0; i < current.size(); i++) {
                try {
                    pixels.add(await(current.get(i)));
                } catch (BadImageException e) {
                    failures[i] = e.badImage();
                }
            }
            float[][] probabilities = pixels.isEmpty() ? new float[0][] : classify(pixels);
            int next = 0;
            for (int i = 0; i < current.size(); i++) {
                if (failures[i] != null) {
                    sink.failed(failures[i]);
                } else {
                    sink.predicted(new Prediction(images.get(b * batchSize + i), top(probabilities[next++], k, labels)));
                }
            }
        }
    }

    private List<Future<float[]>> submit(List<Path> images, int batch) {
        List<Future<float[]>> out = new ArrayList<>();
        for (int i = batch * batchSize; i < Math.min(images.size(), (batch + 1) * batchSize); i++) {
            Path path = images.get(i);
            out.add(pool.submit(() -> transform.apply(ImageDecoder.decode(path, transform.exifTranspose()))));
        }
        return out;
    }

    private static float[] await(Future<float[]> f) {
        return dev.ferry.Futures.await(f, "decoding images");
    }

    private float[][] classify(List<float[]> pixels) {
        int n = pixels.size();
        int per = pixels.get(0).length;
        float[] batch = new float[n * per];
        for (int i = 0; i < n; i++) {
            System.arraycopy(pixels.get(i), 0, batch, i * per, per);
        }
        float[] p = Inference.requireFinite(TestTime.probabilities(net, batch, n, transform.outputHeight(),
                transform.outputWidth(), temperature, mirror));
        int classes = labels.size();
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            out[i] = java.util.Arrays.copyOfRange(p, i * classes, (i + 1) * classes);
        }
        return out;
    }

    /** The {@code k} most probable classes of one probability row; ties keep the lower index first. */
    public static List<Top> top(float[] probabilities, int k, List<String> labels) {
        Integer[] order = new Integer[probabilities.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        // A stable sort on descending probability keeps equal ones in index order, so the output
        // never depends on anything but the probabilities.
        java.util.Arrays.sort(order, (a, b) -> Float.compare(probabilities[b], probabilities[a]));
        List<Top> out = new ArrayList<>();
        for (int i = 0; i < Math.min(k, order.length); i++) {
            int c = order[i];
            out.add(new Top(c, labels.get(c), probabilities[c]));
        }
        return out;
    }

    /** Stops the decoding threads. */
    @Override
    public void close() {
        pool.shutdownNow();
    }
}
