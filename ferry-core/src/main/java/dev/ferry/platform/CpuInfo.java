package dev.ferry.platform;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * What identifies this machine's processor to the native libraries: the first processor block of
 * {@code /proc/cpuinfo} (vendor, family, model, stepping, flags), the logical CPUs this JVM may
 * use and the data cache sizes. Everything is a plain value so that decisions made on it (see
 * {@link ConvPaths}) can be tested with another machine's figures.
 *
 * @param vendor       {@code vendor_id}, e.g. {@code AuthenticAMD} or {@code GenuineIntel}; {@code unknown} off Linux
 * @param family       {@code cpu family} (decimal, as the kernel prints it; 26 = AMD Zen 5), -1 if unknown
 * @param model        {@code model}, -1 if unknown
 * @param stepping     {@code stepping}, -1 if unknown
 * @param modelName    {@code model name}, or {@code os.arch} where there is no cpuinfo
 * @param flags        the kernel's feature flags ({@code avx2}, {@code avx512f}, ...)
 * @param logicalCpus  processors available to this JVM
 * @param l1d          level-1 data cache in bytes, 0 if unknown
 * @param l2           level-2 cache in bytes, 0 if unknown
 * @param l3           level-3 cache in bytes as the system reports it (on a VM often the whole host's), 0 if unknown
 */
public record CpuInfo(String vendor, int family, int model, int stepping, String modelName, Set<String> flags,
                      int logicalCpus, long l1d, long l2, long l3) {

    public CpuInfo {
        flags = Collections.unmodifiableSet(new TreeSet<>(flags));
    }

    /** This machine, read once per call (a few file reads and at most one short {@code getconf}). */
    public static CpuInfo current() {
        String cpuinfo = "";
        try {
            cpuinfo = Files.readString(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            // not Linux, or no procfs: the identification stays "unknown" and decisions probe instead
        }
        long[] caches = sysfsCaches(Path.of("/sys/devices/system/cpu/cpu0/cache"));
        if (caches[0] == 0 && caches[1] == 0 && caches[2] == 0) {
            caches = getconfCaches();
        }
        return parse(cpuinfo, Runtime.getRuntime().availableProcessors(), caches[0], caches[1], caches[2]);
    }

    /**
     * Parses the text of {@code /proc/cpuinfo} (its first processor block); an empty or foreign text
     * gives an identification with vendor {@code unknown}.
     */
    public static CpuInfo parse(String cpuinfo, int logicalCpus, long l1d, long l2, long l3) {
        String vendor = "unknown";
        String name = System.getProperty("os.arch", "unknown");
        int family = -1;
        int model = -1;
        int stepping = -1;
        Set<String> flags = new TreeSet<>();
        for (String line : cpuinfo.split("\n")) {
            if (line.isBlank()) {
                if (!vendor.equals("unknown")) {
                    break; // only the first processor: the others repeat it
                }
                continue;
            }
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            switch (key) {
                case "vendor_id" -> vendor = value;
                case "cpu family" -> family = parseInt(value);
                case "model" -> model = parseInt(value);
                case "stepping" -> stepping = parseInt(value);
                case "model name" -> name = value;
                case "flags" -> flags.addAll(List.of(value.split("\\s+")));
                default -> { }
            }
        }
        return new CpuInfo(vendor, family, model, stepping, name, flags, logicalCpus, l1d, l2, l3);
    }

    private static int parseInt(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Whether the kernel lists {@code flag}. */
    public boolean has(String flag) {
        return flags.contains(flag);
    }

    /** The widest vector extension, as oneDNN would name its level: {@code AVX-512 (VNNI, BF16)}, {@code AVX2}, ... */
    public String isa() {
        if (has("avx512f")) {
            List<String> extras = new ArrayList<>();
            if (has("avx512_vnni")) {
                extras.add("VNNI");
            }
            if (has("avx512_bf16")) {
                extras.add("BF16");
            }
            if (has("amx_tile")) {
                extras.add("AMX");
            }
            return extras.isEmpty() ? "AVX-512" : "AVX-512 (" + String.join(", ", extras) + ")";
        }
        if (has("avx2")) {
            return "AVX2";
        }
        if (has("avx")) {
            return "AVX";
        }
        if (has("asimd")) {
            return "NEON";
        }
        return flags.isEmpty() ? "unknown" : "SSE";
    }

    /** The processor generation where ferry knows it: {@code AMD Zen 5}, ...; empty otherwise. */
    public String generation() {
        if (vendor.equals("AuthenticAMD")) {
            return switch (family) {
                case 23 -> "AMD Zen / Zen 2";
                case 25 -> "AMD Zen 3 / Zen 4";
                case 26 -> "AMD Zen 5";
                default -> "";
            };
        }
        return "";
    }

    /** One line for reports: {@code AMD EPYC (AuthenticAMD family 26 model 2 stepping 1, AMD Zen 5), AVX-512 (VNNI, BF16), 2 CPUs}. */
    public String describe() {
        String gen = generation();
        return modelName + " (" + vendor + " family " + family + " model " + model + " stepping " + stepping
                + (gen.isEmpty() ? "" : ", " + gen) + "), " + isa() + ", " + logicalCpus + " CPUs";
    }

    /** Cache sizes as {@code L1d 48 KiB, L2 1 MiB, L3 508 MiB}. */
    public String describeCaches() {
        return "L1d " + size(l1d) + ", L2 " + size(l2) + ", L3 " + size(l3);
    }

    private static String size(long bytes) {
        if (bytes <= 0) {
            return "unknown";
        }
        if (bytes % (1024 * 1024) == 0) {
            return bytes / (1024 * 1024) + " MiB";
        }
        return String.format(Locale.ROOT, "%d KiB", bytes / 1024);
    }

    /** A short stable digest of everything above: machines with equal fingerprints behave alike. */
    public String fingerprint() {
        String all = String.join("|", vendor, Integer.toString(family), Integer.toString(model),
                Integer.toString(stepping), modelName, String.join(" ", flags), Integer.toString(logicalCpus),
                Long.toString(l1d), Long.toString(l2), Long.toString(l3));
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(all.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }

    /** L1d, L2, L3 from sysfs (each {@code indexN} folder's level, type and size); zeros where absent. */
    static long[] sysfsCaches(Path dir) {
        long[] out = new long[3];
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (var entries = Files.list(dir)) {
            for (Path index : (Iterable<Path>) entries::iterator) {
                if (!index.getFileName().toString().startsWith("index")) {
                    continue;
                }
                try {
                    int level = Integer.parseInt(Files.readString(index.resolve("level")).trim());
                    String type = Files.readString(index.resolve("type")).trim();
                    long bytes = parseSize(Files.readString(index.resolve("size")).trim());
                    if (level == 1 && type.equals("Data")) {
                        out[0] = bytes;
                    } else if (level == 2 || level == 3) {
                        out[level - 1] = bytes;
                    }
                } catch (IOException | NumberFormatException e) {
                    // an unreadable entry leaves that level unknown
                }
            }
        } catch (IOException e) {
            // unreadable directory: unknown sizes
        }
        return out;
    }

    /** Sizes as sysfs writes them: {@code 48K}, {@code 1024K}, {@code 32M}. */
    static long parseSize(String s) {
        long unit = 1;
        char last = s.isEmpty() ? ' ' : Character.toUpperCase(s.charAt(s.length() - 1));
        if (last == 'K') {
            unit = 1024;
        } else if (last == 'M') {
            unit = 1024 * 1024;
        }
        String digits = unit == 1 ? s : s.substring(0, s.length() - 1);
        return Long.parseLong(digits.trim()) * unit;
    }

    /** L1d, L2, L3 from glibc's {@code getconf} where sysfs has none (some VMs and sandboxes). */
    private static long[] getconfCaches() {
        long[] out = new long[3];
        String[] names = {"LEVEL1_DCACHE_SIZE", "LEVEL2_CACHE_SIZE", "LEVEL3_CACHE_SIZE"};
        for (int i = 0; i < names.length; i++) {
            try {
                Process p = new ProcessBuilder("getconf", names[i]).redirectErrorStream(true).start();
                String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0 && text.matches("\\d+")) {
                    out[i] = Long.parseLong(text);
                }
            } catch (IOException e) {
                return out; // no getconf here: sizes stay unknown
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return out;
            }
        }
        return out;
    }
}
