package dev.ferry.data;

import dev.ferry.InputException;
import dev.ferry.Message;
import dev.ferry.Setting;
import java.util.List;

/**
 * A dataset contains bad image files; all of them are listed so the user can fix them in one go.
 *
 * <p>{@link #getMessage()} is one line: the count, the hint to use {@link Setting#SKIP_BAD}, and the first few
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

    private static Message message(List<BadImage> bad) {
        if (bad.isEmpty()) {
            throw new IllegalArgumentException("no bad images");
        }
        StringBuilder sb = new StringBuilder();
        sb.append(bad.size()).append(bad.size() == 1 ? " bad image" : " bad images")
                .append(" (fix or remove them, or pass ");
        StringBuilder rest = new StringBuilder(" to leave them out): ");
        for (int i = 0; i < Math.min(NAMED_IN_MESSAGE, bad.size()); i++) {
            if (i > 0) {
                rest.append("; ");
            }
            rest.append(bad.get(i));
        }
        if (bad.size() > NAMED_IN_MESSAGE) {
            rest.append("; and ").append(bad.size() - NAMED_IN_MESSAGE).append(" more");
        }
        return Message.of(sb, Setting.SKIP_BAD, rest);
    }
}
