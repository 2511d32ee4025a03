package dev.ferry.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.ferry.train.Predictor;
import dev.ferry.workflow.Predict;
import dev.ferry.workflow.PredictionJson;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's answers are {@code ferry predict}'s: the same classes and probabilities per image. */
class ServeAnswersTest {
    @TempDir
    static Path dir;
    static Path model;
    static List<Path> images;
    static FerryServer server;
    static Http http;

    @BeforeAll
    static void start() {
        model = ServeFixture.model(dir.resolve("model"), 11);
        images = ServeFixture.images(dir.resolve("images"));
        server = FerryServer.start(ServeOptions.defaults(List.of(new ServeOptions.Model("m", model))).withAddress("127.0.0.1", 0),
                line -> {});
        http = new Http(server.uri());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** What {@code ferry predict --json --top-k 3} prints for the images, one object per image. */
    static JsonArray predicted(int topK) {
        List<Predictor.Prediction> out = new ArrayList<>();
        Predict.run(new Predict.Options(new Predict.Network(null, model, null), images, topK, 32, 2), new Predictor.Sink() {
            @Override
            public void predicted(Predictor.Prediction p) {
                out.add(p);
            }

            @Override
            public void failed(dev.ferry.data.BadImage bad) {
                throw new AssertionError(bad.toString());
            }
        }, System.err);
        return JsonParser.parseString(PredictionJson.toJson(out)).getAsJsonArray();
    }

    @Test
    void aRawBodyIsAnsweredAsFerryPredictAnswers() throws IOException {
        JsonArray expected = predicted(3);
        for (int i = 0; i < images.size(); i++) {
            HttpResponse<String> r = http.postImage("/predict/m?top_k=3&name=" + images.get(i).getFileName(),
                    Files.readAllBytes(images.get(i)));
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("application/json", r.headers().firstValue("Content-Type").orElse("").split(";")[0]);
            JsonArray got = JsonParser.parseString(r.body()).getAsJsonArray();
            assertEquals(1, got.size());
            JsonObject want = expected.get(i).getAsJsonObject();
            assertEquals(want.get("top"), got.get(0).getAsJsonObject().get("top"), images.get(i).toString());
            assertEquals(images.get(i).getFileName().toString(), got.get(0).getAsJsonObject().get("image").getAsString());
        }
    }

    @Test
    void aMultipartFormIsOneAnswerPerFileInOrder() throws IOException {
        JsonArray expected = predicted(5);
        List<String> names = new ArrayList<>();
        List<byte[]> files = new ArrayList<>();
        for (Path p : images) {
            names.add(p.getFileName().toString());
            files.add(Files.readAllBytes(p));
        }
        HttpResponse<String> r = http.postFiles("/predict/m", names, files);
        assertEquals(200, r.statusCode(), r.body());
        JsonArray got = JsonParser.parseString(r.body()).getAsJsonArray();
        assertEquals(images.size(), got.size());
        for (int i = 0; i < images.size(); i++) {
            JsonObject g = got.get(i).getAsJsonObject();
            assertEquals(names.get(i), g.get("image").getAsString());
            // Three classes: top_k 5 is capped at 3, as ferry predict caps it.
            assertEquals(3, g.getAsJsonArray("top").size());
            assertEquals(expected.get(i).getAsJsonObject().get("top"), g.get("top"));
        }
    }
}
