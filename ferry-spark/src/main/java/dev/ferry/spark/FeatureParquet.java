package dev.ferry.spark;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.ferry.FerryException;
import dev.ferry.InputException;
import dev.ferry.data.EmbeddingIndex;
import dev.ferry.data.FeatureTable;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * An embedding job's output ({@link SparkJobs#embed}) read back as a {@link FeatureTable}, for
 * training a head on one machine: the network from {@value SparkJobs#EMBEDDINGS_INFO}, every row's
 * path relative to the embedded folder, its label and its features, collected on the driver.
 */
public final class FeatureParquet {
    private FeatureParquet() {}

    /**
     * What was read.
     *
     * @param table the labelled features
     * @param skipped the rows left out because their image could not be read (with {@code skipBad})
     */
    public record Read(FeatureTable table, List<SparkEvaluation.Failed> skipped) {}

    /**
     * Reads {@code dir}.
     *
     * @param skipBad leave out rows whose image had an error instead of refusing the table
     * @throws InputException if the folder is not an embedding job's output, a row has no label
     *     (the folder embedded had no class sub-folders), or rows have errors without {@code skipBad}
     */
    public static Read read(SparkSession spark, String dir, boolean skipBad) {
        JsonObject info = info(spark, dir);
        EmbeddingIndex.Network network;
        String root;
        SparkJobs.Format format;
        try {
            network = new Gson().fromJson(info.get("network"), EmbeddingIndex.Network.class);
            root = info.get("input").getAsString();
            format = SparkJobs.Format.valueOf(info.get("rowFormat").getAsString().toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw new InputException(dir + "/" + SparkJobs.EMBEDDINGS_INFO + " is not a ferry embedding description ("
                    + e.getMessage() + ")");
        }
        if (network == null) {
            throw new InputException(dir + "/" + SparkJobs.EMBEDDINGS_INFO + " records no network");
        }
        Dataset<Row> rows = SparkJobs.readOutput(spark, dir, format)
                .select(SparkImages.PATH, SparkImages.LABEL, FerrySpark.FEATURES, FerrySpark.ERROR);
        List<String> paths = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        List<float[]> vectors = new ArrayList<>();
        List<SparkEvaluation.Failed> failed = new ArrayList<>();
        String prefix = root + "/";
        int dim = network.dim();
        // A partition at a time: the driver holds the rows' floats, not every row as boxed values at once.
        for (java.util.Iterator<Row> it = rows.toLocalIterator(); it.hasNext(); ) {
            Row r = it.next();
            String path = r.getString(0);
            if (!r.isNullAt(3)) {
                failed.add(new SparkEvaluation.Failed(path, r.getString(3)));
                continue;
            }
            if (r.isNullAt(1)) {
                throw new InputException(dir + ": " + path + " has no label (it was not in a class folder of " + root
                        + "); a head trains on a folder with one sub-folder per class");
            }
            if (!path.startsWith(prefix)) {
                throw new InputException(dir + ": " + path + " is not below the embedded folder " + root);
            }
            List<?> v = r.getList(2);
            if (v.size() != dim) {
                throw new InputException(dir + ": " + path + " has " + v.size() + " features, the network " + dim);
            }
            float[] f = new float[dim];
            for (int i = 0; i < f.length; i++) {
                f[i] = ((Number) v.get(i)).floatValue();
            }
            paths.add(path.substring(prefix.length()));
            labels.add(r.getString(1));
            vectors.add(f);
        }
        if (!failed.isEmpty() && !skipBad) {
            failed.sort(java.util.Comparator.comparing(SparkEvaluation.Failed::path));
            SparkEvaluation.Failed first = failed.get(0);
            throw new InputException(dir + ": " + failed.size() + " row" + (failed.size() == 1 ? "" : "s")
                    + " have no features because the image could not be read (first: " + first.path() + ": " + first.reason()
                    + "); --skip-bad trains on the rest");
        }
        float[] matrix = new float[vectors.size() * dim];
        for (int i = 0; i < vectors.size(); i++) {
            System.arraycopy(vectors.get(i), 0, matrix, i * dim, dim);
            vectors.set(i, null); // copied: garbage from here, so the rows are not held twice to the end
        }
        return new Read(FeatureTable.of(Path.of(dir), localRoot(root), network, dim, paths, labels, matrix), List.copyOf(failed));
    }

    /** The embedded folder on this machine, when it is a local one (a report then shows its images). */
    private static Path localRoot(String root) {
        try {
            URI uri = new URI(root);
            return "file".equals(uri.getScheme()) ? Path.of(uri) : null;
        } catch (java.net.URISyntaxException | IllegalArgumentException e) {
            return null;
        }
    }

    private static JsonObject info(SparkSession spark, String dir) {
        org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(dir, SparkJobs.EMBEDDINGS_INFO);
        try {
            FileSystem fs = file.getFileSystem(spark.sparkContext().hadoopConfiguration());
            try (InputStream in = fs.open(file)) {
                JsonObject o = JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
                if (!o.has("format") || !SparkJobs.EMBEDDINGS_FORMAT.equals(o.get("format").getAsString())) {
                    throw new InputException(file + " is not a ferry embedding description (format " + o.get("format") + ")");
                }
                return o;
            }
        } catch (FileNotFoundException e) {
            throw new InputException(dir + " is not the output of ferry spark embed (no " + SparkJobs.EMBEDDINGS_INFO + ")");
        } catch (JsonParseException | IllegalStateException e) {
            throw new InputException(file + " is not valid JSON (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new FerryException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
