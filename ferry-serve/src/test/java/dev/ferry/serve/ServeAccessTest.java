package dev.ferry.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import dev.ferry.InputException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bearer token, CORS, the request timeout, the options' checks and the graceful stop. */
class ServeAccessTest {
    @TempDir
    Path dir;

    ServeOptions options(String... names) {
        List<ServeOptions.Model> models = new ArrayList<>();
        for (String n : names) {
            models.add(new ServeOptions.Model(n, ServeFixture.model(dir.resolve(n), 7)));
        }
        return ServeOptions.defaults(models).withAddress("127.0.0.1", 0);
    }

    @Test
    void aTokenGuardsTheApiButNotTheProbesOrThePage() throws Exception {
        byte[] image = Files.readAllBytes(ServeFixture.images(dir.resolve("images")).get(1));
        try (FerryServer server = FerryServer.start(options("m").withAccess("s3cret-token", null), line -> {})) {
            Http anonymous = new Http(server.uri());
            Http wrong = anonymous.withToken("s3cret-tokeN");
            Http right = anonymous.withToken("s3cret-token");
            // A client with the token is answered throughout, whatever the others send.
            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService pool = Executors.newSingleThreadExecutor();
            Future<int[]> good = pool.submit(() -> {
                int[] c = new int[2];
                while (running.get()) {
                    c[right.postImage("/predict/m", image).statusCode() == 200 ? 0 : 1]++;
                }
                return c;
            });
            for (Http h : List.of(anonymous, wrong)) {
                for (HttpResponse<String> r : List.of(h.postImage("/predict/m", image), h.get("/metrics"), h.get("/v2/models/m"),
                        h.get("/models"))) {
                    assertEquals(401, r.statusCode(), r.body());
                    assertEquals("Bearer", r.headers().firstValue("WWW-Authenticate").orElse(""));
                    assertTrue(JsonParser.parseString(r.body()).getAsJsonObject().has("error"));
                }
            }
            assertEquals("wrong bearer token", JsonParser.parseString(wrong.get("/metrics").body()).getAsJsonObject()
                    .get("error").getAsString());
            assertEquals(200, anonymous.get("/v2/health/live").statusCode());
            assertEquals(200, anonymous.get("/v2/health/ready").statusCode());
            assertEquals(200, anonymous.get("/").statusCode());
            assertEquals(200, right.get("/metrics").statusCode());
            // CORS is off unless an origin is named: no header invites a browser elsewhere.
            assertFalse(right.get("/v2/models/m").headers().firstValue("Access-Control-Allow-Origin").isPresent());
            running.set(false);
            int[] c = good.get();
            pool.shutdown();
            assertEquals(0, c[1]);
            assertTrue(c[0] > 0);
        }
    }

    @Test
    void aNamedCorsOriginIsTheOnlyOneAllowed() {
        try (FerryServer server = FerryServer.start(options("m").withAccess(null, "https://app.example.com"), line -> {})) {
            Http http = new Http(server.uri());
            HttpResponse<String> r = http.get("/v2/models/m");
            assertEquals("https://app.example.com", r.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
            HttpResponse<String> pre = http.send(http.builder("/predict/m").method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                    .header("Origin", "https://app.example.com").build());
            assertEquals(204, pre.statusCode());
            assertTrue(pre.headers().firstValue("Access-Control-Allow-Headers").orElse("").contains("Authorization"));
        }
    }

    @Test
    void aRequestOverItsTimeIs504AndTheServerGoesOn() throws Exception {
        byte[] image = Files.readAllBytes(ServeFixture.images(dir.resolve("images")).get(2));
        ServeOptions o = options("m");
        o = o.withLimits(o.maxRequestBytes(), o.maxPixels(), o.maxImages(), Duration.ofMillis(1));
        try (FerryServer server = FerryServer.start(o, line -> {})) {
            Http http = new Http(server.uri());
            // Decoding a 451x300 PNG alone takes longer than a millisecond.
            HttpResponse<String> r = http.postImage("/predict/m", image);
            assertEquals(504, r.statusCode(), r.body());
            assertEquals("the request took longer than 1 ms", JsonParser.parseString(r.body()).getAsJsonObject()
                    .get("error").getAsString());
            assertEquals(200, http.get("/v2/health/ready").statusCode());
        }
    }

    @Test
    void closingAnswersWhatIsInFlightThenRefuses() throws Exception {
        byte[] image = Files.readAllBytes(ServeFixture.images(dir.resolve("images")).get(0));
        byte[] body = Http.multipart(java.util.Collections.nCopies(6, "a.png"), java.util.Collections.nCopies(6, image));
        FerryServer server = FerryServer.start(options("m").withBatching(1, Duration.ZERO, 128), line -> {});
        URI uri = server.uri();
        int clients = 12;
        // Each client sends its headers and half its body, then holds the rest back: the requests
        // are in flight because the clients say so, not because the server happens to be slow.
        List<HalfSent> requests = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            requests.add(new HalfSent(uri, "/predict/m", body, Http.MULTIPART));
        }
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (server.inFlight() < clients && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertEquals(clients, server.inFlight(), "all requests are in flight when the stop begins");
        ExecutorService stopper = Executors.newSingleThreadExecutor();
        Future<?> stop = stopper.submit(server::close);
        // The stop has begun once the port refuses new connections.
        while (accepts(uri) && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertFalse(accepts(uri), "the port closes as the stop begins");
        assertFalse(stop.isDone(), "the stop waits for the requests in flight");
        for (HalfSent r : requests) {
            r.sendRest();
        }
        for (HalfSent r : requests) {
            HalfSent.Reply reply = r.reply();
            assertEquals(200, reply.status(), "a request in flight when the stop began is answered: " + reply.body());
            assertEquals(6, JsonParser.parseString(reply.body()).getAsJsonArray().size());
        }
        stop.get();
        stopper.shutdown();
        assertThrows(java.io.UncheckedIOException.class, () -> new Http(uri).get("/v2/health/live"), "the port is closed");
    }

    private static boolean accepts(URI uri) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A POST whose headers and first half of body are sent at once, the rest when asked. */
    private static final class HalfSent {
        record Reply(int status, String body) {}

        private final Socket socket;
        private final byte[] body;

        HalfSent(URI uri, String path, byte[] body, String contentType) throws IOException {
            this.socket = new Socket(uri.getHost(), uri.getPort());
            this.body = body;
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort() + "\r\nContent-Type: "
                    + contentType + "\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body, 0, body.length / 2);
            out.flush();
        }

        void sendRest() throws IOException {
            OutputStream out = socket.getOutputStream();
            out.write(body, body.length / 2, body.length - body.length / 2);
            out.flush();
        }

        /** Reads the answer to the end of the connection. */
        Reply reply() throws IOException {
            try (socket) {
                String text = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                int end = text.indexOf("\r\n\r\n");
                assertTrue(end > 0, "an HTTP answer: " + text);
                String head = text.substring(0, end);
                String payload = text.substring(end + 4);
                if (head.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked")) {
                    payload = dechunk(payload);
                }
                return new Reply(Integer.parseInt(head.substring(9, 12)), payload);
            }
        }

        private static String dechunk(String s) {
            StringBuilder out = new StringBuilder();
            int at = 0;
            while (true) {
                int eol = s.indexOf("\r\n", at);
                int size = Integer.parseInt(s.substring(at, eol).split(";")[0].trim(), 16);
                if (size == 0) {
                    return out.toString();
                }
                out.append(s, eol + 2, eol + 2 + size);
                at = eol + 2 + size + 2;
            }
        }
    }

    @Test
    void badOptionsAreRefusedNamingTheValue() {
        Path m = dir.resolve("x");
        assertThrows(InputException.class, () -> new ServeOptions.Model("bad name", m));
        assertThrows(InputException.class, () -> new ServeOptions.Model("", m));
        ServeOptions o = ServeOptions.defaults(List.of(new ServeOptions.Model("a", m)));
        assertEquals("two models are named 'a': give each its own name (name=DIR)", assertThrows(InputException.class,
                () -> ServeOptions.defaults(List.of(new ServeOptions.Model("a", m), new ServeOptions.Model("a", m))))
                .getMessage());
        assertThrows(InputException.class, () -> o.withBatching(0, Duration.ZERO, 1));
        assertThrows(InputException.class, () -> o.withBatching(1, Duration.ofMillis(-1), 1));
        assertThrows(InputException.class, () -> o.withLimits(10, 1, 1, Duration.ofSeconds(1)));
        assertThrows(InputException.class, () -> o.withAddress("127.0.0.1", 70000));
        assertThrows(InputException.class, () -> o.withAccess(" ", null));
        // A model directory that is not one: refused with its path, before the port opens.
        InputException e = assertThrows(InputException.class, () -> FerryServer.start(o.withAddress("127.0.0.1", 0), line -> {}));
        assertTrue(e.getMessage().contains(m.toString()), e.getMessage());
    }

    @Test
    void aPortInUseIsAnInputError() {
        try (FerryServer first = FerryServer.start(options("m"), line -> {})) {
            ServeOptions second = options("n").withAddress("127.0.0.1", first.port());
            InputException e = assertThrows(InputException.class, () -> FerryServer.start(second, line -> {}));
            assertTrue(e.getMessage().startsWith("cannot listen on 127.0.0.1:" + first.port()), e.getMessage());
        }
    }
}
