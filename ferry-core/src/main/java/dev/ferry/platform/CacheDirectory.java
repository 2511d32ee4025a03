package dev.ferry.platform;

import java.nio.file.Path;
import java.util.Map;

/** Where ferry keeps what it caches per user: downloaded weights and per-machine verdicts. */
public final class CacheDirectory {
    private CacheDirectory() {}

    /**
     * {@code FERRY_CACHE} if set and not blank, else {@code <userHome>/.cache/ferry}. Pure, so
     * callers pass {@code System.getenv()} and {@code System.getProperty("user.home")} and tests
     * pass anything.
     */
    public static Path of(Map<String, String> environment, String userHome) {
        String configured = environment.get("FERRY_CACHE");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        return Path.of(userHome, ".cache", "ferry");
    }

    /** This process's cache directory. */
    public static Path current() {
        return of(System.getenv(), System.getProperty("user.home"));
    }
}
