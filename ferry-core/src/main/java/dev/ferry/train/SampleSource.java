package dev.ferry.train;

/**
 * Labelled images the trainer can batch, already decoded and transformed to normalised CHW floats.
 * Implementations decide how (an image folder through the data pipeline, an in-memory array).
 */
public interface SampleSource {

    /** Number of samples. */
    int size();

    /** The class index of sample {@code index}. */
    int label(int index);

    /** Shape of one sample: {channels, height, width}. */
    int[] sampleShape();

    /**
     * Writes samples {@code indices} into {@code dst} (N x C x H x W, row-major).
     *
     * @param augment apply the training augmentation; its randomness must come only from {@code
     *     (seed, epoch, index)} so that runs repeat whatever the thread scheduling
     * @param epoch the epoch (or cached view) the augmentation draws for
     */
    void load(int[] indices, boolean augment, long seed, int epoch, float[] dst);
}
