package dev.ferry.spark;

import dev.ferry.InputException;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * A Spark session for ferry's jobs, started from a master URL and settings, and the jobs on it.
 * Callers that must not load Spark's classes before they know Spark is there (a command line
 * that also runs without it) use this class: no Spark type appears in its methods.
 *
 * <p>Under {@code spark-submit} the master and settings come from it and no master need be given;
 * elsewhere, without one, the session runs in this JVM on every core ({@code local[*]}).
 */
public final class SparkRunner implements AutoCloseable {
    /** The class whose absence means Spark is not on the class path. */
    private static final String SPARK_CLASS = "org.apache.spark.sql.SparkSession";

    private final SparkSession spark;
    private final boolean started;

    private SparkRunner(SparkSession spark, boolean started) {
        this.spark = spark;
        this.started = started;
    }

    /** Whether Spark's classes can be loaded. */
    public static boolean available() {
        try {
            Class.forName(SPARK_CLASS, false, SparkRunner.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * The session: the running one if there is one (a caller that embeds ferry), else a new one.
     *
     * @param master a master URL such as {@code local[2]} or {@code spark://host:7077}, or null for
     *     spark-submit's (or {@code local[*]})
     * @param settings Spark settings ({@code spark.executor.memory} ...), applied to a new session
     * @param app the application's name
     */
    public static SparkRunner start(String master, Map<String, String> settings, String app) {
        boolean running = SparkSession.getActiveSession().isDefined() || SparkSession.getDefaultSession().isDefined();
        SparkSession.Builder b = SparkSession.builder().appName(app);
        SparkConf given = new SparkConf(); // what spark-submit set, as system properties
        if (master != null) {
            b.master(master);
        } else if (!given.contains("spark.master")) {
            b.master("local[*]");
        }
        if (!given.contains("spark.ui.enabled")) {
            // A job run from the command line is watched there; the web UI would only take a port.
            b.config("spark.ui.enabled", "false");
        }
        if (!given.contains("spark.ui.showConsoleProgress")) {
            // The progress bar redraws stderr, which holds ferry's own lines.
            b.config("spark.ui.showConsoleProgress", "false");
        }
        if (!given.contains("spark.sql.files.openCostInBytes")) {
            // Spark packs files into a task as if each cost 4 MB more than its size: about 32
            // images a task, whose last batch is short and whose start is paid every 32 images.
            // 1 MB packs about 100 photos (or all of a small folder into one task per core);
            // measured on 200 JPEGs, ResNet-50, local[2]: 21.3 -> 22.7 images/s.
            b.config("spark.sql.files.openCostInBytes", "1m");
        }
        settings.forEach(b::config);
        try {
            return new SparkRunner(b.getOrCreate(), !running);
        } catch (IllegalArgumentException e) {
            throw new InputException("cannot start Spark: " + e.getMessage(), e);
        }
    }

    /** The session, for the DataFrame API. */
    public SparkSession session() {
        return spark;
    }

    /** {@link SparkJobs#predict} on this session. */
    public SparkJobs.Written predict(SparkJobs.Job job, int topK) {
        return SparkJobs.predict(spark, job, topK);
    }

    /** {@link SparkJobs#embed} on this session. */
    public SparkJobs.Written embed(SparkJobs.Job job) {
        return SparkJobs.embed(spark, job);
    }

    /** {@link SparkJobs#evaluate} on this session, without a report. */
    public SparkJobs.Evaluated evaluate(SparkJobs.Job job, boolean skipBad) {
        return SparkJobs.evaluate(spark, job, skipBad, null);
    }

    /** {@link SparkJobs#evaluate} on this session, with a report in a local folder (or none, for null). */
    public SparkJobs.Evaluated evaluate(SparkJobs.Job job, boolean skipBad, java.nio.file.Path report) {
        return SparkJobs.evaluate(spark, job, skipBad, report);
    }

    /** {@link FeatureParquet#read} on this session. */
    public FeatureParquet.Read readFeatures(String dir, boolean skipBad) {
        return FeatureParquet.read(spark, dir, skipBad);
    }

    /** The Spark version running. */
    public String version() {
        return spark.version();
    }

    /**
     * Stops the session if this runner started it, and closes the networks this JVM opened for
     * the jobs (in local mode the driver ran the tasks itself).
     */
    @Override
    public void close() {
        ExecutorModels.closeAll();
        if (started) {
            spark.stop();
        }
    }
}
