package dev.ferry.data;

import dev.ferry.InputException;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * A labelled table of backbone features: per row an image's path (relative to the image root,
 * '/'-separated, e.g. {@code Coat/img_001.png}), its class name and the {@code dim} pooled
 * features the {@linkplain #network() network} computed for it, held as one row-major matrix.
 * Training a new head on such a table skips the backbone and the images altogether.
 *
 * <p>Rows are kept in the order {@link ImageFolder#scan} gives the same images: classes in
 * {@link ImageFolder#PYTHON_ORDER}, then within a class the files grouped by directory, the
 * directories in order of their path (as this platform spells it, which is what the scan sorts)
 * and the files by name. Whatever order a reader finds the rows in, a seeded split of the table
 * then holds out exactly the images a split of the folder would.
 *
 * <p>{@link #readNpy} reads what an embedding of a labelled folder writes ({@link EmbeddingIndex},
 * {@link Npy}); another reader builds a table through {@link #of}, which checks the rows whoever
 * read them.
 */
public final class FeatureTable {
    private final Path source;
    private final Path imageRoot;
    private final EmbeddingIndex.Network network;
    private final int dim;
    private final List<String> classes;
    private final List<String> paths;
    private final int[] labels;
    private final float[] matrix;

    private FeatureTable(Path source, Path imageRoot, EmbeddingIndex.Network network, int dim, List<String> classes,
            List<String> paths, int[] labels, float[] matrix) {
        this.source = source;
        this.imageRoot = imageRoot;
        this.network = network;
        this.dim = dim;
        this.classes = classes;
        this.paths = paths;
        this.labels = labels;
        this.matrix = matrix;
    }

    /**
     * A table of rows read from an unnamed source, whose images' folder is not known: see
     * {@link #of(Path, Path, EmbeddingIndex.Network, int, List, List, float[])}.
     */
    public static FeatureTable of(EmbeddingIndex.Network network, int dim, List<String> paths, List<String> labels,
            float[] matrix) {
        return of(null, null, network, dim, paths, labels, matrix);
    }

    /**
     * Checks the rows and puts them in {@link ImageFolder} order (see the class comment).
     *
     * @param source the file or folder the rows were read from, named in every refusal, or null
     * @param imageRoot the folder the paths are relative to, where the images may still be found
     *     (a report shows them when they are), or null when unknown
     * @param network what computed the features; its {@code dim} must be {@code dim}
     * @param dim features per row, at least 1
     * @param paths per row, the image's path relative to the image root, '/'-separated
     * @param labels per row, the image's class name
     * @param matrix {@code paths.size() x dim} finite floats, row-major (copied)
     * @throws InputException naming the source when the lengths disagree, a value is not finite, a
     *     path is empty, absolute, not '/'-separated or appears twice, a label is empty, or there
     *     are fewer than 2 classes
     */
    public static FeatureTable of(Path source, Path imageRoot, EmbeddingIndex.Network network, int dim, List<String> paths,
            List<String> labels, float[] matrix) {
        String where = source == null ? "the feature table" : source.toString();
        if (network == null) {
            throw new InputException(where + ": no network is recorded (the features cannot be matched to weights)");
        }
        if (dim < 1) {
            throw new InputException(where + ": feature width " + dim + " is not positive");
        }
        if (network.dim() != dim) {
            throw new InputException(where + ": the network's feature width is " + network.dim() + ", the table's " + dim);
        }
        Objects.requireNonNull(paths, "paths");
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(matrix, "matrix");
        int n = paths.size();
        if (labels.size() != n) {
            throw new InputException(where + ": " + n + " paths but " + labels.size() + " labels");
        }
        if ((long) n * dim != matrix.length) {
            throw new InputException(where + ": " + matrix.length + " values are not " + n + " rows of " + dim + " features");
        }
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < n; i++) {
            String p = paths.get(i);
            String problem = pathProblem(p);
            if (problem != null) {
                throw new InputException(where + ": row " + i + ": path " + (p == null ? "null" : "'" + p + "'") + " " + problem);
            }
            Integer first = seen.putIfAbsent(p, i);
            if (first != null) {
                throw new InputException(where + ": path '" + p + "' appears twice (rows " + first + " and " + i + ")");
            }
            String label = labels.get(i);
            if (label == null || label.isEmpty()) {
                throw new InputException(where + ": row " + i + " (" + p + ") has no label; training needs every image's class");
            }
        }
        for (int k = 0; k < matrix.length; k++) {
            if (!Float.isFinite(matrix[k])) {
                throw new InputException(where + ": row " + k / dim + " (" + paths.get(k / dim) + "), feature " + k % dim + " is "
                        + matrix[k] + ", not a finite number");
            }
        }
        TreeSet<String> names = new TreeSet<>(ImageFolder.PYTHON_ORDER);
        names.addAll(labels);
        List<String> classes = List.copyOf(names);
        if (classes.size() < 2) {
            throw new InputException(where + ": need at least 2 classes to train a classifier, found " + classes.size() + " ("
                    + String.join(", ", classes) + ")");
        }
        Map<String, Integer> classIndex = new HashMap<>();
        for (int c = 0; c < classes.size(); c++) {
            classIndex.put(classes.get(c), c);
        }
        Integer[] order = new Integer[n];
        String[] dirs = new String[n];
        String[] files = new String[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
            String p = paths.get(i);
            int slash = p.lastIndexOf('/');
            // ImageFolder sorts directories by their path string, which uses this platform's separator.
            dirs[i] = slash < 0 ? "" : p.substring(0, slash).replace("/", File.separator);
            files[i] = p.substring(slash + 1);
        }
        Comparator<Integer> byFolderOrder = Comparator.<Integer>comparingInt(i -> classIndex.get(labels.get(i)))
                .thenComparing(i -> dirs[i], ImageFolder.PYTHON_ORDER)
                .thenComparing(i -> files[i], ImageFolder.PYTHON_ORDER);
        Arrays.sort(order, byFolderOrder);
        List<String> sortedPaths = new ArrayList<>(n);
        int[] sortedLabels = new int[n];
        float[] sorted = new float[matrix.length];
        for (int r = 0; r < n; r++) {
            int i = order[r];
            sortedPaths.add(paths.get(i));
            sortedLabels[r] = classIndex.get(labels.get(i));
            System.arraycopy(matrix, i * dim, sorted, r * dim, dim);
        }
        return new FeatureTable(source, imageRoot, network, dim, classes, List.copyOf(sortedPaths), sortedLabels, sorted);
    }

    /** Why {@code p} is not a relative '/'-separated path of an image, or null if it is one. */
    private static String pathProblem(String p) {
        if (p == null || p.isEmpty()) {
            return "is empty";
        }
        if (p.indexOf('\\') >= 0) {
            return "holds '\\'; paths are '/'-separated";
        }
        if (p.startsWith("/") || (p.length() > 1 && Character.isLetter(p.charAt(0)) && p.charAt(1) == ':')) {
            return "is absolute; paths are relative to the image folder";
        }
        for (String part : p.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                return "has an empty, '.' or '..' part";
            }
        }
        return null;
    }

    /**
     * Reads the features {@code ferry embed} wrote: the {@code .npy} matrix and the
     * {@link EmbeddingIndex} beside it, of a labelled folder.
     *
     * @throws InputException naming the file when either is missing or unreadable, the index is of
     *     a flat (unlabelled) folder or of L2-normalised rows, its rows or width disagree with the
     *     matrix or its network, or {@link #of} refuses the rows
     */
    public static FeatureTable readNpy(Path npy) {
        Objects.requireNonNull(npy, "npy");
        if (!npy.getFileName().toString().endsWith(EmbeddingIndex.MATRIX_SUFFIX)) {
            throw new InputException(npy + ": not a " + EmbeddingIndex.MATRIX_SUFFIX + " file (the matrix an embedding writes)");
        }
        Npy.Matrix m = Npy.open(npy);
        Path indexFile = EmbeddingIndex.fileFor(npy);
        EmbeddingIndex index = EmbeddingIndex.read(indexFile);
        if (!index.labelled()) {
            throw new InputException(indexFile + ": the embeddings are of a flat folder, without labels; training needs a folder"
                    + " with one sub-folder per class");
        }
        if (index.normalized()) {
            throw new InputException(indexFile + ": the rows are L2-normalised, not the network's raw features a head trains on");
        }
        if (index.rows() != m.rows()) {
            throw new InputException(npy + ": " + m.rows() + " rows, but its index " + indexFile + " lists " + index.rows());
        }
        if (index.dim() != m.cols()) {
            throw new InputException(npy + ": " + m.cols() + " features per row, but its index " + indexFile + " says " + index.dim());
        }
        if (index.network().dim() != index.dim()) {
            throw new InputException(indexFile + ": the network's feature width is " + index.network().dim() + ", the rows' "
                    + index.dim());
        }
        if (m.rows() * m.cols() > Integer.MAX_VALUE - 8) {
            throw new InputException(npy + ": " + m.rows() + " x " + m.cols() + " features are more than one array holds");
        }
        int n = (int) m.rows();
        float[] matrix = new float[n * m.cols()];
        m.rows(0, n, matrix);
        List<String> paths = new ArrayList<>(n);
        List<String> labels = new ArrayList<>(n);
        for (EmbeddingIndex.Item item : index.items()) {
            paths.add(item.path());
            labels.add(item.label());
        }
        Path root = index.data() == null || index.data().isEmpty() ? null : Path.of(index.data());
        return of(npy, root, index.network(), index.dim(), paths, labels, matrix);
    }

    /** The file or folder the rows were read from, or null. */
    public Path source() {
        return source;
    }

    /** The folder the paths are relative to, or null when unknown (the images may not be on this machine). */
    public Path imageRoot() {
        return imageRoot;
    }

    /** What computed the features. */
    public EmbeddingIndex.Network network() {
        return network;
    }

    /** Features per row. */
    public int dim() {
        return dim;
    }

    /** Number of rows. */
    public int size() {
        return paths.size();
    }

    /** The class names in {@link ImageFolder#PYTHON_ORDER}; a row's label indexes this list. */
    public List<String> classes() {
        return classes;
    }

    /** Per row, the image's relative path. */
    public List<String> paths() {
        return paths;
    }

    /** The class index of row {@code row}. */
    public int label(int row) {
        return labels[row];
    }

    /** The features of {@code rows}, in that order, row-major: {@code rows.length x dim}. */
    public float[] rows(int[] rows) {
        float[] out = new float[rows.length * dim];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(matrix, rows[i] * dim, out, i * dim, dim);
        }
        return out;
    }

    /**
     * The table as the {@link ImageFolder} whose scan gives its rows, sample {@code i} being row
     * {@code i}: each path resolved against {@code root} (the images need not exist), so that a
     * {@link DatasetSplit} of it holds out what a split of the folder would.
     */
    public ImageFolder asImageFolder(Path root) {
        List<Sample> samples = new ArrayList<>(paths.size());
        for (int i = 0; i < paths.size(); i++) {
            samples.add(new Sample(root.resolve(paths.get(i).replace("/", root.getFileSystem().getSeparator())), labels[i]));
        }
        return new ImageFolder(root, classes, samples);
    }

    @Override
    public String toString() {
        return "FeatureTable[" + (source == null ? "" : source + ", ") + size() + " x " + dim + ", " + classes.size() + " classes, "
                + network.architecture() + "]";
    }
}
