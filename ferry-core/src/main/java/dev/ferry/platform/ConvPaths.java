package dev.ferry.platform;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import dev.ferry.InputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Which {@link PointwiseConv} path this machine runs 1x1 convolutions on: oneDNN's kernels where
 * they work, the matrix product where they do not.
 *
 * <p>Why a decision at all: libtorch 2.7.1 bundles oneDNN 3.7.1, whose 1x1 convolutions fail on
 * some processors. Seen on AMD EPYC family 26 (Zen 5) as a 2-vCPU KVM guest, channels-last:
 * SIGFPE (an integer division by zero in the brgemm blocking heuristic {@code
 * brg_blocking_t::est_eff_1x1}) for ResNet-50's layer3 and layer4 shapes at every batch and size
 * tried, SIGSEGV in {@code jit_avx512_common_1x1_convolution_bwd_weights_t} for small strided ones,
 * and a forward result 42% off for the 128 -> 512 expansion at batch 16. A signal kills the JVM;
 * no Java code can catch it. NCHW is no way out (its backward dies of the same SIGFPE for strided
 * 1x1 shapes and returns wrong input gradients for 3x3 ones), capping oneDNN's ISA is none short
 * of plain AVX (half the speed, and it needs the environment set before libtorch starts), while
 * the 3x3 and 7x7 channels-last convolutions measured correct. So ferry keeps channels-last and
 * takes the 1x1 convolutions, where they fail, away from oneDNN: as matrix products on libtorch's
 * BLAS they are exact and cost about a fifth more than oneDNN's where oneDNN works.
 *
 * <p>The order of the decision: an explicit {@code FERRY_POINTWISE} / {@code -Dferry.pointwise}
 * ({@code onednn}, {@code gemm} or {@code auto}); a processor on which the fault is known (no
 * probe; unless {@code ONEDNN_MAX_CPU_ISA} caps oneDNN, whose capped kernels are probed instead); a verdict for this exact machine cached under the ferry cache directory; else the probe
 * ({@link PointwiseProbe}), which runs every ResNet 1x1 shape through oneDNN in a child JVM
 * (seconds, once per machine), compares it with the matrix product and caches what it saw. If
 * the probe cannot run at all, the matrix product is taken: a little slower, never fatal.
 */
public final class ConvPaths {
    /** The system property that overrides the decision. */
    public static final String PROPERTY = "ferry.pointwise";
    /** The environment variable that overrides the decision (the property wins). */
    public static final String ENVIRONMENT = "FERRY_POINTWISE";
    private static final Duration PROBE_TIMEOUT = Duration.ofMinutes(3);

    private ConvPaths() {}

    /** The decision for this process, made once on first use (it may run the probe). */
    public static ConvDecision current() {
        return Holder.DECISION;
    }

    /** Lazily initialised: the probe runs only in processes that run a 1x1 convolution on libtorch. */
    private static final class Holder {
        static final ConvDecision DECISION = decideForThisMachine();
    }

    /**
     * What identifies a machine to the decision: its processor, the libtorch that runs on it, the
     * intra-op thread count (oneDNN's blocking depends on it) and any oneDNN ISA cap in force.
     */
    public record Machine(CpuInfo cpu, String libtorch, int threads, String isaCap) {
        /** The cache key, usable as a file name. */
        public String key() {
            return "pointwise-" + libtorch + "-" + cpu.fingerprint() + "-t" + threads
                    + (isaCap.isEmpty() ? "" : "-" + isaCap.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", ""));
        }

        /** This process's machine. */
        public static Machine current() {
            Map<String, String> env = System.getenv();
            String cap = env.getOrDefault("ONEDNN_MAX_CPU_ISA", env.getOrDefault("DNNL_MAX_CPU_ISA", ""));
            int threads = Integer.getInteger("ai.djl.pytorch.num_threads", Runtime.getRuntime().availableProcessors());
            return new Machine(CpuInfo.current(), BuildInfo.current().libtorch(), threads, cap);
        }
    }

    /**
     * What a probe saw.
     *
     * @param safe   oneDNN ran every shape and agreed with the matrix product
     * @param detail how the child ended, e.g. {@code died of SIGFPE in [libtorch_cpu.so+0x...] ...}
     */
    public record Verdict(boolean safe, String detail) {}

    /** Where verdicts are kept between processes. */
    public interface VerdictStore {
        Optional<Verdict> load(String key);

        void save(String key, Verdict verdict);
    }

    /**
     * The known faults: a reason when {@code cpu} is one on which oneDNN's 1x1 convolutions are known
     * to fail, empty otherwise (which means "probe", not "safe").
     */
    public static Optional<String> knownFault(CpuInfo cpu) {
        if (cpu.vendor().equals("AuthenticAMD") && cpu.family() == 26) {
            return Optional.of("on AMD family 26 (Zen 5) oneDNN 3.7.1's 1x1 convolutions die of SIGFPE in "
                    + "brg_blocking_t::est_eff_1x1, of SIGSEGV in a backward kernel, or compute wrong results");
        }
        return Optional.empty();
    }

    /**
     * The decision, from its inputs (pure but for the store and the prober it is given).
     *
     * @param override the value of {@link #PROPERTY} or {@link #ENVIRONMENT}, or null
     * @param prober   runs the probe; empty when it could not give a verdict
     * @throws InputException if {@code override} names no path
     */
    public static ConvDecision decide(Machine machine, String override, VerdictStore store,
                                      Supplier<Optional<Verdict>> prober) {
        if (override != null && !override.isBlank() && !override.trim().equalsIgnoreCase("auto")) {
            PointwiseConv forced;
            try {
                forced = PointwiseConv.parse(override);
            } catch (IllegalArgumentException e) {
                throw new InputException(ENVIRONMENT + " / -D" + PROPERTY + ": " + e.getMessage() + " (or auto)");
            }
            return new ConvDecision(forced, ConvDecision.Basis.OVERRIDE, "set by " + ENVIRONMENT + " or -D" + PROPERTY);
        }
        // Under an ISA cap the known kernels may not run at all: the probe says what the capped ones do.
        Optional<String> known = machine.isaCap().isEmpty() ? knownFault(machine.cpu()) : Optional.empty();
        if (known.isPresent()) {
            return new ConvDecision(PointwiseConv.GEMM, ConvDecision.Basis.KNOWN_CPU, known.get());
        }
        String key = machine.key();
        Optional<Verdict> cached = store.load(key);
        if (cached.isPresent()) {
            return fromVerdict(cached.get(), ConvDecision.Basis.CACHED_PROBE);
        }
        Optional<Verdict> probed = prober.get();
        if (probed.isEmpty()) {
            return new ConvDecision(PointwiseConv.GEMM, ConvDecision.Basis.PROBE_UNAVAILABLE,
                    "the probe of oneDNN's 1x1 convolutions gave no verdict, so the path that cannot crash was taken");
        }
        store.save(key, probed.get());
        return fromVerdict(probed.get(), ConvDecision.Basis.PROBE);
    }

    private static ConvDecision fromVerdict(Verdict v, ConvDecision.Basis basis) {
        return v.safe()
                ? new ConvDecision(PointwiseConv.ONEDNN, basis, "oneDNN's 1x1 convolutions ran and agreed with the matrix product ("
                        + v.detail() + ")")
                : new ConvDecision(PointwiseConv.GEMM, basis, "oneDNN's 1x1 convolutions failed: the probe " + v.detail());
    }

    private static ConvDecision decideForThisMachine() {
        String override = System.getProperty(PROPERTY);
        if (override == null) {
            override = System.getenv(ENVIRONMENT);
        }
        return decide(Machine.current(), override, new FileStore(CacheDirectory.current().resolve("platform")),
                ConvPaths::probe);
    }

    /**
     * Runs {@link PointwiseProbe} in a child JVM now (no cache). Empty if the child could not be
     * started, ran past its time or failed without a native crash or a wrong result (out of
     * memory, no engine): such an ending says nothing about the convolutions.
     */
    public static Optional<Verdict> probe() {
        try {
            ChildJvm.Outcome o = ChildJvm.run(PointwiseProbe.class.getName(), List.of("-Xmx512m"), List.of(),
                    Map.of("OMP_WAIT_POLICY", "PASSIVE"), PROBE_TIMEOUT);
            String took = " after " + o.took().toMillis() + " ms";
            if (o.ok() && o.output().contains("ok " + PointwiseProbe.count())) {
                return Optional.of(new Verdict(true, PointwiseProbe.count() + " shapes" + took));
            }
            if (!o.timedOut() && o.exitCode() == PointwiseProbe.WRONG) {
                String line = o.output().lines().filter(l -> l.startsWith("wrong ")).findFirst().orElse("wrong result");
                return Optional.of(new Verdict(false, "found a " + line + took));
            }
            if (!o.timedOut() && !o.signal().isEmpty()) {
                return Optional.of(new Verdict(false, o.describe() + took));
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Verdicts as small JSON files in a folder, written through a temporary file and a rename. */
    public record FileStore(Path directory) implements VerdictStore {
        @Override
        public Optional<Verdict> load(String key) {
            Path file = directory.resolve(key + ".json");
            try {
                JsonObject o = new Gson().fromJson(Files.readString(file, StandardCharsets.UTF_8), JsonObject.class);
                if (o == null || !o.has("safe") || !o.has("detail")) {
                    return Optional.empty();
                }
                return Optional.of(new Verdict(o.get("safe").getAsBoolean(), o.get("detail").getAsString()));
            } catch (IOException | JsonParseException | IllegalStateException | UnsupportedOperationException
                     | ClassCastException e) {
                return Optional.empty(); // absent or unreadable: probe again
            }
        }

        @Override
        public void save(String key, Verdict verdict) {
            JsonObject o = new JsonObject();
            o.addProperty("safe", verdict.safe());
            o.addProperty("detail", verdict.detail());
            o.addProperty("probed", Instant.now().toString());
            try {
                AtomicFiles.writeString(directory.resolve(key + ".json"), new Gson().toJson(o) + "\n");
            } catch (RuntimeException e) {
                // an unwritable cache only means the probe runs again next time
            }
        }
    }
}
