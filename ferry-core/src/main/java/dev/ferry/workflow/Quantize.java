package dev.ferry.workflow;

import dev.ferry.InputException;
import dev.ferry.data.EvalTransform;
import dev.ferry.data.ImageDecoder;
import dev.ferry.data.ImageFolder;
import dev.ferry.data.Sample;
import dev.ferry.eval.ClassificationMetrics;
import dev.ferry.model.HostValues;
import dev.ferry.model.InferenceNetwork;
import dev.ferry.model.InferencePlan;
import dev.ferry.model.Int8Calibration;
import dev.ferry.model.OnnxExport;
import dev.ferry.model.Softmax;
import dev.ferry.platform.AtomicFiles;
import dev.ferry.train.Inference;
import dev.ferry.train.ModelDirectory;
import dev.ferry.train.ModelInfo;
import dev.ferry.train.Predictor;
import dev.ferry.weights.ModelWeights;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Static int8 quantization of a trained model, as a library call: activation ranges calibrated on
 * the user's images, the network written in QDQ form as {@value #FILE} beside the float model
 * (ONNX Runtime fuses it into integer kernels), and optionally the float and int8 networks
 * compared on a labelled folder: top-1 of each, how often their top-1 agree, the largest
 * probability difference, and images/s of each on this machine.
 */
public final class Quantize {
    /** The int8 network's file in a model directory. */
    public static final String FILE = "model.int8.onnx";
    /** The record of how it was made (and how it compared). */
    public static final String RECORD = "int8.json";
    /** Calibration images used when the caller does not say: ONNX Runtime's examples use 100-500. */
    public static final int DEFAULT_IMAGES = 200;
    /** Images per timed forward pass in the speed comparison (the README's benchmark batch). */
    static final int SPEED_BATCH = 16;

    private Quantize() {}

    /**
     * What to quantize.
     *
     * @param model a model directory written by training
     * @param calibration a folder of images like those the model will see (searched recursively;
     *     labels are not needed)
     * @param images the most calibration images used, spread evenly over the sorted files
     * @param method how ranges are taken from the observed values
     * @param compare a labelled folder (one sub-folder per class, the model's class names) to
     *     compare the float and int8 networks on, or null
     * @param threads decoding and engine threads
     */
    public record Options(Path model, Path calibration, int images, Int8Calibration.Method method, Path compare, int threads) {
        public Options {
            if (model == null || calibration == null || method == null) {
                throw new InputException("name the model directory, the calibration images and the method");
            }
            if (images < 1) {
                throw new InputException("the calibration image count must be at least 1, got " + images);
            }
            if (threads < 1) {
                throw new InputException("the thread count must be at least 1, got " + threads);
            }
        }
    }

    /**
     * Float against int8 on a labelled folder.
     *
     * @param images images compared
     * @param floatTop1 the float network's top-1 accuracy
     * @param int8Top1 the int8 network's
     * @param agreement the share of images whose top-1 class is the same in both
     * @param maxProbabilityDifference the largest difference of any class probability
     * @param floatImagesPerSecond forward passes of {@value #SPEED_BATCH} preprocessed images, float
     * @param int8ImagesPerSecond the same, int8
     */
    public record Comparison(int images, double floatTop1, double int8Top1, double agreement,
                             double maxProbabilityDifference, double floatImagesPerSecond, double int8ImagesPerSecond) {
        /** int8 images/s over float's. */
        public double speedup() {
            return int8ImagesPerSecond / floatImagesPerSecond;
        }
    }

    /**
     * What was written.
     *
     * @param file the int8 network
     * @param calibrationImages images calibrated on
     * @param points quantized activations
     * @param comparison the comparison, or null without a compare folder
     */
    public record Result(Path file, int calibrationImages, int points, Int8Calibration.Method method, Comparison comparison) {}

    /**
     * Calibrates, writes {@value #FILE} and {@value #RECORD} (each a temporary file renamed when
     * complete), and compares when asked.
     *
     * @throws InputException if the model or a folder is unusable
     */
    public static Result run(Options o) {
        ModelDirectory.Stored stored = ModelDirectory.read(o.model());
        ModelInfo info = stored.info();
        EvalTransform transform = new EvalTransform(info.preset());
        int size = info.preset().crop();
        List<Path> found = Predictor.collect(List.of(o.calibration())).images();
        if (found.isEmpty()) {
            throw new InputException("no calibration images under " + o.calibration());
        }
        List<Path> chosen = spread(found, o.images());
        float[] pixels = preprocess(chosen, transform, size, o.threads());
        InferencePlan plan = InferencePlan.of(info.config());
        HostValues values = new HostValues(ModelWeights.values(stored.weights()));
        List<float[]> ranges = Int8Calibration.ranges(plan, values, pixels, chosen.size(), size, o.method(), o.threads());
        Map<String, String> metadata = new LinkedHashMap<>(Export.metadata(info));
        metadata.put("ferry.quantization", "int8 QDQ, " + o.method().name().toLowerCase(Locale.ROOT) + ", " + chosen.size()
                + " calibration images");
        OnnxExport.Settings settings = new OnnxExport.Settings(OnnxExport.MAX_OPSET, true, true, 0, null, metadata).int8(ranges);
        Path file = o.model().resolve(FILE);
        AtomicFiles.write(file, channel -> {
            OutputStream out = Channels.newOutputStream(channel);
            OnnxExport.write(plan, values, settings, out);
            out.flush();
        });
        // The record first (it vouches for the network the comparison opens), then with the comparison.
        Result r = new Result(file, chosen.size(), ranges.size(), o.method(), null);
        AtomicFiles.writeString(o.model().resolve(RECORD), ModelDirectory.gson().toJson(record(r, o)) + "\n");
        if (o.compare() != null) {
            r = new Result(file, chosen.size(), ranges.size(), o.method(), compare(o.model(), info.classes(), o.compare(), transform,
                    size, o.threads()));
            AtomicFiles.writeString(o.model().resolve(RECORD), ModelDirectory.gson().toJson(record(r, o)) + "\n");
        }
        return r;
    }

    /**
     * Checks that the int8 network of {@code dir} was made from its current weights.
     *
     * @throws InputException if it was not, or there is no record of how it was made
     */
    static void requireCurrent(Path dir) {
        Path record = dir.resolve(RECORD);
        String recorded = null;
        try {
            Map<?, ?> m = ModelDirectory.gson().fromJson(java.nio.file.Files.readString(record), Map.class);
            recorded = m == null ? null : (String) m.get("weightsSha256");
        } catch (java.io.IOException | RuntimeException e) {
            // reported below
        }
        if (recorded == null) {
            throw new InputException("the int8 network has no readable record (" + record + "): run ferry quantize again");
        }
        if (!recorded.equals(Export.sha256(dir.resolve(ModelDirectory.WEIGHTS)))) {
            throw new InputException("the int8 network (" + dir.resolve(FILE) + ") was made from other weights than the model's"
                    + " (it was trained again since): run ferry quantize again");
        }
    }

    private static Map<String, Object> record(Result r, Options o) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", FILE);
        m.put("method", r.method().name().toLowerCase(Locale.ROOT));
        m.put("calibration", o.calibration().toString());
        m.put("calibrationImages", r.calibrationImages());
        m.put("quantizedActivations", r.points());
        m.put("comparison", r.comparison());
        // What the int8 network was made from: a retrained model's int8 network is refused.
        m.put("weightsSha256", Export.sha256(o.model().resolve(ModelDirectory.WEIGHTS)));
        return m;
    }

    /** At most {@code n} of {@code files}, evenly spread (every class of a sorted folder is reached). */
    static List<Path> spread(List<Path> files, int n) {
        if (files.size() <= n) {
            return files;
        }
        List<Path> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(files.get((int) ((long) i * files.size() / n)));
        }
        return out;
    }

    private static float[] preprocess(List<Path> files, EvalTransform transform, int size, int threads) {
        int per = 3 * size * size;
        float[] out = new float[Math.multiplyExact(files.size(), per)];
        java.util.concurrent.ExecutorService pool = dev.ferry.platform.DaemonThreads.fixedPool("ferry-quantize-decode", threads);
        try {
            List<java.util.concurrent.Future<float[]>> done = new ArrayList<>();
            for (Path p : files) {
                done.add(pool.submit(() -> transform.apply(ImageDecoder.decode(p, transform.exifTranspose()))));
            }
            for (int i = 0; i < done.size(); i++) {
                System.arraycopy(dev.ferry.Futures.await(done.get(i), "decoding images"), 0, out, i * per, per);
            }
        } finally {
            pool.shutdownNow();
        }
        return out;
    }

    private static Comparison compare(Path model, List<String> classes, Path folder, EvalTransform transform, int size,
                                      int threads) {
        ImageFolder data = ImageFolder.scan(folder);
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (Sample s : data.samples()) {
            int c = classes.indexOf(data.classes().get(s.label()));
            if (c < 0) {
                throw new InputException("class folder '" + data.classes().get(s.label()) + "' (" + folder
                        + ") is not one of the model's classes " + classes);
            }
            files.add(s.path());
            labels.add(c);
        }
        float[] pixels = preprocess(files, transform, size, threads);
        int n = files.size();
        int k = classes.size();
        try (Networks.Open f = Networks.openModel(model, null, threads, false);
             Networks.Open q = Networks.openModel(model, null, threads, true)) {
            float[] pf = probabilities(f, pixels, n, size);
            float[] pq = probabilities(q, pixels, n, size);
            int rightF = 0;
            int rightQ = 0;
            int agree = 0;
            double maxDiff = 0;
            for (int i = 0; i < n; i++) {
                int af = ClassificationMetrics.argmax(java.util.Arrays.copyOfRange(pf, i * k, (i + 1) * k));
                int aq = ClassificationMetrics.argmax(java.util.Arrays.copyOfRange(pq, i * k, (i + 1) * k));
                rightF += af == labels.get(i) ? 1 : 0;
                rightQ += aq == labels.get(i) ? 1 : 0;
                agree += af == aq ? 1 : 0;
                for (int c = 0; c < k; c++) {
                    maxDiff = Math.max(maxDiff, Math.abs(pf[i * k + c] - pq[i * k + c]));
                }
            }
            return new Comparison(n, (double) rightF / n, (double) rightQ / n, (double) agree / n, maxDiff,
                    speed(f.network(), pixels, n, size), speed(q.network(), pixels, n, size));
        }
    }

    private static float[] probabilities(Networks.Open net, float[] pixels, int n, int size) {
        return Inference.requireFinite(Softmax.rows(Softmax.divide(net.network().forward(pixels, n, size, size),
                net.temperature()), n));
    }

    /** Images/s of forward passes of {@value #SPEED_BATCH} images, after one untimed pass, over at least 2 s. */
    private static double speed(InferenceNetwork net, float[] pixels, int n, int size) {
        int per = 3 * size * size;
        float[] batch = new float[SPEED_BATCH * per];
        for (int i = 0; i < SPEED_BATCH; i++) {
            System.arraycopy(pixels, (i % n) * per, batch, i * per, per);
        }
        net.forward(batch, SPEED_BATCH, size, size);
        long start = System.nanoTime();
        int passes = 0;
        while (passes < 3 || System.nanoTime() - start < 2_000_000_000L) {
            net.forward(batch, SPEED_BATCH, size, size);
            passes++;
        }
        return passes * SPEED_BATCH / ((System.nanoTime() - start) / 1e9);
    }
}
