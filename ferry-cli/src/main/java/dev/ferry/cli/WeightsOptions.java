package dev.ferry.cli;

import dev.ferry.model.Architecture;
import picocli.CommandLine.Option;

/**
 * The pretrained weights of the commands that build a network to train ({@code train},
 * {@code lr-find}): where they come from, the architecture they must have, and whether weights that
 * do not fit are loaded as far as they do.
 */
final class WeightsOptions {

    @Option(names = "--weights", paramLabel = "FILE|NAME",
            description = "Pretrained weights: a .pth/.safetensors file, a ferry model folder, or a name such as resnet50.IMAGENET1K_V2.")
    String weights;

    @Option(names = "--arch", converter = Converters.ArchitectureConverter.class,
            description = "Architecture (checked against the weights; needed for scratch without weights).")
    Architecture arch;

    @Option(names = "--lenient", description = "Load weights even if some keys are missing or mis-shaped (they are listed).")
    boolean lenient;
}
