package dev.ferry.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.ferry.model.InferenceNetwork;
import dev.ferry.model.ResNet;
import dev.ferry.model.Softmax;
import java.util.Arrays;

/**
 * Forward passes in inference mode over whole datasets, batch by batch, each batch in its own scope.
 *
 * <p>The network runs as an {@link InferenceNetwork}: its {@link dev.ferry.model.InferencePlan}
 * with every BatchNorm folded into its convolution, on the configured inference engine, built from
 * a live network's current weights at each call or handed in ready (from a weights file). In
 * inference mode that is the same function (to float rounding) and markedly faster. Softmax and
 * loss are computed on the host in double precision.
 */
public final class Inference {
    private Inference() {}

    /**
     * Softmax probabilities and mean loss of {@code net} over {@code source} (eval transform), on a
     * BN-folded snapshot of its current weights on the inference engine.
     */
    public static Evaluation evaluate(ResNet net, SampleSource source, int batchSize, NDManager manager) {
        try (InferenceNetwork inference = InferenceNetwork.of(net, manager)) {
            return evaluate(inference, source, batchSize);
        }
    }

    /**
     * Softmax probabilities and mean loss of {@code net} over {@code source} (eval transform), all on
     * host arrays: nothing here needs libtorch.
     */
    public static Evaluation evaluate(InferenceNetwork net, SampleSource source, int batchSize) {
        return evaluate(net, source, batchSize, 1.0, false);
    }

    /**
     * As {@link #evaluate(InferenceNetwork, SampleSource, int)} with the logits divided by
     * {@code temperature} (a model's calibration) before softmax and loss; with {@code mirror},
     * each image's probabilities averaged with its mirror image's ({@link TestTime}) and the loss
     * that of the averaged probabilities.
     */
    public static Evaluation evaluate(InferenceNetwork net, SampleSource source, int batchSize, double temperature,
                                      boolean mirror) {
        int n = source.size();
        int[] shape = source.sampleShape();
        int per = shape[0] * shape[1] * shape[2];
        int k = net.config().numClasses();
        float[][] probs = new float[n][];
        int[] labels = new int[n];
        double lossSum = 0;
        for (int start = 0; start < n; start += batchSize) {
            int count = Math.min(batchSize, n - start);
            int[] idx = range(start, count);
            float[] pixels = new float[count * per];
            source.load(idx, false, 0, 0, pixels);
            int[] y = new int[count];
            for (int i = 0; i < count; i++) {
                y[i] = source.label(idx[i]);
            }
            Scored scored = score(net, pixels, count, shape[1], shape[2], temperature, mirror, y);
            float[] p = scored.probabilities();
            for (int i = 0; i < count; i++) {
                probs[idx[i]] = Arrays.copyOfRange(p, i * k, (i + 1) * k);
                labels[idx[i]] = y[i];
            }
            lossSum += scored.lossSum();
        }
        return new Evaluation(probs, labels, lossSum / n);
    }

    /**
     * One batch's probabilities and summed loss.
     *
     * @param probabilities N x K, row-major
     * @param lossSum {@code sum_i -log p[i][y_i]}
     */
    public record Scored(float[] probabilities, double lossSum) {}

    /**
     * Scores a batch of N preprocessed images against their labels {@code y}: the logits divided by
     * {@code temperature}, then softmax; with {@code mirror}, each image's probabilities averaged
     * with its mirror image's ({@link TestTime}). Without mirroring the loss comes from the logits
     * (exact in double precision); with it, from the averaged probabilities, the only thing there
     * is to score.
     */
    public static Scored score(InferenceNetwork net, float[] pixels, int n, int height, int width, double temperature,
                               boolean mirror, int[] y) {
        if (mirror) {
            float[] p = TestTime.probabilities(net, pixels, n, height, width, temperature, true);
            return new Scored(p, negativeLogSum(p, net.config().numClasses(), y));
        }
        float[] logits = Softmax.divide(net.forward(pixels, n, height, width), temperature);
        return new Scored(Softmax.rows(logits, n), Softmax.crossEntropySum(logits, n, y));
    }

    /** The same over cached backbone features (head only). */
    public static Evaluation evaluateCached(
            ResNet net, FeatureCache cache, SampleSource source, int batchSize, NDManager manager) {
        int n = cache.size();
        float[][] probs = new float[n][];
        int[] labels = new int[n];
        double lossSum = 0;
        for (int start = 0; start < n; start += batchSize) {
            int count = Math.min(batchSize, n - start);
            int[] idx = range(start, count);
            try (NDManager step = manager.newSubManager()) {
                NDArray x = step.create(cache.batch(0, idx), new Shape(count, cache.dim()));
                lossSum += collect(net.forwardHead(x, false), source, idx, probs, labels, step);
            }
        }
        return new Evaluation(probs, labels, lossSum / n);
    }

    private static double collect(
            NDArray logits, SampleSource source, int[] idx, float[][] probs, int[] labels, NDManager step) {
        int k = (int) logits.getShape().get(1);
        float[] p = logits.softmax(1).toFloatArray();
        int[] y = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            probs[idx[i]] = Arrays.copyOfRange(p, i * k, (i + 1) * k);
            y[i] = source.label(idx[i]);
            labels[idx[i]] = y[i];
        }
        return Losses.crossEntropy(logits, step.create(y), 0).getFloat() * idx.length;
    }

    /**
     * {@code probabilities} if every value is finite; otherwise the network's weights are broken
     * (saved from a diverged training, or edited) and no answer computed from them is one.
     *
     * @throws FerryException saying so
     */
    public static float[] requireFinite(float[] probabilities) {
        for (float v : probabilities) {
            if (!Float.isFinite(v)) {
                throw new dev.ferry.FerryException(dev.ferry.Message.of("the network's outputs are not finite (NaN or "
                        + "infinity): its weights are broken, e.g. saved from a training that diverged; retrain with a lower ",
                        dev.ferry.Setting.LEARNING_RATE));
            }
        }
        return probabilities;
    }

    /** {@code sum_i -log p[i][y_i]} over rows of {@code k} probabilities (a zero counts as the smallest float). */
    private static double negativeLogSum(float[] p, int k, int[] y) {
        double total = 0;
        for (int i = 0; i < y.length; i++) {
            total -= Math.log(Math.max(p[i * k + y[i]], Float.MIN_VALUE));
        }
        return total;
    }

    private static int[] range(int start, int count) {
        int[] idx = new int[count];
        for (int i = 0; i < count; i++) {
            idx[i] = start + i;
        }
        return idx;
    }
}
