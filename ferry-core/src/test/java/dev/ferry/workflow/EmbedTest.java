package dev.ferry.workflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.data.EmbeddingIndex;
import dev.ferry.data.ImageFolder;
import dev.ferry.data.Npy;
import dev.ferry.data.Sample;
import dev.ferry.train.FeatureCache;
import dev.ferry.train.Pretrained;
import dev.ferry.train.TinyTask;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Embed} writes the feature cache's numbers, and {@link Similar} finds each embedded image
 * in its own row: on {@link TinyTask}'s images and weights.
 */
class EmbedTest {
    @TempDir
    static Path tmp;
    static TinyTask task;
    static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @BeforeAll
    static void task() throws IOException {
        task = TinyTask.create(tmp.resolve("task"));
    }

    private static Embed.Result embed(Path data, Path out) {
        return Embed.run(new Embed.Options(new Predict.Network(task.weights().toString(), null, null), data, out, 5, 2, false), QUIET);
    }

    private static float[] all(Npy.Matrix m) {
        float[] out = new float[(int) (m.rows() * m.cols())];
        m.rows(0, (int) m.rows(), out);
        return out;
    }

    @Test
    void theRowsAreTheFeatureCachesVectorsExactly() {
        Path out = tmp.resolve("labelled/e.npy");
        Embed.Result r = embed(task.data(), out);
        int n = TinyTask.CLASSES.size() * TinyTask.PER_CLASS;
        assertEquals(n, r.rows());
        assertTrue(r.labelled());

        // The sweep's backbone pass: the training network loaded on libtorch, then its BN-folded
        // copy on the inference engine, at the same batch size and engine threads. The same
        // weights reach the same engine kernels in the same batches, so the floats are equal, not
        // merely close.
        List<Sample> samples = ImageFolder.scan(task.data()).samples();
        Pretrained p = Pretrained.resolve(task.weights().toString(), null, QUIET);
        FeatureCache cache = Sweep.features(p.config(), p, p.preset(), samples, 5, 2, 0);
        float[] expected = cache.batch(0, IntStream.range(0, n).toArray());
        Npy.Matrix m = Npy.open(out);
        assertEquals(cache.dim(), m.cols());
        assertArrayEquals(expected, all(m));

        EmbeddingIndex index = EmbeddingIndex.read(EmbeddingIndex.fileFor(out));
        assertEquals(n, index.rows());
        assertFalse(index.normalized());
        assertEquals(task.weights().toAbsolutePath().toString(), index.network().weights());
        assertEquals("resnet18", index.network().architecture());
        assertEquals("checker/img00.png", index.items().get(0).path());
        assertEquals("vertical", index.items().get(n - 1).label());
    }

    @Test
    void aFlatFolderHasTheSameVectorsAndNoLabels() throws IOException {
        Path flat = Files.createDirectories(tmp.resolve("flat"));
        List<Sample> samples = ImageFolder.scan(task.data()).samples();
        List<String> names = new ArrayList<>();
        for (Sample s : samples) {
            String name = s.path().getParent().getFileName() + "-" + s.path().getFileName();
            Files.copy(s.path(), flat.resolve(name));
            names.add(name);
        }
        Path labelledOut = tmp.resolve("pair/labelled.npy");
        Path flatOut = tmp.resolve("pair/flat.npy");
        embed(task.data(), labelledOut);
        Embed.Result r = embed(flat, flatOut);
        assertFalse(r.labelled());
        EmbeddingIndex index = EmbeddingIndex.read(EmbeddingIndex.fileFor(flatOut));
        // The copies' names sort as class then file, so the rows line up with the labelled folder's.
        assertEquals(names, index.items().stream().map(EmbeddingIndex.Item::path).toList());
        assertTrue(index.items().stream().allMatch(i -> i.label().isEmpty()));
        assertArrayEquals(all(Npy.open(labelledOut)), all(Npy.open(flatOut)));
        try (var files = Files.list(tmp.resolve("pair"))) {
            assertEquals(List.of("flat.index.json", "flat.npy", "labelled.index.json", "labelled.npy"),
                    files.map(f -> f.getFileName().toString()).sorted().toList(), "no temporary file is left");
        }
    }

    @Test
    void everyImageFindsItsOwnRowFirstAtCosineOne() {
        Path out = tmp.resolve("self/e.npy");
        embed(task.data(), out);
        List<Sample> samples = ImageFolder.scan(task.data()).samples();
        List<Path> queries = List.of(samples.get(0).path(), samples.get(9).path(), samples.get(23).path());
        Similar.Result r = Similar.run(new Similar.Options(out, queries, 3, 2, 2), QUIET);
        int[] rows = {0, 9, 23};
        for (int q = 0; q < 3; q++) {
            Similar.Match top = r.queries().get(q).matches().get(0);
            assertEquals(rows[q], top.row(), "query " + queries.get(q));
            // The query goes through the network in a batch of its own, the row in a batch of five:
            // the engine may round differently, so its cosine with itself is 1 to float precision.
            assertEquals(1.0, top.cosine(), 1e-5);
            assertEquals(3, r.queries().get(q).matches().size());
            assertTrue(top.cosine() >= r.queries().get(q).matches().get(1).cosine());
        }
        assertEquals(samples.get(9).path().getParent().getFileName().toString(), r.queries().get(1).matches().get(0).label());
    }
}
