package dev.ferry.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Small synthetic datasets for folder, split and loader tests. */
final class TestData {

    private TestData() {
    }

    /** Writes a small RGB PNG whose pixels depend on {@code tag}. */
    static Path png(Path file, int width, int height, int tag) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                img.setRGB(x, y, ((tag * 37 + x * 5) & 0xFF) << 16 | ((tag * 11 + y * 7) & 0xFF) << 8 | (tag * 3 & 0xFF));
            }
        }
        try {
            Files.createDirectories(file.getParent());
            ImageIO.write(img, "png", file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** Creates {@code root/<class>/img_NNN.png} with the given number of images per class. */
    static Path dataset(Path root, String[] classes, int[] counts) {
        int tag = 0;
        for (int c = 0; c < classes.length; c++) {
            for (int i = 0; i < counts[c]; i++) {
                png(root.resolve(classes[c]).resolve(String.format("img_%03d.png", i)), 12, 9, tag++);
            }
        }
        return root;
    }
}
