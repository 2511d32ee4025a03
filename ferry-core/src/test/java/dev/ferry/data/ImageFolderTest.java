package dev.ferry.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.InputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest {

    @TempDir
    Path tmp;

    @Test
    void classesSortedAndImagesInTorchvisionOrder() throws IOException {
        Path root = tmp.resolve("train");
        TestData.png(root.resolve("dogs/b.png"), 4, 4, 1);
        TestData.png(root.resolve("dogs/A.PNG"), 4, 4, 2);
        TestData.png(root.resolve("cats/z.jpg"), 4, 4, 3); // PNG content, .jpg name: still listed
        TestData.png(root.resolve("cats/sub/a.png"), 4, 4, 4);
        TestData.png(root.resolve("cats/sub dir/a.png"), 4, 4, 5);
        TestData.png(root.resolve("cats/sub-a/a.png"), 4, 4, 6);
        TestData.png(root.resolve("cats/sub/x/a.png"), 4, 4, 7);
        TestData.png(root.resolve("Zebras/x.webp"), 4, 4, 8);
        Files.writeString(root.resolve("cats/notes.txt"), "not an image");
        Files.writeString(root.resolve("readme.png"), "loose file in the root is ignored");
        Files.createDirectories(root.resolve(".ipynb_checkpoints"));

        ImageFolder f = ImageFolder.scan(root);
        // Upper case sorts first (code point order), hidden folders are skipped.
        assertEquals(List.of("Zebras", "cats", "dogs"), f.classes());
        // torchvision 0.14 make_dataset order, checked with Python on the same tree: directories
        // sorted by their path string (' ' < '-' < '/', a prefix first), files sorted within each.
        // Sorting whole paths would give a different order.
        assertEquals(List.of(
                root.resolve("Zebras/x.webp"),
                root.resolve("cats/z.jpg"),
                root.resolve("cats/sub/a.png"),
                root.resolve("cats/sub dir/a.png"),
                root.resolve("cats/sub-a/a.png"),
                root.resolve("cats/sub/x/a.png"),
                root.resolve("dogs/A.PNG"),
                root.resolve("dogs/b.png")), f.paths());
        assertArrayEquals(new int[] {1, 5, 2}, f.countsPerClass());
        assertEquals(0, f.samples().get(0).label());
        assertEquals(1, f.samples().get(1).label());
        assertEquals(2, f.samples().get(7).label());
    }

    @Test
    void macOsAppleDoubleFilesAreNotImages() throws IOException {
        Path root = tmp.resolve("copied-from-a-mac");
        TestData.png(root.resolve("cats/a.png"), 4, 4, 1);
        TestData.png(root.resolve("dogs/b.jpg"), 4, 4, 2);
        // What macOS writes beside each file on a FAT/exFAT drive or in a zip: metadata, not pixels.
        byte[] appleDouble = {0x00, 0x05, 0x16, 0x07, 0x00, 0x02, 0x00, 0x00};
        Files.write(root.resolve("cats/._a.png"), appleDouble);
        Files.write(root.resolve("dogs/._b.jpg"), appleDouble);
        Files.writeString(root.resolve("dogs/.DS_Store"), "Bud1");

        ImageFolder f = ImageFolder.scan(root);
        assertEquals(List.of(root.resolve("cats/a.png"), root.resolve("dogs/b.jpg")), f.paths());
        assertTrue(ImageFolder.isImageFile(root.resolve("cats/a.png")));
        assertEquals(false, ImageFolder.isImageFile(root.resolve("cats/._a.png")));
        // A name that merely contains "._" is an image.
        assertTrue(ImageFolder.isImageFile(root.resolve("cats/x._a.png")));
    }

    @Test
    void missingFolder() {
        Path p = tmp.resolve("data/train");
        InputException e = assertThrows(InputException.class, () -> ImageFolder.scan(p));
        assertEquals("data folder " + p + " does not exist", e.getMessage());
    }

    @Test
    void fileInsteadOfFolder() throws IOException {
        Path p = Files.writeString(tmp.resolve("train.txt"), "x");
        InputException e = assertThrows(InputException.class, () -> ImageFolder.scan(p));
        assertEquals(p + " is not a folder (expected a folder with one sub-folder per class)", e.getMessage());
    }

    @Test
    void noClassFolders() throws IOException {
        Path p = tmp.resolve("data/train");
        TestData.png(p.resolve("loose.png"), 3, 3, 0);
        InputException e = assertThrows(InputException.class, () -> ImageFolder.scan(p));
        assertEquals("no class folders in " + p + " (expected one sub-folder per class)", e.getMessage());
    }

    @Test
    void classFolderWithoutImages() throws IOException {
        Path p = tmp.resolve("data/train");
        TestData.png(p.resolve("dogs/a.png"), 3, 3, 0);
        Files.createDirectories(p.resolve("cats/empty_sub"));
        Files.writeString(p.resolve("cats/readme.txt"), "x");
        InputException e = assertThrows(InputException.class, () -> ImageFolder.scan(p));
        assertEquals("no images in class folder 'cats' (" + p.resolve("cats") + ")", e.getMessage());
    }

    /**
     * A folder the walk cannot read. Permission bits do not stop root (which CI runs as), so the
     * unreadable folder here is a symbolic-link loop, which fails for every user.
     */
    @Test
    void unreadableFolder() throws IOException {
        Path p = tmp.resolve("data/train");
        TestData.png(p.resolve("dogs/a.png"), 3, 3, 0);
        Path cats = p.resolve("cats");
        TestData.png(cats.resolve("a.png"), 3, 3, 1);
        Files.createSymbolicLink(cats.resolve("again"), cats);
        InputException e = assertThrows(InputException.class, () -> ImageFolder.scan(p));
        assertTrue(e.getMessage().startsWith("symbolic link loop under " + cats), e.getMessage());
    }

    @Test
    void pythonOrderComparesCodePoints() {
        // U+FF5E (BMP, after the surrogate range) vs U+1F600 (emoji, stored as surrogates 0xD83D...):
        // UTF-16 order puts the emoji first, Python (code points) puts it last.
        String bmp = "\uFF5E";
        String astral = new String(Character.toChars(0x1F600));
        assertEquals(-1, Integer.signum(ImageFolder.PYTHON_ORDER.compare(bmp, astral)));
        assertEquals(1, Integer.signum(bmp.compareTo(astral)));
        assertEquals(-1, Integer.signum(ImageFolder.PYTHON_ORDER.compare("a", "ab")));
        assertEquals(0, ImageFolder.PYTHON_ORDER.compare("ab", "ab"));
    }
}
