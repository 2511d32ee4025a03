package dev.ferry.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;

/** Facts about this process and machine read from {@code /proc} (Linux); empty where unavailable. */
public final class ProcessStats {
    private ProcessStats() {}

    /**
     * This process's peak resident set size in MiB: {@code VmHWM} of {@code /proc/self/status}. It is
     * the high-water mark of this process image only (exec starts a new one), so a fresh child
     * process per case measures that case alone.
     */
    public static OptionalDouble peakRssMiB() {
        return statusKiB("VmHWM:");
    }

    /** The current resident set size in MiB ({@code VmRSS}). */
    public static OptionalDouble rssMiB() {
        return statusKiB("VmRSS:");
    }

    static OptionalDouble statusKiB(String key) {
        try {
            return parseStatusKiB(Files.readAllLines(Path.of("/proc/self/status")), key);
        } catch (IOException | RuntimeException e) {
            return OptionalDouble.empty();
        }
    }

    /** The value of a {@code Key:   123 kB} line, in MiB. */
    static OptionalDouble parseStatusKiB(List<String> lines, String key) {
        for (String line : lines) {
            if (line.startsWith(key)) {
                String[] parts = line.substring(key.length()).trim().split("\\s+");
                return OptionalDouble.of(Long.parseLong(parts[0]) / 1024.0);
            }
        }
        return OptionalDouble.empty();
    }

    /**
     * "tcmalloc" when tcmalloc is mapped into this process (a missing LD_PRELOAD file only warns, so
     * the environment variable alone proves nothing), else "glibc".
     */
    public static String allocator() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                if (line.contains("tcmalloc")) {
                    return "tcmalloc";
                }
            }
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
        return "glibc";
    }

    /** The CPU's model name from {@code /proc/cpuinfo}, or null. */
    public static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }

    /** The 1-minute load average from {@code /proc/loadavg}, or empty. */
    public static OptionalDouble loadAverage() {
        try {
            String s = Files.readString(Path.of("/proc/loadavg")).trim();
            return OptionalDouble.of(Double.parseDouble(s.split("\\s+")[0]));
        } catch (IOException | RuntimeException e) {
            return OptionalDouble.empty();
        }
    }
}
