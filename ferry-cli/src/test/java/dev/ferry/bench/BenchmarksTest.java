package dev.ferry.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.model.Architecture;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The image cases, in this process, on a tiny folder and the smallest ResNet. */
class BenchmarksTest {
    @TempDir
    static Path dir;
    static Path images;
    static BenchOptions options;

    @BeforeAll
    static void writeImages() throws IOException {
        images = dir.resolve("images");
        String[] classes = {"bright", "dark"};
        for (int c = 0; c < classes.length; c++) {
            for (int i = 0; i < 5; i++) {
                BufferedImage img = new BufferedImage(48, 40, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < img.getHeight(); y++) {
                    for (int x = 0; x < img.getWidth(); x++) {
                        int v = c == 0 ? 200 + (x + i) % 50 : (y * 3 + i) % 60;
                        img.setRGB(x, y, v << 16 | v << 8 | v);
                    }
                }
                Path f = images.resolve(classes[c]).resolve("img" + i + ".png");
                Files.createDirectories(f.getParent());
                ImageIO.write(img, "png", f.toFile());
            }
        }
        options = new BenchOptions(Architecture.RESNET18, 4, 1, 1, 0, 1, 2, 0, images, null);
    }

    @Test
    void predictFolderCountsEveryImage() {
        Map<String, Object> r = Benchmarks.run(BenchCase.PREDICT_FOLDER, options);
        assertEquals(10, r.get("n_images"));
        assertTrue((double) r.get("predict_folder_ips") > 0);
        assertTrue((double) r.get("peak_rss_mb") > 0);
        assertEquals("predict_folder", r.get("case"));
    }

    @Test
    void predictOneReadsAFullWeightsFileAndClassifiesOneImage() {
        Path file = dir.resolve("w.safetensors");
        // The runner's file must load strictly: every torchvision key, with the right shape.
        BenchWeights.writeRandom(Architecture.RESNET18, 1, file);
        Map<String, Object> r = Benchmarks.run(BenchCase.PREDICT_ONE, options.withWeights(file));
        long cls = ((Number) r.get("predict_one_class")).longValue();
        assertTrue(cls >= 0 && cls < 1000, "class " + cls);
        assertTrue((double) r.get("predict_one_in_jvm_s") > 0);
    }

    @Test
    void bothTransferRecipesReportTimeAndHeldOutAccuracy() {
        Map<String, Object> cached = Benchmarks.run(BenchCase.FE_CACHED, options);
        Map<String, Object> usual = Benchmarks.run(BenchCase.FE_NOCACHE, options);
        assertTrue((double) cached.get("fe_transfer_cached_s") > 0);
        assertTrue((double) usual.get("fe_transfer_nocache_s") > 0);
        for (double acc : new double[] {(double) cached.get("fe_acc_cached"), (double) usual.get("fe_acc_nocache")}) {
            assertTrue(acc >= 0 && acc <= 1, "accuracy " + acc);
        }
        // 20% of 5 per class rounds to 1 held out per class.
        assertEquals(2, cached.get("fe_holdout_images"));
        assertEquals(8, cached.get("fe_train_images"));
        assertEquals(2, usual.get("fe_classes"));
    }
}
