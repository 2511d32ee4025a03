package dev.ferry.eval;

import java.util.List;

/** Hand-made evaluations whose metrics the tests work out by hand. */
final class Fixtures {
    private Fixtures() {}

    static final List<String> PETS = List.of("cat", "dog", "bird");

    /**
     * 3 classes, 10 samples. Predictions (argmax) are 0,0,0,1 | 1,1,0 | 2,2,1, so the confusion
     * matrix is
     *
     * <pre>
     *        cat dog bird
     * cat     3   1   0
     * dog     1   2   0
     * bird    0   1   2
     * </pre>
     *
     * Sample 6 is a tie between cat and dog (0.45 each) that must go to cat, the lower index.
     */
    static final int[] PET_LABELS = {0, 0, 0, 0, 1, 1, 1, 2, 2, 2};

    static final float[][] PET_PROBS = {
        {0.8f, 0.1f, 0.1f},
        {0.6f, 0.3f, 0.1f},
        {0.5f, 0.2f, 0.3f},
        {0.3f, 0.6f, 0.1f},
        {0.2f, 0.7f, 0.1f},
        {0.1f, 0.5f, 0.4f},
        {0.45f, 0.45f, 0.1f},
        {0.1f, 0.1f, 0.8f},
        {0.2f, 0.2f, 0.6f},
        {0.05f, 0.75f, 0.2f},
    };

    static final double PET_LOSS = 0.6123;

    static ClassificationMetrics pets() {
        return ClassificationMetrics.compute(PET_LABELS, PET_PROBS, PETS, PET_LOSS);
    }

    /** The pets evaluation with the given class names instead of cat/dog/bird. */
    static ClassificationMetrics pets(List<String> names) {
        return ClassificationMetrics.compute(PET_LABELS, PET_PROBS, names, PET_LOSS);
    }
}
