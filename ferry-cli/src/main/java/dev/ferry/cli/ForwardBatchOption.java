package dev.ferry.cli;

import dev.ferry.InputException;
import picocli.CommandLine.Option;

/** {@code --batch-size} of the commands that only run the network forward ({@code evaluate}, {@code predict}). */
final class ForwardBatchOption {

    @Option(names = "--batch-size", defaultValue = "32", description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    /** The batch size, checked. */
    int resolve() {
        if (batchSize < 1) {
            throw new InputException("--batch-size must be at least 1, got " + batchSize);
        }
        return batchSize;
    }
}
