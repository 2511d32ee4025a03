package dev.ferry.cli;

import dev.ferry.InputException;
import dev.ferry.bench.BenchRunner;
import dev.ferry.bench.ServeBench;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry bench serve}: throughput, latency percentiles and peak RSS of {@code ferry serve}
 * under a closed-loop HTTP load at several client counts, optionally next to folder prediction over
 * the same images ({@link ServeBench}).
 *
 * <p>Exit codes: 0 measured; 1 a load without a single ok answer, a server that did not exit 0
 * after SIGTERM, or a failure while working; 2 bad usage (no images, a bad client list or
 * duration, an unreachable {@code --url}).
 */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Measure ferry serve under load: images/s, latency percentiles and peak RSS.",
            "For each client count, that many clients POST the images of --images (round robin, one image "
                    + "per request) to /predict/NAME for the duration, after a warm-up; reported are ok requests, "
                    + "errors by status, images/s, latency p50/p95/p99/max and the server's peak RSS. Without --url "
                    + "the server is started here (--model, a free loopback port) and stopped with SIGTERM at the end. "
                    + "--compare-predict also times folder prediction over the same images (model loaded, second "
                    + "pass) and gives serve/predict ratios."
        })
public final class BenchServeCommand extends FerryCommand {

    @Option(names = "--model", paramLabel = "DIR",
            description = "The model folder (written by ferry train) the started server serves; with --url, needed only for --compare-predict.")
    Path model;

    @Option(names = "--images", paramLabel = "DIR", required = true,
            description = "The images to send (searched recursively: jpg, jpeg, png, bmp, gif, webp, tif, tiff), read into memory once.")
    Path images;

    @Option(names = "--clients", paramLabel = "N,N,...", defaultValue = "1,16",
            description = "Concurrent clients of each load, in order (default: ${DEFAULT-VALUE}).")
    String clients;

    @Option(names = "--duration", paramLabel = "TIME",
            description = "Measured time of each load: 20s, 500ms, 2m, or seconds (default: 20s).")
    String duration;

    @Option(names = "--seconds", paramLabel = "S", description = "The same as --duration, in seconds.")
    Double seconds;

    @Option(names = "--warmup-seconds", paramLabel = "S", defaultValue = "3",
            description = "Uncounted time before each load (default: ${DEFAULT-VALUE}).")
    double warmupSeconds;

    @Option(names = "--url", paramLabel = "http://HOST:PORT", description = "Target this running server instead of starting one.")
    String url;

    @Option(names = "--pid", paramLabel = "PID", description = "The process id of the server at --url, to report its peak RSS.")
    Long pid;

    @Option(names = "--model-name", paramLabel = "NAME", defaultValue = ServeBench.MODEL_NAME,
            description = "The model's name in /predict/NAME (default: ${DEFAULT-VALUE}, the name the started server gets).")
    String modelName;

    @Option(names = "--max-batch", paramLabel = "N", description = "The started server's --max-batch (default: its own).")
    Integer maxBatch;

    @Option(names = "--max-delay-ms", paramLabel = "MS", description = "The started server's --max-delay-ms (default: its own).")
    Integer maxDelayMs;

    @Option(names = "--server-arg", paramLabel = "ARG",
            description = "A further argument for the started ferry serve; repeat for each (e.g. --server-arg=--threads --server-arg=4).")
    List<String> serverArgs = new ArrayList<>();

    @Option(names = "--compare-predict", description = "Also time folder prediction over the same images, before the loads.")
    boolean comparePredict;

    @Option(names = "--startup-timeout-seconds", paramLabel = "S", defaultValue = "180",
            description = "How long the server may take to become ready (default: ${DEFAULT-VALUE}).")
    double startupTimeoutSeconds;

    @Option(names = "--request-timeout-seconds", paramLabel = "S", defaultValue = "60",
            description = "How long one request may take before it counts as an error (default: ${DEFAULT-VALUE}).")
    double requestTimeoutSeconds;

    @Option(names = "--json", description = "Print one JSON object on stdout (progress goes to stderr).")
    boolean json;

    /** Internal: time folder prediction in this process and print the result as one JSON line. */
    @Option(names = "--measure-predict", hidden = true)
    boolean measurePredict;

    @Override
    protected int run() {
        if (measurePredict) {
            if (model == null) {
                throw new InputException("--measure-predict needs --model DIR");
            }
            // The parent reads the last stdout line.
            out().println(BenchRunner.caseResultLine(ServeBench.measurePredict(model, images)));
            return OK;
        }
        ServeBench.Report report = new ServeBench(options(), line -> {
            err().println(line);
            err().flush();
        }).run();
        out().print(json ? report.toJson() + System.lineSeparator() : report.table());
        return report.failed() ? FAILED : OK;
    }

    /** The options, parsed and checked. */
    ServeBench.Options options() {
        if (duration != null && seconds != null) {
            throw new InputException("--duration and --seconds are the same setting: give one");
        }
        Duration d = seconds != null ? ServeBench.seconds("--seconds", seconds, false)
                : ServeBench.parseDuration("--duration", duration == null ? "20s" : duration);
        URI target = url == null ? null : ServeBench.parseUrl(url);
        return new ServeBench.Options(model, modelName, images, ServeBench.parseClients(clients),
                ServeBench.seconds("--warmup-seconds", warmupSeconds, true), d, target, pid, maxBatch, maxDelayMs, serverArgs,
                comparePredict, ServeBench.seconds("--startup-timeout-seconds", startupTimeoutSeconds, false),
                ServeBench.seconds("--request-timeout-seconds", requestTimeoutSeconds, false));
    }
}
