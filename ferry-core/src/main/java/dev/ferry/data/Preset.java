package dev.ferry.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * How images are prepared for a model: torchvision's eval pipeline
 * {@code Resize(resize) -> CenterCrop(crop) -> ToTensor() -> Normalize(mean, std)}, as data. It is
 * stored in model.json so that prediction prepares images exactly as training did; it round-trips
 * through Gson as {@code {"resize":256,"crop":224,"mean":[...],"std":[...],"interpolation":"BILINEAR"}}.
 *
 * <p>Grey and palette images need no setting: decoding always yields RGB (grey replicated), as
 * PIL's {@code convert("RGB")} in torchvision's ImageFolder loader does.
 *
 * @param resize        target of the shorter side before cropping; 0 = no resize
 * @param crop          side of the square centre crop (and of training crops); the model input size
 * @param mean          per-channel mean (R, G, B) subtracted after scaling to 0..1
 * @param std           per-channel standard deviation (R, G, B) divided by, all positive
 * @param interpolation resampling filter for Resize and RandomResizedCrop; null in JSON means
 *                      BILINEAR, torchvision's default
 * @param exifTranspose turn each image upright by its EXIF orientation before resizing (Pillow's
 *                      {@code ImageOps.exif_transpose}); torchvision's loader does not, so it is
 *                      false by default, for every known weights' preset and when absent in JSON
 */
public record Preset(int resize, int crop, float[] mean, float[] std, Interpolation interpolation, boolean exifTranspose) {

    /** A preset that leaves the EXIF orientation alone, as torchvision does. */
    public Preset(int resize, int crop, float[] mean, float[] std, Interpolation interpolation) {
        this(resize, crop, mean, std, interpolation, false);
    }

    private static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    /** Validates the values and copies the arrays (so a preset cannot change once built). */
    public Preset {
        if (resize < 0) {
            throw new IllegalArgumentException("preset resize must be 0 (none) or positive, got " + resize);
        }
        if (crop < 1) {
            throw new IllegalArgumentException("preset crop must be positive, got " + crop);
        }
        mean = checkTriple("mean", mean);
        std = checkTriple("std", std);
        for (float s : std) {
            if (!(s > 0f) || Float.isInfinite(s)) {
                throw new IllegalArgumentException("preset std values must be positive, got " + Arrays.toString(std));
            }
        }
        for (float m : mean) {
            if (!Float.isFinite(m)) {
                throw new IllegalArgumentException("preset mean values must be finite, got " + Arrays.toString(mean));
            }
        }
        if (interpolation == null) {
            interpolation = Interpolation.BILINEAR;
        }
    }

    private static float[] checkTriple(String name, float[] values) {
        if (values == null || values.length != 3) {
            throw new IllegalArgumentException("preset " + name + " needs 3 values (R, G, B), got "
                    + (values == null ? "none" : Arrays.toString(values)));
        }
        return values.clone();
    }

    /**
     * torchvision's ImageNet "V1" weights: Resize(256), CenterCrop(224), ImageNet mean/std,
     * bilinear.
     */
    public static Preset imagenetV1() {
        return new Preset(256, 224, IMAGENET_MEAN, IMAGENET_STD, Interpolation.BILINEAR);
    }

    /**
     * torchvision's ImageNet "V2" weights for ResNet-50/101/152 (IMAGENET1K_V2): Resize(232),
     * CenterCrop(224), ImageNet mean/std, bilinear.
     */
    public static Preset imagenetV2() {
        return new Preset(232, 224, IMAGENET_MEAN, IMAGENET_STD, Interpolation.BILINEAR);
    }

    /**
     * ImageNet's mean and std with any resize, crop and filter: e.g. timm's eval preset for its
     * ResNet weights, {@code imagenet(235, 224, BICUBIC)} (crop_pct 0.95).
     */
    public static Preset imagenet(int resize, int crop, Interpolation interpolation) {
        return new Preset(resize, crop, IMAGENET_MEAN, IMAGENET_STD, interpolation);
    }

    /**
     * Small images used at their own size: no resize, a {@code size x size} centre crop (padding
     * with black if an image is smaller), and the same mean and std for all three channels (grey
     * images are replicated to RGB).
     */
    public static Preset small(int size, float mean, float std) {
        return new Preset(0, size, new float[] {mean, mean, mean}, new float[] {std, std, std},
                Interpolation.BILINEAR);
    }

    /** 28x28 grey images such as Fashion-MNIST: {@code small(28, 0.286f, 0.353f)}. */
    public static Preset small28() {
        return small(28, 0.286f, 0.353f);
    }

    /** This preset with EXIF orientation applied or not. */
    public Preset withExifTranspose(boolean e) {
        return new Preset(resize, crop, mean, std, interpolation, e);
    }

    /** The mean (R, G, B); a copy. */
    @Override
    public float[] mean() {
        return mean.clone();
    }

    /** The std (R, G, B); a copy. */
    @Override
    public float[] std() {
        return std.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Preset p && p.resize == resize && p.crop == crop && Arrays.equals(p.mean, mean)
                && Arrays.equals(p.std, std) && p.interpolation == interpolation && p.exifTranspose == exifTranspose;
    }

    @Override
    public int hashCode() {
        return Objects.hash(resize, crop, Arrays.hashCode(mean), Arrays.hashCode(std), interpolation, exifTranspose);
    }

    @Override
    public String toString() {
        return "Preset[resize=" + resize + ", crop=" + crop + ", mean=" + Arrays.toString(mean) + ", std="
                + Arrays.toString(std) + ", interpolation=" + interpolation + (exifTranspose ? ", exifTranspose" : "") + "]";
    }
}
