package dev.ferry.cli;

import dev.ferry.bench.BenchCase;
import dev.ferry.bench.BenchOptions;
import dev.ferry.bench.BenchRunner;
import dev.ferry.bench.Benchmarks;
import dev.ferry.model.Architecture;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry bench}: inference, training, folder prediction and transfer-learning speed on this
 * machine, each case in a fresh JVM so that its peak RSS is its own. {@code tools/bench_compare.sh}
 * runs it next to {@code tools/bench_pytorch.py} and tabulates the ratios.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        subcommands = {BenchServeCommand.class},
        description = {
            "Measure ferry on this machine: GEMM rate, inference and training-step images/s, peak RSS,",
            "folder prediction images/s (decoding included) and the feature-extraction transfer time with",
            "and without the feature cache. Each case runs in a fresh JVM; weights are random (seeded).",
            "Cases: gemm, infer, infer_libtorch, infer_unfused, train, predict_folder, predict_one,",
            "fe_nocache, fe_cached (default: all but infer_libtorch and infer_unfused; the last four",
            "need --images). Inference runs on ONNX Runtime unless -Dferry.inference=libtorch."
        })
public final class BenchCommand extends FerryCommand {

    @Option(names = "--arch", defaultValue = "resnet50", converter = Converters.ArchitectureConverter.class,
            description = "Any network ferry summary knows, resnet18 ... wide_resnet101_2 (default: ${DEFAULT-VALUE}).")
    Architecture arch;

    @Option(names = "--batch", defaultValue = "16", description = "Images per batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--threads", description = "libtorch intra-op threads and decoding threads (default: the CPU count).")
    Integer threads;

    @Option(names = "--iters", defaultValue = "10", description = "Timed iterations per case; the median is reported (default: ${DEFAULT-VALUE}).")
    int iters;

    @Option(names = "--warmup", defaultValue = "3", description = "Untimed iterations first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--passes", defaultValue = "3", description = "Timed passes over the folder for predict_folder (default: ${DEFAULT-VALUE}).")
    int passes;

    @Option(names = "--epochs", defaultValue = "10", description = "Epochs of the transfer cases (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of weights, inputs, split and training (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--images", paramLabel = "DIR",
            description = "Image folder with one sub-folder per class (tools/make_bench_images.py writes one).")
    Path images;

    @Option(names = "--cases", paramLabel = "a,b,...", description = "Run only these cases.")
    String cases;

    @Option(names = "--json", description = "Print one JSON object on stdout (progress goes to stderr).")
    boolean json;

    /** Internal: run one case in this process and print its result as one JSON line. */
    @Option(names = "--case", hidden = true)
    String childCase;

    /** Internal: the weights file the runner wrote for the predict_one child. */
    @Option(names = "--weights", hidden = true)
    Path weights;

    @Override
    protected int run() {
        int t = threads != null ? threads : Math.max(1, Runtime.getRuntime().availableProcessors());
        BenchOptions o = new BenchOptions(arch, batch, t, iters, warmup, passes, epochs, seed, images, weights);
        if (childCase != null) {
            BenchCase c = BenchCase.parse(childCase);
            // The runner reads the child's last stdout line.
            out().println(BenchRunner.caseResultLine(Benchmarks.run(c, o)));
            return OK;
        }
        List<BenchCase> selected = BenchCase.select(cases, images != null);
        Map<String, Object> result = new BenchRunner(o, line -> {
            err().println(line);
            err().flush();
        }).run(selected);
        out().print(json ? BenchRunner.toJson(result) + System.lineSeparator() : BenchRunner.table(result));
        boolean failed = result.get("errors") instanceof Map<?, ?> e && !e.isEmpty();
        return failed ? FAILED : OK;
    }
}
