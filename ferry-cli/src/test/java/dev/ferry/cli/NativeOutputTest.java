package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.platform.ChildJvm;
import dev.ferry.train.TinyTask;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user sees from a whole ferry process, native standard error included. Prediction no longer
 * starts libtorch at all; training does, and libtorch's own warnings on starting and on the first
 * convolutions ("AutoNonVariableTypeMode is deprecated", "Could not initialize NNPACK!") must not
 * reach the user.
 */
class NativeOutputTest {
    private static final Path DEMO_MODEL = Path.of("src/main/resources/dev/ferry/demo/pretrained");

    @Test
    void predictPrintsNoNativeWarnings(@TempDir Path dir) throws IOException {
        Path png = dir.resolve("one.png");
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                img.getRaster().setSample(x, y, 0, (x * 9 + y * 5) % 256);
            }
        }
        ImageIO.write(img, "png", png.toFile());
        List<String> args = List.of("predict", "--model", DEMO_MODEL.toString(), "--top-k", "2", png.toString());

        ChildJvm.Outcome quiet = ChildJvm.run(FerryCli.class.getName(), List.of("-Xmx512m"), args,
                Map.of("FERRY_NATIVE_WARNINGS", "0"), Duration.ofMinutes(2));
        assertEquals(0, quiet.exitCode(), quiet.output());
        List<String> lines = quiet.output().strip().lines().toList();
        assertEquals(3, lines.size(), "the image's name and its top 2, nothing else:\n" + quiet.output());
        assertEquals(png.toString(), lines.get(0));
    }

    @Test
    void trainingPrintsNoNativeWarnings(@TempDir Path dir) throws IOException {
        TinyTask task = TinyTask.create(dir);
        List<String> quietArgs = List.of(task.trainArgs(dir.resolve("quiet"), "--epochs", "1"));
        ChildJvm.Outcome quiet = ChildJvm.run(FerryCli.class.getName(), List.of("-Xmx1g"), quietArgs,
                Map.of("FERRY_NATIVE_WARNINGS", "0"), Duration.ofMinutes(3));
        assertEquals(0, quiet.exitCode(), quiet.output());
        for (String warning : List.of("AutoNonVariableTypeMode", "NNPACK", "[W ")) {
            assertFalse(quiet.output().contains(warning), warning + " reached the user:\n" + quiet.output());
        }

        // The same run with libtorch's warnings kept shows they are there to be silenced.
        List<String> noisyArgs = List.of(task.trainArgs(dir.resolve("noisy"), "--epochs", "1"));
        ChildJvm.Outcome noisy = ChildJvm.run(FerryCli.class.getName(), List.of("-Xmx1g"), noisyArgs,
                Map.of("FERRY_NATIVE_WARNINGS", "1"), Duration.ofMinutes(3));
        assertEquals(0, noisy.exitCode(), noisy.output());
        assertTrue(noisy.output().contains("AutoNonVariableTypeMode"), noisy.output());
    }
}
