package dev.ferry.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.ferry.InputException;
import dev.ferry.eval.MetricsText;
import dev.ferry.spark.NetworkSource;
import dev.ferry.spark.SparkJobs;
import dev.ferry.spark.SparkRunner;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry spark predict|embed|evaluate}: the Spark jobs of {@code ferry-spark}, on this
 * machine ({@code --master local[N]}) or, run through {@code spark-submit --class
 * dev.ferry.cli.FerryCli ferry.jar spark ...}, on the cluster spark-submit names.
 *
 * <p>Spark's jars are not in ferry.jar; {@code ./ferry} puts them on the class path for this
 * command. Without them the command says so and exits 2. No field or method here has a Spark
 * type, so that the other commands never load Spark.
 */
@Command(
        name = "spark",
        mixinStandardHelpOptions = true,
        description = {
            "Run prediction, embeddings or evaluation as a Spark job over a folder of images (any Hadoop path),",
            "one row per image with its path, written as Parquet or JSON Lines. --master local[N] runs it here;",
            "under spark-submit the master is spark-submit's."
        },
        subcommands = {SparkCommand.PredictJob.class, SparkCommand.EmbedJob.class, SparkCommand.EvaluateJob.class})
public final class SparkCommand extends FerryCommand {

    @Override
    protected int run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing job: predict, embed or evaluate");
    }

    /** The options every job shares. */
    static final class JobOptions {
        @Option(names = "--master", paramLabel = "URL",
                description = "Spark master, e.g. local[2] (default: spark-submit's, else local[*]).")
        String master;

        @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "A Spark setting, e.g. spark.executor.memory=8g. Repeatable.")
        Map<String, String> conf = new LinkedHashMap<>();

        @Option(names = "--model", paramLabel = "DIR", description = "A model folder written by ferry train (any Hadoop path).")
        String model;

        @Option(names = "--weights", paramLabel = "SPEC",
                description = "Pretrained weights instead: a known name such as resnet50.IMAGENET1K_V2, or a file (any Hadoop path).")
        String weights;

        @Option(names = "--input", required = true, paramLabel = "DIR",
                description = "The folder of images, searched recursively; the first folder below it is an image's class.")
        String input;

        @Option(names = "--glob", paramLabel = "GLOB",
                description = "File-name filter (default: ferry's image extensions in any case).")
        String glob;

        @Option(names = "--batch-size", defaultValue = "32", description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
        int batchSize;

        @Option(names = "--inference-threads", paramLabel = "N",
                description = "Threads per inference engine (default: the executor's task slots, spark.executor.cores or N of local[N], divided among its engines).")
        Integer threads;

        @Option(names = "--engines", paramLabel = "N|slots", description = {"Inference engines per executor, each used by one task at a "
                + "time (default: 1, shared by the executor's tasks; slots: one per task slot)."})
        String engines;

        /**
         * @param mirror {@code --tta}
         * @param int8 {@code --int8}
         */
        SparkJobs.Job job(String output, SparkJobs.Format format, boolean mirror, boolean int8) {
            // First: building a job loads ferry's Spark classes, which need Spark's.
            requireSpark("ferry spark");
            if (batchSize < 1) {
                throw new InputException("--batch-size must be at least 1, got " + batchSize);
            }
            if (threads != null && threads < 1) {
                throw new InputException("--inference-threads must be at least 1, got " + threads);
            }
            int engineCount = engineCount(engines);
            if ((model == null) == (weights == null)) {
                throw new InputException(model == null ? "name the network: --model DIR or --weights SPEC"
                        : "--model and --weights exclude each other: give one network");
            }
            NetworkSource network = model != null ? NetworkSource.model(model) : NetworkSource.weights(weights);
            if (int8) {
                network = network.quantized();
            }
            // Unset: resolved on each executor, to its own number of task slots.
            int engineThreads = threads != null ? threads : dev.ferry.spark.EngineSettings.EXECUTOR_CORES;
            return new SparkJobs.Job(input, output, format, glob, network, batchSize, engineThreads, mirror, engineCount);
        }

        /** {@code --engines}: a count, or {@code slots} for one per task slot. */
        private static int engineCount(String text) {
            if (text == null) {
                return 1;
            }
            if (text.strip().equalsIgnoreCase("slots")) {
                return dev.ferry.spark.EngineSettings.EXECUTOR_CORES;
            }
            try {
                int n = Integer.parseInt(text.strip());
                if (n >= 1) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // refused below
            }
            throw new InputException("--engines takes a count of at least 1 or 'slots', got '" + text + "'");
        }
    }

    /** Where and how the jobs that write one row per image write them. */
    static final class RowOutput {
        @Option(names = "--output", required = true, paramLabel = "DIR", description = "The folder to write (must not exist).")
        String output;

        @Option(names = "--format", defaultValue = "parquet", description = "parquet or jsonl (default: ${DEFAULT-VALUE}).")
        SparkJobs.Format format;
    }

    /** What the three jobs share: the options, Spark's presence, the session. */
    abstract static class Job extends FerryCommand {
        @CommandLine.Mixin
        JobOptions options = new JobOptions();

        @CommandLine.Mixin
        JsonOption json = new JsonOption();

        /** The session, started for this command and stopped after it. */
        SparkRunner start(String name) {
            return SparkRunner.start(options.master, options.conf, "ferry spark " + name);
        }

        /** The summary of a job that wrote rows. */
        int written(SparkJobs.Written w, String what, SparkRunner spark) {
            if (json.on()) {
                JsonObject o = new JsonObject();
                o.addProperty("output", w.output());
                o.addProperty("rows", w.images());
                o.addProperty("errors", w.errors());
                o.addProperty("seconds", w.seconds());
                o.addProperty("imagesPerSecond", w.imagesPerSecond());
                o.addProperty("network", w.network());
                o.addProperty("spark", spark.version());
                out().println(new GsonBuilder().disableHtmlEscaping().create().toJson(o));
            } else {
                out().println(String.format(Locale.ROOT, "wrote %d %s (%d with an error) to %s in %.1f s (%.1f images/s, Spark %s)",
                        w.images(), what, w.errors(), w.output(), w.seconds(), w.imagesPerSecond(), spark.version()));
            }
            return OK;
        }
    }

    /**
     * Refuses, in one line, when Spark's classes are not on the class path: before any of ferry's
     * Spark classes loads, as they need Spark's.
     *
     * @param what what needs Spark, for the message
     */
    static void requireSpark(String what) {
        if (!sparkPresent()) {
            throw new InputException(what + " needs Spark, which is not on the class path: run ferry through ./ferry, which adds "
                    + "it, or add $SPARK_HOME/jars/* to the class path");
        }
    }

    /** Whether Spark's classes are on the class path, asked without loading any of ferry's Spark code. */
    static boolean sparkPresent() {
        try {
            Class.forName("org.apache.spark.sql.SparkSession", false, SparkCommand.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    @Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Top-k classes of every image: path, classes, probabilities, error (null unless the image could not be read).")
    static final class PredictJob extends Job {
        @CommandLine.Mixin
        RowOutput rows = new RowOutput();

        @Option(names = "--top-k", defaultValue = "5", description = "Classes per image (default: ${DEFAULT-VALUE}).")
        int topK;

        @CommandLine.Mixin
        TtaOption tta = new TtaOption();

        @CommandLine.Mixin
        Int8Option int8 = new Int8Option();

        @Override
        protected int run() {
            SparkJobs.Job job = options.job(rows.output, rows.format, tta.tta, int8.int8);
            try (SparkRunner spark = start("predict")) {
                return written(spark.predict(job, topK), "predictions", spark);
            }
        }
    }

    @Command(name = "embed", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"The backbone's feature vector of every image: path, label (its class folder), features, error.",
                "ferry train --features DIR trains a head from them."})
    static final class EmbedJob extends Job {
        @CommandLine.Mixin
        RowOutput rows = new RowOutput();

        @Override
        protected int run() {
            SparkJobs.Job job = options.job(rows.output, rows.format, false, false);
            try (SparkRunner spark = start("embed")) {
                return written(spark.embed(job), "embeddings", spark);
            }
        }
    }

    @Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
            description = "A trained model's metrics on a labelled folder (one sub-folder per class), as ferry evaluate prints them.")
    static final class EvaluateJob extends Job {
        @Option(names = "--output", paramLabel = "DIR", description = "A folder for metrics.json (must not exist).")
        String output;

        @Option(names = "--skip-bad", description = "Leave out unreadable images (listed) instead of stopping.")
        boolean skipBad;

        @Option(names = "--report", paramLabel = "DIR", description = {"Also write report.html (with its chart) into DIR on this "
                + "machine, as ferry evaluate --report does, the worst-classified images listed by path."})
        java.nio.file.Path report;

        @CommandLine.Mixin
        TtaOption tta = new TtaOption();

        @CommandLine.Mixin
        Int8Option int8 = new Int8Option();

        @Override
        protected int run() {
            SparkJobs.Job job = options.job(output, SparkJobs.Format.PARQUET, tta.tta, int8.int8);
            // Before the session starts, so that a refusal costs no Spark start.
            dev.ferry.workflow.Evaluate.checkReportFolder(report);
            try (SparkRunner spark = start("evaluate")) {
                SparkJobs.Evaluated e = spark.evaluate(job, skipBad, report);
                e.evaluation().failed().forEach(f -> err().println("ferry: warning: skipped bad image " + f.path() + ": " + f.reason()));
                if (e.metricsFile() != null) {
                    err().println("ferry: metrics written to " + e.metricsFile());
                }
                if (e.report() != null) {
                    err().println("ferry: report written to " + e.report());
                }
                if (json.on()) {
                    out().println(new GsonBuilder().serializeNulls().disableHtmlEscaping().create()
                            .toJson(SparkJobs.metricsJson(e.evaluation(), job)));
                } else {
                    out().print(MetricsText.render(e.evaluation().metrics()));
                }
                return OK;
            }
        }
    }
}
