package dev.ferry.data;

import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The training pipeline: an {@link Augmentation} (RandomResizedCrop, pad-and-shift or none),
 * RandomHorizontalFlip(0.5) if enabled, then ToTensor + Normalize with the preset's mean/std.
 * Output is always {@code crop x crop}.
 *
 * <p>Random draws happen in a fixed order (crop box or shift, then the flip) from the generator
 * passed in, so a sample's result depends only on that generator's seed.
 *
 * @param preset       resize/crop/normalization settings (shared with evaluation)
 * @param augmentation what randomness to add
 */
public record TrainTransform(Preset preset, Augmentation augmentation) implements SampleTransform {

    /** Checks both parts are present. */
    public TrainTransform {
        Objects.requireNonNull(preset, "preset");
        Objects.requireNonNull(augmentation, "augmentation");
    }

    @Override
    public int outputHeight() {
        return preset.crop();
    }

    @Override
    public int outputWidth() {
        return preset.crop();
    }

    /** The augmented 8-bit image before ToTensor/Normalize. */
    public RgbImage augment(RgbImage image, SplittableRandom random) {
        Objects.requireNonNull(random, "random");
        int size = preset.crop();
        RgbImage out = switch (augmentation.kind()) {
            case RANDOM_RESIZED_CROP -> {
                CropBox box = augmentation.randomResizedCropParams().sample(image.width(), image.height(), random);
                yield Torchvision.resizedCrop(image, box, size, preset.interpolation());
            }
            case PAD_AND_SHIFT -> {
                RgbImage base = new EvalTransform(preset).resizeAndCrop(image);
                int n = augmentation.maxShift();
                // RandomCrop(size, padding=n): a window at (i, j) in [0, 2n]^2 of the padded image,
                // i.e. the original shifted by (n - j, n - i).
                int i = random.nextInt(2 * n + 1);
                int j = random.nextInt(2 * n + 1);
                yield base.crop(j - n, i - n, size, size);
            }
            case NONE -> new EvalTransform(preset).resizeAndCrop(image);
        };
        // torchvision RandomHorizontalFlip: flip if torch.rand(1) < p.
        if (augmentation.horizontalFlip() && random.nextDouble() < 0.5) {
            out = out.flipHorizontal();
        }
        return out;
    }

    @Override
    public void apply(RgbImage image, SplittableRandom random, float[] dst, int offset) {
        Torchvision.toNormalizedTensor(augment(image, random), preset.mean(), preset.std(), dst, offset);
    }

    @Override
    public boolean exifTranspose() {
        return preset.exifTranspose();
    }
}
