package dev.ferry.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.ferry.FerryException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The activation ranges static int8 quantization needs, measured on calibration images: the
 * network is exported with every quantization point as an output ({@link OnnxExport.Observe}),
 * run on ONNX Runtime over the images, and each point's values reduced by the {@link Method}.
 */
public final class Int8Calibration {
    private Int8Calibration() {}

    /** How a point's observed values become its range. */
    public enum Method {
        /** The smallest and largest value seen: nothing clipped, the coarsest steps. */
        MINMAX,
        /**
         * The 0.01th and 99.99th percentiles (from a 2,048-bin histogram over the min-max range, a
         * second pass): the rare extremes clipped, finer steps for everything else.
         */
        PERCENTILE,
        /**
         * The clipping threshold whose 128-level quantization of the |value| histogram loses the
         * least information (smallest KL divergence), TensorRT's entropy calibration; the range
         * is [-t, t] cut to what was observed.
         */
        ENTROPY
    }

    private static final int BINS = 2048;
    private static final double TAIL = 1e-4;
    private static final int CHUNK = 8;

    /**
     * The [min, max] of each quantization point of {@code plan} ({@link OnnxExport#observedOutputs}
     * order) over {@code images} (N x 3 x size x size, preprocessed).
     *
     * @param threads ONNX Runtime's intra-op threads
     */
    public static List<float[]> ranges(InferencePlan plan, Function<String, float[]> values, float[] images, int n, int size,
                                       Method method, int threads) {
        if (n < 1) {
            throw new IllegalArgumentException("calibration needs at least one image");
        }
        OnnxExport.Settings settings = new OnnxExport.Settings(OnnxExport.MAX_OPSET, true, true, size, null, Map.of())
                .observing();
        ByteArrayOutputStream model = new ByteArrayOutputStream();
        try {
            OnnxExport.write(plan, values, settings, model);
        } catch (IOException e) {
            throw new FerryException("cannot export the network for calibration (" + e.getMessage() + ")", e);
        }
        List<String> names = OnnxExport.observedOutputs(plan);
        int k = names.size();
        float[][] minMax = new float[k][];
        for (int i = 0; i < k; i++) {
            minMax[i] = new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        }
        long[][] histograms = method != Method.MINMAX ? new long[k][BINS] : null;
        boolean absolute = method == Method.ENTROPY;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(Math.max(1, threads));
            options.setInterOpNumThreads(1);
            try (OrtSession session = env.createSession(model.toByteArray(), options)) {
                int passes = method == Method.MINMAX ? 1 : 2;
                for (int pass = 0; pass < passes; pass++) {
                    int p = pass;
                    run(env, session, names, images, n, size, (i, fb) -> {
                        if (p == 0) {
                            while (fb.hasRemaining()) {
                                float v = fb.get();
                                if (v < minMax[i][0]) {
                                    minMax[i][0] = v;
                                }
                                if (v > minMax[i][1]) {
                                    minMax[i][1] = v;
                                }
                            }
                        } else {
                            // Entropy bins |value| over [0, max |value|]; percentile bins values over [min, max].
                            float lo = absolute ? 0f : minMax[i][0];
                            float hi = absolute ? Math.max(-minMax[i][0], minMax[i][1]) : minMax[i][1];
                            float width = (hi - lo) / BINS;
                            long[] h = histograms[i];
                            while (fb.hasRemaining()) {
                                float v = absolute ? Math.abs(fb.get()) : fb.get();
                                int b = width > 0 ? (int) ((v - lo) / width) : 0;
                                h[Math.max(0, Math.min(BINS - 1, b))]++;
                            }
                        }
                    });
                }
            }
        } catch (OrtException e) {
            throw new FerryException("ONNX Runtime failed during calibration (" + e.getMessage() + ")", e);
        }
        List<float[]> out = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            out.add(switch (method) {
                case MINMAX -> minMax[i].clone();
                case PERCENTILE -> percentiles(minMax[i], histograms[i]);
                case ENTROPY -> {
                    float maxAbs = Math.max(-minMax[i][0], minMax[i][1]);
                    float t = entropyThreshold(histograms[i]) * maxAbs / BINS;
                    yield new float[] {Math.max(minMax[i][0], -t), Math.min(minMax[i][1], t)};
                }
            });
        }
        return out;
    }

    private interface Sink {
        void accept(int point, FloatBuffer values);
    }

    private static void run(OrtEnvironment env, OrtSession session, List<String> names, float[] images, int n, int size,
                            Sink sink) throws OrtException {
        int per = 3 * size * size;
        for (int start = 0; start < n; start += CHUNK) {
            int count = Math.min(CHUNK, n - start);
            FloatBuffer x = FloatBuffer.wrap(images, start * per, count * per).slice();
            try (OnnxTensor t = OnnxTensor.createTensor(env, x, new long[] {count, 3, size, size});
                 OrtSession.Result r = session.run(Map.of(OnnxExport.INPUT, t), new HashSet<>(names))) {
                for (int i = 0; i < names.size(); i++) {
                    int point = i;
                    OnnxTensor v = (OnnxTensor) r.get(names.get(i)).orElseThrow(() ->
                            new IllegalStateException("no output " + names.get(point)));
                    sink.accept(i, v.getFloatBuffer());
                }
            }
        }
    }

    /** Quantization levels the entropy search compares against (TensorRT's 128). */
    private static final int LEVELS = 128;

    /**
     * The number of histogram bins to keep, from {@value #LEVELS} to all: for each candidate i, the
     * reference P is the first i bins with everything above folded into the last, Q is P merged
     * into {@value #LEVELS} levels and spread back over the non-empty bins, and the i of least
     * KL(P || Q) wins.
     */
    static int entropyThreshold(long[] histogram) {
        // The first bin is left out: after a ReLU it holds the exact zeros (half the values or
        // more), which every range represents exactly, and which would otherwise dominate P and
        // pull the threshold down to where the rest is crushed.
        long[] h = histogram.clone();
        h[0] = 0;
        int n = h.length;
        long total = 0;
        for (long c : h) {
            total += c;
        }
        if (total == 0) {
            return n;
        }
        int best = n;
        double bestKl = Double.POSITIVE_INFINITY;
        for (int i = LEVELS; i <= n; i++) {
            double[] p = new double[i];
            for (int b = 0; b < i; b++) {
                p[b] = h[b];
            }
            for (int b = i; b < n; b++) {
                p[i - 1] += h[b];
            }
            double[] q = new double[i];
            double step = (double) i / LEVELS;
            for (int l = 0; l < LEVELS; l++) {
                int from = (int) Math.floor(l * step);
                int to = l == LEVELS - 1 ? i : (int) Math.floor((l + 1) * step);
                double sum = 0;
                int nonEmpty = 0;
                for (int b = from; b < to; b++) {
                    sum += h[b];
                    nonEmpty += h[b] != 0 ? 1 : 0;
                }
                for (int b = from; b < to; b++) {
                    q[b] = h[b] != 0 && nonEmpty > 0 ? sum / nonEmpty : 0;
                }
            }
            double pSum = 0;
            double qSum = 0;
            for (int b = 0; b < i; b++) {
                pSum += p[b];
                qSum += q[b];
            }
            double kl = 0;
            for (int b = 0; b < i; b++) {
                if (p[b] > 0) {
                    double pp = p[b] / pSum;
                    double qq = q[b] > 0 ? q[b] / qSum : 1e-12;
                    kl += pp * Math.log(pp / qq);
                }
            }
            if (kl < bestKl) {
                bestKl = kl;
                best = i;
            }
        }
        return best;
    }

    /** The 0.01th and 99.99th percentiles from a histogram over [min, max]. */
    static float[] percentiles(float[] minMax, long[] histogram) {
        long total = 0;
        for (long c : histogram) {
            total += c;
        }
        float lo = minMax[0];
        float width = (minMax[1] - lo) / histogram.length;
        long cut = (long) Math.floor(total * TAIL);
        int first = 0;
        for (long seen = 0; first < histogram.length - 1 && seen + histogram[first] <= cut; first++) {
            seen += histogram[first];
        }
        int last = histogram.length - 1;
        for (long seen = 0; last > 0 && seen + histogram[last] <= cut; last--) {
            seen += histogram[last];
        }
        return new float[] {lo + first * width, lo + (last + 1) * width};
    }
}
