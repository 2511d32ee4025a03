package dev.ferry.serve;

import ai.djl.ndarray.NDManager;
import dev.ferry.data.Interpolation;
import dev.ferry.data.Preset;
import dev.ferry.eval.Calibration;
import dev.ferry.model.Architecture;
import dev.ferry.model.ResNet;
import dev.ferry.model.ResNetConfig;
import dev.ferry.model.Stem;
import dev.ferry.platform.Engines;
import dev.ferry.train.ModelDirectory;
import dev.ferry.train.ModelInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What the serving tests serve: a model directory as {@code ferry train} writes it (a seeded
 * ResNet-18 of width 4 with the small stem, three classes, Resize 72 / CenterCrop 64 with ImageNet's
 * statistics and a fitted temperature of 0.5, so the calibration path is exercised), and the test
 * images, copied out of the class path.
 */
final class ServeFixture {
    static final List<String> CLASSES = List.of("alpha", "beta", "gamma");
    static final List<String> IMAGES = List.of("waves_300x260.png", "rings_240x320.png", "rgb_451x300.png",
            "palette_320x240.png");

    private ServeFixture() {}

    static Preset preset() {
        return new Preset(72, 64, new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f},
                Interpolation.BILINEAR);
    }

    /** Writes the model into {@code dir} (created) and returns it. */
    static Path model(Path dir, long seed) {
        try (NDManager m = Engines.newManager()) {
            Engines.seed(seed);
            ResNet net = ResNet.create(new ResNetConfig(Architecture.RESNET18, CLASSES.size(), 4, Stem.SMALL, 0f, false))
                    .initialize(m);
            ModelInfo info = new ModelInfo(ModelInfo.FORMAT, "test", "2026-01-01T00:00:00Z", "resnet18", 4, "small", 0f,
                    CLASSES, preset(), "finetune", Map.of(), List.of(), 0, null, Map.of(), Map.of(),
                    new Calibration(0.5, 10, 1, 1, 0, 0));
            Files.createDirectories(dir);
            ModelDirectory.save(dir, net, info);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The test images, copied into {@code dir}. */
    static List<Path> images(Path dir) {
        try {
            Files.createDirectories(dir);
            List<Path> out = new java.util.ArrayList<>();
            for (String name : IMAGES) {
                try (InputStream in = ServeFixture.class.getResourceAsStream("/images/" + name)) {
                    Path p = dir.resolve(name);
                    Files.copy(in, p);
                    out.add(p);
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
