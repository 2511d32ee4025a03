package dev.ferry.cli;

import dev.ferry.InputException;
import picocli.CommandLine.Option;

/** {@code --threads}, shared by the commands that decode images: one default, one check. */
final class ThreadsOption {

    @Option(names = "--threads", description = "Decoding threads (default: the number of cores).")
    Integer threads;

    /** The thread count given, or the number of cores. */
    int resolve() {
        if (threads != null && threads < 1) {
            throw new InputException("--threads must be at least 1, got " + threads);
        }
        return threads != null ? threads : Math.max(1, Runtime.getRuntime().availableProcessors());
    }
}
