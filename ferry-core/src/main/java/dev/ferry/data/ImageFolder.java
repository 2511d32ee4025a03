package dev.ferry.data;

import dev.ferry.InputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A torchvision {@code ImageFolder}: one sub-folder per class, classes sorted by name, images found
 * recursively inside each class folder by extension ({@link ImageDecoder#EXTENSIONS}, any case).
 *
 * <p>Order matches torchvision's {@code make_dataset}: classes in sorted order; within a class,
 * directories in sorted order of their path (as {@code sorted(os.walk(...))} does) and files
 * sorted by name within each directory. Sorting compares Unicode code points, like Python's
 * {@code sorted()} on {@code str} (Java's {@code String.compareTo} compares UTF-16 units, which
 * differs for characters outside the Basic Multilingual Plane). Symbolic links are followed.
 *
 * <p>Deliberate difference from torchvision: class folders whose name starts with '.' (such as
 * {@code .ipynb_checkpoints} or {@code .git}) are ignored instead of becoming classes. Files
 * directly inside the root are ignored, as torchvision ignores them. macOS's AppleDouble files
 * ({@code ._photo.jpg}, the metadata a Mac writes beside each file on foreign file systems and in
 * zip archives) are not images and are ignored too, where torchvision would fail to open them.
 *
 * @param root    the dataset folder
 * @param classes class names (sub-folder names), sorted
 * @param samples every image with its class index, in the order above
 */
public record ImageFolder(Path root, List<String> classes, List<Sample> samples) {

    /** Code-point order, Python's {@code str} ordering. */
    public static final Comparator<String> PYTHON_ORDER = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    };

    /** Copies the lists. */
    public ImageFolder {
        Objects.requireNonNull(root, "root");
        classes = List.copyOf(classes);
        samples = List.copyOf(samples);
    }

    /**
     * Scans a dataset folder.
     *
     * @throws InputException if the folder is missing, not a folder, unreadable, has no class
     *                        folders, or a class folder has no images
     */
    public static ImageFolder scan(Path root) {
        Objects.requireNonNull(root, "root");
        if (!Files.exists(root)) {
            throw new InputException("data folder " + root + " does not exist");
        }
        if (!Files.isDirectory(root)) {
            throw new InputException(root + " is not a folder (expected a folder with one sub-folder per class)");
        }
        List<String> classes = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (!name.startsWith(".") && Files.isDirectory(entry)) {
                    classes.add(name);
                }
            }
        } catch (AccessDeniedException e) {
            throw new InputException("cannot read folder " + root + " (permission denied)", e);
        } catch (IOException | UncheckedIOException e) {
            throw new InputException("cannot read folder " + root + " (" + e.getMessage() + ")", e);
        }
        if (classes.isEmpty()) {
            throw new InputException("no class folders in " + root + " (expected one sub-folder per class)");
        }
        classes.sort(PYTHON_ORDER);
        List<Sample> samples = new ArrayList<>();
        for (int label = 0; label < classes.size(); label++) {
            String name = classes.get(label);
            Path classDir = root.resolve(name);
            List<Path> images = listImages(classDir);
            if (images.isEmpty()) {
                throw new InputException("no images in class folder '" + name + "' (" + classDir + ")");
            }
            for (Path p : images) {
                samples.add(new Sample(p, label));
            }
        }
        return new ImageFolder(root, classes, samples);
    }

    /** Image files under a class folder, in torchvision's order. */
    private static List<Path> listImages(Path classDir) {
        // Group files by their directory, keyed by the directory's path string, sorted like
        // Python sorts os.walk's (root, dirs, files) tuples: by the root string.
        Map<String, List<String>> byDir = new TreeMap<>(PYTHON_ORDER);
        Map<String, Path> dirs = new TreeMap<>(PYTHON_ORDER);
        try {
            Files.walkFileTree(classDir, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
                    new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                            dirs.put(dir.toString(), dir);
                            byDir.computeIfAbsent(dir.toString(), k -> new ArrayList<>());
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                            if (!attrs.isDirectory() && isImageFile(file)) {
                                Path parent = file.getParent();
                                byDir.computeIfAbsent(parent.toString(), k -> new ArrayList<>())
                                        .add(file.getFileName().toString());
                                dirs.putIfAbsent(parent.toString(), parent);
                            }
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                            throw e;
                        }
                    });
        } catch (FileSystemLoopException e) {
            throw new InputException("symbolic link loop under " + classDir + " (" + e.getFile() + ")", e);
        } catch (AccessDeniedException e) {
            throw new InputException("cannot read folder " + e.getFile() + " (permission denied)", e);
        } catch (IOException e) {
            throw new InputException("cannot read folder " + classDir + " (" + e.getMessage() + ")", e);
        }
        List<Path> out = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : byDir.entrySet()) {
            List<String> names = e.getValue();
            names.sort(PYTHON_ORDER);
            Path dir = dirs.get(e.getKey());
            for (String n : names) {
                out.add(dir.resolve(n));
            }
        }
        return out;
    }

    /**
     * Whether a file found in an image folder is taken as an image: an image extension
     * ({@link ImageDecoder#hasImageExtension}), and not an AppleDouble {@code ._name} file.
     */
    public static boolean isImageFile(Path file) {
        Path name = file.getFileName();
        return name != null && !name.toString().startsWith("._") && ImageDecoder.hasImageExtension(file);
    }

    /** Number of images per class, indexed by label. */
    public int[] countsPerClass() {
        return countPerClass(samples, classes.size());
    }

    /** Counts samples by label. */
    static int[] countPerClass(List<Sample> samples, int classCount) {
        int[] counts = new int[classCount];
        for (Sample s : samples) {
            counts[s.label()]++;
        }
        return counts;
    }

    /** The image paths, in sample order. */
    public List<Path> paths() {
        return samples.stream().map(Sample::path).toList();
    }
}
