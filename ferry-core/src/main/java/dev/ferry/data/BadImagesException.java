package dev.ferry.data;

import dev.ferry.InputException;
import java.util.List;

/**
 * A dataset contains bad image files; all of them are listed so the user can fix them in one go.
 *
 * <p>{@link #getMessage()} is one line: the count, the hint to use skip-bad, and the first few
 * files. A caller that wants one line per file prints {@link #badImages()}.
 */
public final class BadImagesException extends InputException {
    private static final long serialVersionUID = 1L;

    /** How many files the one-line message names before it says "and N more". */
    static final int NAMED_IN_MESSAGE = 3;

    private final transient List<BadImage> badImages;

    /**
     * @param badImages at least one bad file, in a deterministic order
     */
    public BadImagesException(List<BadImage> badImages) {
        super(message(badImages));
        this.badImages = List.copyOf(badImages);
    }

    /** Every bad file found, sorted by path. */
    public List<BadImage> badImages() {
        return badImages;
    }

    private static String message(List<BadImage> bad) {
        if (bad.isEmpty()) {
            throw new IllegalArgumentException("no bad images");
        }
        StringBuilder sb = new StringBuilder();
        sb.append(bad.size()).append(bad.size() == 1 ? " bad image" : " bad images")
                .append(" (fix or remove them, or pass --skip-bad to leave them out): ");
        for (int i = 0; i < Math.min(NAMED_IN_MESSAGE, bad.size()); i++) {
            if (i > 0) {
                sb.append("; ");
            }
            sb.append(bad.get(i));
        }
        if (bad.size() > NAMED_IN_MESSAGE) {
            sb.append("; and ").append(bad.size() - NAMED_IN_MESSAGE).append(" more");
        }
        return sb.toString();
    }
}
