package dev.ferry.spark;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.ferry.FerryException;
import dev.ferry.InputException;
import dev.ferry.data.EmbeddingIndex;
import dev.ferry.eval.MetricsJson;
import dev.ferry.model.ResNetConfig;
import dev.ferry.platform.BuildInfo;
import dev.ferry.weights.WeightsInventory;
import dev.ferry.workflow.Embed;
import dev.ferry.workflow.Evaluate;
import dev.ferry.workflow.Reports;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * Whole jobs: the images of an input folder through {@link FerrySpark}, written to an output
 * folder that must not exist yet (Spark's commit protocol writes into a temporary folder and
 * moves the finished files in, so a failed job leaves no partial output).
 */
public final class SparkJobs {
    private SparkJobs() {}

    /** The embedding job's description of its output, beside the Parquet parts (Spark's readers skip names starting with '_'). */
    public static final String EMBEDDINGS_INFO = "_ferry.json";
    /** The format named in {@link #EMBEDDINGS_INFO}. */
    public static final String EMBEDDINGS_FORMAT = "ferry-spark-embeddings";
    /** The evaluation job's metrics file. */
    public static final String METRICS = "metrics.json";

    /** How rows are written. */
    public enum Format {
        /** Parquet (Spark's default compression, snappy). */
        PARQUET,
        /** JSON Lines, one object per row, for tools without a Parquet reader. */
        JSONL
    }

    /**
     * A job.
     *
     * @param input the folder of images (any Hadoop path), searched recursively
     * @param output the folder to write (must not exist); for an evaluation, null to write nothing
     * @param format how rows are written
     * @param glob the file-name filter ({@link SparkImages#IMAGE_GLOB} by default)
     * @param network what the executors run
     * @param batchSize images per forward pass
     * @param threads engine threads per executor
     * @param mirror test-time augmentation for prediction and evaluation ({@link EngineSettings#mirror})
     * @param engines inference engines per executor ({@link EngineSettings#engines})
     */
    public record Job(String input, String output, Format format, String glob, NetworkSource network, int batchSize, int threads,
                      boolean mirror, int engines) {
        /** A job without test-time augmentation, on one engine per executor. */
        public Job(String input, String output, Format format, String glob, NetworkSource network, int batchSize, int threads) {
            this(input, output, format, glob, network, batchSize, threads, false, 1);
        }

        public Job {
            if (output != null && output.isBlank()) {
                throw new InputException("--output is empty: name a folder");
            }
            if (format == null) {
                format = Format.PARQUET;
            }
            if (glob == null) {
                glob = SparkImages.IMAGE_GLOB;
            }
        }
    }

    /**
     * What a prediction or embedding job wrote.
     *
     * @param output the folder
     * @param images rows written
     * @param errors rows with an error
     * @param seconds wall time of the job (listing, reading, decoding, the network, writing)
     * @param network the network, in words
     */
    public record Written(String output, long images, long errors, double seconds, String network) {
        /** Images per second over the whole job. */
        public double imagesPerSecond() {
            return images / Math.max(seconds, 1e-9);
        }
    }

    /**
     * An evaluation job's result.
     *
     * @param evaluation the metrics and the images left out
     * @param metricsFile the metrics written, or null without an output folder
     * @param report the report.html written, or null without a report folder
     * @param seconds wall time
     * @param images images read
     */
    public record Evaluated(SparkEvaluation evaluation, String metricsFile, java.nio.file.Path report, double seconds, long images) {}

    /** Top-k classes of every image. */
    public static Written predict(SparkSession spark, Job job, int topK) {
        EngineSettings on = settings(spark, job);
        requireNewOutput(spark, job.output());
        ExecutorModels.Open driverCopy = ExecutorModels.get(on); // checks the network here, before any task
        Dataset<Row> images = SparkImages.read(spark, job.input(), job.glob());
        FerrySpark.Counters counters = FerrySpark.Counters.of(images);
        long t = System.nanoTime();
        write(FerrySpark.predict(images, on, topK, counters), job);
        return new Written(job.output(), counters.images().value(), counters.errors().value(), (System.nanoTime() - t) / 1e9,
                driverCopy.network().description());
    }

    /** The backbone features of every image, with {@link #EMBEDDINGS_INFO} describing the network. */
    public static Written embed(SparkSession spark, Job job) {
        EngineSettings on = settings(spark, job);
        requireNewOutput(spark, job.output());
        ExecutorModels.Open driverCopy = ExecutorModels.get(on);
        String root = SparkImages.qualifiedFolder(spark, job.input());
        Dataset<Row> images = SparkImages.read(spark, job.input(), job.glob());
        FerrySpark.Counters counters = FerrySpark.Counters.of(images);
        long t = System.nanoTime();
        write(FerrySpark.embed(images, on, counters), job);
        ResNetConfig config = driverCopy.network().network().config();
        NetworkSource n = job.network();
        // Local paths absolute, as ferry embed records them, so that training from the rows finds
        // and checks the same weights from anywhere.
        String weights = n.weights() == null || ExecutorModels.isRemote(n.weights()) ? n.weights() : Embed.recordedWeights(n.weights());
        String model = n.model() == null || ExecutorModels.isRemote(n.model()) ? n.model()
                : java.nio.file.Path.of(n.model()).toAbsolutePath().normalize().toString();
        EmbeddingIndex.Network network = new EmbeddingIndex.Network(weights, model, driverCopy.network().description(),
                config.architecture().id(), WeightsInventory.describe(driverCopy.network().preset()), config.featureDim());
        JsonObject info = new JsonObject();
        info.addProperty("format", EMBEDDINGS_FORMAT);
        info.addProperty("version", 1);
        info.addProperty("ferry", BuildInfo.current().ferry());
        info.addProperty("input", root);
        info.addProperty("rowFormat", job.format().name().toLowerCase(Locale.ROOT));
        info.add("network", new GsonBuilder().create().toJsonTree(network));
        writeText(spark, new Path(job.output(), EMBEDDINGS_INFO), pretty(info));
        return new Written(job.output(), counters.images().value(), counters.errors().value(), (System.nanoTime() - t) / 1e9,
                driverCopy.network().description());
    }

    /**
     * The metrics of a labelled folder (a model directory's network only, as {@code ferry
     * evaluate}), written as {@link #METRICS} into {@code job.output()} when it is given.
     *
     * @param skipBad evaluate the usable images when some cannot be read, instead of refusing
     * @param report a folder on this machine for report.html and its chart (as {@code ferry
     *     evaluate --report}, with the worst-classified images listed by path), or null
     * @throws InputException when images cannot be read and {@code skipBad} is off, listing how many
     */
    public static Evaluated evaluate(SparkSession spark, Job job, boolean skipBad, java.nio.file.Path report) {
        if (job.network().model() == null) {
            throw new InputException("evaluation needs a trained model (--model DIR), not pretrained weights");
        }
        Evaluate.checkReportFolder(report);
        EngineSettings on = settings(spark, job);
        boolean writeOutput = job.output() != null;
        if (writeOutput) {
            requireNewOutput(spark, job.output());
        }
        // The driver's copy of the network: checked before any task, and its labels are the model's classes.
        ExecutorModels.Open driverCopy = ExecutorModels.get(on);
        List<String> classes = driverCopy.labels();
        Dataset<Row> images = SparkImages.read(spark, job.input(), job.glob());
        long t = System.nanoTime();
        SparkEvaluation ev = FerrySpark.evaluate(images, on, classes);
        double seconds = (System.nanoTime() - t) / 1e9;
        if (!ev.failed().isEmpty() && !skipBad) {
            SparkEvaluation.Failed first = ev.failed().get(0);
            throw new InputException(ev.failed().size() + " image" + (ev.failed().size() == 1 ? "" : "s") + " of " + job.input()
                    + " could not be used (first: " + first.path() + ": " + first.reason() + "); --skip-bad evaluates the rest");
        }
        if (ev.metrics() == null) {
            throw new InputException("no usable image in " + job.input() + " (" + ev.failed().size() + " left out)");
        }
        String file = null;
        if (writeOutput) {
            Path out = new Path(job.output(), METRICS);
            writeText(spark, out, pretty(metricsJson(ev, job)));
            file = out.toString();
        }
        java.nio.file.Path html = null;
        if (report != null) {
            List<String> skipped = ev.failed().stream().map(f -> f.path() + ": " + f.reason()).toList();
            html = Reports.writeListedEvaluation(report, driverCopy.network().description() + (job.mirror() ? ", mirrored" : ""),
                    SparkImages.qualifiedFolder(spark, job.input()), ev.metrics(), ev.gallery(), skipped);
        }
        return new Evaluated(ev, file, html, seconds, ev.metrics().sampleCount() + ev.failed().size());
    }

    /** The evaluation as {@code ferry evaluate --json} writes it, with the Spark paths. */
    public static JsonObject metricsJson(SparkEvaluation ev, Job job) {
        JsonObject o = MetricsJson.toJsonObject(ev.metrics());
        o.addProperty("model", job.network().model());
        o.addProperty("data", job.input());
        JsonArray skipped = new JsonArray();
        ev.failed().forEach(f -> skipped.add(f.path() + ": " + f.reason()));
        o.add("skipped", skipped);
        return o;
    }

    private static EngineSettings settings(SparkSession spark, Job job) {
        Map<String, String> hadoop = new HashMap<>();
        if (ExecutorModels.isRemote(job.network().location())) {
            spark.sparkContext().hadoopConfiguration().forEach(e -> hadoop.put(e.getKey(), e.getValue()));
        }
        return new EngineSettings(job.network(), job.batchSize(), job.threads(), hadoop, job.mirror(), job.engines());
    }

    private static void write(Dataset<Row> rows, Job job) {
        DataFrameWriter<Row> w = rows.write().mode(SaveMode.ErrorIfExists);
        switch (job.format()) {
            case PARQUET -> w.parquet(job.output());
            case JSONL -> w.json(job.output());
        }
    }

    private static void requireNewOutput(SparkSession spark, String output) {
        if (output == null) {
            throw new InputException("an output folder is required (--output)");
        }
        try {
            Path p = new Path(output);
            FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (fs.exists(p)) {
                throw new InputException("the output folder exists already: " + output + " (remove it or name another)");
            }
        } catch (IllegalArgumentException e) {
            throw new InputException("not a path Spark can write: " + output + " (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new FerryException("cannot check " + output + ": " + e.getMessage(), e);
        }
    }

    private static void writeText(SparkSession spark, Path file, String text) {
        try {
            FileSystem fs = file.getFileSystem(spark.sparkContext().hadoopConfiguration());
            // Written under a temporary name and renamed, so a reader never sees half a file.
            Path tmp = new Path(file.getParent(), "_" + file.getName() + ".tmp");
            try (OutputStream out = fs.create(tmp, true)) {
                out.write(text.getBytes(StandardCharsets.UTF_8));
            }
            if (!fs.rename(tmp, file)) {
                throw new IOException("cannot rename " + tmp + " to " + file);
            }
        } catch (IOException e) {
            throw new FerryException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static String pretty(JsonObject o) {
        return new GsonBuilder().serializeNulls().disableHtmlEscaping().setPrettyPrinting().create().toJson(o) + "\n";
    }

    /** The rows of a job's output folder, whichever format it was written in. */
    public static Dataset<Row> readOutput(SparkSession spark, String output, Format format) {
        return switch (format) {
            case PARQUET -> spark.read().parquet(output);
            case JSONL -> spark.read().json(output);
        };
    }
}
