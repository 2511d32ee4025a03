package dev.ferry.train;

import dev.ferry.InputException;
import dev.ferry.Message;
import dev.ferry.Setting;
import dev.ferry.data.Preset;

/**
 * User overrides of the preprocessing that comes with the weights (for data unlike ImageNet photos,
 * e.g. 28x28 grey images: resize 0, crop 28, mean 0.286, std 0.353). Null fields keep the weights'
 * value.
 *
 * @param resize shorter-side resize, 0 for none
 * @param crop crop size
 * @param mean one value for all channels, or three
 * @param std one value for all channels, or three
 * @param exifTranspose apply the EXIF orientation
 */
public record PresetOverride(Integer resize, Integer crop, float[] mean, float[] std, Boolean exifTranspose) {

    /** Overrides of the size and normalisation alone. */
    public PresetOverride(Integer resize, Integer crop, float[] mean, float[] std) {
        this(resize, crop, mean, std, null);
    }

    /** Whether anything is overridden. */
    public boolean isEmpty() {
        return resize == null && crop == null && mean == null && std == null && exifTranspose == null;
    }

    /** {@code base} with the overridden fields replaced. */
    public Preset apply(Preset base) {
        try {
            return new Preset(
                    resize != null ? resize : base.resize(),
                    crop != null ? crop : base.crop(),
                    mean != null ? triple(mean, Setting.MEAN) : base.mean(),
                    std != null ? triple(std, Setting.STD) : base.std(),
                    base.interpolation(),
                    exifTranspose != null ? exifTranspose : base.exifTranspose());
        } catch (IllegalArgumentException e) {
            throw new InputException(e.getMessage());
        }
    }

    private static float[] triple(float[] v, Setting name) {
        if (v.length == 1) {
            return new float[] {v[0], v[0], v[0]};
        }
        if (v.length != 3) {
            throw new InputException(Message.of(name, " takes 1 or 3 values, got ", v.length));
        }
        return v;
    }
}
