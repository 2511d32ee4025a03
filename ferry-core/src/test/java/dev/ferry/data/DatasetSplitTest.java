package dev.ferry.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.InputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetSplitTest {

    @TempDir
    Path tmp;

    private ImageFolder folder(String name, String[] classes, int[] counts) {
        return ImageFolder.scan(TestData.dataset(tmp.resolve(name), classes, counts));
    }

    @Test
    void stratifiedCounts() {
        ImageFolder f = folder("d", new String[] {"a", "b", "c", "d"}, new int[] {10, 25, 3, 1});
        DatasetSplit s = DatasetSplit.split(f, 0.2, 7);
        ClassCountTable t = s.table();
        // round(n * 0.2), half up, at least one image kept for training.
        assertArrayEquals(new int[] {8, 20, 2, 1}, t.rows().stream().mapToInt(ClassCountTable.Row::train).toArray());
        assertArrayEquals(new int[] {2, 5, 1, 0},
                t.rows().stream().mapToInt(ClassCountTable.Row::validation).toArray());
        assertEquals(31, t.totalTrain());
        assertEquals(8, t.totalValidation());

        // Disjoint, complete, and each list in ImageFolder order.
        Set<Path> all = new HashSet<>(f.paths());
        Set<Path> seen = new HashSet<>();
        s.train().forEach(x -> assertTrue(seen.add(x.path())));
        s.validation().forEach(x -> assertTrue(seen.add(x.path())));
        assertEquals(all, seen);
        assertInFolderOrder(f, s.train());
        assertInFolderOrder(f, s.validation());
    }

    private static void assertInFolderOrder(ImageFolder f, List<Sample> part) {
        int last = -1;
        for (Sample x : part) {
            int i = f.samples().indexOf(x);
            assertTrue(i > last, "order");
            last = i;
        }
    }

    @Test
    void halfRoundsUpAndTrainingKeepsOne() {
        ImageFolder f = folder("d", new String[] {"a", "b", "c"}, new int[] {5, 2, 3});
        DatasetSplit s = DatasetSplit.split(f, 0.5, 1);
        // a: round(2.5) = 3; b: round(1.0) = 1; c: round(1.5) = 2.
        assertArrayEquals(new int[] {3, 1, 2},
                s.table().rows().stream().mapToInt(ClassCountTable.Row::validation).toArray());
        DatasetSplit most = DatasetSplit.split(f, 0.99, 1);
        assertArrayEquals(new int[] {1, 1, 1}, most.table().rows().stream().mapToInt(ClassCountTable.Row::train).toArray());
    }

    @Test
    void seededAndDeterministic() {
        ImageFolder f = folder("d", new String[] {"a", "b"}, new int[] {30, 30});
        DatasetSplit s1 = DatasetSplit.split(f, 0.2, 42);
        DatasetSplit s2 = DatasetSplit.split(ImageFolder.scan(f.root()), 0.2, 42);
        assertEquals(s1, s2);
        DatasetSplit other = DatasetSplit.split(f, 0.2, 43);
        assertNotEquals(s1.validation(), other.validation());
    }

    @Test
    void aClassSplitDoesNotDependOnOtherClasses() {
        ImageFolder two = folder("two", new String[] {"b", "c"}, new int[] {20, 20});
        ImageFolder three = folder("three", new String[] {"a", "b", "c"}, new int[] {7, 20, 20});
        List<String> v2 = names(DatasetSplit.split(two, 0.25, 5).validation(), 0, two.root());
        List<String> v3 = names(DatasetSplit.split(three, 0.25, 5).validation(), 1, three.root());
        assertEquals(v2, v3);
    }

    private static List<String> names(List<Sample> samples, int label, Path root) {
        List<String> out = new ArrayList<>();
        for (Sample s : samples) {
            if (s.label() == label) {
                out.add(root.relativize(s.path()).getFileName().toString());
            }
        }
        return out;
    }

    @Test
    void rejectsBadFractions() {
        ImageFolder f = folder("d", new String[] {"a"}, new int[] {3});
        for (double bad : new double[] {0, 1, -0.1, 1.5, Double.NaN}) {
            InputException e = assertThrows(InputException.class, () -> DatasetSplit.split(f, bad, 1));
            assertTrue(e.getMessage().startsWith("validation fraction must be between 0 and 1"), e.getMessage());
        }
    }

    @Test
    void twoFolders() {
        Path train = TestData.dataset(tmp.resolve("train"), new String[] {"cats", "dogs"}, new int[] {6, 7});
        Path val = TestData.dataset(tmp.resolve("val"), new String[] {"cats", "dogs"}, new int[] {2, 3});
        DatasetSplit s = DatasetSplit.fromFolders(train, val);
        assertEquals(List.of("cats", "dogs"), s.classes());
        assertEquals(13, s.train().size());
        assertEquals(5, s.validation().size());
        assertTrue(s.validation().stream().allMatch(x -> x.path().startsWith(val)));
        assertEquals(List.of(), s.warnings());
    }

    @Test
    void twoFoldersWithDifferentClasses() {
        Path train = TestData.dataset(tmp.resolve("train"), new String[] {"cats", "dogs"}, new int[] {1, 1});
        Path val = TestData.dataset(tmp.resolve("val"), new String[] {"cats", "owls"}, new int[] {1, 1});
        InputException e = assertThrows(InputException.class, () -> DatasetSplit.fromFolders(train, val));
        assertEquals("class folders differ between " + train + " and " + val + ": only in " + train + ": 'dogs'; only in "
                + val + ": 'owls'", e.getMessage());
    }

    @Test
    void tableRendersAndWarns() {
        ImageFolder f = folder("d", new String[] {"cats", "dogs", "hedgehogs"}, new int[] {40, 5, 4});
        DatasetSplit s = DatasetSplit.split(f, 0.2, 3);
        assertEquals(""
                + "class      train    val  total\n"
                + "cats          32      8     40\n"
                + "dogs           4      1      5\n"
                + "hedgehogs      3      1      4\n"
                + "total         39     10     49\n", s.table().render());
        assertEquals(List.of(
                "class 'dogs' has only 4 training images (fewer than 5)",
                "class 'hedgehogs' has only 3 training images (fewer than 5)"), s.warnings());
        DatasetSplit tiny = DatasetSplit.split(folder("t", new String[] {"x"}, new int[] {1}), 0.2, 3);
        assertEquals(List.of("class 'x' has only 1 training image (fewer than 5)",
                "class 'x' has no validation images"), tiny.warnings());
    }

    /** Acceptance: every bad file is found in one pass, with its reason; skip-bad skips exactly those. */
    @Test
    void validationListsEveryBadFileInOnePass() {
        ImageFolder f = ImageFolder.scan(Fixtures.path("bad"));
        DatasetSplit all = new DatasetSplit(f.classes(), f.samples(), List.of(), List.of());
        AtomicInteger progress = new AtomicInteger();
        BadImagesException e = assertThrows(BadImagesException.class,
                () -> all.validate(3, false, n -> progress.accumulateAndGet(n, Math::max)));
        assertEquals(9, progress.get(), "every file was checked");
        List<String> expected = List.of(
                "bad/cats/bomb.png TOO_LARGE",
                "bad/cats/empty.jpg EMPTY",
                "bad/cats/truncated.png CORRUPT",
                "bad/dogs/notes.jpg NOT_AN_IMAGE",
                "bad/dogs/truncated.jpg CORRUPT");
        List<String> actual = new ArrayList<>();
        for (BadImage b : e.badImages()) {
            actual.add(Fixtures.root().relativize(b.path()).toString().replace('\\', '/') + " " + b.kind());
        }
        assertEquals(expected, actual);
        assertFalse(e.getMessage().contains("\n"));
        assertTrue(e.getMessage().startsWith("5 bad images (fix or remove them, or pass skipBad to leave them out): "),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("; and 2 more"), e.getMessage());

        DatasetSplit skipped = all.validate(2, true);
        assertEquals(List.of("bad/cats/good1.png", "bad/cats/good2.png", "bad/dogs/good3.png", "bad/dogs/good4.jpg"),
                skipped.train().stream().map(x -> Fixtures.root().relativize(x.path()).toString().replace('\\', '/'))
                        .toList());
        assertEquals(e.badImages(), skipped.skipped());
        assertTrue(skipped.warnings().contains("skipped bad image " + e.badImages().get(1)));
        // A clean split validates to itself.
        assertSame(skipped, skipped.validate(2, false));
    }

    @Test
    void skippingEverythingInAClassIsAnError() {
        Path root = TestData.dataset(tmp.resolve("d"), new String[] {"a", "b"}, new int[] {2, 0});
        TestData.png(root.resolve("b/x.png"), 3, 3, 1);
        DatasetSplit s = DatasetSplit.split(ImageFolder.scan(root), 0.5, 1);
        // Replace b's only image with garbage after scanning.
        try {
            java.nio.file.Files.writeString(root.resolve("b/x.png"), "garbage");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        InputException e = assertThrows(InputException.class, () -> s.validate(1, true));
        assertEquals("no usable training images left in class 'b' after skipping 1 bad file", e.getMessage());
    }
}
