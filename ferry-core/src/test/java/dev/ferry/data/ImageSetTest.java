package dev.ferry.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.InputException;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a folder to embed is told labelled from flat. */
class ImageSetTest {
    @TempDir
    Path tmp;

    private static void png(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        ImageIO.write(new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB), "png", file.toFile());
    }

    @Test
    void classFoldersMakeItLabelled() throws IOException {
        Path root = tmp.resolve("labelled");
        png(root.resolve("dog/b.png"));
        png(root.resolve("cat/x/a.png"));
        png(root.resolve("cat/z.png"));
        ImageSet s = ImageSet.scan(root);
        assertTrue(s.labelled());
        assertEquals(List.of("cat", "dog"), s.classes());
        // torchvision's order: a class folder's own files before its sub-folders' (its path sorts first).
        assertEquals(List.of("cat/z.png", "cat/x/a.png", "dog/b.png"), s.samples().stream().map(s::relative).toList());
        assertEquals(List.of("cat", "cat", "dog"), s.samples().stream().map(s::label).toList());
    }

    @Test
    void imagesAtTheTopMakeItFlatWithEmptyLabels() throws IOException {
        Path root = tmp.resolve("flat");
        png(root.resolve("b.png"));
        png(root.resolve("a.png"));
        Files.writeString(root.resolve("notes.txt"), "not an image");
        Files.createDirectories(root.resolve(".thumbs"));
        ImageSet s = ImageSet.scan(root);
        assertFalse(s.labelled());
        assertEquals(List.of("a.png", "b.png"), s.samples().stream().map(s::relative).toList());
        assertEquals(List.of("", ""), s.samples().stream().map(s::label).toList());
    }

    @Test
    void bothOrNeitherIsRefused() throws IOException {
        Path both = tmp.resolve("both");
        png(both.resolve("a.png"));
        png(both.resolve("cat/b.png"));
        assertEquals(both + " holds both images (1) and sub-folders (1): give a flat folder of images, or one sub-folder of images"
                + " per class", assertThrows(InputException.class, () -> ImageSet.scan(both)).getMessage());
        Path neither = Files.createDirectories(tmp.resolve("neither"));
        Files.writeString(neither.resolve("readme.txt"), "x");
        assertEquals("no images in " + neither + " (expected a folder of images, or one sub-folder of images per class)",
                assertThrows(InputException.class, () -> ImageSet.scan(neither)).getMessage());
        assertEquals("data folder " + tmp.resolve("missing") + " does not exist",
                assertThrows(InputException.class, () -> ImageSet.scan(tmp.resolve("missing"))).getMessage());
    }
}
