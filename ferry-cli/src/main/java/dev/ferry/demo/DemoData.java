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
    /** Training images per target class that ship with ferry (100 images in all). */
    public static final int SHIPPED_SHOTS = 20;
    /** Normalisation of Fashion-MNIST pixels (its mean and standard deviation). */
    public static final float MEAN = 0.286f;
    public static final float STD = 0.353f;

    private DemoData() {}

    /** Folder-safe class name: {@code T-shirt/top} becomes {@code T-shirt_top}. */
    public static String folderName(int fashionClass) {
        return FashionMnist.CLASSES.get(fashionClass).replace('/', '_').replace(' ', '_');
    }

    /** Classpath folder of the demo's embedded files. */
    public static final String RESOURCES = "/dev/ferry/demo/";
    /** The embedded target images: a zip of {@code train/<class>/*.png} and {@code test/<class>/*.png}. */
    public static final String TARGET_ZIP = "fashion-target.zip";
    /** The embedded pretrained network's files. */
    public static final String PRETRAINED = "pretrained/";
    /** The Fashion-MNIST licence, shipped with every piece of data taken from it. */
    public static final String LICENSE = "LICENSE-fashion-mnist.txt";

    /**
     * Writes the target task as a zip of PNG image folders (see {@link #exportTarget}) with the
     * Fashion-MNIST licence inside. Entries are sorted and carry a fixed time, so the same input
     * gives the same bytes.
     */
    public static void writeTargetZip(FashionMnist train, FashionMnist test, int shots, Path zip) {
        Path tmp = null;
        try {
            tmp = Files.createTempDirectory("ferry-demo-export");
            exportTarget(train, test, shots, tmp);
            java.util.List<Path> files;
            try (var walk = Files.walk(tmp)) {
                files = walk.filter(Files::isRegularFile).sorted().toList();
            }
            // A few megabytes: built in memory, then written as every ferry file is.
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            try (var out = new java.util.zip.ZipOutputStream(bytes)) {
                putEntry(out, LICENSE, readLicense());
                for (Path f : files) {
                    putEntry(out, tmp.relativize(f).toString().replace('\\', '/'), Files.readAllBytes(f));
                }
            }
            dev.ferry.platform.AtomicFiles.write(zip, bytes.toByteArray());
        } catch (IOException e) {
            throw new FerryException("cannot write " + zip + ": " + e.getMessage(), e);
        } finally {
            deleteTree(tmp);
        }
    }

    private static void putEntry(java.util.zip.ZipOutputStream out, String name, byte[] data) throws IOException {
        java.util.zip.ZipEntry e = new java.util.zip.ZipEntry(name);
        e.setTime(0L);
        out.putNextEntry(e);
        out.write(data);
        out.closeEntry();
    }

    static byte[] readLicense() throws IOException {
        try (var in = DemoData.class.getResourceAsStream(RESOURCES + LICENSE)) {
            if (in == null) {
                throw new FerryException("the Fashion-MNIST licence is missing from ferry's resources");
            }
            return in.readAllBytes();
        }
    }

    /**
     * Extracts the embedded target images into {@code dir} and returns it: {@code dir/train} and
     * {@code dir/test} are image folders.
     */
    public static Path extractTarget(Path dir) {
        try (var in = DemoData.class.getResourceAsStream(RESOURCES + TARGET_ZIP)) {
            if (in == null) {
                throw new FerryException("the demo images are missing from ferry's resources (" + TARGET_ZIP
                        + "); rebuild with 'ferry pretrain-demo'");
            }
            try (var zin = new java.util.zip.ZipInputStream(in)) {
                java.util.zip.ZipEntry e;
                while ((e = zin.getNextEntry()) != null) {
                    Path target = dir.resolve(e.getName()).normalize();
                    if (!target.startsWith(dir)) {
                        throw new FerryException("bad entry in embedded demo data: " + e.getName());
                    }
                    Files.createDirectories(target.getParent());
                    Files.write(target, zin.readAllBytes());
                }
            }
            return dir;
        } catch (IOException e) {
            throw new FerryException("cannot extract the demo images to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Extracts the embedded pretrained model directory into {@code dir}. */
    public static Path extractPretrained(Path dir) {
        try {
            Files.createDirectories(dir);
            for (String name : new String[] {"model.json", "model.safetensors"}) {
                try (var in = DemoData.class.getResourceAsStream(RESOURCES + PRETRAINED + name)) {
                    if (in == null) {
                        throw new FerryException("the demo's pretrained network is missing from ferry's resources ("
                                + PRETRAINED + name + "); rebuild with 'ferry pretrain-demo'");
                    }
                    Files.copy(in, dir.resolve(name));
                }
            }
            return dir;
        } catch (IOException e) {
            throw new FerryException("cannot extract the demo network to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Deletes a folder tree, best effort (temporary folders only). */
    public static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder left behind is harmless; the OS cleans its temp space
        }
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
