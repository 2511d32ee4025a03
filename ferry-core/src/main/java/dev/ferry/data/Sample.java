package dev.ferry.data;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One image of a dataset and its class.
 *
 * @param path  the image file
 * @param label the class index into the dataset's sorted class list
 */
public record Sample(Path path, int label) {

    /** Checks the path is present and the label non-negative. */
    public Sample {
        Objects.requireNonNull(path, "path");
        if (label < 0) {
            throw new IllegalArgumentException("label must be >= 0, got " + label);
        }
    }
}
