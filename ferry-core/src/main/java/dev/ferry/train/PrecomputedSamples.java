package dev.ferry.train;

/**
 * The samples of features computed before the run ({@link FeatureCache#of}, given to
 * {@link Trainer#withFeatures}): their classes and the shape of the images the features came
 * from, but no images. The trainer's cached phases read only the labels; loading refuses, as
 * there is nothing to load.
 */
public final class PrecomputedSamples implements SampleSource {
    private final int[] labels;
    private final int[] shape;

    /**
     * @param labels per sample, its class index (copied)
     * @param shape {C, H, W} of the images the features were computed from
     */
    public PrecomputedSamples(int[] labels, int[] shape) {
        if (shape.length != 3) {
            throw new IllegalArgumentException("a sample shape is {C, H, W}, got " + shape.length + " values");
        }
        this.labels = labels.clone();
        this.shape = shape.clone();
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public int label(int index) {
        return labels[index];
    }

    @Override
    public int[] sampleShape() {
        return shape.clone();
    }

    /** @throws UnsupportedOperationException always: only the features of these samples are at hand */
    @Override
    public void load(int[] indices, boolean augment, long seed, int epoch, float[] dst) {
        throw new UnsupportedOperationException("the images of precomputed features are not at hand; train on their features");
    }
}
