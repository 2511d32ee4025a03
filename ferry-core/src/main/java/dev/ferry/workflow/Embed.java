package dev.ferry.workflow;

import dev.ferry.FerryException;
import dev.ferry.InputException;
import dev.ferry.Message;
import dev.ferry.Setting;
import dev.ferry.data.BadImage;
import dev.ferry.data.EmbeddingIndex;
import dev.ferry.data.ImageSet;
import dev.ferry.data.ImageValidator;
import dev.ferry.data.Npy;
import dev.ferry.data.Sample;
import dev.ferry.model.InferenceNetwork;
import dev.ferry.model.ResNetConfig;
import dev.ferry.platform.AtomicFiles;
import dev.ferry.platform.BuildInfo;
import dev.ferry.train.FeatureCache;
import dev.ferry.train.FolderSource;
import dev.ferry.weights.WeightsInventory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The backbone's pooled feature vector of every image of a folder, written as an N x D float32
 * {@code .npy} matrix with its {@link EmbeddingIndex} beside it: the numbers of the
 * {@link FeatureCache} (the eval transform of the network's preset, the BN-folded network on the
 * inference engine), so that what a search or an outside tool finds in the file is what ferry's
 * feature extraction and sweep work on.
 *
 * <p>The folder is labelled (one sub-folder per class) or flat ({@link ImageSet} says how that is
 * told). Rows stream to disk batch by batch, so the matrix is never held whole; both files go to
 * hidden temporary files first and are renamed into place only once both are complete, so a
 * failure or an interruption leaves no half-written file (and any earlier pair untouched).
 */
public final class Embed {
    private Embed() {}

    /**
     * What to embed.
     *
     * @param network the network (its float version; int8 is refused)
     * @param data a flat folder of images, or one sub-folder per class
     * @param out the matrix to write, a name ending in {@code .npy}; the index goes beside it
     * @param batchSize images per forward pass
     * @param threads decoding threads
     * @param skipBad leave out unreadable images instead of stopping
     */
    public record Options(Predict.Network network, Path data, Path out, int batchSize, int threads, boolean skipBad) {
        public Options {
            if (network == null) {
                throw new InputException(Message.of("name the network: ", Setting.WEIGHTS, " or a model directory"));
            }
            if (network.int8()) {
                throw new InputException("embeddings come from the float network; the int8 one computes other numbers");
            }
            if (data == null) {
                throw new InputException(Message.of("an image folder is required (", Setting.DATA, ")"));
            }
            if (out == null || !out.getFileName().toString().endsWith(EmbeddingIndex.MATRIX_SUFFIX)) {
                throw new InputException(Message.of(Setting.OUT, " must name a ", EmbeddingIndex.MATRIX_SUFFIX, " file, got ", out));
            }
            if (Files.isDirectory(out)) {
                throw new InputException(Message.of(Setting.OUT, " is a folder, not a file: ", out));
            }
            if (batchSize < 1) {
                throw new InputException(Message.of(Setting.BATCH_SIZE, " must be at least 1, got ", batchSize));
            }
            if (threads < 1) {
                throw new InputException(Message.of(Setting.THREADS, " must be at least 1, got ", threads));
            }
        }
    }

    /**
     * What was written.
     *
     * @param matrix the {@code .npy} file
     * @param index its index
     * @param rows images embedded
     * @param dim the feature width
     * @param labelled whether the folder was labelled
     * @param network what produced the rows, in words
     * @param skipped images left out (with {@code skipBad})
     * @param seconds wall time of the whole call
     * @param backboneSeconds of which in the network
     */
    public record Result(Path matrix, Path index, int rows, int dim, boolean labelled, String network, List<BadImage> skipped,
                         double seconds, double backboneSeconds) {}

    /** Embeds, saying on {@code log} what it does (and download progress, if a known name must be fetched). */
    public static Result run(Options o, PrintStream log) {
        long started = System.nanoTime();
        ImageSet set = ImageSet.scan(o.data());
        ImageValidator.Checked checked = ImageValidator.check(set.samples(), o.threads(), o.skipBad(), done -> { });
        List<Sample> samples = checked.usable();
        if (samples.isEmpty()) {
            throw new InputException("no readable image in " + o.data() + " (" + checked.bad().size() + " bad)");
        }
        Path matrix = o.out().toAbsolutePath();
        Path indexFile = EmbeddingIndex.fileFor(matrix);
        try (Networks.Open net = open(o.network(), log);
             FolderSource source = new FolderSource(samples, net.preset(), TrainingStart.augmentationFor(net.preset()), o.threads(),
                     false)) {
            ResNetConfig config = net.network().config();
            int dim = config.featureDim();
            log.println(String.format(Locale.ROOT, "ferry: embedding %d images of %s with %s (%d features each)", samples.size(),
                    o.data(), net.description(), dim));
            List<EmbeddingIndex.Item> items = new ArrayList<>(samples.size());
            for (Sample s : samples) {
                items.add(new EmbeddingIndex.Item(set.relative(s), set.label(s)));
            }
            EmbeddingIndex index = new EmbeddingIndex(EmbeddingIndex.FORMAT, EmbeddingIndex.VERSION, BuildInfo.current().ferry(),
                    record(o.network(), net, config), o.data().toAbsolutePath().normalize().toString(), set.labelled(), samples.size(),
                    dim, false, items);
            long[] backboneNanos = new long[1];
            writePair(matrix, indexFile, index.toJson(), channel -> {
                try (Npy.RowWriter rows = new Npy.RowWriter(channel, samples.size(), dim)) {
                    try {
                        backboneNanos[0] = FeatureCache.forEachBatch(net.network(), source, false, 0, 0, o.batchSize(),
                                (start, f, count) -> rows.write(f, 0, count));
                    } catch (java.io.UncheckedIOException e) {
                        throw e.getCause();
                    }
                }
            });
            return new Result(matrix, indexFile, samples.size(), dim, set.labelled(), net.description(), List.copyOf(checked.bad()),
                    (System.nanoTime() - started) / 1e9, backboneNanos[0] / 1e9);
        }
    }

    /** The network of {@code n} on the inference engine, with as many intra-op threads as prediction uses. */
    static Networks.Open open(Predict.Network n, PrintStream log) {
        int engineThreads = InferenceNetwork.defaultThreads();
        return n.model() != null ? Networks.openModel(n.model(), n.expected(), engineThreads)
                : Networks.openPretrained(n.weights(), n.expected(), engineThreads, log);
    }

    /** How the index names the network: paths made absolute, so that a search from elsewhere finds it. */
    private static EmbeddingIndex.Network record(Predict.Network n, Networks.Open net, ResNetConfig config) {
        String weights = null;
        String model = null;
        if (n.model() != null) {
            model = n.model().toAbsolutePath().normalize().toString();
        } else {
            weights = recordedWeights(n.weights());
        }
        return new EmbeddingIndex.Network(weights, model, net.description(), config.architecture().id(),
                WeightsInventory.describe(net.preset()), config.featureDim());
    }

    /**
     * How the index records a weights spec: an existing file or folder as its absolute path (so
     * that a search from elsewhere finds it), anything else (a known name) as given.
     */
    public static String recordedWeights(String spec) {
        Path asPath = pathOrNull(spec);
        return asPath != null && Files.exists(asPath) ? asPath.toAbsolutePath().normalize().toString() : spec;
    }

    static Path pathOrNull(String spec) {
        try {
            return Path.of(spec);
        } catch (java.nio.file.InvalidPathException e) {
            return null;
        }
    }

    /**
     * Writes the matrix through {@code body} and the index text, each to a hidden temporary file
     * beside its target, forced to disk, and renames both only when both are complete: an error
     * anywhere before leaves neither target changed.
     */
    private static void writePair(Path matrix, Path index, String indexText, AtomicFiles.Body body) {
        Path dir = matrix.getParent();
        AtomicFiles.ensureDirectory(dir);
        Path tmpMatrix = null;
        Path tmpIndex = null;
        try {
            tmpMatrix = AtomicFiles.newTempFile(dir, matrix.getFileName().toString());
            try (FileChannel channel = FileChannel.open(tmpMatrix, StandardOpenOption.WRITE)) {
                body.writeTo(channel);
                channel.force(true);
            }
            tmpIndex = AtomicFiles.newTempFile(dir, index.getFileName().toString());
            try (FileChannel channel = FileChannel.open(tmpIndex, StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(indexText.getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                channel.force(true);
            }
            // The matrix first: should the process die between the two renames, the old index
            // beside a new matrix is caught by the row and width checks a search makes.
            AtomicFiles.move(tmpMatrix, matrix);
            tmpMatrix = null;
            AtomicFiles.move(tmpIndex, index);
            tmpIndex = null;
        } catch (IOException e) {
            throw new FerryException("cannot write " + matrix + ": " + AtomicFiles.reason(e), e);
        } finally {
            deleteQuietly(tmpMatrix);
            deleteQuietly(tmpIndex);
        }
    }

    private static void deleteQuietly(Path tmp) {
        if (tmp != null) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // Already failing: a stray hidden temporary file must not mask the real error.
            }
        }
    }
}
