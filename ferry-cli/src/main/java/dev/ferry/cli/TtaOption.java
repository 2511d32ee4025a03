package dev.ferry.cli;

import picocli.CommandLine.Option;

/** {@code --tta}, shared by the commands that classify images: test-time augmentation by mirroring. */
final class TtaOption {
    @Option(names = "--tta", description = "Test-time augmentation: average each image's probabilities with its "
            + "mirror image's (flipped left to right; two forward passes per image).")
    boolean tta;
}
