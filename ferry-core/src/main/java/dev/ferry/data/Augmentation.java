package dev.ferry.data;

/**
 * Training augmentation settings, as data (stored with a run's configuration; Gson-friendly).
 *
 * @param kind           which geometric augmentation to apply
 * @param scaleMin       RANDOM_RESIZED_CROP: lower bound of the area fraction
 * @param scaleMax       RANDOM_RESIZED_CROP: upper bound of the area fraction
 * @param ratioMin       RANDOM_RESIZED_CROP: lower bound of the aspect ratio
 * @param ratioMax       RANDOM_RESIZED_CROP: upper bound of the aspect ratio
 * @param maxShift       PAD_AND_SHIFT: largest translation in pixels, each axis (0 for others)
 * @param horizontalFlip mirror left-right with probability 0.5 (torchvision RandomHorizontalFlip)
 */
public record Augmentation(Kind kind, double scaleMin, double scaleMax, double ratioMin, double ratioMax,
                           int maxShift, boolean horizontalFlip) {

    /** The geometric part of the training transform. */
    public enum Kind {
        /**
         * torchvision's ImageNet recipe: {@code RandomResizedCrop(crop)} (Pillow resampling with
         * the preset's filter); the preset's resize is not used.
         */
        RANDOM_RESIZED_CROP,
        /**
         * For small images: the eval Resize/CenterCrop, then a random translation by up to
         * {@code maxShift} pixels per axis with black filling the uncovered border (torchvision's
         * {@code RandomCrop(crop, padding=maxShift)} with fill 0).
         */
        PAD_AND_SHIFT,
        /** The eval Resize/CenterCrop only (flip still applies if enabled). */
        NONE
    }

    /** Validates the settings. */
    public Augmentation {
        if (kind == null) {
            throw new IllegalArgumentException("augmentation kind is missing");
        }
        if (maxShift < 0) {
            throw new IllegalArgumentException("augmentation maxShift must be >= 0, got " + maxShift);
        }
        if (kind == Kind.RANDOM_RESIZED_CROP) {
            // Reuse RandomResizedCrop's range checks so the messages match.
            new RandomResizedCrop(scaleMin, scaleMax, ratioMin, ratioMax);
        }
    }

    /** torchvision's ImageNet training augmentation: RandomResizedCrop defaults + horizontal flip. */
    public static Augmentation randomResizedCrop() {
        RandomResizedCrop d = RandomResizedCrop.defaults();
        return new Augmentation(Kind.RANDOM_RESIZED_CROP, d.scaleMin(), d.scaleMax(), d.ratioMin(), d.ratioMax(),
                0, true);
    }

    /** Pad-and-shift by up to {@code maxShift} pixels, with or without horizontal flips. */
    public static Augmentation padAndShift(int maxShift, boolean horizontalFlip) {
        return new Augmentation(Kind.PAD_AND_SHIFT, 0, 0, 0, 0, maxShift, horizontalFlip);
    }

    /** No geometric augmentation and no flip: training sees the eval pipeline. */
    public static Augmentation none() {
        return new Augmentation(Kind.NONE, 0, 0, 0, 0, 0, false);
    }

    /** The crop sampler for RANDOM_RESIZED_CROP. */
    public RandomResizedCrop randomResizedCropParams() {
        return new RandomResizedCrop(scaleMin, scaleMax, ratioMin, ratioMax);
    }
}
