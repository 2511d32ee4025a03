package dev.ferry.data;

import dev.ferry.InputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The images of a folder to embed, labelled or not: either an {@link ImageFolder} (one sub-folder
 * per class, each image labelled by its folder) or a flat folder of images (no label).
 *
 * <p>Which one is decided by the top level alone: sub-folders (other than hidden ones) make it
 * labelled, images directly inside make it flat, and both at once is refused rather than guessed,
 * since either reading would silently leave some images out. A flat folder is not searched
 * recursively; its images are in code-point order of their names, as {@link ImageFolder} orders
 * files.
 *
 * @param root the folder
 * @param labelled whether its images are labelled by class folder
 * @param classes the class names (empty when flat)
 * @param samples every image; when flat, each with label 0 and {@link #label} empty
 */
public record ImageSet(Path root, boolean labelled, List<String> classes, List<Sample> samples) {

    /** Copies the lists. */
    public ImageSet {
        Objects.requireNonNull(root, "root");
        classes = List.copyOf(classes);
        samples = List.copyOf(samples);
    }

    /** {@code s}'s class name, or the empty string in a flat folder. */
    public String label(Sample s) {
        return labelled ? classes.get(s.label()) : "";
    }

    /** {@code s}'s path relative to {@link #root}, with '/' between names whatever the platform. */
    public String relative(Sample s) {
        return root.relativize(s.path()).toString().replace(root.getFileSystem().getSeparator(), "/");
    }

    /**
     * Scans {@code root}.
     *
     * @throws InputException if it is missing or not a folder, holds neither class folders nor
     *     images, holds both, or a class folder has no image
     */
    public static ImageSet scan(Path root) {
        Objects.requireNonNull(root, "root");
        if (!Files.isDirectory(root)) {
            throw new InputException(Files.exists(root) ? root + " is not a folder (expected a folder of images, or one sub-folder"
                    + " of images per class)" : "data folder " + root + " does not exist");
        }
        List<String> folders = new ArrayList<>();
        List<String> images = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (name.startsWith(".")) {
                    continue;
                }
                if (Files.isDirectory(entry)) {
                    folders.add(name);
                } else if (ImageFolder.isImageFile(entry)) {
                    images.add(name);
                }
            }
        } catch (AccessDeniedException e) {
            throw new InputException("cannot read folder " + root + " (permission denied)", e);
        } catch (IOException | UncheckedIOException e) {
            throw new InputException("cannot read folder " + root + " (" + e.getMessage() + ")", e);
        }
        if (!folders.isEmpty() && !images.isEmpty()) {
            throw new InputException(root + " holds both images (" + images.size() + ") and sub-folders (" + folders.size()
                    + "): give a flat folder of images, or one sub-folder of images per class");
        }
        if (!folders.isEmpty()) {
            ImageFolder f = ImageFolder.scan(root);
            return new ImageSet(root, true, f.classes(), f.samples());
        }
        if (images.isEmpty()) {
            throw new InputException("no images in " + root + " (expected a folder of images, or one sub-folder of images per class)");
        }
        images.sort(ImageFolder.PYTHON_ORDER);
        return new ImageSet(root, false, List.of(), images.stream().map(n -> new Sample(root.resolve(n), 0)).toList());
    }
}
