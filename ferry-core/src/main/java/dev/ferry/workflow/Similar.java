package dev.ferry.workflow;

import dev.ferry.Futures;
import dev.ferry.InputException;
import dev.ferry.Message;
import dev.ferry.Setting;
import dev.ferry.data.BadImage;
import dev.ferry.data.BadImagesException;
import dev.ferry.data.EmbeddingIndex;
import dev.ferry.data.ImageValidator;
import dev.ferry.data.Npy;
import dev.ferry.data.Sample;
import dev.ferry.model.ResNetConfig;
import dev.ferry.platform.DaemonThreads;
import dev.ferry.train.FeatureCache;
import dev.ferry.train.FolderSource;
import dev.ferry.weights.WeightsInventory;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The images of an {@link Embed}ded folder most like each query image: each query is embedded
 * with the network the index records, then compared with every row by cosine similarity (an
 * exact search, no approximation), and the {@code topK} most similar rows are returned.
 *
 * <p>The search is a plain float loop over the mapped matrix, rows split across threads, each row
 * read once for all queries: one query is a matrix-vector product, bound by memory bandwidth, and
 * the loop needs neither libtorch nor a copy of the rows into native memory. (Not yet measured
 * against chunked {@code matMul} on DJL NDArrays.) Rows are stored raw; each row's norm is
 * computed in the same pass as its dot products.
 */
public final class Similar {
    private Similar() {}

    /** Rows copied out of the mapped file per step of a search thread. */
    private static final int BLOCK_ROWS = 256;

    /**
     * What to search.
     *
     * @param index the {@code .npy} matrix written by {@link Embed} (its index beside it)
     * @param images the query image files
     * @param topK neighbours per query (at most the matrix's rows are returned)
     * @param batchSize query images per forward pass
     * @param threads decoding and search threads
     */
    public record Options(Path index, List<Path> images, int topK, int batchSize, int threads) {
        public Options {
            if (index == null || !index.getFileName().toString().endsWith(EmbeddingIndex.MATRIX_SUFFIX)) {
                throw new InputException(Message.of(Setting.INDEX, " must name the ", EmbeddingIndex.MATRIX_SUFFIX,
                        " file an embedding wrote, got ", index));
            }
            images = images == null ? List.of() : List.copyOf(images);
            if (images.isEmpty()) {
                throw new InputException("give at least one query image");
            }
            if (topK < 1) {
                throw new InputException("top-k must be at least 1, got " + topK);
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
     * A row and its cosine similarity to a query.
     *
     * @param row the row, from 0
     * @param cosine in [-1, 1] (0 for an all-zero row)
     */
    public record Hit(long row, float cosine) {}

    /**
     * One neighbour of a query.
     *
     * @param rank from 1, most similar first
     * @param row the matrix row
     * @param cosine its cosine similarity to the query
     * @param path the image, relative to the embedded folder
     * @param label its class, or empty
     */
    public record Match(int rank, long row, float cosine, String path, String label) {}

    /**
     * A query and its neighbours.
     *
     * @param image the query image as given
     * @param matches most similar first
     */
    public record Query(Path image, List<Match> matches) {}

    /**
     * What was found.
     *
     * @param matrix the searched matrix
     * @param rows its rows
     * @param dim its width
     * @param network the network the queries went through, in words
     * @param queries one per query image, in order
     * @param searchMillis the search's wall time for all queries, embedding left out
     */
    public record Result(Path matrix, long rows, int dim, String network, List<Query> queries, double searchMillis) {}

    /**
     * Searches, saying on {@code log} what it loads.
     *
     * @throws InputException when the matrix or its index cannot be read or do not agree, the
     *     network the index records cannot be opened or is another one, or a query image is bad
     */
    public static Result run(Options o, PrintStream log) {
        Path matrixFile = o.index();
        Npy.Matrix matrix = Npy.open(matrixFile);
        Path indexFile = EmbeddingIndex.fileFor(matrixFile);
        EmbeddingIndex index = EmbeddingIndex.read(indexFile);
        if (matrix.rows() != index.rows() || matrix.cols() != index.dim()) {
            throw new InputException(matrixFile + ": " + matrix.rows() + " x " + matrix.cols() + ", but its index " + indexFile
                    + " describes " + index.rows() + " x " + index.dim() + " (not written together)");
        }
        List<BadImage> bad = ImageValidator.findBad(o.images(), o.threads());
        if (!bad.isEmpty()) {
            throw new BadImagesException(bad);
        }
        EmbeddingIndex.Network recorded = index.network();
        Predict.Network network = new Predict.Network(recorded.weights(), recorded.model() == null ? null : Path.of(recorded.model()),
                null);
        Networks.Open net;
        try {
            net = Embed.open(network, log);
        } catch (InputException e) {
            throw new InputException(Message.of(indexFile, ": the network it records cannot be opened: ", e.template()), e);
        }
        try (net) {
            ResNetConfig config = net.network().config();
            String preset = WeightsInventory.describe(net.preset());
            if (!config.architecture().id().equals(recorded.architecture()) || config.featureDim() != recorded.dim()
                    || !preset.equals(recorded.preset())) {
                throw new InputException(indexFile + ": the network it records (" + describe(recorded) + ") is now "
                        + config.architecture().id() + ", " + config.featureDim() + " features, " + preset
                        + ": embed the folder again");
            }
            List<Sample> samples = o.images().stream().map(p -> new Sample(p, 0)).toList();
            float[][] queries = new float[samples.size()][];
            try (FolderSource source = new FolderSource(samples, net.preset(), TrainingStart.augmentationFor(net.preset()), o.threads(),
                    false)) {
                FeatureCache.forEachBatch(net.network(), source, false, 0, 0, o.batchSize(), (start, f, count) -> {
                    for (int i = 0; i < count; i++) {
                        queries[start + i] = Arrays.copyOfRange(f, i * config.featureDim(), (i + 1) * config.featureDim());
                    }
                });
            }
            long t = System.nanoTime();
            List<List<Hit>> hits = search(matrix, queries, o.topK(), o.threads());
            double millis = (System.nanoTime() - t) / 1e6;
            List<Query> out = new ArrayList<>();
            for (int q = 0; q < queries.length; q++) {
                List<Match> matches = new ArrayList<>();
                for (Hit h : hits.get(q)) {
                    EmbeddingIndex.Item item = index.items().get((int) h.row());
                    matches.add(new Match(matches.size() + 1, h.row(), h.cosine(), item.path(), item.label()));
                }
                out.add(new Query(o.images().get(q), List.copyOf(matches)));
            }
            return new Result(matrixFile, matrix.rows(), matrix.cols(), net.description(), List.copyOf(out), millis);
        }
    }

    private static String describe(EmbeddingIndex.Network n) {
        return (n.weights() != null ? n.weights() : n.model()) + ": " + n.architecture() + ", " + n.dim() + " features, " + n.preset();
    }

    /**
     * The {@code k} rows of {@code matrix} most cosine-similar to each query, most similar first
     * (equal similarities by row), over every row: exact, not approximate.
     *
     * @param queries each of {@code matrix.cols()} values; need not be normalised
     * @param threads row ranges searched at once
     */
    public static List<List<Hit>> search(Npy.Matrix matrix, float[][] queries, int topK, int threads) {
        int d = matrix.cols();
        long n = matrix.rows();
        // No more hits than rows: a large top-k must not size arrays by itself.
        int k = (int) Math.min(topK, n);
        if (k == 0) {
            return queries.length == 0 ? List.of() : java.util.Collections.nCopies(queries.length, List.of());
        }
        float[][] unit = new float[queries.length][];
        for (int q = 0; q < queries.length; q++) {
            if (queries[q].length != d) {
                throw new IllegalArgumentException("query " + q + " has " + queries[q].length + " values, the rows " + d);
            }
            unit[q] = normalised(queries[q]);
        }
        int parts = (int) Math.max(1, Math.min(threads, (n + BLOCK_ROWS - 1) / BLOCK_ROWS));
        List<TopK[]> partial = new ArrayList<>();
        if (parts == 1) {
            partial.add(searchRange(matrix, unit, k, 0, n));
        } else {
            DaemonThreads workers = new DaemonThreads("ferry-search");
            ExecutorService pool = Executors.newFixedThreadPool(parts, workers);
            try {
                List<Future<TopK[]>> futures = new ArrayList<>();
                for (int p = 0; p < parts; p++) {
                    long from = n * p / parts;
                    long to = n * (p + 1) / parts;
                    futures.add(pool.submit(() -> searchRange(matrix, unit, k, from, to)));
                }
                for (Future<TopK[]> f : futures) {
                    partial.add(Futures.await(f, "searching"));
                }
            } finally {
                workers.shutdownAndJoin(pool);
            }
        }
        List<List<Hit>> out = new ArrayList<>();
        for (int q = 0; q < queries.length; q++) {
            TopK merged = new TopK(k);
            // Ranges in row order, each sorted: offering them in turn keeps ties in row order.
            for (TopK[] part : partial) {
                for (int i = 0; i < part[q].size; i++) {
                    merged.offer(part[q].rows[i], part[q].scores[i]);
                }
            }
            List<Hit> hits = new ArrayList<>(merged.size);
            for (int i = 0; i < merged.size; i++) {
                hits.add(new Hit(merged.rows[i], merged.scores[i]));
            }
            out.add(List.copyOf(hits));
        }
        return out;
    }

    /** The best {@code k} of rows {@code from} to {@code to - 1} for each (unit) query. */
    private static TopK[] searchRange(Npy.Matrix matrix, float[][] unit, int k, long from, long to) {
        int d = matrix.cols();
        TopK[] best = new TopK[unit.length];
        for (int q = 0; q < unit.length; q++) {
            best[q] = new TopK(k);
        }
        float[] block = new float[BLOCK_ROWS * d];
        for (long start = from; start < to; start += BLOCK_ROWS) {
            int count = (int) Math.min(BLOCK_ROWS, to - start);
            matrix.rows(start, count, block);
            for (int r = 0; r < count; r++) {
                int offset = r * d;
                double norm = Math.sqrt(dot(block, offset, block, 0, d, true));
                for (int q = 0; q < unit.length; q++) {
                    // An all-zero row (possible after ReLU and pooling) is like nothing: cosine 0, not NaN.
                    float cosine = norm > 0 ? (float) (dot(block, offset, unit[q], 0, d, false) / norm) : 0f;
                    best[q].offer(start + r, cosine);
                }
            }
        }
        return best;
    }

    /**
     * {@code sum a[ao + i] * b[bo + i]} over {@code d} values (with {@code self}, of {@code a}
     * with itself), in four float partial sums: independent sums let the processor overlap
     * the additions, and over a row of a few thousand features float partial sums lose less than
     * the 1e-6 a printed cosine shows.
     */
    static double dot(float[] a, int ao, float[] b, int bo, int d, boolean self) {
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        int i = 0;
        if (self) {
            for (; i + 3 < d; i += 4) {
                float x0 = a[ao + i];
                float x1 = a[ao + i + 1];
                float x2 = a[ao + i + 2];
                float x3 = a[ao + i + 3];
                s0 += x0 * x0;
                s1 += x1 * x1;
                s2 += x2 * x2;
                s3 += x3 * x3;
            }
            for (; i < d; i++) {
                s0 += a[ao + i] * a[ao + i];
            }
        } else {
            for (; i + 3 < d; i += 4) {
                s0 += a[ao + i] * b[bo + i];
                s1 += a[ao + i + 1] * b[bo + i + 1];
                s2 += a[ao + i + 2] * b[bo + i + 2];
                s3 += a[ao + i + 3] * b[bo + i + 3];
            }
            for (; i < d; i++) {
                s0 += a[ao + i] * b[bo + i];
            }
        }
        return (double) s0 + s1 + s2 + s3;
    }

    private static float[] normalised(float[] v) {
        double norm = Math.sqrt(dot(v, 0, v, 0, v.length, true));
        float[] out = new float[v.length];
        if (norm > 0) {
            for (int i = 0; i < v.length; i++) {
                out[i] = (float) (v[i] / norm);
            }
        }
        return out;
    }

    /**
     * The best {@code k} (row, score) pairs offered, kept sorted, most similar first. Offers come in
     * increasing row order, so an equal score never displaces an earlier row.
     */
    private static final class TopK {
        final long[] rows;
        final float[] scores;
        int size;

        TopK(int k) {
            rows = new long[k];
            scores = new float[k];
        }

        void offer(long row, float score) {
            int k = rows.length;
            if (size == k && !(score > scores[k - 1])) {
                return;
            }
            int i = size == k ? k - 1 : size++;
            while (i > 0 && score > scores[i - 1]) {
                rows[i] = rows[i - 1];
                scores[i] = scores[i - 1];
                i--;
            }
            rows[i] = row;
            scores[i] = score;
        }
    }
}
