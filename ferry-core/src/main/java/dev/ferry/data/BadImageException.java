package dev.ferry.data;

import dev.ferry.InputException;

/**
 * One image file could not be decoded. The message is {@code "<path>: <reason>"} on one line; the
 * details are in {@link #badImage()}.
 */
public final class BadImageException extends InputException {
    private static final long serialVersionUID = 1L;

    /** The bad file; transient because records of {@link java.nio.file.Path} are not serializable. */
    private final transient BadImage badImage;

    /** Wraps the description of a bad file. */
    public BadImageException(BadImage badImage) {
        super(badImage.toString());
        this.badImage = badImage;
    }

    /** Wraps the description of a bad file, keeping the low-level cause for debugging. */
    public BadImageException(BadImage badImage, Throwable cause) {
        super(badImage.toString(), cause);
        this.badImage = badImage;
    }

    /** The file and what is wrong with it. */
    public BadImage badImage() {
        return badImage;
    }
}
