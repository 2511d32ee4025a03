package dev.ferry.data;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.ferry.FerryException;
import dev.ferry.InputException;
import dev.ferry.platform.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What the rows of an embeddings matrix ({@link Npy}) are: written beside it as
 * {@code NAME.index.json} for {@code NAME.npy}, one JSON object holding, once, the network that
 * produced the rows and, per row in row order, the image's path (relative to the embedded
 * folder, '/'-separated) and label (empty for a flat folder).
 *
 * <p>The rows are the network's raw pooled features ({@code normalized} false): a consumer that
 * wants cosine similarity normalises them itself, and one that wants the features (a probe, a
 * clustering) has them unchanged.
 *
 * @param format always {@link #FORMAT}
 * @param formatVersion {@link #VERSION}
 * @param ferryVersion the ferry that wrote it
 * @param network what produced the rows
 * @param data the embedded folder, absolute
 * @param labelled whether the folder was labelled by class sub-folders
 * @param rows the matrix's rows
 * @param dim the matrix's columns (the network's feature width)
 * @param normalized whether rows were L2-normalised (ferry writes false: raw features)
 * @param items one per row
 */
public record EmbeddingIndex(String format, int formatVersion, String ferryVersion, Network network, String data, boolean labelled,
                             int rows, int dim, boolean normalized, List<Item> items) {

    /** The {@code format} of every index. */
    public static final String FORMAT = "ferry-embeddings";

    /** The version of the index's layout this ferry writes and reads. */
    public static final int VERSION = 1;

    /** The suffix of the matrix the index describes. */
    public static final String MATRIX_SUFFIX = ".npy";

    /** The suffix that replaces {@link #MATRIX_SUFFIX} in the index's name. */
    public static final String INDEX_SUFFIX = ".index.json";

    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().setPrettyPrinting().create();

    /**
     * The network that produced the rows: exactly one of {@code weights} and {@code model}, as
     * a search must open it again to embed its queries.
     *
     * @param weights the pretrained weights spec (a file or model folder made absolute, or a known
     *     name), or null
     * @param model a trained model folder, absolute, or null
     * @param description what was loaded, in words
     * @param architecture the architecture id, e.g. {@code resnet50}
     * @param preset the preprocessing, in words
     * @param dim the feature width
     */
    public record Network(String weights, String model, String description, String architecture, String preset, int dim) {}

    /**
     * One row.
     *
     * @param path the image, relative to the embedded folder
     * @param label its class, or empty
     */
    public record Item(String path, String label) {
        public Item {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(label, "label");
        }
    }

    /** Copies the list (none reads as empty, for an index whose items are missing). */
    public EmbeddingIndex {
        items = items == null ? List.of() : List.copyOf(items);
    }

    /**
     * The index file of {@code matrix}: its name with {@link #MATRIX_SUFFIX} replaced by
     * {@link #INDEX_SUFFIX}.
     *
     * @throws IllegalArgumentException if the name does not end in {@link #MATRIX_SUFFIX}
     */
    public static Path fileFor(Path matrix) {
        String name = matrix.getFileName().toString();
        if (!name.endsWith(MATRIX_SUFFIX)) {
            throw new IllegalArgumentException(matrix + " does not end in " + MATRIX_SUFFIX);
        }
        return matrix.resolveSibling(name.substring(0, name.length() - MATRIX_SUFFIX.length()) + INDEX_SUFFIX);
    }

    /** The index as JSON text. */
    public String toJson() {
        return GSON.toJson(this) + "\n";
    }

    /** Writes the index to {@code file} atomically. */
    public void write(Path file) {
        AtomicFiles.writeString(file, toJson());
    }

    /**
     * Reads and checks an index.
     *
     * @throws InputException naming the file when it is missing, not JSON, not an index of this
     *     format, or its row count does not match its items
     */
    public static EmbeddingIndex read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InputException(file + ": no such file (the index written beside the .npy)", e);
        } catch (IOException e) {
            throw new FerryException("cannot read " + file + ": " + AtomicFiles.reason(e), e);
        }
        EmbeddingIndex index;
        try {
            index = GSON.fromJson(text, EmbeddingIndex.class);
        } catch (RuntimeException e) {
            // Besides JsonParseException: a null item or item field fails in Item's constructor,
            // which Gson calls and reports as a plain RuntimeException.
            throw new InputException(file + ": not a ferry embeddings index (" + e.getMessage() + ")", e);
        }
        if (index == null || !FORMAT.equals(index.format())) {
            throw new InputException(file + ": not a ferry embeddings index (no \"format\": \"" + FORMAT + "\")");
        }
        if (index.formatVersion() != VERSION) {
            throw new InputException(file + ": index format version " + index.formatVersion() + " is not " + VERSION
                    + ", the one this ferry reads");
        }
        if (index.network() == null || (index.network().weights() == null) == (index.network().model() == null)) {
            throw new InputException(file + ": the index names no network (one of weights and model)");
        }
        if (index.items().size() != index.rows()) {
            throw new InputException(file + ": " + index.items().size() + " items for " + index.rows() + " rows");
        }
        return index;
    }
}
