package dev.ferry.demo;

import dev.ferry.FerryException;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * The demo's source and target tasks on Fashion-MNIST, and the export of the target images as an
 * image folder (one sub-folder per class), the same layout a user's data has.
 */
public final class DemoData {
    /** Source task: the classes the shipped network was pretrained on. */
    public static final List<Integer> SOURCE_CLASSES = List.of(0, 1, 5, 7, 8);
    /** Target task: the five classes the source network never saw. */
    public static final List<Integer> TARGET_CLASSES = List.of(2, 3, 4, 6, 9);
    /** Training images per target class that ship with ferry (the seed's 100 images in all). */
    public static final int SHIPPED_SHOTS = 20;
    /** Normalisation of Fashion-MNIST pixels (its mean and standard deviation). */
    public static final float MEAN = 0.286f;
    public static final float STD = 0.353f;

    private DemoData() {}

    /** Folder-safe class name: {@code T-shirt/top} becomes {@code T-shirt_top}. */
    public static String folderName(int fashionClass) {
        return FashionMnist.CLASSES.get(fashionClass).replace('/', '_').replace(' ', '_');
    }

    /**
     * Writes the target task as PNG image folders: {@code train/<class>/} with the first {@code shots}
     * images of each target class in the training file's order, and {@code test/<class>/} with every
     * test image of those classes. File names carry the index in the IDX file.
     */
    public static void exportTarget(FashionMnist train, FashionMnist test, int shots, Path out) {
        write(train, shots, out.resolve("train"));
        write(test, Integer.MAX_VALUE, out.resolve("test"));
    }

    private static void write(FashionMnist set, int perClass, Path dir) {
        int[] taken = new int[10];
        int per = set.rows() * set.cols();
        try {
            for (int c : TARGET_CLASSES) {
                Files.createDirectories(dir.resolve(folderName(c)));
            }
            for (int i = 0; i < set.size(); i++) {
                int c = set.labels()[i];
                if (!TARGET_CLASSES.contains(c) || taken[c] >= perClass) {
                    continue;
                }
                taken[c]++;
                BufferedImage img = new BufferedImage(set.cols(), set.rows(), BufferedImage.TYPE_BYTE_GRAY);
                byte[] px = ((java.awt.image.DataBufferByte) img.getRaster().getDataBuffer()).getData();
                System.arraycopy(set.images(), i * per, px, 0, per);
                Path file = dir.resolve(folderName(c)).resolve(String.format(Locale.ROOT, "%05d.png", i));
                if (!ImageIO.write(img, "png", file.toFile())) {
                    throw new FerryException("no PNG writer available to write " + file);
                }
            }
        } catch (IOException e) {
            throw new FerryException("cannot write demo images to " + dir + ": " + e.getMessage(), e);
        }
    }
}
