package dev.ferry.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;

class RenderersTest {
    private static final double EPS = 1e-12;

    @Test
    void textTableHasSklearnLayoutAndHandComputedNumbers() {
        String text = MetricsText.render(Fixtures.pets());
        List<String> lines = text.lines().toList();
        // Names right-aligned in a 12-character column ("weighted avg"), then 2 + 9 per column.
        assertEquals("              precision     recall   f1-score    support", lines.get(0));
        assertEquals("", lines.get(1));
        assertEquals("         cat     0.7500     0.7500     0.7500          4", lines.get(2));
        assertEquals("         dog     0.5000     0.6667     0.5714          3", lines.get(3));
        assertEquals("        bird     1.0000     0.6667     0.8000          3", lines.get(4));
        assertEquals("", lines.get(5));
        assertEquals("    accuracy                           0.7000         10", lines.get(6));
        assertEquals("   macro avg     0.7500     0.6944     0.7071         10", lines.get(7));
        assertEquals("weighted avg     0.7500     0.7000     0.7114         10", lines.get(8));
        assertTrue(text.contains("accuracy:        0.7000 (7/10)\n"), text);
        assertTrue(text.contains("loss:            0.6123\n"), text);
        assertFalse(text.contains("top-5"), "no top-5 with 3 classes");
        assertTrue(text.contains("\ntrue \\ pred  cat  dog  bird\n"
                + "        cat    3    1     0\n"
                + "        dog    1    2     0\n"
                + "       bird    0    1     2\n"), text);
    }

    @Test
    void textColumnsFollowLongNames() {
        String text = MetricsText.render(Fixtures.pets(List.of("cat", "golden retriever", "bird")));
        assertTrue(text.contains("\n             cat     0.7500"), text);
        assertTrue(text.contains("\ngolden retriever     0.5000     0.6667     0.5714          3\n"), text);
        assertTrue(text.contains("\n    weighted avg     0.7500"), text);
        assertTrue(text.contains("\n     true \\ pred  cat  golden retriever  bird\n"), text);
        assertTrue(text.contains("\ngolden retriever    1                 2     0\n"), text);
        // A line break in a name must not break the table.
        String odd = MetricsText.render(Fixtures.pets(List.of("ca\nt", "dog", "bird")));
        assertTrue(odd.contains("\n        ca t     0.7500"), odd);
    }

    @Test
    void textShowsTop5WhenThereAreMoreThanFiveClasses() {
        ClassificationMetrics m = ClassificationMetrics.compute(new int[] {3, 6},
                new float[][] {{0.4f, 0.3f, 0.1f, 0.1f, 0.05f, 0.03f, 0.02f}, {0.4f, 0.3f, 0.1f, 0.1f, 0.05f, 0.03f, 0.02f}},
                List.of("a", "b", "c", "d", "e", "f", "g"), 2.0);
        assertTrue(MetricsText.render(m).contains("top-5 accuracy:  0.5000\n"));
        assertEquals(0.5, MetricsJson.toJsonObject(m).get("top5Accuracy").getAsDouble(), EPS);
    }

    @Test
    void jsonHasAllFieldsWithHandComputedValues() {
        String json = MetricsJson.toJson(Fixtures.pets());
        assertFalse(json.contains("\n"), "one line");
        JsonObject o = strictParse(json);
        assertEquals(0.7, o.get("accuracy").getAsDouble(), EPS);
        assertTrue(o.get("top5Accuracy").isJsonNull());
        assertEquals(Fixtures.PET_LOSS, o.get("loss").getAsDouble(), EPS);
        assertEquals(10, o.get("samples").getAsInt());
        assertEquals(7, o.get("correct").getAsInt());
        assertEquals(List.of("cat", "dog", "bird"),
                o.getAsJsonArray("classes").asList().stream().map(e -> e.getAsString()).toList());
        JsonArray perClass = o.getAsJsonArray("perClass");
        assertEquals(3, perClass.size());
        JsonObject dog = perClass.get(1).getAsJsonObject();
        assertEquals("dog", dog.get("class").getAsString());
        assertEquals(0.5, dog.get("precision").getAsDouble(), EPS);
        assertEquals(2.0 / 3, dog.get("recall").getAsDouble(), EPS);
        assertEquals(4.0 / 7, dog.get("f1").getAsDouble(), EPS);
        assertEquals(3, dog.get("support").getAsInt());
        JsonObject macro = o.getAsJsonObject("macroAvg");
        assertEquals(25.0 / 36, macro.get("recall").getAsDouble(), EPS);
        assertEquals(99.0 / 140, macro.get("f1").getAsDouble(), EPS);
        assertEquals(10, macro.get("support").getAsInt());
        assertEquals(249.0 / 350, o.getAsJsonObject("weightedAvg").get("f1").getAsDouble(), EPS);
        JsonArray cm = o.getAsJsonArray("confusionMatrix");
        assertEquals("[[3,1,0],[1,2,0],[0,1,2]]", cm.toString(), "rows are true classes");
    }

    @Test
    void nonFiniteNumbersBecomeNullAndJsonStaysValid() {
        ClassificationMetrics m = ClassificationMetrics.compute(new int[] {0}, new float[][] {{1f, 0f}},
                List.of("a", "b"), Double.NaN);
        String json = MetricsJson.toJson(m);
        assertFalse(json.contains("NaN"), json);
        assertTrue(strictParse(json).get("loss").isJsonNull());
        ClassificationMetrics inf = ClassificationMetrics.compute(new int[] {0}, new float[][] {{1f, 0f}},
                List.of("a", "b"), Double.POSITIVE_INFINITY);
        assertTrue(strictParse(MetricsJson.toPrettyJson(inf)).get("loss").isJsonNull());
    }

    @Test
    void jsonKeepsHtmlCharactersInNames() {
        String json = MetricsJson.toJson(Fixtures.pets(List.of("<b>cats & dogs</b>", "dog", "bird")));
        assertTrue(json.contains("\"<b>cats & dogs</b>\""), json);
        assertEquals("<b>cats & dogs</b>", strictParse(json).getAsJsonArray("classes").get(0).getAsString());
    }

    @Test
    void htmlFragmentEscapesNamesAndShowsNumbers() {
        String html = MetricsHtml.fragment(Fixtures.pets(List.of("<b>cats & dogs</b>", "dog", "bird")));
        assertFalse(html.contains("<b>cats"), html);
        assertTrue(html.contains("<th>&lt;b&gt;cats &amp; dogs&lt;/b&gt;</th>"), html);
        assertTrue(html.contains("<td class=\"num\">0.5714</td>"), html);
        assertTrue(html.contains("<th>macro avg</th><td class=\"num\">0.7500</td><td class=\"num\">0.6944</td>"
                + "<td class=\"num\">0.7071</td><td class=\"num\">10</td>"), html);
        assertTrue(html.contains("0.7000 (7/10)"), html);
        assertFalse(html.contains("top-5"), html);
        // cat row of the confusion matrix: 3 of 4 = 75% of the row -> darker cell with white text
        assertTrue(html.contains("background-color:#446390;color:#fff\" title=\"true &lt;b&gt;cats &amp; "
                + "dogs&lt;/b&gt;, predicted &lt;b&gt;cats &amp; dogs&lt;/b&gt;: 3 (75.0% of the row)\">3</td>"), html);
        assertEquals(2 + (1 + 3 + 3) + (1 + 3), html.split("<tr>", -1).length - 1, "rows: summary, report, matrix");
    }

    private static JsonObject strictParse(String json) {
        JsonReader reader = new JsonReader(new StringReader(json));
        reader.setStrictness(Strictness.STRICT);
        return JsonParser.parseReader(reader).getAsJsonObject();
    }
}
