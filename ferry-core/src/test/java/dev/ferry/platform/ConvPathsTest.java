package dev.ferry.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.InputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The decision logic on other machines' figures: no probe runs here. */
class ConvPathsTest {
    private static final ConvPaths.Machine ZEN5 = new ConvPaths.Machine(CpuInfoTest.zen5(), "2.7.1", 2, "");
    private static final ConvPaths.Machine XEON = new ConvPaths.Machine(
            CpuInfo.parse(CpuInfoTest.SAPPHIRE_RAPIDS, 2, 48 * 1024, 2 * 1024 * 1024, 105L << 20), "2.7.1", 2, "");

    /** A store in memory. */
    static final class MemoryStore implements ConvPaths.VerdictStore {
        final Map<String, ConvPaths.Verdict> saved = new HashMap<>();

        @Override
        public Optional<ConvPaths.Verdict> load(String key) {
            return Optional.ofNullable(saved.get(key));
        }

        @Override
        public void save(String key, ConvPaths.Verdict verdict) {
            saved.put(key, verdict);
        }
    }

    /** A prober that counts its calls. */
    static final class CountingProber implements Supplier<Optional<ConvPaths.Verdict>> {
        final AtomicInteger calls = new AtomicInteger();
        final Optional<ConvPaths.Verdict> answer;

        CountingProber(Optional<ConvPaths.Verdict> answer) {
            this.answer = answer;
        }

        @Override
        public Optional<ConvPaths.Verdict> get() {
            calls.incrementAndGet();
            return answer;
        }
    }

    @Test
    void theZen5GuestTakesTheMatrixProductWithoutProbing() {
        CountingProber prober = new CountingProber(Optional.of(new ConvPaths.Verdict(true, "never asked")));
        MemoryStore store = new MemoryStore();
        ConvDecision d = ConvPaths.decide(ZEN5, null, store, prober);
        assertEquals(PointwiseConv.GEMM, d.pointwise());
        assertEquals(ConvDecision.Basis.KNOWN_CPU, d.basis());
        assertTrue(d.reason().contains("Zen 5") && d.reason().contains("est_eff_1x1"), d.reason());
        assertEquals(0, prober.calls.get());
        assertTrue(store.saved.isEmpty());
        assertEquals(d, ConvPaths.decide(ZEN5, "auto", store, prober), "auto is no override");
    }

    @Test
    void anIsaCapIsProbedEvenOnTheKnownProcessor() {
        CountingProber prober = new CountingProber(Optional.of(new ConvPaths.Verdict(true, "30 shapes")));
        ConvPaths.Machine capped = new ConvPaths.Machine(ZEN5.cpu(), "2.7.1", 2, "AVX");
        ConvDecision d = ConvPaths.decide(capped, null, new MemoryStore(), prober);
        assertEquals(PointwiseConv.ONEDNN, d.pointwise());
        assertEquals(ConvDecision.Basis.PROBE, d.basis());
        assertEquals(1, prober.calls.get());
        assertNotEquals(ZEN5.key(), capped.key());
    }

    @Test
    void otherProcessorsAreProbedOnceAndTheVerdictIsCached() {
        MemoryStore store = new MemoryStore();
        CountingProber prober = new CountingProber(Optional.of(new ConvPaths.Verdict(true, "30 shapes after 2100 ms")));
        ConvDecision first = ConvPaths.decide(XEON, null, store, prober);
        assertEquals(PointwiseConv.ONEDNN, first.pointwise());
        assertEquals(ConvDecision.Basis.PROBE, first.basis());
        ConvDecision second = ConvPaths.decide(XEON, null, store, prober);
        assertEquals(PointwiseConv.ONEDNN, second.pointwise());
        assertEquals(ConvDecision.Basis.CACHED_PROBE, second.basis());
        assertEquals(1, prober.calls.get());
        // Another thread count is another machine to oneDNN's blocking: probed again.
        ConvPaths.decide(new ConvPaths.Machine(XEON.cpu(), "2.7.1", 1, ""), null, store, prober);
        assertEquals(2, prober.calls.get());
    }

    @Test
    void aFailedProbeTakesTheMatrixProductAndSaysWhy() {
        String died = "died of SIGFPE in [libtorch_cpu.so+0x1166937c] dnnl::impl::cpu::x64::brgemm_convolution_utils"
                + "::brg_blocking_t::est_eff_1x1()+0xa5c (exit 134) after 1800 ms";
        MemoryStore store = new MemoryStore();
        ConvDecision d = ConvPaths.decide(XEON, null, store, new CountingProber(Optional.of(new ConvPaths.Verdict(false, died))));
        assertEquals(PointwiseConv.GEMM, d.pointwise());
        assertTrue(d.reason().endsWith(died), d.reason());
        assertFalse(store.saved.get(XEON.key()).safe());
    }

    @Test
    void noVerdictTakesTheMatrixProductAndCachesNothing() {
        MemoryStore store = new MemoryStore();
        ConvDecision d = ConvPaths.decide(XEON, "", store, new CountingProber(Optional.empty()));
        assertEquals(PointwiseConv.GEMM, d.pointwise());
        assertEquals(ConvDecision.Basis.PROBE_UNAVAILABLE, d.basis());
        assertTrue(store.saved.isEmpty());
    }

    @Test
    void anOverrideWinsAndABadOneIsAUsageError() {
        CountingProber prober = new CountingProber(Optional.empty());
        ConvDecision d = ConvPaths.decide(ZEN5, " ONEDNN ", new MemoryStore(), prober);
        assertEquals(PointwiseConv.ONEDNN, d.pointwise());
        assertEquals(ConvDecision.Basis.OVERRIDE, d.basis());
        assertEquals(PointwiseConv.GEMM, ConvPaths.decide(XEON, "gemm", new MemoryStore(), prober).pointwise());
        assertEquals(0, prober.calls.get());
        InputException e = assertThrows(InputException.class, () -> ConvPaths.decide(XEON, "fast", new MemoryStore(), prober));
        assertTrue(e.getMessage().contains("FERRY_POINTWISE") && e.getMessage().contains("'fast'"), e.getMessage());
    }

    @Test
    void theFileStoreRoundTripsAndIgnoresCorruptFiles(@TempDir Path dir) throws IOException {
        ConvPaths.FileStore store = new ConvPaths.FileStore(dir.resolve("platform"));
        assertTrue(store.load("k").isEmpty());
        store.save("k", new ConvPaths.Verdict(false, "died of SIGSEGV"));
        assertEquals(Optional.of(new ConvPaths.Verdict(false, "died of SIGSEGV")), store.load("k"));
        try (var files = Files.list(dir.resolve("platform"))) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
        Files.writeString(dir.resolve("platform/k.json"), "{\"safe\": tru");
        assertTrue(store.load("k").isEmpty());
        Files.writeString(dir.resolve("platform/k.json"), "[1, 2]");
        assertTrue(store.load("k").isEmpty());
        store.save("k", new ConvPaths.Verdict(true, "30 shapes"));
        assertTrue(store.load("k").orElseThrow().safe());
    }

    @Test
    void keysNameTheLibtorchAndTheThreads() {
        assertTrue(ZEN5.key().startsWith("pointwise-2.7.1-" + ZEN5.cpu().fingerprint() + "-t2"), ZEN5.key());
        assertTrue(new ConvPaths.Machine(ZEN5.cpu(), "2.7.1", 2, "AVX2").key().endsWith("-avx2"));
    }
}
