package dev.ferry.train;

/** How training compensates for classes with fewer images ({@link TrainConfig#balance()}). */
public enum Balance {
    /** Every image counts once per epoch and every class alike in the loss. */
    OFF,
    /**
     * Class-weighted cross-entropy, class {@code c} weighted {@code N / (K * n_c)} (scikit-learn's
     * "balanced"), normalised as PyTorch's {@code CrossEntropyLoss(weight=...)} with mean reduction
     * (see {@link Losses#softCrossEntropy}).
     */
    WEIGHTS,
    /**
     * Each epoch draws {@code N} images with replacement, each with probability proportional to
     * {@code 1 / n_c} of its class (PyTorch's {@code WeightedRandomSampler}); the loss is unweighted.
     */
    SAMPLER
}
