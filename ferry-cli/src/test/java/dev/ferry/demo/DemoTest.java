package dev.ferry.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.InputException;
import dev.ferry.train.ModelDirectory;
import dev.ferry.train.ModelInfo;
import dev.ferry.train.TrainListener;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoTest {
    @TempDir
    Path tmp;

    /** The shipped files: 100 training and 5,000 test images, the licence, and the network. */
    @Test
    void embeddedDataAndNetworkAreComplete() throws Exception {
        Path data = DemoData.extractTarget(tmp.resolve("data"));
        assertTrue(Files.isRegularFile(data.resolve(DemoData.LICENSE)));
        for (String split : List.of("train", "test")) {
            try (var classes = Files.list(data.resolve(split))) {
                List<Path> dirs = classes.sorted().toList();
                assertEquals(List.of("Ankle_boot", "Coat", "Dress", "Pullover", "Shirt"),
                        dirs.stream().map(p -> p.getFileName().toString()).toList());
                for (Path d : dirs) {
                    try (var files = Files.list(d)) {
                        assertEquals(split.equals("train") ? 20 : 1000, files.count(), d.toString());
                    }
                }
            }
        }
        Path net = DemoData.extractPretrained(tmp.resolve("pretrained"));
        ModelInfo info = ModelDirectory.readInfo(net);
        assertEquals(List.of("T-shirt/top", "Trouser", "Sandal", "Sneaker", "Bag"), info.classes());
        assertEquals("resnet50", info.arch());
        assertEquals(16, info.width());
        assertTrue(((Number) info.extra().get("sourceTestAccuracy")).doubleValue() >= 0.975,
                "the shipped network must reach 97.5% on its source task");
    }

    /** A shortened demo (fewer epochs, 100 test images per class): transfer beats scratch. */
    @Test
    void transferBeatsScratch() {
        Demo.Options o = new Demo.Options(List.of(20), List.of("feature-extract", "scratch"), 6, 100, 42, 2);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Demo.Result r = Demo.run(o, tmp, TrainListener.NONE, new PrintStream(log, true));
        assertEquals(500, r.testImages());
        double fe = r.strategies().get(0).testAccuracy();
        double scratch = r.strategies().get(1).testAccuracy();
        assertTrue(fe > scratch + 0.05, "feature-extract " + fe + " vs scratch " + scratch);
        assertTrue(fe > 0.55, "feature-extract " + fe);
    }

    @Test
    void rejectsBadOptions() {
        assertThrows(() -> new Demo.Options(List.of(25), List.of("fine-tune"), 0, 0, 1, 1));
        assertThrows(() -> new Demo.Options(List.of(5), List.of("magic"), 0, 0, 1, 1));
        assertThrows(() -> new Demo.Options(List.of(), List.of("fine-tune"), 0, 0, 1, 1));
    }

    private static void assertThrows(org.junit.jupiter.api.function.Executable e) {
        org.junit.jupiter.api.Assertions.assertThrows(InputException.class, e);
    }
}
