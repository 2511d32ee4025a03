package dev.ferry.bench;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonSyntaxException;
import dev.ferry.FerryException;
import dev.ferry.model.ResNet;
import dev.ferry.model.ResNetConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs the cases of {@code ferry bench}, each in a fresh JVM, and merges their results into one
 * record.
 *
 * <p>Why a process per case: a process's peak RSS ({@code VmHWM}) can only rise, so inference and
 * training measured in one process would report the larger peak for both; libtorch's thread pools
 * and caches would also carry over from one case to the next. The child is this same program
 * ({@code java -cp <this classpath> dev.ferry.cli.FerryCli bench --case X ...}) with this JVM's
 * options and environment ({@code LD_PRELOAD} included, so it runs on the same allocator). The
 * parent never starts libtorch itself, so it adds nothing to the machine's load while a case runs.
 */
public final class BenchRunner {
    /** The main class the children run. */
    static final String MAIN_CLASS = "dev.ferry.cli.FerryCli";

    private final BenchOptions options;
    private final Consumer<String> progress;

    /**
     * @param progress receives one line per case started and finished (stderr in the CLI)
     */
    public BenchRunner(BenchOptions options, Consumer<String> progress) {
        this.options = options;
        this.progress = progress;
    }

    /**
     * Runs the cases and returns the merged result: settings, machine and engine facts, each case's
     * figures under the keys {@code tools/bench_compare.sh} reads, and {@code errors} (case id to
     * message) for cases that failed.
     */
    public Map<String, Object> run(List<BenchCase> cases) {
        Map<String, Object> out = header(cases);
        Map<String, String> errors = new LinkedHashMap<>();
        Map<String, Object> times = new LinkedHashMap<>();
        for (BenchCase c : cases) {
            progress.accept("bench: " + c.id() + " ...");
            long t0 = System.nanoTime();
            try {
                JsonObject r = c == BenchCase.PREDICT_ONE ? runPredictOne() : runChild(c, options);
                merge(c, r, out, times);
                progress.accept(String.format(Locale.ROOT, "bench: %s done in %.0f s (%s)", c.id(),
                        (System.nanoTime() - t0) / 1e9, summary(c, r)));
            } catch (FerryException e) {
                errors.put(c.id(), e.getMessage());
                progress.accept("bench: " + c.id() + " failed: " + e.getMessage());
            }
        }
        ProcessStats.loadAverage().ifPresent(v -> out.put("load_average_end", v));
        out.put("times", times);
        out.put("errors", errors);
        return out;
    }

    private Map<String, Object> header(List<BenchCase> cases) {
        Map<String, Object> out = new LinkedHashMap<>();
        BenchOptions o = options;
        out.put("tool", "ferry bench");
        out.put("arch", o.arch().id());
        out.put("batch", o.batch());
        out.put("threads", o.threads());
        out.put("iters", o.iters());
        out.put("warmup", o.warmup());
        out.put("passes", o.passes());
        out.put("epochs", o.epochs());
        out.put("seed", o.seed());
        out.put("images_dir", o.images() == null ? null : o.images().toAbsolutePath().toString());
        out.put("cases", cases.stream().map(BenchCase::id).toList());
        // MACs need no engine: the structure alone defines them.
        ResNet shape = ResNet.create(ResNetConfig.of(o.arch(), 1000));
        out.put("macs", shape.macs(new ai.djl.ndarray.types.Shape(1, 3, Benchmarks.SIDE, Benchmarks.SIDE)));
        out.put("java_version", System.getProperty("java.version"));
        out.put("cpu_model", ProcessStats.cpuModel());
        out.put("cpus", Runtime.getRuntime().availableProcessors());
        // Which 1x1 convolution path the training cases ran (decided without starting libtorch here).
        out.put("pointwise_conv", dev.ferry.platform.ConvPaths.current().pointwise().id());
        String preload = System.getenv("LD_PRELOAD");
        out.put("ld_preload", preload == null ? "" : preload);
        Map<String, String> mallocEnv = new LinkedHashMap<>();
        System.getenv().forEach((k, v) -> {
            if (k.startsWith("MALLOC_") || k.startsWith("GLIBC_TUNABLES") || k.startsWith("OMP_")) {
                mallocEnv.put(k, v);
            }
        });
        out.put("tuning_env", new java.util.TreeMap<>(mallocEnv));
        ProcessStats.loadAverage().ifPresent(v -> out.put("load_average_start", v));
        return out;
    }

    /** Files a child's figures under the merged record's keys. */
    private static void merge(BenchCase c, JsonObject r, Map<String, Object> out, Map<String, Object> times) {
        for (Map.Entry<String, JsonElement> e : r.entrySet()) {
            String k = e.getKey();
            Object v = plain(e.getValue());
            switch (k) {
                case "case" -> { }
                case "times" -> times.put(c.id(), v);
                case "peak_rss_mb" -> {
                    out.put("peak_rss_" + c.id() + "_mb", v);
                    if (c == BenchCase.INFER) {
                        out.put("peak_rss_infer_mb", v);
                    } else if (c == BenchCase.TRAIN) {
                        out.put("peak_rss_train_mb", v);
                    }
                }
                // Engine facts are the same for every child; the first one reported is kept.
                case "djl_version", "libtorch_version", "allocator", "intra_op_threads", "inter_op_threads",
                        "inference_engine", "onnxruntime_version" -> out.putIfAbsent(k, v);
                default -> out.put(k, v);
            }
        }
    }

    /**
     * A JSON value as a Java value: numbers keep their text (an integer stays an integer), strings
     * and booleans become Java's, anything else stays a JSON tree (Gson writes it back as it was).
     */
    static Object plain(JsonElement e) {
        if (e.isJsonPrimitive()) {
            var p = e.getAsJsonPrimitive();
            if (p.isNumber()) {
                return p.getAsNumber();
            }
            return p.isBoolean() ? (Object) p.getAsBoolean() : p.getAsString();
        }
        return e.isJsonNull() ? null : e;
    }

    private static String summary(BenchCase c, JsonObject r) {
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : r.entrySet()) {
            String k = e.getKey();
            if (k.endsWith("_ips") || k.endsWith("_gflops") || k.endsWith("_s") || k.startsWith("fe_acc")
                    || k.equals("peak_rss_mb")) {
                parts.add(k + " " + String.format(Locale.ROOT, "%.3f", e.getValue().getAsDouble()));
            }
        }
        return String.join(", ", parts);
    }

    /**
     * The one-image prediction: the wall time of whole child processes, start-up included, which is
     * what a user waits for. A full-size weights file is written first (and read back once untimed,
     * so the disk is warm); then the median of {@code passes} timed runs.
     */
    private JsonObject runPredictOne() {
        Path dir;
        try {
            dir = Files.createTempDirectory("ferry-bench-");
        } catch (IOException e) {
            throw new FerryException("cannot create a temporary folder (" + e.getMessage() + ")", e);
        }
        Path file = dir.resolve("weights.safetensors");
        try {
            BenchWeights.writeRandom(options.arch(), options.seed(), file);
            BenchOptions o = options.withWeights(file);
            List<Double> walls = new ArrayList<>();
            JsonObject last = null;
            for (int i = 0; i <= options.passes(); i++) {
                long t0 = System.nanoTime();
                last = runChild(BenchCase.PREDICT_ONE, o);
                if (i > 0) {
                    walls.add((System.nanoTime() - t0) / 1e9);
                }
            }
            last.addProperty("predict_one_s", Timing.median(walls));
            last.add("times", new Gson().toJsonTree(walls));
            return last;
        } finally {
            try {
                Files.deleteIfExists(file);
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                progress.accept("bench: could not delete " + file + " (" + e.getMessage() + ")");
            }
        }
    }

    /** The command line that runs one case in a child JVM. */
    List<String> childCommand(BenchCase c, BenchOptions options) {
        List<String> args = new ArrayList<>();
        args.add("bench");
        args.addAll(caseArguments(options, c));
        return ServeBench.javaCommand(MAIN_CLASS, args);
    }

    /** The {@code ferry bench} arguments that make a child run case {@code c} with these options. */
    static List<String> caseArguments(BenchOptions o, BenchCase c) {
        List<String> a = new ArrayList<>(List.of(
                "--case", c.id(), "--arch", o.arch().id(), "--batch", Integer.toString(o.batch()),
                "--threads", Integer.toString(o.threads()), "--iters", Integer.toString(o.iters()),
                "--warmup", Integer.toString(o.warmup()), "--passes", Integer.toString(o.passes()),
                "--epochs", Integer.toString(o.epochs()), "--seed", Long.toString(o.seed())));
        if (o.images() != null) {
            a.add("--images");
            a.add(o.images().toAbsolutePath().toString());
        }
        if (o.weights() != null) {
            a.add("--weights");
            a.add(o.weights().toAbsolutePath().toString());
        }
        return a;
    }

    private JsonObject runChild(BenchCase c, BenchOptions o) {
        ProcessBuilder pb = new ProcessBuilder(childCommand(c, o));
        // OpenMP sizes its pool from this when libtorch starts; the explicit thread setting alone
        // can leave a larger idle pool behind.
        pb.environment().put("OMP_NUM_THREADS", Integer.toString(options.threads()));
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.redirectInput(ProcessBuilder.Redirect.PIPE);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new FerryException("cannot start the benchmark process (" + e.getMessage() + ")", e);
        }
        String stdout;
        try (InputStream in = p.getInputStream()) {
            p.getOutputStream().close();
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            in.transferTo(buf);
            stdout = buf.toString(StandardCharsets.UTF_8);
            int rc = p.waitFor();
            JsonObject r = lastJsonLine(stdout);
            if (rc != 0 || r == null) {
                throw new FerryException("exit status " + rc + (r == null ? ", no result" : ""));
            }
            return r;
        } catch (IOException e) {
            p.destroyForcibly();
            throw new FerryException("reading the benchmark process's output failed (" + e.getMessage() + ")", e);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new FerryException("interrupted while benchmarking " + c.id(), e);
        }
    }

    /** The last non-empty line of a child's stdout as a JSON object, or null. */
    static JsonObject lastJsonLine(String stdout) {
        String[] lines = stdout.split("\\R");
        for (int i = lines.length - 1; i >= 0; i--) {
            String line = lines[i].trim();
            if (!line.isEmpty()) {
                try {
                    JsonElement e = JsonParser.parseString(line);
                    return e.isJsonObject() ? e.getAsJsonObject() : null;
                } catch (JsonSyntaxException ex) {
                    return null;
                }
            }
        }
        return null;
    }

    /** One child's result as a single JSON line (the child side of the protocol). */
    public static String caseResultLine(Map<String, Object> result) {
        return new Gson().toJson(result);
    }

    /** The merged result as pretty JSON. */
    public static String toJson(Map<String, Object> result) {
        return new GsonBuilder().setPrettyPrinting().serializeNulls().serializeSpecialFloatingPointValues()
                .create().toJson(result);
    }

    /** A human-readable table of the merged result. */
    public static String table(Map<String, Object> r) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "ferry bench: %s, batch %s, %s threads, %s malloc; DJL %s, libtorch %s, ONNX Runtime %s%n",
                r.get("arch"), r.get("batch"), r.get("threads"), r.getOrDefault("allocator", "?"),
                r.getOrDefault("djl_version", "?"), r.getOrDefault("libtorch_version", "?"),
                r.getOrDefault("onnxruntime_version", "?")));
        sb.append(String.format(Locale.ROOT, "CPU: %s (%s cpus), load average %s -> %s; 1x1 convolutions: %s%n", r.get("cpu_model"),
                r.get("cpus"), fmt(r.get("load_average_start"), 2), fmt(r.get("load_average_end"), 2),
                r.getOrDefault("pointwise_conv", "?")));
        row(sb, "GEMM 2048^3 fp32", r.get("gemm_gflops"), "GFLOP/s", 1, "");
        Object ips = r.get("inference_ips");
        String util = "";
        if (ips instanceof Number n && r.get("gemm_gflops") instanceof Number g && r.get("macs") instanceof Number macs) {
            double gflops = n.doubleValue() * 2 * macs.doubleValue() / 1e9;
            util = String.format(Locale.ROOT, "%.1f GFLOP/s, %.0f%% of GEMM", gflops, 100 * gflops / g.doubleValue());
        }
        row(sb, "inference (" + r.getOrDefault("inference_engine", "?") + ")", ips, "img/s", 1, util);
        row(sb, "inference (libtorch, folded)", r.get("inference_libtorch_ips"), "img/s", 1, "");
        row(sb, "inference (libtorch, plain)", r.get("inference_unfused_ips"), "img/s", 1, "");
        row(sb, "train step", r.get("train_step_ips"), "img/s", 1, "");
        row(sb, "peak RSS inference", r.get("peak_rss_infer_mb"), "MiB", 0, "");
        row(sb, "peak RSS train", r.get("peak_rss_train_mb"), "MiB", 0, "");
        row(sb, "predict folder", r.get("predict_folder_ips"), "img/s", 1,
                r.get("n_images") == null ? "" : r.get("n_images") + " images, decoding included");
        row(sb, "predict one image", r.get("predict_one_s"), "s", 2, "whole process: JVM start, weights file, decode, classify"
                + (r.get("predict_one_cpu_s") instanceof Number c ? String.format(Locale.ROOT, "; %.2f s CPU", c.doubleValue()) : ""));
        row(sb, "fe transfer, usual", r.get("fe_transfer_nocache_s"), "s", 2, acc(r.get("fe_acc_nocache")));
        row(sb, "fe transfer, cached", r.get("fe_transfer_cached_s"), "s", 2, acc(r.get("fe_acc_cached")));
        if (r.get("fe_transfer_nocache_s") instanceof Number a && r.get("fe_transfer_cached_s") instanceof Number b) {
            sb.append(String.format(Locale.ROOT, "  %-28s %12.1fx%n", "cache speed-up", a.doubleValue() / b.doubleValue()));
        }
        if (r.get("errors") instanceof Map<?, ?> errors) {
            errors.forEach((k, v) -> sb.append("  FAILED ").append(k).append(": ").append(v).append(System.lineSeparator()));
        }
        return sb.toString();
    }

    private static String acc(Object a) {
        return a instanceof Number n ? String.format(Locale.ROOT, "held-out accuracy %.3f", n.doubleValue()) : "";
    }

    private static void row(StringBuilder sb, String name, Object value, String unit, int digits, String note) {
        if (value == null) {
            return;
        }
        sb.append(String.format(Locale.ROOT, "  %-28s %12s %-8s %s", name, fmt(value, digits), unit, note).stripTrailing())
                .append(System.lineSeparator());
    }

    private static String fmt(Object v, int digits) {
        return v instanceof Number n ? String.format(Locale.ROOT, "%." + digits + "f", n.doubleValue()) : "n/a";
    }
}
