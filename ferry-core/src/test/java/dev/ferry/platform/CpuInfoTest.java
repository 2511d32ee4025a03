package dev.ferry.platform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpuInfoTest {
    /** The first processor block of /proc/cpuinfo on the 2-vCPU AMD EPYC (Zen 5) KVM guest. */
    static final String ZEN5 = """
            processor	: 0
            vendor_id	: AuthenticAMD
            cpu family	: 26
            model		: 2
            model name	: AMD EPYC
            stepping	: 1
            cpu MHz		: 2096.000
            cache size	: 1024 KB
            flags		: fpu vme de pse tsc msr pae mce cx8 apic sep pge mca cmov sse sse2 ht syscall nx pni ssse3 fma \
            cx16 sse4_1 sse4_2 avx f16c avx2 bmi2 avx512f avx512dq avx512cd avx512bw avx512vl avx_vnni avx512_bf16 \
            avx512vbmi avx512_vnni avx512_bitalg avx512_vpopcntdq

            processor	: 1
            vendor_id	: AuthenticAMD
            cpu family	: 26
            """;

    /** An Intel Xeon Platinum 8480+ (Sapphire Rapids). */
    static final String SAPPHIRE_RAPIDS = """
            processor	: 0
            vendor_id	: GenuineIntel
            cpu family	: 6
            model		: 143
            model name	: Intel(R) Xeon(R) Platinum 8480+
            stepping	: 8
            flags		: fpu sse sse2 ssse3 sse4_1 sse4_2 avx f16c fma avx2 avx512f avx512bw avx512vl avx512_vnni \
            avx512_bf16 amx_tile amx_bf16 amx_int8
            """;

    static CpuInfo zen5() {
        return CpuInfo.parse(ZEN5, 2, 48 * 1024, 1024 * 1024, 532_676_608L);
    }

    @Test
    void parsesTheFirstProcessorOfAZen5Guest() {
        CpuInfo c = zen5();
        assertEquals("AuthenticAMD", c.vendor());
        assertEquals(26, c.family());
        assertEquals(2, c.model());
        assertEquals(1, c.stepping());
        assertEquals("AMD EPYC", c.modelName());
        assertTrue(c.has("avx512_bf16") && c.has("avx2") && !c.has("amx_tile"));
        assertEquals(40, c.flags().size());
        assertEquals("AVX-512 (VNNI, BF16)", c.isa());
        assertEquals("AMD Zen 5", c.generation());
        assertEquals("AMD EPYC (AuthenticAMD family 26 model 2 stepping 1, AMD Zen 5), AVX-512 (VNNI, BF16), 2 CPUs",
                c.describe());
        assertEquals("L1d 48 KiB, L2 1 MiB, L3 508 MiB", c.describeCaches());
    }

    @Test
    void namesIntelsAmxAndOlderLevels() {
        CpuInfo spr = CpuInfo.parse(SAPPHIRE_RAPIDS, 4, 0, 0, 0);
        assertEquals("AVX-512 (VNNI, BF16, AMX)", spr.isa());
        assertEquals("", spr.generation());
        assertEquals("L1d unknown, L2 unknown, L3 unknown", spr.describeCaches());
        assertEquals("AVX2", CpuInfo.parse("vendor_id : AuthenticAMD\ncpu family : 23\nflags : sse avx avx2\n", 2, 0, 0, 0).isa());
        assertEquals("AMD Zen / Zen 2", CpuInfo.parse("vendor_id : AuthenticAMD\ncpu family : 23\n", 2, 0, 0, 0).generation());
    }

    @Test
    void foreignTextGivesAnUnknownProcessor() {
        CpuInfo c = CpuInfo.parse("", 8, 0, 0, 0);
        assertEquals("unknown", c.vendor());
        assertEquals(-1, c.family());
        assertEquals("unknown", c.isa());
        assertEquals(8, c.logicalCpus());
    }

    @Test
    void fingerprintsDifferWithAnyFigure() {
        CpuInfo a = zen5();
        assertEquals(16, a.fingerprint().length());
        assertEquals(a.fingerprint(), zen5().fingerprint());
        assertNotEquals(a.fingerprint(), CpuInfo.parse(ZEN5, 4, 48 * 1024, 1024 * 1024, 532_676_608L).fingerprint());
        assertNotEquals(a.fingerprint(), CpuInfo.parse(ZEN5, 2, 48 * 1024, 1024 * 1024, 32L << 20).fingerprint());
    }

    @Test
    void readsCacheSizesFromSysfs(@TempDir Path dir) throws IOException {
        index(dir, 0, 1, "Data", "48K");
        index(dir, 1, 1, "Instruction", "32K");
        index(dir, 2, 2, "Unified", "1024K");
        index(dir, 3, 3, "Unified", "32768K");
        assertArrayEquals(new long[] {48 * 1024, 1024 * 1024, 32L * 1024 * 1024}, CpuInfo.sysfsCaches(dir));
        assertArrayEquals(new long[3], CpuInfo.sysfsCaches(dir.resolve("absent")));
        assertEquals(2L * 1024 * 1024, CpuInfo.parseSize("2M"));
        assertEquals(512, CpuInfo.parseSize("512"));
    }

    private static void index(Path dir, int i, int level, String type, String size) throws IOException {
        Path d = Files.createDirectories(dir.resolve("index" + i));
        Files.writeString(d.resolve("level"), level + "\n");
        Files.writeString(d.resolve("type"), type + "\n");
        Files.writeString(d.resolve("size"), size + "\n");
    }
}
