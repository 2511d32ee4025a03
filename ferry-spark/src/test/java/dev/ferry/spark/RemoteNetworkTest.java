package dev.ferry.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.train.PresetOverride;
import dev.ferry.train.Strategy;
import dev.ferry.train.TinyTask;
import dev.ferry.train.TrainConfig;
import dev.ferry.train.TrainListener;
import dev.ferry.workflow.TrainingRun;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A network on a file system other than the local one is copied to each executor's disk once and
 * opened from there: here a local folder seen through a Hadoop file system of another scheme, so
 * that the copy path runs as it does for {@code hdfs://} or {@code s3a://}.
 */
class RemoteNetworkTest {
    /** The local disk under the scheme {@code ferrytest}. */
    public static final class OtherScheme extends RawLocalFileSystem {
        @Override
        public URI getUri() {
            return URI.create("ferrytest:///");
        }

        @Override
        public String getScheme() {
            return "ferrytest";
        }
    }

    @Test
    void aRemoteModelIsCopiedOnceAndPredictsAsTheLocalOne(@TempDir Path tmp) throws IOException {
        TinyTask task = TinyTask.create(tmp.resolve("task"));
        Path model = tmp.resolve("model");
        TrainingRun.builder().data(task.data()).validationSplit(0.25).weights(task.weights().toString())
                .config(TrainConfig.defaults(new Strategy.FeatureExtract(1, true)).withEpochs(2).withBatchSize(8).withSeed(2))
                .preset(new PresetOverride(0, 32, new float[] {0.5f}, new float[] {0.25f})).out(model).threads(2).build()
                .run(TrainListener.NONE, new PrintStream(new ByteArrayOutputStream(), true));
        Map<String, String> conf = Map.of("fs.ferrytest.impl", OtherScheme.class.getName(), "fs.ferrytest.impl.disable.cache", "true");

        Path copied = ExecutorModels.local("ferrytest://" + model, true, conf);
        assertTrue(copied.getParent().getFileName().toString().startsWith("ferry-network-"), copied.toString());
        assertEquals(List.of(Files.readString(model.resolve("model.json"))), List.of(Files.readString(copied.resolve("model.json"))));

        try (SparkRunner spark = SparkRunner.start("local[2]", Map.of("spark.hadoop.fs.ferrytest.impl", OtherScheme.class.getName(),
                "spark.hadoop.fs.ferrytest.impl.disable.cache", "true"), "ferry remote test")) {
            List<Row> remote = predict(spark, "ferrytest://" + model, task.data(), tmp.resolve("remote"));
            List<Row> local = predict(spark, model.toString(), task.data(), tmp.resolve("local"));
            assertEquals(TinyTask.CLASSES.size() * TinyTask.PER_CLASS, remote.size());
            assertEquals(local, remote);
        }
    }

    private static List<Row> predict(SparkRunner spark, String model, Path images, Path out) {
        spark.predict(new SparkJobs.Job(images.toString(), out.toString(), SparkJobs.Format.PARQUET, null, NetworkSource.model(model), 4, 2),
                3);
        return spark.session().read().parquet(out.toString()).orderBy(SparkImages.PATH).collectAsList();
    }
}
