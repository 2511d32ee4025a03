package dev.ferry.workflow;

import ai.djl.ndarray.NDManager;
import dev.ferry.InputException;
import dev.ferry.Message;
import dev.ferry.Setting;
import dev.ferry.data.BadImage;
import dev.ferry.data.BadImageException;
import dev.ferry.data.Duplicates;
import dev.ferry.data.ImageFacts;
import dev.ferry.data.ImageFolder;
import dev.ferry.data.Preset;
import dev.ferry.data.Sample;
import dev.ferry.eval.LabelIssues;
import dev.ferry.model.ResNetConfig;
import dev.ferry.platform.DaemonThreads;
import dev.ferry.platform.Engines;
import dev.ferry.train.FeatureCache;
import dev.ferry.train.LinearProbe;
import dev.ferry.train.Pca;
import dev.ferry.train.PresetOverride;
import dev.ferry.train.Pretrained;
import dev.ferry.train.ZScores;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

/**
 * A look at a dataset before training on it: what each split holds, the files that cannot be read,
 * exact and near copies within and across splits (a copy shared by training and test images makes
 * the test score a memory test), and, with a backbone, the labels that look wrong, the images far
 * from every class, and a 2-D map of the whole set.
 *
 * <p>Unreadable files never stop an inspection: finding them is part of its job, so they are listed
 * and everything else is inspected.
 *
 * <p>Label errors follow confident learning ({@link LabelIssues}) on out-of-fold scores: the
 * backbone's features of every image once, then a {@link LinearProbe} per fold of the pooled splits,
 * each image scored by the probe that did not see it.
 */
public final class Inspect {
    private Inspect() {}

    /** Images far from every class: beyond the upper quartile plus this many interquartile ranges. */
    public static final double OUTLIER_FENCE_IQRS = 3.0;

    /**
     * What to inspect and how.
     *
     * @param splits name to folder (one sub-folder per class), the training folder first; at least one
     * @param weights the backbone for label errors, outliers and the map, as training takes it; null
     *     inspects files and copies only
     * @param preset preprocessing replacing the weights' own, or null
     * @param folds out-of-fold probes, at least 2
     * @param seed the folds' and the map's
     * @param batchSize images per backbone batch
     * @param threads decoding threads
     * @param minCorrelation thumbprint correlation from which two images are near copies
     */
    public record Options(Map<String, Path> splits, String weights, PresetOverride preset, int folds, long seed, int batchSize,
            int threads, double minCorrelation) {
        public Options {
            if (splits == null || splits.isEmpty()) {
                throw new InputException("an image folder is required");
            }
            splits = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(splits));
            if (folds < 2) {
                throw new InputException(Message.of(Setting.FOLDS, " must be at least 2, got ", folds));
            }
            if (batchSize < 1) {
                throw new InputException(Message.of(Setting.BATCH_SIZE, " must be at least 1, got ", batchSize));
            }
            if (threads < 1) {
                throw new InputException(Message.of(Setting.THREADS, " must be at least 1, got ", threads));
            }
            if (!(minCorrelation > 0 && minCorrelation <= 1)) {
                throw new IllegalArgumentException("near-copy correlation must be in (0, 1], got " + minCorrelation);
            }
        }
    }

    /** One readable image. */
    public record Image(String split, Sample sample, ImageFacts facts) {}

    /**
     * What one split holds.
     *
     * @param counts images per class of {@link Result#classes}, readable ones only
     * @param imbalance the largest class count over the smallest non-empty one
     * @param formats container format to image count
     * @param widths smallest, median and largest width
     * @param heights smallest, median and largest height
     */
    public record Split(String name, Path folder, int[] counts, double imbalance, Map<String, Integer> formats, int[] widths,
            int[] heights, List<BadImage> unreadable) {
        /** The readable images. */
        public int images() {
            return Arrays.stream(counts).sum();
        }
    }

    /**
     * A likely label error.
     *
     * @param image index into {@link Result#images}
     * @param given the folder's class
     * @param suggested the class the out-of-fold probe favours
     */
    public record Suspect(int image, int given, int suggested, double givenScore, double suggestedScore) {}

    /**
     * An image far from every class.
     *
     * @param image index into {@link Result#images}
     * @param distance 1 - cosine to the nearest class centroid
     * @param nearest that class
     */
    public record Outlier(int image, double distance, int nearest) {}

    /**
     * What the backbone's features showed.
     *
     * @param weights the backbone's description
     * @param dim feature width
     * @param probeAccuracy out-of-fold accuracy of the probes against the given labels
     * @param estimatedIssues confident learning's estimate of the wrong labels
     * @param suspects most suspicious first
     * @param outlierFence distance above which an image is an outlier
     * @param outliers farthest first
     * @param map n x 2 coordinates on the first two principal components, row-major
     * @param explained the two components' shares of the variance
     * @param nearCosines the cosine of the two images' features for each of {@link Result#near}
     * @param seconds features, probes and map
     */
    public record Embedding(String weights, int dim, int folds, double probeAccuracy, int estimatedIssues, List<Suspect> suspects,
            double outlierFence, List<Outlier> outliers, double[] map, double[] explained, double[] nearCosines, double seconds) {}

    /**
     * @param classes union of the splits' classes, in folder order
     * @param images every readable image, split by split
     * @param exact groups of byte-identical files
     * @param near near copies (thumbprint correlation at least the threshold), most alike first
     * @param embedding null without a backbone
     */
    public record Result(List<String> classes, List<Split> splits, List<Image> images, List<Duplicates.Group> exact,
            List<Duplicates.Similar> near, double minCorrelation, Embedding embedding) {
        /** Near copies in different splits. */
        public List<Duplicates.Similar> nearAcrossSplits() {
            return near.stream().filter(Duplicates.Similar::acrossSplits).toList();
        }

        /** Exact copies in different splits. */
        public List<Duplicates.Group> exactAcrossSplits() {
            return exact.stream().filter(Duplicates.Group::acrossSplits).toList();
        }
    }

    /** Runs the inspection; progress lines go to {@code log}. */
    public static Result run(Options o, PrintStream log) {
        Map<String, ImageFolder> folders = new LinkedHashMap<>();
        TreeSet<String> union = new TreeSet<>(ImageFolder.PYTHON_ORDER);
        o.splits().forEach((name, dir) -> {
            ImageFolder f = ImageFolder.scan(dir);
            folders.put(name, f);
            union.addAll(f.classes());
        });
        List<String> classes = List.copyOf(union);
        // Resolve the backbone before reading every image, so a bad name fails at once.
        Pretrained weights = o.weights() == null ? null : Pretrained.resolve(o.weights(), null, log);

        List<Image> images = new ArrayList<>();
        List<Split> splits = new ArrayList<>();
        for (Map.Entry<String, ImageFolder> e : folders.entrySet()) {
            ImageFolder f = e.getValue();
            List<Object> read = readAll(f.samples().stream().map(Sample::path).toList(), o.threads());
            int[] counts = new int[classes.size()];
            Map<String, Integer> formats = new java.util.TreeMap<>();
            List<Integer> widths = new ArrayList<>();
            List<Integer> heights = new ArrayList<>();
            List<BadImage> bad = new ArrayList<>();
            for (int i = 0; i < read.size(); i++) {
                Sample s = f.samples().get(i);
                if (read.get(i) instanceof BadImage b) {
                    bad.add(b);
                    continue;
                }
                ImageFacts facts = (ImageFacts) read.get(i);
                int label = classes.indexOf(f.classes().get(s.label()));
                images.add(new Image(e.getKey(), new Sample(s.path(), label), facts));
                counts[label]++;
                formats.merge(facts.format(), 1, Integer::sum);
                widths.add(facts.width());
                heights.add(facts.height());
            }
            int max = Arrays.stream(counts).max().orElse(0);
            int min = Arrays.stream(counts).filter(c -> c > 0).min().orElse(0);
            splits.add(new Split(e.getKey(), f.root(), counts, min == 0 ? 0 : (double) max / min, formats, range(widths), range(heights),
                    List.copyOf(bad)));
            log.println(String.format(Locale.ROOT, "ferry: inspect %s: %d images, %d unreadable", e.getKey(), widths.size(), bad.size()));
        }

        List<Duplicates.Image> named = images.stream().map(i -> new Duplicates.Image(i.split(), i.sample().path())).toList();
        List<Duplicates.Group> exact = Duplicates.exact(named, images.stream().map(i -> i.facts().sha256()).toArray(String[]::new));
        List<Duplicates.Similar> near = Duplicates.similar(named, images.stream().map(i -> i.facts().thumbprint()).toArray(float[][]::new),
                images.stream().mapToLong(i -> i.facts().dHash()).toArray(), images.stream().map(i -> i.facts().sha256()).toArray(String[]::new),
                o.minCorrelation());
        Embedding embedding = weights == null || images.isEmpty() ? null : embed(o, weights, classes, images, near, log);
        return new Result(classes, List.copyOf(splits), List.copyOf(images), exact, List.copyOf(near), o.minCorrelation(), embedding);
    }

    private static Embedding embed(Options o, Pretrained weights, List<String> classes, List<Image> images, List<Duplicates.Similar> near,
            PrintStream log) {
        long started = System.nanoTime();
        int n = images.size();
        List<Sample> samples = images.stream().map(Image::sample).toList();
        Path first = o.splits().values().iterator().next();
        CrossValidation.requireFoldable(samples, classes, o.folds(), first);
        Preset preset = o.preset() != null && !o.preset().isEmpty() ? o.preset().apply(weights.preset()) : weights.preset();
        ResNetConfig config = weights.config().withNumClasses(classes.size()).withDropout(0f);
        FeatureCache cache = Sweep.features(config, weights, preset, samples, o.batchSize(), o.threads(), o.seed());
        int dim = cache.dim();
        float[] x = cache.batch(0, IntStream.range(0, n).toArray());
        int[] labels = samples.stream().mapToInt(Sample::label).toArray();
        int k = classes.size();
        int[] fold = CrossValidation.assignFolds(samples, classes, o.folds(), o.seed());
        double[] scores = new double[n * k];
        try (NDManager manager = Engines.newManager()) {
            for (int f = 0; f < o.folds(); f++) {
                int k0 = f;
                int[] train = IntStream.range(0, n).filter(i -> fold[i] != k0).toArray();
                int[] held = IntStream.range(0, n).filter(i -> fold[i] == k0).toArray();
                LinearProbe.Model probe = LinearProbe.fit(rows(x, dim, train), pick(labels, train), dim, k, LinearProbe.DEFAULT_PENALTIES,
                        manager);
                double[] s = probe.scores(rows(x, dim, held), manager);
                for (int a = 0; a < held.length; a++) {
                    System.arraycopy(s, a * k, scores, held[a] * k, k);
                }
            }
        }
        int right = 0;
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int c = 1; c < k; c++) {
                best = scores[i * k + c] > scores[i * k + best] ? c : best;
            }
            right += best == labels[i] ? 1 : 0;
        }
        int estimated = LabelIssues.estimatedIssues(scores, labels, k);
        List<Suspect> suspects = LabelIssues.find(scores, labels, k).stream()
                .map(s -> new Suspect(s.index(), s.given(), s.suggested(), s.givenScore(), s.suggestedScore())).toList();
        double[] distance = new double[n];
        int[] nearest = new int[n];
        centroidDistances(x, n, dim, labels, k, distance, nearest);
        double fence = fence(distance);
        List<Outlier> outliers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (distance[i] > fence) {
                outliers.add(new Outlier(i, distance[i], nearest[i]));
            }
        }
        outliers.sort(java.util.Comparator.comparingDouble((Outlier a) -> -a.distance()).thenComparingInt(Outlier::image));
        Pca.Projection map = Pca.project(x, n, dim, Math.min(2, dim), o.seed());
        Map<Path, Integer> index = new java.util.HashMap<>();
        for (int i = 0; i < n; i++) {
            index.put(images.get(i).sample().path(), i);
        }
        double[] nearCosines = new double[near.size()];
        for (int p = 0; p < near.size(); p++) {
            nearCosines[p] = cosine(x, dim, index.get(near.get(p).a().path()), index.get(near.get(p).b().path()));
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        log.println(String.format(Locale.ROOT, "ferry: inspect: out-of-fold probe accuracy %.4f, %d suspect labels, %d outliers (%.1f s)",
                (double) right / n, suspects.size(), outliers.size(), seconds));
        return new Embedding(weights.description(), dim, o.folds(), (double) right / n, estimated, suspects, fence, List.copyOf(outliers),
                map.coordinates(), map.explained(), nearCosines, seconds);
    }

    /** Scales each of the {@code rows} rows of {@code a} to unit length (an all-zero row stays zero). */
    private static void unitRows(double[] a, int rows, int dim) {
        for (int r = 0; r < rows; r++) {
            double norm = 0;
            for (int j = 0; j < dim; j++) {
                norm += a[r * dim + j] * a[r * dim + j];
            }
            norm = Math.sqrt(norm);
            for (int j = 0; j < dim && norm > 0; j++) {
                a[r * dim + j] /= norm;
            }
        }
    }

    /**
     * For each image, 1 - cosine to the nearest class centroid, on z-scored features each scaled
     * to unit length (so one wide dimension does not decide), with centroids of the given labels.
     */
    static void centroidDistances(float[] x, int n, int dim, int[] labels, int classes, double[] distance, int[] nearest) {
        double[] z = ZScores.of(x, n, dim);
        unitRows(z, n, dim);
        double[] centroid = new double[classes * dim];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < dim; j++) {
                centroid[labels[i] * dim + j] += z[i * dim + j];
            }
        }
        unitRows(centroid, classes, dim);
        for (int i = 0; i < n; i++) {
            double best = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                double cos = 0;
                for (int j = 0; j < dim; j++) {
                    cos += z[i * dim + j] * centroid[c * dim + j];
                }
                if (cos > best) {
                    best = cos;
                    nearest[i] = c;
                }
            }
            distance[i] = 1 - best;
        }
    }

    private static double cosine(float[] x, int dim, int a, int b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int j = 0; j < dim; j++) {
            double u = x[a * dim + j];
            double v = x[b * dim + j];
            dot += u * v;
            na += u * u;
            nb += v * v;
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }

    /** Tukey's far-out fence: upper quartile plus {@link #OUTLIER_FENCE_IQRS} interquartile ranges. */
    static double fence(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        double q1 = quantile(v, 0.25);
        double q3 = quantile(v, 0.75);
        return q3 + OUTLIER_FENCE_IQRS * (q3 - q1);
    }

    /** Linear interpolation between order statistics (NumPy's default). */
    static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /** Each path's facts, or the BadImage saying why it cannot be read, in the order given. */
    private static List<Object> readAll(List<Path> paths, int threads) {
        if (paths.isEmpty()) {
            return List.of();
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, paths.size()), new DaemonThreads("ferry-inspect"));
        try {
            List<Future<Object>> futures = new ArrayList<>();
            for (Path p : paths) {
                futures.add(pool.submit(() -> {
                    try {
                        return (Object) ImageFacts.read(p);
                    } catch (BadImageException e) {
                        return e.badImage();
                    }
                }));
            }
            List<Object> out = new ArrayList<>();
            for (Future<Object> f : futures) {
                out.add(dev.ferry.Futures.await(f, "image inspection"));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private static int[] range(List<Integer> values) {
        if (values.isEmpty()) {
            return new int[] {0, 0, 0};
        }
        int[] v = values.stream().mapToInt(Integer::intValue).sorted().toArray();
        return new int[] {v[0], v[v.length / 2], v[v.length - 1]};
    }

    private static float[] rows(float[] x, int dim, int[] idx) {
        float[] out = new float[idx.length * dim];
        for (int a = 0; a < idx.length; a++) {
            System.arraycopy(x, idx[a] * dim, out, a * dim, dim);
        }
        return out;
    }

    private static int[] pick(int[] v, int[] idx) {
        int[] out = new int[idx.length];
        for (int a = 0; a < idx.length; a++) {
            out[a] = v[idx[a]];
        }
        return out;
    }
}
