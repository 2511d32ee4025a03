package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.ferry.train.TinyTask;
import dev.ferry.workflow.Quantize;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry quantize} on the export fixtures' ferry-trained model (its classes are the tiny
 * task's): the int8 network is written beside the float one, is what {@code --int8} runs, and
 * stays close to the float network.
 */
class QuantizeCommandTest {
    @TempDir
    Path dir;

    Path copyModel() throws IOException, URISyntaxException {
        Path src = Path.of(QuantizeCommandTest.class.getResource("/export/model").toURI());
        Path model = Files.createDirectories(dir.resolve("model"));
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : files.toList()) {
                Files.copy(f, model.resolve(f.getFileName()));
            }
        }
        return model;
    }

    @Test
    void quantizesComparesAndRunsWithInt8() throws Exception {
        Path model = copyModel();
        TinyTask task = TinyTask.create(dir.resolve("task"));
        CliHarness.Result noInt8 = CliHarness.run("predict", "--model", model.toString(), "--int8", task.data().toString());
        assertEquals(2, noInt8.code());
        assertTrue(noInt8.err().contains("run ferry quantize first"), noInt8.err());

        CliHarness.Result r = CliHarness.run("quantize", "--model", model.toString(), "--calibration", task.data().toString(),
                "--images", "12", "--compare", task.data().toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals(12, o.get("calibrationImages").getAsInt());
        // ResNet-18: the input, the stem, the max pool, and per block two convolutions and the
        // residual sum, plus three projection shortcuts: 3 + 8 x 3 + 3.
        assertEquals(30, o.get("quantizedActivations").getAsInt());
        JsonObject c = o.getAsJsonObject("comparison");
        assertEquals(24, c.get("images").getAsInt());
        assertTrue(c.get("maxProbabilityDifference").getAsDouble() < 0.1, c.toString());
        assertTrue(c.get("agreement").getAsDouble() >= 0.9, c.toString());
        assertTrue(Files.isRegularFile(model.resolve(Quantize.FILE)));
        assertTrue(Files.readString(model.resolve(Quantize.RECORD)).contains("\"calibrationImages\": 12"));

        List<String> args = new ArrayList<>(List.of("predict", "--model", model.toString(), "--json", "--top-k", "1"));
        CliHarness.Result f = CliHarness.run(withInput(args, task));
        args.add("--int8");
        CliHarness.Result q = CliHarness.run(withInput(args, task));
        assertEquals(0, q.code(), q.err());
        assertTrue(q.err().contains("int8 network"), q.err());
        JsonArray pf = JsonParser.parseString(f.out()).getAsJsonArray();
        JsonArray pq = JsonParser.parseString(q.out()).getAsJsonArray();
        int agree = 0;
        for (int i = 0; i < pf.size(); i++) {
            String a = pf.get(i).getAsJsonObject().getAsJsonArray("top").get(0).getAsJsonObject().get("label").getAsString();
            String b = pq.get(i).getAsJsonObject().getAsJsonArray("top").get(0).getAsJsonObject().get("label").getAsString();
            agree += a.equals(b) ? 1 : 0;
            assertTrue(!pf.get(i).equals(pq.get(i)), "the int8 network is another network: its probabilities differ");
        }
        assertEquals(Math.round(c.get("agreement").getAsDouble() * 24), agree, "predict --int8 is what quantize compared");

        CliHarness.Result e = CliHarness.run("evaluate", "--model", model.toString(), "--data", task.data().toString(), "--int8");
        assertEquals(0, e.code(), e.err());
        assertTrue(e.err().contains("evaluating the int8 network"), e.err());

        // Weights changed after quantizing (a model trained again): its int8 network is refused.
        byte[] w = Files.readAllBytes(model.resolve("model.safetensors"));
        w[w.length - 1] ^= 1;
        Files.write(model.resolve("model.safetensors"), w);
        CliHarness.Result stale = CliHarness.run(withInput(args, task));
        assertEquals(2, stale.code());
        assertTrue(stale.err().contains("run ferry quantize again"), stale.err());
    }

    private static String[] withInput(List<String> args, TinyTask task) {
        List<String> a = new ArrayList<>(args);
        a.add(task.data().toString());
        return a.toArray(String[]::new);
    }

    @Test
    void badOptionsAreUsageErrors() throws Exception {
        Path model = copyModel();
        CliHarness.Result r = CliHarness.run("quantize", "--model", model.toString(), "--calibration", dir.resolve("none").toString());
        assertEquals(2, r.code());
        r = CliHarness.run("quantize", "--model", model.toString(), "--calibration", model.toString(), "--images", "0");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("at least 1"), r.err());
        r = CliHarness.run("quantize", "--model", model.toString(), "--calibration", model.toString(), "--method", "kl");
        assertEquals(2, r.code());
        assertTrue(Files.notExists(model.resolve(Quantize.FILE)));
    }
}
