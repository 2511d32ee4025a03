package dev.ferry.cli;

import dev.ferry.train.PresetOverride;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The preprocessing overrides shared by the commands that train ({@code train}, {@code lr-find}). */
final class PresetOptions {

    @Option(names = "--resize", description = "Override the preset: resize the shorter side to R (0: no resize).")
    Integer resize;

    @Option(names = "--crop", description = "Override the preset: center/random crop size.")
    Integer crop;

    // One value per option (a repeated --mean is an error, not a concatenation): "0.5" for all
    // three channels or "0.485,0.456,0.406".
    @Option(names = "--mean", paramLabel = "M|R,G,B", converter = ChannelValues.class,
            description = "Override the preset: per-channel mean, one value for all three channels or R,G,B.")
    Channels mean;

    @Option(names = "--std", paramLabel = "S|R,G,B", converter = ChannelValues.class,
            description = "Override the preset: per-channel std, one value or R,G,B.")
    Channels std;

    @Option(names = "--exif-transpose", description = "Turn images as their EXIF orientation says before resizing "
            + "(Pillow's ImageOps.exif_transpose; torchvision's loader, and ferry by default, ignore it). "
            + "Stored with the model: predict and evaluate then do the same.")
    Boolean exifTranspose;

    /** The overrides as a value (empty when none was given). */
    PresetOverride override() {
        return new PresetOverride(resize, crop, mean == null ? null : mean.values(), std == null ? null : std.values(), exifTranspose);
    }

    /** Per-channel values of one option: one for all channels, or three. */
    record Channels(float[] values) {}

    /** {@code 0.5} or {@code 0.485,0.456,0.406}: one or three finite numbers. */
    static final class ChannelValues implements CommandLine.ITypeConverter<Channels> {
        @Override
        public Channels convert(String value) {
            String[] parts = value.split(",", -1);
            if (parts.length != 1 && parts.length != 3) {
                throw new CommandLine.TypeConversionException("expected one value or three (R,G,B), got '" + value + "'");
            }
            float[] out = new float[parts.length];
            for (int i = 0; i < parts.length; i++) {
                try {
                    out[i] = Float.parseFloat(parts[i].trim());
                } catch (NumberFormatException e) {
                    throw new CommandLine.TypeConversionException("'" + parts[i].trim() + "' is not a number in '" + value + "'");
                }
                if (!Float.isFinite(out[i])) {
                    throw new CommandLine.TypeConversionException("'" + parts[i].trim() + "' is not a finite number");
                }
            }
            return new Channels(out);
        }
    }
}
