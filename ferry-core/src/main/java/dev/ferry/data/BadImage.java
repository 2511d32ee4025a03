package dev.ferry.data;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A file that cannot be used as a training or evaluation image, and why.
 *
 * @param path   the file
 * @param kind   the category of problem (stable, for programs and tests)
 * @param reason one line for people, e.g. {@code "empty file (0 bytes)"}
 */
public record BadImage(Path path, Kind kind, String reason) {

    /** What is wrong with a file. */
    public enum Kind {
        /** Zero bytes long. */
        EMPTY,
        /** The content is not JPEG, PNG, BMP, GIF, WebP or TIFF, whatever the extension says. */
        NOT_AN_IMAGE,
        /** A recognised format, but a variant that ferry (like Pillow) cannot decode. */
        UNSUPPORTED,
        /** More pixels than Pillow's decompression-bomb limit; rejected from the header alone. */
        TOO_LARGE,
        /** Truncated or damaged image data. */
        CORRUPT,
        /** The file could not be read at all (missing, permissions, I/O error). */
        UNREADABLE
    }

    /** Checks that all fields are present. */
    public BadImage {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(reason, "reason");
    }

    /** {@code "<path>: <reason>"}, the form used in messages and reports. */
    @Override
    public String toString() {
        return path + ": " + reason;
    }
}
