package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ferry.model.Architecture;
import dev.ferry.model.ResNet;
import dev.ferry.model.ResNetConfig;
import dev.ferry.platform.Engines;
import dev.ferry.platform.FileDigest;
import dev.ferry.train.ModelDirectory;
import dev.ferry.train.TinyTask;
import dev.ferry.weights.ModelWeights;
import dev.ferry.weights.SafetensorsWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry train --weights hf-hub:ORG/NAME} end to end, in a child process whose
 * {@code HF_ENDPOINT} points at a loopback server that answers as the hub does.
 */
class HubTrainingTest {
    private static final String COMMIT = "89abcdef0123456789abcdef0123456789abcdef";

    @TempDir
    Path tmp;

    @Test
    void aModelTrainedFromAHubRepositoryRecordsTheRevisionCommitAndHashItUsed() throws Exception {
        TinyTask task = TinyTask.create(tmp);
        Path weights = tmp.resolve("hub.safetensors");
        try (NDManager m = Engines.newManager()) {
            Engines.seed(11);
            ResNet net = ResNet.create(ResNetConfig.of(Architecture.RESNET18, 10)).initialize(m);
            SafetensorsWriter.write(weights, ModelWeights.export(net), Map.of("format", "pt"));
        }
        byte[] body = Files.readAllBytes(weights);
        String sha = FileDigest.sha256(weights);
        String config = "{\"architecture\": \"resnet18\", \"num_classes\": 10, \"pretrained_cfg\": {\"input_size\": [3, 224, 224],"
                + " \"interpolation\": \"bicubic\", \"crop_pct\": 0.95, \"crop_mode\": \"center\", \"mean\": [0.485, 0.456, 0.406],"
                + " \"std\": [0.229, 0.224, 0.225]}}";
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> answer(exchange, config, body, sha));
        server.start();
        try {
            String endpoint = "http://127.0.0.1:" + server.getAddress().getPort();
            Path out = tmp.resolve("model");
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx2g", "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), FerryCli.class.getName(),
                    "train", "--data", task.data().toString(), "--weights", "hf-hub:someone/patterns@v1"));
            cmd.addAll(TinyTask.presetArgs());
            cmd.addAll(List.of("--batch-size", "8", "--threads", "2", "--epochs", "1", "--strategy", "feature-extract",
                    "--seed", "1", "--out", out.toString()));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("log").toFile());
            pb.environment().put("HF_ENDPOINT", endpoint);
            pb.environment().put("FERRY_CACHE", tmp.resolve("cache").toString());
            Process p = pb.start();
            assertTrue(p.waitFor(300, TimeUnit.SECONDS), "train did not finish");
            String log = Files.readString(tmp.resolve("log"), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), log);

            JsonObject info = JsonParser.parseString(Files.readString(out.resolve(ModelDirectory.INFO))).getAsJsonObject();
            JsonObject extra = info.getAsJsonObject("extra");
            assertEquals("hf-hub:someone/patterns@v1", extra.get("pretrained").getAsString());
            JsonObject source = extra.getAsJsonObject("pretrainedSource");
            assertEquals("hf-hub", source.get("source").getAsString());
            assertEquals("someone/patterns", source.get("repository").getAsString());
            assertEquals("v1", source.get("revision").getAsString());
            assertEquals(COMMIT, source.get("commit").getAsString());
            assertEquals(sha, source.get("sha256").getAsString());
            assertEquals(endpoint + "/someone/patterns/resolve/v1/model.safetensors", source.get("url").getAsString());
            assertTrue(Files.isRegularFile(tmp.resolve("cache/weights/hf-hub/someone--patterns/v1/fetched.json")));
        } finally {
            server.stop(0);
        }
    }

    private static void answer(HttpExchange exchange, String config, byte[] weights, String sha) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            exchange.getResponseHeaders().add("X-Repo-Commit", COMMIT);
            byte[] out;
            if (path.equals("/someone/patterns/resolve/v1/config.json")) {
                out = config.getBytes(StandardCharsets.UTF_8);
            } else if (path.equals("/someone/patterns/resolve/v1/model.safetensors")) {
                exchange.getResponseHeaders().add("X-Linked-Etag", "\"" + sha + "\"");
                exchange.getResponseHeaders().add("Location", "/blobs/" + sha);
                exchange.sendResponseHeaders(302, -1);
                return;
            } else if (path.equals("/blobs/" + sha)) {
                out = weights;
            } else {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            exchange.sendResponseHeaders(200, out.length);
            try (OutputStream o = exchange.getResponseBody()) {
                o.write(out);
            }
        }
    }
}
