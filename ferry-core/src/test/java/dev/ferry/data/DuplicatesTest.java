package dev.ferry.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exact and perceptual duplicates among made-up textured images and their altered copies. */
class DuplicatesTest {

    /** A smooth random image: a few random blobs on a random background, so hashes differ between images. */
    static BufferedImage blobs(SplittableRandom r, int size) {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        double[][] centres = new double[5][4];
        for (double[] c : centres) {
            c[0] = r.nextDouble() * size;
            c[1] = r.nextDouble() * size;
            c[2] = size * (0.1 + 0.3 * r.nextDouble());
            c[3] = r.nextDouble() * 2 - 1;
        }
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                double v = 0.5;
                for (double[] c : centres) {
                    double d2 = ((x - c[0]) * (x - c[0]) + (y - c[1]) * (y - c[1])) / (c[2] * c[2]);
                    v += 0.5 * c[3] * Math.exp(-d2);
                }
                int g = (int) Math.max(0, Math.min(255, v * 255));
                img.setRGB(x, y, (g << 16) | (g << 8) | Math.min(255, g + 20));
            }
        }
        return img;
    }

    static BufferedImage resized(BufferedImage src, int size) {
        BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(src, 0, 0, size, size, null);
        g.dispose();
        return out;
    }

    @Test
    void exactCopiesAndResizedReencodedCopiesAreFoundAcrossSplits(@TempDir Path tmp) throws IOException {
        SplittableRandom r = new SplittableRandom(4);
        List<Duplicates.Image> images = new ArrayList<>();
        List<BufferedImage> originals = new ArrayList<>();
        Files.createDirectories(tmp.resolve("train"));
        Files.createDirectories(tmp.resolve("test"));
        for (int i = 0; i < 60; i++) {
            BufferedImage img = blobs(r, 64);
            originals.add(img);
            Path p = tmp.resolve("train/" + i + ".png");
            ImageIO.write(img, "png", p.toFile());
            images.add(new Duplicates.Image("train", p));
        }
        // Test: 10 byte-identical copies, 10 resized and re-encoded as JPEG, 20 new images.
        for (int i = 0; i < 10; i++) {
            Path p = tmp.resolve("test/copy" + i + ".png");
            Files.copy(tmp.resolve("train/" + i + ".png"), p);
            images.add(new Duplicates.Image("test", p));
        }
        for (int i = 10; i < 20; i++) {
            Path p = tmp.resolve("test/resized" + i + ".jpg");
            ImageIO.write(resized(originals.get(i), 97), "jpg", p.toFile());
            images.add(new Duplicates.Image("test", p));
        }
        for (int i = 0; i < 20; i++) {
            Path p = tmp.resolve("test/new" + i + ".png");
            ImageIO.write(blobs(r, 64), "png", p.toFile());
            images.add(new Duplicates.Image("test", p));
        }

        List<Duplicates.Group> exact = Duplicates.exact(images);
        assertEquals(10, exact.size());
        for (Duplicates.Group g : exact) {
            assertEquals(2, g.images().size());
            assertTrue(g.acrossSplits());
            assertEquals(g.images().get(0).path().getFileName().toString().replace(".png", ""),
                    g.images().get(1).path().getFileName().toString().replace("copy", "").replace(".png", ""));
        }

        long[] hashes = images.stream().mapToLong(i -> Duplicates.dHash(ImageDecoder.decode(i.path()))).toArray();
        List<Duplicates.NearPair> near = Duplicates.near(images, hashes, Duplicates.DEFAULT_MAX_DISTANCE, true);
        int planted = 0;
        int wrong = 0;
        for (Duplicates.NearPair p : near) {
            String a = p.a().path().getFileName().toString();
            String b = p.b().path().getFileName().toString();
            boolean copy = b.equals("copy" + a) || b.equals("resized" + a.replace(".png", ".jpg"));
            if (copy) {
                planted++;
            } else {
                wrong++;
            }
        }
        assertEquals(20, planted, "every exact and resized copy: " + near);
        assertEquals(0, wrong, "no pair of different images: " + near);
        assertFalse(Duplicates.near(images, hashes, 64, false).isEmpty());
    }
}
