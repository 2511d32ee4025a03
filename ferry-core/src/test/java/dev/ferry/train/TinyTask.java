package dev.ferry.train;

import ai.djl.ndarray.NDManager;
import dev.ferry.platform.Engines;
import dev.ferry.model.Architecture;
import dev.ferry.model.ResNet;
import dev.ferry.model.ResNetConfig;
import dev.ferry.model.Stem;
import dev.ferry.weights.ModelWeights;
import dev.ferry.weights.SafetensorsWriter;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/**
 * A transfer-learning task small enough for tests of the library and the command line: 3 classes x 8 PNGs of 32x32 (a
 * checkerboard, horizontal stripes, vertical stripes, each at a random phase and colour on noise),
 * and "pretrained" weights of a ResNet-18 of width 4 with the small stem and a 10-class head.
 *
 * @param data the image folder, one sub-folder per class
 * @param weights the pretrained safetensors file
 */
public record TinyTask(Path data, Path weights) {
    public static final List<String> CLASSES = List.of("checker", "horizontal", "vertical");
    public static final int PER_CLASS = 8;

    /** Writes the task under {@code root} (deterministic: fixed seeds). */
    public static TinyTask create(Path root) throws IOException {
        Path data = root.resolve("data");
        SplittableRandom r = new SplittableRandom(7);
        for (int c = 0; c < CLASSES.size(); c++) {
            Path dir = Files.createDirectories(data.resolve(CLASSES.get(c)));
            for (int i = 0; i < PER_CLASS; i++) {
                ImageIO.write(pattern(c, r), "png", dir.resolve(String.format("img%02d.png", i)).toFile());
            }
        }
        Path weights = root.resolve("tiny_resnet18_w4.safetensors");
        writeWeights(weights, Architecture.RESNET18, 3);
        return new TinyTask(data, weights);
    }

    /** Randomly initialised weights of {@code arch} (width 4, small stem, 10 classes), seeded. */
    public static void writeWeights(Path file, Architecture arch, long seed) {
        try (NDManager m = Engines.newManager()) {
            Engines.seed(seed);
            ResNet net = ResNet.create(new ResNetConfig(arch, 10, 4, Stem.SMALL, 0f, false)).initialize(m);
            SafetensorsWriter.write(file, ModelWeights.export(net), Map.of("format", "pt"));
        }
    }

    /** Class 0 a checkerboard, 1 horizontal stripes, 2 vertical stripes; random phase, colour and noise. */
    public static BufferedImage pattern(int cls, SplittableRandom r) {
        BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        int phase = r.nextInt(8);
        int[] on = {150 + r.nextInt(100), 150 + r.nextInt(100), 150 + r.nextInt(100)};
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                boolean bright = switch (cls) {
                    case 0 -> ((x + phase) / 4 + (y + phase) / 4) % 2 == 0;
                    case 1 -> ((y + phase) / 4) % 2 == 0;
                    default -> ((x + phase) / 4) % 2 == 0;
                };
                int rgb = 0;
                for (int ch = 0; ch < 3; ch++) {
                    int v = (bright ? on[ch] : 40) + r.nextInt(-20, 21);
                    rgb = (rgb << 8) | Math.max(0, Math.min(255, v));
                }
                img.setRGB(x, y, rgb);
            }
        }
        return img;
    }

    /** {@code ferry train} on this task (batch 8, 2 threads, the 32x32 preset) into {@code out}, with {@code extra}. */
    public String[] trainArgs(Path out, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--data", data.toString(), "--weights", weights.toString()));
        args.addAll(presetArgs());
        args.addAll(List.of("--batch-size", "8", "--threads", "2", "--out", out.toString()));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    /** The preprocessing options for 32x32 images: no resize, 32 crop, mean 0.5, std 0.25. */
    public static List<String> presetArgs() {
        return List.of("--resize", "0", "--crop", "32", "--mean", "0.5", "--std", "0.25");
    }
}
