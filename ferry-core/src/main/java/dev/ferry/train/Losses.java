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

    /**
     * Cross-entropy against soft targets, weighted per class and normalised per sample:
     * {@code sum_i sum_k w_k t_ik (-log p_ik) / sum_i s_i}.
     *
     * <p>Unweighted ({@code classWeights} and {@code sampleWeights} null) it is timm's {@code
     * SoftTargetCrossEntropy}, the mean over the batch of {@code -sum_k t_ik log p_ik}. Weighted, with
     * {@code t} a smoothed one-hot and {@code s_i = w[y_i]}, it is exactly PyTorch's {@code
     * CrossEntropyLoss(weight=w, label_smoothing=e)} with mean reduction, which divides by the sum of
     * the targets' weights (not by N) and weights the smoothing term of class k by {@code w_k}. Mixed
     * targets take {@code s_i = lam * w[y_i] + (1 - lam) * w[y_partner]}, which reduces to it at
     * {@code lam = 1}.
     *
     * @param logits N x K
     * @param targets N x K target probabilities (rows summing to 1)
     * @param classWeights K class weights, or null for all 1
     * @param sampleWeights N normalising weights, or null to divide by N
     */
    public static NDArray softCrossEntropy(NDArray logits, NDArray targets, NDArray classWeights, NDArray sampleWeights) {
        NDArray logp = logits.logSoftmax(1);
        NDArray weighted = classWeights == null ? targets : targets.mul(classWeights.reshape(1, -1));
        NDArray total = logp.mul(weighted).sum().neg();
        return sampleWeights == null ? total.div(logits.getShape().get(0)) : total.div(sampleWeights.sum());
    }
}
