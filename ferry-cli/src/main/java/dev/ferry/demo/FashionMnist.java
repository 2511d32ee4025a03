package dev.ferry.demo;

import dev.ferry.InputException;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads Fashion-MNIST's IDX files ({@code train-images-idx3-ubyte.gz} and friends, gzipped or not).
 *
 * @param images N x 28 x 28 grey pixels, row-major, 0..255
 * @param labels N class indices 0..9
 */
public record FashionMnist(byte[] images, int[] labels, int rows, int cols) {
    /** The ten class names in label order. */
    public static final List<String> CLASSES = List.of(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /** Number of images. */
    public int size() {
        return labels.length;
    }

    /** Reads the training ({@code train}) or test ({@code t10k}) split from {@code dir}. */
    public static FashionMnist read(Path dir, String split) {
        Path images = find(dir, split + "-images-idx3-ubyte");
        Path labels = find(dir, split + "-labels-idx1-ubyte");
        try (DataInputStream li = open(labels); DataInputStream ii = open(images)) {
            if (li.readInt() != 0x801) {
                throw new InputException("not an IDX label file (bad magic number): " + labels);
            }
            int n = li.readInt();
            if (ii.readInt() != 0x803) {
                throw new InputException("not an IDX image file (bad magic number): " + images);
            }
            int m = ii.readInt();
            int rows = ii.readInt();
            int cols = ii.readInt();
            if (m != n || rows <= 0 || cols <= 0 || (long) n * rows * cols > Integer.MAX_VALUE) {
                throw new InputException("IDX files disagree: " + n + " labels but " + m + " images of " + rows + "x" + cols + " (" + images + ")");
            }
            byte[] lab = li.readNBytes(n);
            byte[] img = ii.readNBytes(n * rows * cols);
            if (lab.length != n || img.length != n * rows * cols) {
                throw new InputException("truncated IDX file in " + dir);
            }
            int[] l = new int[n];
            for (int i = 0; i < n; i++) {
                l[i] = lab[i] & 0xFF;
                if (l[i] > 9) {
                    throw new InputException("label " + l[i] + " out of range 0..9 at index " + i + " (" + labels + ")");
                }
            }
            return new FashionMnist(img, l, rows, cols);
        } catch (IOException e) {
            throw new InputException("cannot read Fashion-MNIST from " + dir + ": " + e.getMessage(), e);
        }
    }

    private static Path find(Path dir, String base) {
        for (String name : new String[] {base + ".gz", base}) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new InputException("no " + base + "[.gz] in " + dir + " (expected the Fashion-MNIST IDX files)");
    }

    private static DataInputStream open(Path p) throws IOException {
        try {
            InputStream in = Files.newInputStream(p);
            if (p.getFileName().toString().endsWith(".gz")) {
                in = new GZIPInputStream(in, 1 << 16);
            }
            return new DataInputStream(new java.io.BufferedInputStream(in, 1 << 16));
        } catch (NoSuchFileException e) {
            throw new InputException("file not found: " + p);
        }
    }

    /**
     * The images of {@code classes} (in file order), relabelled 0..k-1 in the order given, as
     * normalised 3-channel floats (grey replicated, {@code (x/255 - mean) / std}).
     */
    public Subset subset(List<Integer> classes, int perClassLimit, float mean, float std) {
        int[] taken = new int[classes.size()];
        int count = 0;
        int[] pick = new int[size()];
        for (int i = 0; i < size(); i++) {
            int k = classes.indexOf(labels[i]);
            if (k >= 0 && taken[k] < perClassLimit) {
                taken[k]++;
                pick[count++] = i;
            }
        }
        int per = rows * cols;
        float[] data = new float[count * 3 * per];
        int[] y = new int[count];
        int[] source = new int[count];
        for (int j = 0; j < count; j++) {
            int i = pick[j];
            y[j] = classes.indexOf(labels[i]);
            source[j] = i;
            for (int p = 0; p < per; p++) {
                float v = ((images[i * per + p] & 0xFF) / 255f - mean) / std;
                data[j * 3 * per + p] = v;
                data[j * 3 * per + per + p] = v;
                data[j * 3 * per + 2 * per + p] = v;
            }
        }
        return new Subset(data, y, source);
    }

    /**
     * Selected images.
     *
     * @param data N x 3 x 28 x 28 normalised floats
     * @param labels relabelled classes
     * @param sourceIndex index of each image in the IDX file
     */
    public record Subset(float[] data, int[] labels, int[] sourceIndex) {}
}
