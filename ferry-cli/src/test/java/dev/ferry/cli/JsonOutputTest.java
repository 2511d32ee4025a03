package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.ferry.train.TinyTask;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --json} of the commands that print progress: stdout holds nothing but JSON, every log
 * line goes to stderr.
 */
class JsonOutputTest {

    @Test
    void trainPrintsOneJsonLinePerEpochThenTheSummary(@TempDir Path tmp) throws IOException {
        TinyTask task = TinyTask.create(tmp);
        Path out = tmp.resolve("model");
        CliHarness.Result r = CliHarness.run(task.trainArgs(out, "--epochs", "3", "--json"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().endsWith("\n"), r.out());
        List<String> lines = r.out().lines().toList();
        assertEquals(4, lines.size(), r.out());
        for (String line : lines) {
            assertTrue(onlyJson(line).isJsonObject(), "each line of stdout is one JSON object: " + line);
        }
        for (int e = 0; e < 3; e++) {
            JsonObject epoch = JsonParser.parseString(lines.get(e)).getAsJsonObject();
            assertEquals(e + 1, epoch.get("epoch").getAsInt());
            for (String k : new String[] {"trainLoss", "trainAccuracy", "valLoss", "valAccuracy", "learningRate"}) {
                assertTrue(epoch.has(k), k + " in " + lines.get(e));
            }
        }
        JsonObject summary = JsonParser.parseString(lines.get(3)).getAsJsonObject();
        assertEquals(out.toString(), summary.get("model").getAsString());
        int best = summary.get("bestEpoch").getAsInt();
        assertTrue(best >= 1 && best <= 3, lines.get(3));
        assertEquals(JsonParser.parseString(lines.get(best - 1)).getAsJsonObject().get("valAccuracy").getAsDouble(),
                summary.get("bestValAccuracy").getAsDouble(), "the summary's best is the best epoch's accuracy");
        assertTrue(r.err().contains("ferry: model written to " + out), "logs go to stderr: " + r.err());
        assertTrue(r.err().contains("ferry: weights "), "the library's log goes to stderr: " + r.err());
        assertTrue(r.err().contains("epoch 3/3  train loss"), "progress goes to stderr: " + r.err());
        assertFalse(r.out().contains("ferry:"), "no log line on stdout");
    }

    @Test
    void demoPrintsOneJsonObject(@TempDir Path tmp) throws IOException {
        CliHarness.Result r = CliHarness.run("demo", "--json", "--shots", "5", "--strategies", "feature-extract",
                "--epochs", "2", "--test-limit", "20", "--report", tmp.resolve("report").toString());
        assertEquals(0, r.code(), r.err());
        JsonObject o = onlyJson(r.out()).getAsJsonObject();
        assertEquals(1, r.out().strip().lines().count(), "one JSON line: " + r.out());
        assertEquals(100, o.get("testImages").getAsInt(), "20 test images for each of the 5 target classes");
        JsonArray strategies = o.getAsJsonArray("strategies");
        assertEquals(1, strategies.size());
        JsonObject fe = strategies.get(0).getAsJsonObject();
        assertEquals("feature-extract", fe.get("name").getAsString());
        assertEquals(5, fe.get("shots").getAsInt());
        assertEquals(2, fe.get("epochs").getAsInt());
        JsonArray matrix = fe.getAsJsonArray("confusionMatrix");
        int total = 0;
        int diagonal = 0;
        for (int t = 0; t < 5; t++) {
            for (int p = 0; p < 5; p++) {
                int n = matrix.get(t).getAsJsonArray().get(p).getAsInt();
                total += n;
                diagonal += t == p ? n : 0;
            }
        }
        assertEquals(100, total);
        assertEquals(diagonal / 100.0, fe.get("testAccuracy").getAsDouble(), 1e-9, "accuracy is the matrix's trace over its total");
        assertTrue(r.err().contains("ferry: report written to"), r.err());
        assertTrue(r.err().contains("ferry demo: feature-extract, 5 images per class"), "the demo's log goes to stderr: " + r.err());
        assertFalse(r.out().contains("ferry:"), "no log line on stdout");
    }

    /** {@code text} as exactly one JSON document, read strictly: nothing but white space may follow it. */
    private static JsonElement onlyJson(String text) throws IOException {
        // A JsonReader is strict unless told otherwise, and the element adapter leaves it so.
        try (JsonReader reader = new JsonReader(new StringReader(text))) {
            JsonElement e = new com.google.gson.Gson().getAdapter(JsonElement.class).read(reader);
            assertEquals(JsonToken.END_DOCUMENT, reader.peek(), "one JSON document and nothing else: " + text);
            return e;
        }
    }
}
