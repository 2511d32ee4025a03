package dev.ferry.spark;

import dev.ferry.InputException;
import dev.ferry.eval.ClassificationMetrics;
import dev.ferry.eval.MetricCounts;
import dev.ferry.eval.WorstSamples;
import dev.ferry.train.Inference;
import dev.ferry.train.Predictor;
import dev.ferry.train.TestTime;
import dev.ferry.workflow.Networks;
import dev.ferry.workflow.Reports;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;

/**
 * ferry's prediction, embeddings and evaluation over DataFrames of images (a {@link SparkImages}
 * frame, or any frame with a string {@value SparkImages#PATH} and a binary
 * {@value SparkImages#CONTENT} column, and for evaluation a string {@value SparkImages#LABEL}).
 *
 * <p>Each partition's rows are decoded and preprocessed by ferry's data layer on the task's thread
 * and run in batches on the executor's copy of the network ({@link ExecutorModels}: one engine
 * shared by its tasks, or more with {@link EngineSettings#engines}). An image
 * that cannot be decoded becomes a row with an error, never a failed job.
 *
 * <pre>{@code
 * Dataset<Row> images = SparkImages.read(spark, "hdfs:///photos");
 * EngineSettings on = new EngineSettings(NetworkSource.model("hdfs:///models/photos"), 32, 4);
 * FerrySpark.predict(images, on, 5, null).write().parquet("hdfs:///predictions");
 * }</pre>
 */
public final class FerrySpark {
    private FerrySpark() {}

    /** Why a row has no result: null when it has one. */
    public static final String ERROR = "error";
    /** Predicted classes, most probable first. */
    public static final String CLASSES = "classes";
    /** Their probabilities. */
    public static final String PROBABILITIES = "probabilities";
    /** The backbone's pooled feature vector. */
    public static final String FEATURES = "features";

    /** Rows of {@link #predict}: path, top classes, their probabilities, error. */
    public static final StructType PREDICTION_SCHEMA = new StructType()
            .add(SparkImages.PATH, DataTypes.StringType, false)
            .add(CLASSES, DataTypes.createArrayType(DataTypes.StringType, false), true)
            .add(PROBABILITIES, DataTypes.createArrayType(DataTypes.FloatType, false), true)
            .add(ERROR, DataTypes.StringType, true);

    /** Rows of {@link #embed}: path, label, features, error. */
    public static final StructType EMBEDDING_SCHEMA = new StructType()
            .add(SparkImages.PATH, DataTypes.StringType, false)
            .add(SparkImages.LABEL, DataTypes.StringType, true)
            .add(FEATURES, DataTypes.createArrayType(DataTypes.FloatType, false), true)
            .add(ERROR, DataTypes.StringType, true);

    /**
     * Counts kept while a job runs (Spark accumulators: a retried task may count twice).
     *
     * @param images rows seen
     * @param errors rows with an error
     */
    public record Counters(LongAccumulator images, LongAccumulator errors) implements Serializable {
        private static final long serialVersionUID = 1L;

        /** New counters registered with {@code images}' Spark context. */
        public static Counters of(Dataset<Row> images) {
            var sc = images.sparkSession().sparkContext();
            return new Counters(sc.longAccumulator("ferry images"), sc.longAccumulator("ferry errors"));
        }

        void add(int rows, int failed) {
            images.add(rows);
            errors.add(failed);
        }
    }

    /**
     * The top-{@code topK} classes of every image, as {@code ferry predict} computes them (the
     * model's calibration temperature applied), in {@link #PREDICTION_SCHEMA}.
     *
     * @param counters counted into while the rows are computed, or null
     */
    public static Dataset<Row> predict(Dataset<Row> images, EngineSettings on, int topK, Counters counters) {
        if (topK < 1) {
            throw new InputException("--top-k must be at least 1, got " + topK);
        }
        int pathColumn = column(images, SparkImages.PATH);
        int contentColumn = column(images, SparkImages.CONTENT);
        MapPartitionsFunction<Row, Row> f = rows -> {
            ExecutorModels.Open net = ExecutorModels.get(on);
            Networks.Open open = net.network();
            int k = Math.min(topK, open.labels().size());
            int crop = net.transform().outputHeight();
            return flatten(new ImageBatches(rows, net.transform(), on.batchSize(), pathColumn, contentColumn), batch -> {
                float[] p = batch.decoded() == 0 ? new float[0] : net.exclusive(engine -> Inference.requireFinite(
                        TestTime.probabilities(engine, batch.pixels(), batch.decoded(), crop, crop, open.temperature(),
                                on.mirror())));
                int classes = open.labels().size();
                List<Row> out = new ArrayList<>(batch.items().size());
                int next = 0;
                int failed = 0;
                for (ImageBatches.Item item : batch.items()) {
                    if (item.error() != null) {
                        failed++;
                        out.add(RowFactory.create(item.path(), null, null, item.error()));
                        continue;
                    }
                    float[] row = Arrays.copyOfRange(p, next * classes, (next + 1) * classes);
                    next++;
                    List<Predictor.Top> top = Predictor.top(row, k, open.labels());
                    String[] names = new String[top.size()];
                    Float[] probs = new Float[top.size()];
                    for (int i = 0; i < names.length; i++) {
                        names[i] = top.get(i).label();
                        probs[i] = top.get(i).probability();
                    }
                    out.add(RowFactory.create(item.path(), names, probs, null));
                }
                if (counters != null) {
                    counters.add(out.size(), failed);
                }
                return out;
            });
        };
        return images.mapPartitions(f, Encoders.row(PREDICTION_SCHEMA));
    }

    /**
     * The backbone's pooled features of every image (the numbers of ferry's feature cache: the
     * eval transform of the network's preset, the BN-folded network on the inference engine), in
     * {@link #EMBEDDING_SCHEMA}; the label is the input's, when it has a label column.
     *
     * @param counters counted into while the rows are computed, or null
     * @throws InputException for settings that change the network's outputs (mirroring, int8):
     *     the features are the float backbone's, one view per image, as the feature cache's
     */
    public static Dataset<Row> embed(Dataset<Row> images, EngineSettings on, Counters counters) {
        if (on.mirror() || on.network().int8()) {
            throw new InputException(on.mirror() ? "--tta averages classifications; embeddings are one view's features, as ferry "
                    + "embed computes them" : "--int8 is for classifying; embeddings are the float backbone's features, as the "
                    + "feature cache's");
        }
        int pathColumn = column(images, SparkImages.PATH);
        int contentColumn = column(images, SparkImages.CONTENT);
        int labelColumn = Arrays.asList(images.columns()).indexOf(SparkImages.LABEL);
        MapPartitionsFunction<Row, Row> f = rows -> {
            ExecutorModels.Open net = ExecutorModels.get(on);
            int dim = net.network().network().config().featureDim();
            int crop = net.transform().outputHeight();
            return flatten(new ImageBatches(rows, net.transform(), on.batchSize(), pathColumn, contentColumn), batch -> {
                float[] features = batch.decoded() == 0 ? new float[0]
                        : net.exclusive(engine -> engine.forwardFeatures(batch.pixels(), batch.decoded(), crop, crop));
                List<Row> out = new ArrayList<>(batch.items().size());
                int next = 0;
                int failed = 0;
                for (ImageBatches.Item item : batch.items()) {
                    String label = labelColumn < 0 || item.row().isNullAt(labelColumn) ? null : item.row().getString(labelColumn);
                    if (item.error() != null) {
                        failed++;
                        out.add(RowFactory.create(item.path(), label, null, item.error()));
                        continue;
                    }
                    Float[] v = new Float[dim];
                    for (int i = 0; i < dim; i++) {
                        v[i] = features[next * dim + i];
                    }
                    next++;
                    out.add(RowFactory.create(item.path(), label, v, null));
                }
                if (counters != null) {
                    counters.add(out.size(), failed);
                }
                return out;
            });
        };
        return images.mapPartitions(f, Encoders.row(EMBEDDING_SCHEMA));
    }

    /**
     * A labelled set's metrics, as {@code ferry evaluate} computes them: every partition counts
     * its images ({@link MetricCounts}) and the counts are added on the driver, so the confusion
     * matrix, accuracies and per-class metrics equal one pass over every image; the loss, a sum of
     * doubles, may differ in its last bits.
     *
     * <p>The label column's names are matched to the model's classes; a class the model does not
     * know is refused before any image is read, as {@code ferry evaluate} refuses it. Images that
     * cannot be decoded, and files outside any class folder, are counted out and listed.
     *
     * @param classes the model's classes, in its order (the network's labels)
     */
    public static SparkEvaluation evaluate(Dataset<Row> images, EngineSettings on, List<String> classes) {
        int pathColumn = column(images, SparkImages.PATH);
        int contentColumn = column(images, SparkImages.CONTENT);
        int labelColumn = column(images, SparkImages.LABEL);
        List<String> known = List.copyOf(classes);
        for (Row r : images.select(SparkImages.LABEL).distinct().collectAsList()) {
            String name = r.isNullAt(0) ? null : r.getString(0);
            if (name != null && !known.contains(name)) {
                throw new InputException("class folder '" + name + "' is not one of the model's " + known.size() + " classes ("
                        + String.join(", ", known) + "; " + on.network().location() + ")");
            }
        }
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < known.size(); i++) {
            index.put(known.get(i), i);
        }
        PartitionEvaluation total = images.javaRDD().mapPartitions(rows -> {
            ExecutorModels.Open net = ExecutorModels.get(on);
            Networks.Open open = net.network();
            if (!open.labels().equals(known)) {
                throw new IllegalStateException("the executor's network has classes " + open.labels() + ", the driver's " + known);
            }
            int crop = net.transform().outputHeight();
            PartitionEvaluation part = new PartitionEvaluation(new MetricCounts(known.size()), new ArrayList<>(),
                    new WorstSamples(Reports.GALLERY));
            ImageBatches batches = new ImageBatches(rows, net.transform(), on.batchSize(), pathColumn, contentColumn);
            while (batches.hasNext()) {
                ImageBatches.Batch batch = batches.next();
                List<ImageBatches.Item> usable = new ArrayList<>();
                for (ImageBatches.Item item : batch.items()) {
                    if (item.error() != null) {
                        part.errors().add(new String[] {item.path(), item.error()});
                    } else if (item.row().isNullAt(labelColumn)) {
                        part.errors().add(new String[] {item.path(), "not in a class folder"});
                    } else {
                        usable.add(item);
                    }
                }
                if (usable.isEmpty()) {
                    continue;
                }
                int per = 3 * crop * crop;
                float[] pixels = new float[usable.size() * per];
                int[] y = new int[usable.size()];
                for (int i = 0; i < usable.size(); i++) {
                    System.arraycopy(usable.get(i).pixels(), 0, pixels, i * per, per);
                    y[i] = index.get(usable.get(i).row().getString(labelColumn));
                }
                int n = usable.size();
                // Scored as Inference.evaluate scores a batch, so that the merged metrics are its own.
                Inference.Scored scored = net.exclusive(engine -> Inference.score(engine, pixels, n, crop, crop,
                        open.temperature(), on.mirror(), y));
                float[] p = Inference.requireFinite(scored.probabilities());
                int k = known.size();
                for (int i = 0; i < n; i++) {
                    float[] row = Arrays.copyOfRange(p, i * k, (i + 1) * k);
                    part.counts().add(y[i], row);
                    part.worst().add(usable.get(i).path(), y[i], row);
                }
                part.counts().addLoss(scored.lossSum(), n);
            }
            return List.of(part).iterator();
        }).reduce(PartitionEvaluation::merge);
        List<SparkEvaluation.Failed> failed = new ArrayList<>();
        for (String[] e : total.errors()) {
            failed.add(new SparkEvaluation.Failed(e[0], e[1]));
        }
        failed.sort(java.util.Comparator.comparing(SparkEvaluation.Failed::path));
        ClassificationMetrics metrics = total.counts().samples() == 0 ? null : total.counts().metrics(known);
        return new SparkEvaluation(metrics, List.copyOf(failed), total.worst().worst());
    }

    /**
     * One partition's counts, failures and worst-classified images (as many as a report's
     * gallery shows); merged pairwise on the way to the driver.
     */
    record PartitionEvaluation(MetricCounts counts, List<String[]> errors, WorstSamples worst) implements Serializable {
        PartitionEvaluation merge(PartitionEvaluation other) {
            List<String[]> all = new ArrayList<>(errors);
            all.addAll(other.errors);
            return new PartitionEvaluation(counts.merge(other.counts), all, worst.merge(other.worst));
        }
    }

    private static int column(Dataset<Row> images, String name) {
        int i = Arrays.asList(images.columns()).indexOf(name);
        if (i < 0) {
            throw new InputException("the image frame has no '" + name + "' column (it has " + String.join(", ", images.columns()) + ")");
        }
        return i;
    }

    /** A batch's output rows. */
    @FunctionalInterface
    interface BatchRows {
        List<Row> rows(ImageBatches.Batch batch);
    }

    /** The rows of every batch, computed a batch at a time as the consumer asks. */
    private static Iterator<Row> flatten(ImageBatches batches, BatchRows f) {
        return new Iterator<>() {
            private Iterator<Row> current = java.util.Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && batches.hasNext()) {
                    current = f.rows(batches.next()).iterator();
                }
                return current.hasNext();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                return current.next();
            }
        };
    }
}
