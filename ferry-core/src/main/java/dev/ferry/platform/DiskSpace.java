package dev.ferry.platform;

import dev.ferry.InputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Free space, checked before work starts: a run that would fill the disk after an hour of
 * training is refused at once, naming what it needs and what is free.
 */
public final class DiskSpace {
    private DiskSpace() {}

    /**
     * Requires {@code bytes} of usable space on the file system holding {@code dir} (or its
     * deepest existing ancestor).
     *
     * @param what what the space is for, as the error should say it
     * @throws InputException when there is less
     */
    public static void require(Path dir, long bytes, String what) {
        Path existing = dir.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return; // nothing to measure: writing reports what is wrong
        }
        long usable;
        try {
            usable = Files.getFileStore(existing).getUsableSpace();
        } catch (IOException e) {
            return; // a file system that does not say: writing reports a full disk if it comes to that
        }
        check(dir, bytes, usable, what);
    }

    /** The comparison itself, with the usable space given. */
    static void check(Path dir, long bytes, long usable, String what) {
        if (usable < bytes) {
            throw new InputException("not enough free space for " + what + " in " + dir + ": it needs about "
                    + size(bytes) + ", " + size(usable) + " free");
        }
    }

    /** {@code 1.5 GB}, {@code 97 MB}, {@code 12 kB}: decimal units, as df -H prints them. */
    public static String size(long bytes) {
        if (bytes >= 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.1f GB", bytes / 1e9);
        } else if (bytes >= 1_000_000L) {
            return String.format(Locale.ROOT, "%.0f MB", bytes / 1e6);
        }
        return String.format(Locale.ROOT, "%.0f kB", Math.ceil(bytes / 1e3));
    }
}
