package dev.ferry.cli;

import picocli.CommandLine.Option;

/**
 * {@code --json} of the commands whose whole result is one JSON object ({@code demo}, {@code summary},
 * {@code doctor}, {@code inspect}, the {@code spark} jobs). The commands whose JSON has a shape of its own ({@code train}'s lines, {@code
 * predict}'s array) describe it in their own {@code --json}; for all of them stdout then holds the
 * JSON alone and every log line goes to stderr ({@link FerryCommand#err()}).
 */
final class JsonOption {

    @Option(names = "--json", description = "Print one JSON object on stdout.")
    boolean json;

    /** Whether {@code --json} was given. */
    boolean on() {
        return json;
    }
}
