package dev.ferry.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.regexp_extract;
import static org.apache.spark.sql.functions.when;

import dev.ferry.FerryException;
import dev.ferry.InputException;
import dev.ferry.data.ImageDecoder;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.execution.datasources.HadoopFsRelation;
import org.apache.spark.sql.execution.datasources.LogicalRelation;
import org.apache.spark.sql.execution.datasources.PartitioningAwareFileIndex;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Image files as a DataFrame, through Spark's {@code binaryFile} source: every file under a folder
 * (recursively) whose name matches a glob, with its bytes, read by the executors.
 *
 * <p>Columns: {@value #PATH} (the file's full URI, as Spark lists it), {@value #LABEL} (the class
 * folder: the first folder below the input, as ferry's image folders are labelled; null for a
 * file directly in the input), {@value #CONTENT} (the bytes).
 */
public final class SparkImages {
    private SparkImages() {}

    /** The file's URI. */
    public static final String PATH = "path";
    /** The class folder's name, or null. */
    public static final String LABEL = "label";
    /** The file's bytes. */
    public static final String CONTENT = "content";

    /**
     * The default name filter: ferry's image extensions ({@link ImageDecoder#EXTENSIONS}) in any
     * case, as a Hadoop glob ({@code *.{[jJ][pP][gG],...}}), the same files a folder given to
     * {@code ferry predict} yields.
     */
    public static final String IMAGE_GLOB = "*.{" + ImageDecoder.EXTENSIONS.stream().sorted().map(SparkImages::anyCase)
            .collect(Collectors.joining(",")) + "}";

    private static String anyCase(String ext) {
        StringBuilder b = new StringBuilder();
        for (char c : ext.toCharArray()) {
            b.append('[').append(Character.toLowerCase(c)).append(Character.toUpperCase(c)).append(']');
        }
        return b.toString();
    }

    /** The images under {@code input} with the default glob. */
    public static Dataset<Row> read(SparkSession spark, String input) {
        return read(spark, input, IMAGE_GLOB);
    }

    /**
     * The files under {@code input} (any Hadoop path) whose names match {@code glob}.
     *
     * @throws InputException if the input does not exist or is not a folder
     */
    public static Dataset<Row> read(SparkSession spark, String input, String glob) {
        String root = qualifiedFolder(spark, input);
        Dataset<Row> files = spark.read().format("binaryFile")
                .option("recursiveFileLookup", "true")
                .option("pathGlobFilter", glob)
                .load(root);
        // The class folder is the path's first component below the root; the root is quoted, so
        // that its characters are taken literally.
        Column folder = regexp_extract(col(PATH), "^" + Pattern.quote(root) + "/([^/]+)/", 1);
        Column label = when(folder.equalTo(lit("")), lit(null).cast("string")).otherwise(folder).as(LABEL);
        Dataset<Row> images = files.select(col(PATH), label, col(CONTENT));
        // Spark leaves empty files out of every partition; ferry never skips a file silently, so
        // they come back as rows without bytes (the decoder's "empty file" error), labelled by the
        // same column.
        List<Row> empty = new ArrayList<>();
        for (String path : emptyFiles(files)) {
            empty.add(RowFactory.create(path, new byte[0]));
        }
        if (empty.isEmpty()) {
            return images;
        }
        StructType pathAndContent = new StructType().add(PATH, DataTypes.StringType, false).add(CONTENT, DataTypes.BinaryType, false);
        return images.union(spark.createDataFrame(empty, pathAndContent).select(col(PATH), label, col(CONTENT)));
    }

    /**
     * The zero-length files the source listed: read from its file index (the listing Spark made,
     * with the glob applied), not by listing the folder again.
     */
    static List<String> emptyFiles(Dataset<Row> files) {
        LogicalPlan plan = ((org.apache.spark.sql.classic.Dataset<Row>) files).queryExecution().analyzed();
        for (LogicalPlan leaf : CollectionConverters.asJava(plan.collectLeaves())) {
            if (leaf instanceof LogicalRelation relation && relation.relation() instanceof HadoopFsRelation fs
                    && fs.location() instanceof PartitioningAwareFileIndex index) {
                List<String> out = new ArrayList<>();
                for (FileStatus f : CollectionConverters.asJava(index.allFiles())) {
                    if (f.getLen() == 0) {
                        out.add(f.getPath().toString());
                    }
                }
                out.sort(null);
                return out;
            }
        }
        throw new IllegalStateException("no file index in the binaryFile source's plan: " + plan);
    }

    /** {@code input} fully qualified (scheme and authority, no trailing slash), checked to be a folder. */
    static String qualifiedFolder(SparkSession spark, String input) {
        if (input == null || input.isBlank()) {
            throw new InputException("an input folder is required (--input)");
        }
        try {
            Path p = new Path(input);
            FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!fs.getFileStatus(p).isDirectory()) {
                throw new InputException("--input is a file, not a folder: " + input);
            }
            String q = fs.makeQualified(p).toString();
            return q.endsWith("/") ? q.substring(0, q.length() - 1) : q;
        } catch (FileNotFoundException e) {
            throw new InputException("no such input folder: " + input);
        } catch (IllegalArgumentException e) {
            throw new InputException("not a path Spark can read: " + input + " (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new FerryException("cannot read " + input + ": " + e.getMessage(), e);
        }
    }
}
