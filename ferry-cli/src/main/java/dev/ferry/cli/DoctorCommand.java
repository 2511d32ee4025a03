package dev.ferry.cli;

import com.google.gson.GsonBuilder;
import dev.ferry.platform.ConvPaths;
import dev.ferry.platform.Diagnostics;
import dev.ferry.platform.ConvDecision;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ferry doctor}: the machine as ferry sees it, for bug reports and CI logs. */
@Command(
        name = "doctor",
        mixinStandardHelpOptions = true,
        description = {
            "Print what a bug report needs: Java, OS, CPU model and flags, caches, cores, memory, the bundled",
            "libtorch, oneDNN and ONNX Runtime, how 1x1 convolutions run on this machine and why,",
            "the allocator, OpenMP's wait policy and the cache directory."
        })
public final class DoctorCommand extends FerryCommand {

    @Option(names = "--probe", description = "Run the probe of oneDNN's 1x1 convolutions now (in a child JVM) as well as reporting the decision in force.")
    boolean probe;

    @CommandLine.Mixin
    JsonOption json = new JsonOption();

    @Override
    protected int run() {
        String probed = null;
        if (probe) {
            probed = ConvPaths.probe().map(v -> (v.safe() ? "oneDNN 1x1 convolutions work: " : "oneDNN 1x1 convolutions fail: ") + v.detail())
                    .orElse("the probe could not be run");
        }
        Diagnostics d = Diagnostics.collect();
        PrintWriter out = out();
        if (json.on()) {
            out.println(new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(toMap(d, probed)));
        } else {
            text(d, probed, out);
        }
        return OK;
    }

    private static void text(Diagnostics d, String probed, PrintWriter out) {
        ConvDecision c = d.convolutions();
        out.println("ferry " + d.build().ferry());
        row(out, "java", d.javaVersion() + ", " + d.javaHome());
        row(out, "os", d.os());
        row(out, "cpu", d.cpu().describe());
        row(out, "cpu flags", d.keyFlags());
        row(out, "caches", d.cpu().describeCaches());
        row(out, "memory", gib(d.memoryBytes()) + " (JVM max heap " + gib(d.maxHeapBytes()) + ")");
        row(out, "libtorch", d.build().libtorch() + " (oneDNN " + d.build().oneDnn() + ") via DJL " + d.build().djl()
                + ", " + d.threads() + " intra-op threads");
        row(out, "onnxruntime", d.build().onnxRuntime());
        row(out, "conv 1x1", c.pointwise().id() + " (" + c.basisName() + ")");
        row(out, "  why", c.reason());
        if (probed != null) {
            row(out, "  probe now", probed);
        }
        row(out, "allocator", d.allocator());
        row(out, "omp wait", d.ompWaitPolicy());
        row(out, "cache", d.cacheDirectory().toString());
    }

    private static void row(PrintWriter out, String key, String value) {
        out.printf(Locale.ROOT, "%-12s %s%n", key, value);
    }

    private static String gib(long bytes) {
        return bytes <= 0 ? "unknown" : String.format(Locale.ROOT, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
    }

    private static Map<String, Object> toMap(Diagnostics d, String probed) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("ferry", d.build().ferry());
        o.put("java", Map.of("version", d.javaVersion(), "home", d.javaHome()));
        o.put("os", d.os());
        Map<String, Object> cpu = new LinkedHashMap<>();
        cpu.put("modelName", d.cpu().modelName());
        cpu.put("vendor", d.cpu().vendor());
        cpu.put("family", d.cpu().family());
        cpu.put("model", d.cpu().model());
        cpu.put("stepping", d.cpu().stepping());
        cpu.put("generation", d.cpu().generation());
        cpu.put("isa", d.cpu().isa());
        cpu.put("logicalCpus", d.cpu().logicalCpus());
        cpu.put("l1dBytes", d.cpu().l1d());
        cpu.put("l2Bytes", d.cpu().l2());
        cpu.put("l3Bytes", d.cpu().l3());
        cpu.put("flags", d.cpu().flags());
        o.put("cpu", cpu);
        o.put("memoryBytes", d.memoryBytes());
        o.put("maxHeapBytes", d.maxHeapBytes());
        Map<String, Object> natives = new LinkedHashMap<>();
        natives.put("djl", d.build().djl());
        natives.put("libtorch", d.build().libtorch());
        natives.put("onednn", d.build().oneDnn());
        natives.put("onnxruntime", d.build().onnxRuntime());
        natives.put("threads", d.threads());
        o.put("native", natives);
        Map<String, Object> conv = new LinkedHashMap<>();
        conv.put("layout", "channels-last");
        conv.put("pointwise", d.convolutions().pointwise().id());
        conv.put("basis", d.convolutions().basis().name().toLowerCase(Locale.ROOT));
        conv.put("reason", d.convolutions().reason());
        if (probed != null) {
            conv.put("probeNow", probed);
        }
        o.put("convolutions", conv);
        o.put("allocator", d.allocator());
        o.put("ompWaitPolicy", d.ompWaitPolicy());
        o.put("cacheDirectory", d.cacheDirectory().toString());
        return o;
    }
}
