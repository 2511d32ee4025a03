package dev.ferry.cli;

import dev.ferry.train.PresetOverride;
import picocli.CommandLine.Option;

/** The preprocessing overrides shared by the commands that train ({@code train}, {@code lr-find}). */
final class PresetOptions {

    @Option(names = "--resize", description = "Override the preset: resize the shorter side to R (0: no resize).")
    Integer resize;

    @Option(names = "--crop", description = "Override the preset: center/random crop size.")
    Integer crop;

    @Option(names = "--mean", split = ",", arity = "1..3", description = "Override the preset: per-channel mean (one value is used for all three).")
    float[] mean;

    @Option(names = "--std", split = ",", arity = "1..3", description = "Override the preset: per-channel std.")
    float[] std;

    /** The overrides as a value (empty when none was given). */
    PresetOverride override() {
        return new PresetOverride(resize, crop, mean, std);
    }
}
