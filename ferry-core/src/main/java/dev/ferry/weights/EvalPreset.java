package dev.ferry.weights;

import java.util.Arrays;

/**
 * The evaluation preprocessing torchvision's {@code ImageClassification} preset applies for a set
 * of weights: resize the shorter side to {@code resizeSize} (bilinear, antialiased), center-crop
 * {@code cropSize} x {@code cropSize}, scale to [0, 1], then normalise each RGB channel with
 * {@code mean} and {@code std}.
 *
 * @param resizeSize target length of the shorter image side before cropping
 * @param cropSize side of the square center crop
 * @param mean per-channel mean, RGB order (a copy is returned)
 * @param std per-channel standard deviation, RGB order (a copy is returned)
 */
public record EvalPreset(int resizeSize, int cropSize, float[] mean, float[] std) {
    /** ImageNet channel means used by every torchvision classification model. */
    private static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    /** ImageNet channel standard deviations used by every torchvision classification model. */
    private static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    /** torchvision's preset for the original (V1) weights: resize 256, crop 224. */
    public static final EvalPreset IMAGENET_V1 = new EvalPreset(256, 224, IMAGENET_MEAN, IMAGENET_STD);
    /** torchvision's preset for the new-recipe (V2) weights: resize 232, crop 224. */
    public static final EvalPreset IMAGENET_V2 = new EvalPreset(232, 224, IMAGENET_MEAN, IMAGENET_STD);

    /** Checks sizes and copies the channel statistics. */
    public EvalPreset {
        if (resizeSize < cropSize || cropSize <= 0) {
            throw new IllegalArgumentException("need 0 < crop <= resize, got resize " + resizeSize + ", crop " + cropSize);
        }
        if (mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("mean and std need one value per RGB channel");
        }
        mean = mean.clone();
        std = std.clone();
    }

    /** Per-channel mean (a copy). */
    @Override
    public float[] mean() {
        return mean.clone();
    }

    /** Per-channel standard deviation (a copy). */
    @Override
    public float[] std() {
        return std.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof EvalPreset p && resizeSize == p.resizeSize && cropSize == p.cropSize
                && Arrays.equals(mean, p.mean) && Arrays.equals(std, p.std);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * resizeSize + cropSize) + 17 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "EvalPreset[resize " + resizeSize + ", crop " + cropSize + ", mean " + Arrays.toString(mean)
                + ", std " + Arrays.toString(std) + "]";
    }
}
