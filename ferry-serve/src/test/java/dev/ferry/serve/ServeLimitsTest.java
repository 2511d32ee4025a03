package dev.ferry.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every bad request gets its documented status and a one-line JSON error, while a good client on
 * the same model keeps getting its answers throughout.
 */
class ServeLimitsTest {
    @TempDir
    static Path dir;
    static FerryServer server;
    static Http http;
    static byte[] good;
    static String goodAnswer;
    static final AtomicBoolean running = new AtomicBoolean(true);
    static ExecutorService background;
    static Future<int[]> goodClient;

    @BeforeAll
    static void start() throws IOException {
        Path model = ServeFixture.model(dir.resolve("model"), 5);
        good = Files.readAllBytes(ServeFixture.images(dir.resolve("images")).get(0));
        ServeOptions o = ServeOptions.defaults(List.of(new ServeOptions.Model("m", model))).withAddress("127.0.0.1", 0)
                .withLimits(1 << 20, 4_000_000, 8, Duration.ofSeconds(30));
        server = FerryServer.start(o, line -> {});
        http = new Http(server.uri());
        goodAnswer = http.postImage("/predict/m", good).body();
        background = Executors.newSingleThreadExecutor();
        // A client of its own, with its own connections: the bad requests' connections (some of
        // which the server closes, as after a malformed request line) are never its.
        Http goodHttp = new Http(server.uri());
        goodClient = background.submit(() -> {
            int[] counts = new int[2]; // same answer, anything else
            while (running.get()) {
                HttpResponse<String> r = goodHttp.postImage("/predict/m", good);
                counts[r.statusCode() == 200 && r.body().equals(goodAnswer) ? 0 : 1]++;
            }
            return counts;
        });
    }

    @AfterAll
    static void stop() throws Exception {
        running.set(false);
        int[] counts = goodClient.get();
        background.shutdown();
        server.close();
        assertEquals(0, counts[1], "the good client got " + counts[1] + " wrong answers among " + (counts[0] + counts[1]));
        assertTrue(counts[0] > 0);
    }

    static String error(HttpResponse<String> r, int status) {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
        assertEquals(1, r.body().lines().count(), "one line: " + r.body());
        JsonObject o = JsonParser.parseString(r.body()).getAsJsonObject();
        assertEquals(1, o.size(), r.body());
        String e = o.get("error").getAsString();
        assertFalse(e.contains("\tat ") || e.contains("Exception"), "no stack trace or exception class: " + e);
        return e;
    }

    @Test
    void aBodyOverTheLimitIs413() throws IOException {
        byte[] big = new byte[(1 << 20) + 1];
        // A client that sends the whole body before it reads (as this one, or Python's requests)
        // reads its 413: the server reads what it refused to the end before answering. Several
        // times, as a close under the client would lose the answer only now and then.
        for (int i = 0; i < 5; i++) {
            assertTrue(error(http.postImage("/predict/m", big), 413).contains("over the limit of 1048576"));
        }
        byte[] huge = new byte[4 << 20];
        assertTrue(error(http.postImage("/predict/m", huge), 413).contains("is 4194304 bytes, over the limit"));
        // One byte over, announced by a client that asks first (Expect: 100-continue, as curl does
        // for a large file): refused from the headers at once, with no invitation to send the body.
        String over = answerToHeaders(big.length, "Expect: 100-continue\r\n");
        assertTrue(over.startsWith("HTTP/1.1 413"), over);
        String message = JsonParser.parseString(over.substring(over.indexOf("\r\n\r\n") + 4)).getAsJsonObject().get("error")
                .getAsString();
        assertEquals("the request body is 1048577 bytes, over the limit of 1048576", message);
        // Chunked, so no length to refuse up front: reading stops at the limit.
        HttpRequest chunked = http.builder("/predict/m").header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big))).build();
        error(http.send(chunked), 413);
        // A client that announces 1 GB and sends nothing gets its 413 without the server waiting for it.
        String giga = answerToHeaders(1_000_000_000L, "");
        assertTrue(giga.startsWith("HTTP/1.1 413"), giga);
    }

    /**
     * What the server answers to a POST's headers alone, announcing {@code length} bytes it never
     * sends, with {@code more} headers (each line ending in CRLF).
     */
    private static String answerToHeaders(long length, String more) throws IOException {
        try (Socket s = new Socket(server.uri().getHost(), server.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /predict/m HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: " + length + "\r\n" + more + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // The answer closes the connection, so it is all there is to read.
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void badImagesAre400NamingThePart() throws IOException {
        assertTrue(error(http.postImage("/predict/m?name=notes.txt", "just text".getBytes(StandardCharsets.UTF_8)), 400)
                .startsWith("notes.txt: not an image"));
        byte[] truncated = Arrays.copyOf(good, good.length / 2);
        assertTrue(error(http.postImage("/predict/m?name=half.png", truncated), 400).startsWith("half.png: truncated or corrupt PNG"));
        assertTrue(error(http.postImage("/predict/m", new byte[0]), 400).contains("empty"));
        // A decompression bomb: a 2 KB PNG whose header says 30000 x 30000, refused from the header.
        String bomb = error(http.postImage("/predict/m?name=bomb.png", bombPng(30_000, 30_000)), 400);
        assertTrue(bomb.startsWith("bomb.png: image is 30000x30000 = 900000000 pixels, over the limit of 4000000"), bomb);
        // Over this server's pixel limit (4 MP), though a sound image.
        assertTrue(error(http.postImage("/predict/m", bombPng(2100, 2000)), 400).contains("over the limit of 4000000"));
    }

    @Test
    void oneBadFileInAMultipartRequestFailsThatFileOnly() {
        HttpResponse<String> r = http.postFiles("/predict/m", List.of("good.png", "../../etc/evil.png", "again.png"),
                List.of(good, "not an image".getBytes(StandardCharsets.UTF_8), good));
        assertEquals(200, r.statusCode(), r.body());
        JsonArray rows = JsonParser.parseString(r.body()).getAsJsonArray();
        assertEquals(3, rows.size());
        JsonArray alone = JsonParser.parseString(goodAnswer).getAsJsonArray();
        assertEquals(alone.get(0).getAsJsonObject().get("top"), rows.get(0).getAsJsonObject().get("top"));
        assertEquals(alone.get(0).getAsJsonObject().get("top"), rows.get(2).getAsJsonObject().get("top"));
        JsonObject bad = rows.get(1).getAsJsonObject();
        // The client's path is cut to its last segment.
        assertEquals("evil.png", bad.get("image").getAsString());
        assertTrue(bad.get("error").getAsString().startsWith("evil.png: not an image"), bad.toString());
        assertFalse(bad.has("top"));

        String all = error(http.postFiles("/predict/m", List.of("a.txt", "b.txt"), List.of(new byte[] {1, 2}, new byte[] {3})), 400);
        assertTrue(all.startsWith("none of the 2 images could be read: a.txt: not an image"), all);
        assertTrue(error(http.postFiles("/predict/m", List.of("1", "2", "3", "4", "5", "6", "7", "8", "9"),
                java.util.Collections.nCopies(9, new byte[16])), 413).contains("9 images in one request, over the limit of 8"));
        assertTrue(error(http.post("/predict/m", "garbage".getBytes(StandardCharsets.UTF_8),
                "multipart/form-data; boundary=xyz"), 400).startsWith("malformed multipart body"));
    }

    @Test
    void unknownModelsRoutesAndMethodsAndBadParameters() {
        assertTrue(error(http.postImage("/predict/nope", good), 404).startsWith("no model named 'nope' (this server has: m)"));
        error(http.get("/v2/models/nope"), 404);
        error(http.get("/no/such/route"), 404);
        HttpResponse<String> wrongMethod = http.get("/predict/m");
        error(wrongMethod, 405);
        assertEquals("POST", wrongMethod.headers().firstValue("Allow").orElse(""));
        assertTrue(error(http.postImage("/predict/m?top_k=zero", good), 400).startsWith("top_k must be a whole number"));
        // Files on the disk are not served, whatever the path says (Jetty refuses a path that
        // climbs above the root before any route sees it).
        error(http.get("/../../etc/passwd"), 400);
        error(http.get("/page/index.html"), 404);
    }

    @Test
    void openInferenceProtocolMetadataAndBothInputs() throws IOException {
        assertEquals(200, http.get("/v2/health/live").statusCode());
        assertEquals("{\"ready\":true}", http.get("/v2/health/ready").body());
        JsonObject meta = JsonParser.parseString(http.get("/v2/models/m").body()).getAsJsonObject();
        assertEquals("m", meta.get("name").getAsString());
        assertEquals("[-1,3,64,64]", meta.getAsJsonArray("inputs").get(1).getAsJsonObject().get("shape").toString());
        assertEquals("[-1,3]", meta.getAsJsonArray("outputs").get(0).getAsJsonObject().get("shape").toString());
        assertEquals("[\"alpha\",\"beta\",\"gamma\"]", meta.getAsJsonObject("parameters").get("classes").toString());
        assertEquals(72, meta.getAsJsonObject("parameters").getAsJsonObject("preset").get("resize").getAsInt());

        // BYTES: the encoded file, base64; the probabilities equal /predict's, by class index.
        String b64 = java.util.Base64.getEncoder().encodeToString(good);
        HttpResponse<String> r = infer(("{\"id\":\"q1\",\"inputs\":[{\"name\":\"image\",\"shape\":[2],"
                + "\"datatype\":\"BYTES\",\"data\":[\"" + b64 + "\",\"" + b64 + "\"]}]}"));
        assertEquals(200, r.statusCode(), r.body());
        JsonObject out = JsonParser.parseString(r.body()).getAsJsonObject();
        assertEquals("q1", out.get("id").getAsString());
        JsonObject probs = out.getAsJsonArray("outputs").get(0).getAsJsonObject();
        assertEquals("probabilities", probs.get("name").getAsString());
        assertEquals("[2,3]", probs.get("shape").toString());
        float[] p = new float[6];
        for (int i = 0; i < 6; i++) {
            p[i] = probs.getAsJsonArray("data").get(i).getAsFloat();
        }
        for (var e : JsonParser.parseString(goodAnswer).getAsJsonArray().get(0).getAsJsonObject().getAsJsonArray("top")) {
            JsonObject t = e.getAsJsonObject();
            assertEquals(t.get("probability").getAsFloat(), p[t.get("index").getAsInt()]);
            assertEquals(t.get("probability").getAsFloat(), p[3 + t.get("index").getAsInt()]);
        }

        // FP32: the same image preprocessed by the test (the model's preset) gives the same numbers.
        float[] pixels = new dev.ferry.data.EvalTransform(ServeFixture.preset())
                .apply(dev.ferry.data.ImageDecoder.decode(good, Path.of("good.png")));
        StringBuilder sb = new StringBuilder("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3,64,64],\"datatype\":\"FP32\",\"data\":[");
        for (int i = 0; i < pixels.length; i++) {
            sb.append(i == 0 ? "" : ",").append(pixels[i]);
        }
        sb.append("]}]}");
        HttpResponse<String> t = infer(sb.toString());
        assertEquals(200, t.statusCode(), t.body());
        JsonArray data = JsonParser.parseString(t.body()).getAsJsonObject().getAsJsonArray("outputs").get(0).getAsJsonObject()
                .getAsJsonArray("data");
        for (int i = 0; i < 3; i++) {
            assertEquals(p[i], data.get(i).getAsFloat());
        }

        assertTrue(error(infer("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3,32,32],\"datatype\":\"FP32\","
                + "\"data\":[]}]}"), 400).contains("[N, 3, 64, 64]"));
        assertTrue(error(infer("{\"inputs\":[{\"name\":\"image\",\"shape\":[1],\"datatype\":\"BYTES\","
                + "\"data\":[\"bm90IGFuIGltYWdl\"]}]}"), 400)
                .startsWith("image[0]: not an image"));
        assertTrue(error(infer("{not json"), 400)
                .startsWith("the body is not JSON"));
        assertTrue(error(infer("{\"inputs\":[{\"name\":\"image\",\"shape\":[1],\"datatype\":\"INT8\","
                + "\"data\":[1]}]}"), 400).contains("datatype must be BYTES"));
    }

    @Test
    void theMetricsAreInPrometheusTextFormat() {
        HttpResponse<String> r = http.get("/metrics");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
        for (String name : List.of("ferry_requests_total", "ferry_request_duration_seconds", "ferry_batch_size",
                "ferry_queue_depth", "ferry_images_per_second", "ferry_images_total")) {
            assertTrue(r.body().contains("# TYPE " + name.replace("_total", "")), name + " in\n" + r.body());
        }
        // An unknown model's requests are counted, but not under a name a client chose.
        http.postImage("/predict/made-up-name", good);
        String again = http.get("/metrics").body();
        assertFalse(again.contains("made-up-name"));
        assertTrue(again.contains("ferry_requests_total{endpoint=\"predict\",model=\"\",status=\"404\"}"), again);
    }

    static HttpResponse<String> infer(String json) {
        return http.post("/v2/models/m/infer", json.getBytes(StandardCharsets.UTF_8), "application/json");
    }

    /** A PNG whose header gives {@code width x height} RGB, with a few rows of real data (an IDAT). */
    static byte[] bombPng(int width, int height) throws IOException {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        java.nio.ByteBuffer ihdr = java.nio.ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 2)
                .put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(png, "IHDR", ihdr.array());
        Deflater d = new Deflater();
        d.setInput(new byte[(width * 3 + 1) * 4]);
        d.finish();
        byte[] buf = new byte[1 << 16];
        int n = d.deflate(buf);
        chunk(png, "IDAT", Arrays.copyOf(buf, n));
        chunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        out.write(java.nio.ByteBuffer.allocate(4).putInt(data.length).array());
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.write(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
