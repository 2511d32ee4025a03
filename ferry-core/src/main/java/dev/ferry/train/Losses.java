package dev.ferry.train;

import ai.djl.ndarray.NDArray;

/** Loss functions on logits. */
public final class Losses {
    private Losses() {}

    /**
     * Mean cross-entropy with label smoothing, as torch's {@code cross_entropy(label_smoothing=e)}:
     * {@code -(1 - e) * log p[y] - e / K * sum_k log p[k]}.
     *
     * @param logits N x K
     * @param labels N class indices (int32 or int64)
     * @param smoothing 0 for plain cross-entropy
     */
    public static NDArray crossEntropy(NDArray logits, NDArray labels, double smoothing) {
        long k = logits.getShape().get(1);
        NDArray logp = logits.logSoftmax(1);
        NDArray nll = logp.mul(labels.oneHot((int) k)).sum(new int[] {1}).neg();
        if (smoothing <= 0) {
            return nll.mean();
        }
        NDArray uniform = logp.mean(new int[] {1}).neg();
        return nll.mul(1 - smoothing).add(uniform.mul(smoothing)).mean();
    }
}
