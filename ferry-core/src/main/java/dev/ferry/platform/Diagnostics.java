package dev.ferry.platform;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a bug report about ferry on some machine needs: the Java and OS, the processor and its
 * caches, the bundled native libraries, how 1x1 convolutions run and why, the allocator and
 * OpenMP wait policy in force, and where ferry caches.
 *
 * @param build          ferry's and the native libraries' versions
 * @param javaVersion    {@code java.version} with vendor
 * @param javaHome       {@code java.home}
 * @param os             OS name, version and architecture
 * @param cpu            the processor
 * @param memoryBytes    physical memory (0 if unknown)
 * @param maxHeapBytes   this JVM's maximum heap
 * @param threads        libtorch's intra-op threads
 * @param convolutions   how 1x1 convolutions run here, and why
 * @param allocator      the allocator libtorch runs on, e.g. {@code tcmalloc (path)}
 * @param ompWaitPolicy  {@code OMP_WAIT_POLICY}, or {@code unset}
 * @param cacheDirectory where weights and per-machine verdicts are cached
 */
public record Diagnostics(BuildInfo build, String javaVersion, String javaHome, String os, CpuInfo cpu,
                          long memoryBytes, long maxHeapBytes, int threads, ConvDecision convolutions,
                          String allocator, String ompWaitPolicy, Path cacheDirectory) {

    /** The processor flags that decide which native kernels run, in the order of their width. */
    public static final List<String> KEY_FLAGS = List.of("sse4_2", "avx", "avx2", "fma", "f16c", "avx_vnni",
            "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16",
            "amx_int8", "asimd", "sve");

    /** This process, deciding the 1x1 convolution path if it has not been decided yet (which may run the probe). */
    public static Diagnostics collect() {
        return collect(ConvPaths.current());
    }

    /** This process, with {@code convolutions} as the convolution decision. */
    public static Diagnostics collect(ConvDecision convolutions) {
        Map<String, String> env = System.getenv();
        String preload = env.getOrDefault("LD_PRELOAD", "");
        String allocator = "the C library's malloc";
        for (String lib : preload.split("[: ]")) {
            if (lib.contains("tcmalloc")) {
                allocator = "tcmalloc (" + lib + ")";
            } else if (lib.contains("jemalloc") && !allocator.startsWith("tcmalloc")) {
                allocator = "jemalloc (" + lib + ")";
            }
        }
        if (!allocator.contains("(") && env.containsKey("GLIBC_TUNABLES")) {
            allocator += " with GLIBC_TUNABLES=" + env.get("GLIBC_TUNABLES");
        }
        int threads = Integer.getInteger("ai.djl.pytorch.num_threads", Runtime.getRuntime().availableProcessors());
        return new Diagnostics(BuildInfo.current(),
                System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")",
                System.getProperty("java.home"),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                CpuInfo.current(), physicalMemory(), Runtime.getRuntime().maxMemory(), threads, convolutions, allocator,
                env.getOrDefault("OMP_WAIT_POLICY", "unset"), CacheDirectory.current());
    }

    /** The key flags this processor has, space-separated. */
    public String keyFlags() {
        StringBuilder b = new StringBuilder();
        for (String f : KEY_FLAGS) {
            if (cpu.has(f)) {
                b.append(b.length() == 0 ? "" : " ").append(f);
            }
        }
        return b.length() == 0 ? "none of " + String.join(" ", KEY_FLAGS) : b.toString();
    }

    private static long physicalMemory() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux: unknown
        }
        return 0;
    }
}
