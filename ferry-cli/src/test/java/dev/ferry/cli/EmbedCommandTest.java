package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry embed} and {@code ferry similar} on the demo's 100 training images and the network
 * it ships (a ResNet-50 of width 16, 512 features).
 */
class EmbedCommandTest {
    @TempDir
    static Path tmp;
    static Path train;
    static Path pretrained;

    @BeforeAll
    static void demoData() throws IOException {
        DemoFixture.unpackImages("train/", tmp, false);
        train = tmp.resolve("train");
        pretrained = Files.createDirectories(tmp.resolve("pretrained"));
        DemoFixture.copyNetwork(pretrained);
    }

    private static CliHarness.Result embed(Path weights, Path data, Path out, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("embed", "--weights", weights.toString(), "--data", data.toString(),
                "--out", out.toString(), "--threads", "2"));
        args.addAll(List.of(extra));
        return CliHarness.run(args.toArray(String[]::new));
    }

    private static Path image(String cls, int i) throws IOException {
        try (var files = Files.list(train.resolve(cls))) {
            return files.sorted().toList().get(i);
        }
    }

    @Test
    void embedWritesTheMatrixAndItsIndexAndSimilarFindsTheImage() throws IOException {
        Path out = tmp.resolve("out/fashion.npy");
        CliHarness.Result r = embed(pretrained, train, out, "--json");
        assertEquals(0, r.code(), r.err());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals(100, o.get("rows").getAsInt());
        assertEquals(512, o.get("dim").getAsInt());
        assertTrue(o.get("labelled").getAsBoolean());
        assertEquals(out.toAbsolutePath().toString(), o.get("matrix").getAsString());
        assertEquals(0, o.getAsJsonArray("skipped").size());
        // N x D float32 after a 128-byte header (the header of (100, 512) pads to 128).
        assertEquals(128 + 100 * 512 * 4, Files.size(out));
        Path indexFile = tmp.resolve("out/fashion.index.json");
        JsonObject index = JsonParser.parseString(Files.readString(indexFile)).getAsJsonObject();
        assertEquals(100, index.getAsJsonArray("items").size());
        assertEquals("resnet50", index.getAsJsonObject("network").get("architecture").getAsString());
        assertFalse(index.get("normalized").getAsBoolean());

        Path coat = image("Coat", 3);
        CliHarness.Result s = CliHarness.run("similar", "--index", out.toString(), coat.toString(), image("Dress", 0).toString(),
                "--top-k", "4", "--threads", "2", "--json");
        assertEquals(0, s.code(), s.err());
        JsonObject so = JsonParser.parseString(s.out()).getAsJsonObject();
        JsonArray queries = so.getAsJsonArray("queries");
        assertEquals(2, queries.size());
        JsonObject first = queries.get(0).getAsJsonObject();
        assertEquals(coat.toString(), first.get("image").getAsString());
        JsonArray matches = first.getAsJsonArray("matches");
        assertEquals(4, matches.size());
        JsonObject top = matches.get(0).getAsJsonObject();
        assertEquals(1, top.get("rank").getAsInt());
        assertEquals("Coat/" + coat.getFileName(), top.get("path").getAsString());
        assertEquals("Coat", top.get("label").getAsString());
        assertEquals(1.0, top.get("cosine").getAsDouble(), 1e-5);
        assertTrue(top.get("cosine").getAsDouble() >= matches.get(1).getAsJsonObject().get("cosine").getAsDouble());

        CliHarness.Result text = CliHarness.run("similar", "--index", out.toString(), coat.toString(), "--top-k", "2", "--threads", "2");
        assertEquals(0, text.code(), text.err());
        String[] lines = text.out().split("\n");
        assertEquals(3, lines.length, text.out());
        assertEquals(coat.toString(), lines[0]);
        assertTrue(lines[1].matches("\\s+1\\s+1\\.0000\\s+Coat/" + coat.getFileName() + "\\s+Coat"), lines[1]);
    }

    @Test
    void aBadImageStopsTheEmbeddingWithExit2AndWritesNothing() throws IOException {
        Path data = tmp.resolve("bad-data");
        Files.createDirectories(data);
        Files.copy(image("Coat", 0), data.resolve("a.png"));
        Files.writeString(data.resolve("b.png"), "not a png");
        Path out = tmp.resolve("bad/e.npy");
        CliHarness.Result r = embed(pretrained, data, out);
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("ferry: bad image: " + data.resolve("b.png")), r.err());
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(tmp.resolve("bad/e.index.json")));

        CliHarness.Result skipped = embed(pretrained, data, out, "--skip-bad", "--json");
        assertEquals(0, skipped.code(), skipped.err());
        JsonObject o = JsonParser.parseString(skipped.out()).getAsJsonObject();
        assertEquals(1, o.get("rows").getAsInt());
        assertFalse(o.get("labelled").getAsBoolean());
        assertEquals(1, o.getAsJsonArray("skipped").size());

        CliHarness.Result query = CliHarness.run("similar", "--index", out.toString(), data.resolve("b.png").toString());
        assertEquals(2, query.code(), query.err());
        assertTrue(query.err().contains("b.png"), query.err());
    }

    @Test
    void aMissingOrBrokenIndexOrAMissingNetworkIsExit2() throws IOException {
        Path coat = image("Coat", 0);
        Path missing = tmp.resolve("nowhere/e.npy");
        CliHarness.Result r = CliHarness.run("similar", "--index", missing.toString(), coat.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("ferry: error: " + missing + ": no such file"), r.err());

        CliHarness.Result notNpy = CliHarness.run("similar", "--index", tmp.resolve("e.csv").toString(), coat.toString());
        assertEquals(2, notNpy.code(), notNpy.err());
        assertTrue(notNpy.err().contains("--index must name the .npy file"), notNpy.err());

        // The network lives in a folder of its own, removed after embedding.
        Path network = tmp.resolve("gone-network");
        DemoFixture.copyNetwork(network);
        Path out = tmp.resolve("gone/e.npy");
        assertEquals(0, embed(network, train, out).code());
        Files.delete(network.resolve("model.json"));
        Files.delete(network.resolve("model.safetensors"));
        Files.delete(network);
        CliHarness.Result gone = CliHarness.run("similar", "--index", out.toString(), coat.toString());
        assertEquals(2, gone.code(), gone.err());
        assertTrue(gone.err().contains("the network it records cannot be opened"), gone.err());

        // A matrix cut short, and one whose index describes other rows.
        Path cut = tmp.resolve("gone/cut.npy");
        byte[] bytes = Files.readAllBytes(out);
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length - 100));
        Files.copy(tmp.resolve("gone/e.index.json"), tmp.resolve("gone/cut.index.json"));
        CliHarness.Result truncated = CliHarness.run("similar", "--index", cut.toString(), coat.toString());
        assertEquals(2, truncated.code(), truncated.err());
        assertTrue(truncated.err().contains(cut + ": truncated"), truncated.err());

        Path other = tmp.resolve("gone/other.npy");
        Files.write(other, dev.ferry.data.Npy.header(99, 512));
        Files.write(other, new byte[99 * 512 * 4], java.nio.file.StandardOpenOption.APPEND);
        Files.copy(tmp.resolve("gone/e.index.json"), tmp.resolve("gone/other.index.json"));
        CliHarness.Result mismatch = CliHarness.run("similar", "--index", other.toString(), coat.toString());
        assertEquals(2, mismatch.code(), mismatch.err());
        assertTrue(mismatch.err().contains("99 x 512, but its index"), mismatch.err());
    }

    @Test
    void theNetworkIsRequiredOnce() {
        CliHarness.Result none = CliHarness.run("embed", "--data", train.toString(), "--out", tmp.resolve("x.npy").toString());
        assertEquals(2, none.code());
        assertTrue(none.err().contains("give the network: --weights SPEC or --model DIR"), none.err());
        CliHarness.Result notNpy = embed(pretrained, train, tmp.resolve("x.bin"));
        assertEquals(2, notNpy.code());
        assertTrue(notNpy.err().contains("--out must name a .npy file"), notNpy.err());
    }
}
