package dev.ferry.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.data.BadImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PredictorTest {

    @Test
    void topKIsByDecreasingProbabilityWithTiesInIndexOrder() {
        float[] p = {0.1f, 0.3f, 0.05f, 0.3f, 0.25f};
        List<String> labels = List.of("a", "b", "c", "d", "e");
        assertEquals(List.of(new Predictor.Top(1, "b", 0.3f), new Predictor.Top(3, "d", 0.3f), new Predictor.Top(4, "e", 0.25f)),
                Predictor.top(p, 3, labels));
        assertEquals(5, Predictor.top(p, 9, labels).size());
        assertEquals(2, Predictor.top(p, 9, labels).get(4).index());
    }

    @Test
    void inputsExpandFoldersRecursivelyInCodePointOrder(@TempDir Path dir) throws IOException {
        Path root = Files.createDirectories(dir.resolve("in"));
        Files.createDirectories(root.resolve("sub/deep"));
        for (String name : new String[] {"b.jpg", "a.PNG", "Z.png", "sub/deep/x.gif", "sub/c.bmp", "sub/readme.txt", "é.png"}) {
            Files.write(root.resolve(name), new byte[] {1});
        }
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Files.write(empty.resolve("notes.txt"), new byte[] {1});
        Path loose = dir.resolve("loose.dat");
        Files.write(loose, new byte[] {1});
        Path missing = dir.resolve("missing.png");

        Predictor.Inputs in = Predictor.collect(List.of(loose, root, missing, empty));

        assertEquals(List.of(loose, root.resolve("Z.png"), root.resolve("a.PNG"), root.resolve("b.jpg"),
                root.resolve("sub/c.bmp"), root.resolve("sub/deep/x.gif"), root.resolve("é.png")), in.images(),
                "a file given by name is taken whatever its extension; folders yield image extensions only");
        assertEquals(2, in.problems().size());
        assertEquals(missing, in.problems().get(0).path());
        assertEquals(BadImage.Kind.UNREADABLE, in.problems().get(0).kind());
        assertEquals(empty, in.problems().get(1).path());
        assertTrue(in.problems().get(1).reason().startsWith("folder holds no image files"), in.problems().get(1).reason());
    }
}
