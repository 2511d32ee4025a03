package dev.ferry.weights;

import dev.ferry.InputException;
import java.nio.file.Path;

/** Builds the one-line messages of this package: always "FILE: what is wrong". */
final class WeightsErrors {
    private WeightsErrors() {}

    /** An {@link InputException} about {@code file}; line breaks in {@code detail} become spaces. */
    static InputException bad(Path file, String detail) {
        return new InputException(file + ": " + oneLine(detail));
    }

    /** The file ended before a complete structure was read. */
    static InputException truncated(Path file, String where) {
        return bad(file, "file ends too early " + where + " (truncated or not fully downloaded?)");
    }

    /**
     * {@code text} with every run of whitespace (line breaks included) turned into one space and
     * other control characters (which a corrupt file can put into a name) shown as '?'.
     */
    static String oneLine(String text) {
        return text == null ? "" : text.replaceAll("\\s+", " ").replaceAll("\\p{Cntrl}", "?").trim();
    }
}
