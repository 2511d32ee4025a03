package dev.ferry.data;

import java.util.SplittableRandom;

/**
 * Turns a decoded image into a normalized CHW float tensor of a fixed size. Implementations are
 * immutable and thread-safe; all randomness comes from the {@link SplittableRandom} passed in, so
 * results depend only on that generator's seed.
 */
public interface SampleTransform {

    /** Output height in pixels. */
    int outputHeight();

    /** Output width in pixels. */
    int outputWidth();

    /** Whether images are turned upright by their EXIF orientation when decoded for this transform. */
    default boolean exifTranspose() {
        return false;
    }

    /** Number of floats one sample occupies: {@code 3 * outputHeight() * outputWidth()}. */
    default int sampleSize() {
        return 3 * outputHeight() * outputWidth();
    }

    /**
     * Transforms {@code image} and writes {@link #sampleSize()} floats (CHW) into {@code dst} at
     * {@code offset}.
     *
     * @param random source of randomness for augmentation; deterministic transforms ignore it
     */
    void apply(RgbImage image, SplittableRandom random, float[] dst, int offset);

    /** Convenience: transforms into a new array. */
    default float[] apply(RgbImage image, SplittableRandom random) {
        float[] out = new float[sampleSize()];
        apply(image, random, out, 0);
        return out;
    }
}
