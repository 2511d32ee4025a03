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
        PERCENTILE
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
        long[][] histograms = method == Method.PERCENTILE ? new long[k][BINS] : null;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(Math.max(1, threads));
            options.setInterOpNumThreads(1);
            try (OrtSession session = env.createSession(model.toByteArray(), options)) {
                int passes = method == Method.PERCENTILE ? 2 : 1;
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
                            float lo = minMax[i][0];
                            float width = (minMax[i][1] - lo) / BINS;
                            long[] h = histograms[i];
                            while (fb.hasRemaining()) {
                                int b = width > 0 ? (int) ((fb.get() - lo) / width) : 0;
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
            out.add(method == Method.PERCENTILE ? percentiles(minMax[i], histograms[i]) : minMax[i].clone());
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
