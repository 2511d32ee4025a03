package dev.ferry.model;

import ai.djl.ndarray.NDManager;
import dev.ferry.InputException;
import java.util.Locale;

/**
 * A network that only predicts, on host arrays: the BN-folded copy of a {@link ResNet} on the
 * configured inference engine. Evaluation and prediction, the feature cache and the
 * benchmarks use it whenever the network is not training.
 *
 * <p>The engine is ONNX Runtime ({@link OrtResNet}, the faster) unless the system property {@code
 * ferry.inference} says {@code libtorch} ({@link FusedResNet}); both compute the inference-mode
 * function of the network to float rounding.
 */
public interface InferenceNetwork extends AutoCloseable {

    /** The inference engines. */
    enum Engine {
        ONNXRUNTIME,
        LIBTORCH;

        /** The engine named by {@code -Dferry.inference=onnxruntime|libtorch} (default onnxruntime). */
        public static Engine configured() {
            String v = System.getProperty("ferry.inference", "onnxruntime").trim().toLowerCase(Locale.ROOT);
            return switch (v) {
                case "onnxruntime", "ort" -> ONNXRUNTIME;
                case "libtorch", "torch" -> LIBTORCH;
                default -> throw new InputException("ferry.inference must be onnxruntime or libtorch, got '" + v + "'");
            };
        }
    }

    /**
     * The intra-op thread count ferry's engines use: DJL's {@code ai.djl.pytorch.num_threads} when
     * set (the command line's thread setting), else one per available processor.
     */
    static int defaultThreads() {
        Integer t = Integer.getInteger("ai.djl.pytorch.num_threads");
        return t != null && t > 0 ? t : Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    /** The structure of the network (classes, feature dimension). */
    ResNetConfig config();

    /** Logits of {@code n} normalised images (N x 3 x H x W, row-major): N x classes, row-major. */
    float[] forward(float[] images, int n, int height, int width);

    /** Pooled backbone features of {@code n} images: N x featureDim, row-major. */
    float[] forwardFeatures(float[] images, int n, int height, int width);

    /** Frees the copy's native memory. */
    @Override
    void close();

    /**
     * A snapshot of {@code net}'s current weights on the configured engine.
     *
     * @param manager parent of the libtorch copy's arrays (unused by ONNX Runtime)
     */
    static InferenceNetwork of(ResNet net, NDManager manager) {
        return of(net, manager, Engine.configured());
    }

    /** A snapshot of {@code net}'s current weights on {@code engine}. */
    static InferenceNetwork of(ResNet net, NDManager manager, Engine engine) {
        return switch (engine) {
            case ONNXRUNTIME -> OrtResNet.of(net, defaultThreads());
            case LIBTORCH -> FusedResNet.of(net, manager);
        };
    }

    /**
     * {@code plan} with the values {@code values} returns for each state_dict key (typically a
     * weights file read on the host), on the configured engine. On ONNX Runtime, the default,
     * libtorch is never started: a process that only predicts or evaluates does not load it.
     *
     * @param threads intra-op threads
     * @throws IllegalArgumentException if a value is missing or has the wrong length
     */
    static InferenceNetwork of(InferencePlan plan, java.util.function.Function<String, float[]> values, int threads) {
        return switch (Engine.configured()) {
            case ONNXRUNTIME -> OrtResNet.of(plan, values, threads, false);
            case LIBTORCH -> FusedResNet.standalone(plan, values);
        };
    }
}
