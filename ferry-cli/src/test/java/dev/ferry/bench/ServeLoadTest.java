package dev.ferry.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ferry.FerryException;
import dev.ferry.InputException;
import dev.ferry.cli.FerryCli;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The load generator of {@code ferry bench serve} against a small loopback server that answers 200
 * to most requests and 503 to every 5th: counts, percentiles, throughput, the server child's life
 * cycle and the command's checks. No model is needed.
 */
class ServeLoadTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final List<ServeLoad.Image> IMAGES = List.of(
            new ServeLoad.Image("a.jpg", new byte[] {1, 2, 3}, "image/jpeg"),
            new ServeLoad.Image("b.png", new byte[] {4, 5}, "image/png"));

    static {
        // The JDK's test server would otherwise wait for delayed ACKs (Nagle) and answer in 40 ms.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private FakeServer server;

    @BeforeEach
    void start() throws IOException {
        server = new FakeServer(3);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void nearestRankPercentiles() {
        double[] hundred = IntStream.rangeClosed(1, 100).asDoubleStream().toArray();
        assertEquals(95, ServeLoad.nearestRank(hundred, 95));
        assertEquals(50, ServeLoad.nearestRank(hundred, 50));
        assertEquals(99, ServeLoad.nearestRank(hundred, 99));
        assertEquals(100, ServeLoad.nearestRank(hundred, 100));
        assertEquals(1, ServeLoad.nearestRank(hundred, 0));
        assertEquals(1, ServeLoad.nearestRank(hundred, 0.5));
        // Nearest rank of 5 values: p50 is the 3rd (ceil 2.5), p95 and p99 the 5th, p20 the 1st.
        double[] five = {10, 20, 30, 40, 50};
        assertEquals(30, ServeLoad.nearestRank(five, 50));
        assertEquals(50, ServeLoad.nearestRank(five, 95));
        assertEquals(50, ServeLoad.nearestRank(five, 99));
        assertEquals(10, ServeLoad.nearestRank(five, 20));
        assertEquals(20, ServeLoad.nearestRank(five, 20.1));
        assertEquals(7, ServeLoad.nearestRank(new double[] {7}, 99));
        assertTrue(Double.isNaN(ServeLoad.nearestRank(new double[0], 50)));
        assertThrows(IllegalArgumentException.class, () -> ServeLoad.nearestRank(five, 101));

        ServeLoad.Result r = new ServeLoad.Result(1, 100, 100, Map.of(), null, 2.0, hundred);
        assertEquals(95, r.latencyPercentile(95));
        assertEquals(100, r.maxLatency());
        assertEquals(50.5, r.meanLatency(), 1e-12);
        assertEquals(50, r.throughput(), 1e-12);
        assertEquals(0, r.errors());
    }

    /** Without warm-up every request the server saw is counted, so the counts match the server's exactly. */
    @Test
    void countsAddUpAndMatchTheServer() {
        ServeLoad.Result r = ServeLoad.run(CLIENT, new ServeLoad.Options(server.predictUri(), IMAGES, 4, Duration.ZERO,
                Duration.ofMillis(600), Duration.ofSeconds(10)));
        assertEquals(4, r.clients());
        assertTrue(r.ok() > 10, "ok " + r.ok());
        assertEquals(r.sent(), r.ok() + r.errors());
        assertEquals(server.received.get(), r.sent());
        assertEquals(server.answered200.get(), r.ok());
        assertEquals(Map.of("503", server.answered503.get()), r.errorsByStatus());
        assertTrue(server.answered503.get() > 0);
        assertTrue(r.firstError().startsWith("503 {\"error\""), r.firstError());
        // One latency per ok request, sorted, each at least the server's sleep.
        assertEquals(r.ok(), r.latencyMillis().length);
        for (int i = 1; i < r.latencyMillis().length; i++) {
            assertTrue(r.latencyMillis()[i - 1] <= r.latencyMillis()[i]);
        }
        assertTrue(r.latencyPercentile(50) >= 3, "p50 " + r.latencyPercentile(50));
        assertTrue(r.latencyPercentile(50) <= r.latencyPercentile(95) && r.latencyPercentile(99) <= r.maxLatency());
        // The span runs to the last counted answer: at least the window.
        assertTrue(r.seconds() >= 0.6 && r.seconds() < 5, "seconds " + r.seconds());
        assertEquals(r.ok() / r.seconds(), r.throughput(), 1e-9);
        // Round robin over both images.
        assertTrue(server.bodies.contains(3) && server.bodies.contains(2), server.bodies.toString());
    }

    /** Requests of the warm-up reach the server but are not counted. */
    @Test
    void theWarmUpIsNotCounted() {
        ServeLoad.Result r = ServeLoad.run(CLIENT, new ServeLoad.Options(server.predictUri(), IMAGES, 2,
                Duration.ofMillis(300), Duration.ofMillis(300), Duration.ofSeconds(10)));
        assertTrue(r.sent() > 0);
        assertTrue(server.received.get() > r.sent(), server.received.get() + " vs " + r.sent());
        assertEquals(r.sent(), r.ok() + r.errorsByStatus().values().stream().mapToLong(Long::longValue).sum());
    }

    @Test
    void aRefusedConnectionIsAnError() throws IOException {
        URI closed = URI.create("http://127.0.0.1:" + freePort() + "/predict/m");
        ServeLoad.Result r = ServeLoad.run(CLIENT, new ServeLoad.Options(closed, IMAGES, 1, Duration.ZERO,
                Duration.ofMillis(200), Duration.ofSeconds(5)));
        assertEquals(0, r.ok());
        assertTrue(r.sent() > 0);
        assertEquals(Map.of("io", r.sent()), r.errorsByStatus());
        assertTrue(Double.isNaN(r.latencyPercentile(50)));
    }

    @Test
    void badArgumentsAreRejected() {
        assertEquals(List.of(1, 16), ServeBench.parseClients("1,16"));
        assertEquals(List.of(2, 4, 8), ServeBench.parseClients(" 2, 4 ,8"));
        for (String bad : new String[] {"1,0", "0", "-1", "1,,2", "a", "", "1;2", "100000"}) {
            InputException e = assertThrows(InputException.class, () -> ServeBench.parseClients(bad), bad);
            assertTrue(e.getMessage().startsWith("--clients "), e.getMessage());
        }
        assertEquals(Duration.ofSeconds(20), ServeBench.parseDuration("--duration", "20s"));
        assertEquals(Duration.ofSeconds(20), ServeBench.parseDuration("--duration", "20"));
        assertEquals(Duration.ofMillis(500), ServeBench.parseDuration("--duration", "500ms"));
        assertEquals(Duration.ofMillis(1500), ServeBench.parseDuration("--duration", "1.5s"));
        assertEquals(Duration.ofMinutes(2), ServeBench.parseDuration("--duration", "2m"));
        for (String bad : new String[] {"0s", "0", "-1s", "abc", "", "5h"}) {
            InputException e = assertThrows(InputException.class, () -> ServeBench.parseDuration("--duration", bad), bad);
            assertTrue(e.getMessage().startsWith("--duration "), e.getMessage());
        }
        assertThrows(InputException.class, () -> ServeBench.seconds("--seconds", 0, false));
        assertThrows(InputException.class, () -> ServeBench.seconds("--warmup-seconds", -1, true));
        assertEquals(Duration.ZERO, ServeBench.seconds("--warmup-seconds", 0, true));
        assertThrows(InputException.class, () -> ServeBench.parseUrl("localhost:8080"));
        assertThrows(InputException.class, () -> ServeBench.parseUrl("ftp://host:1"));
        assertEquals(URI.create("http://h:8080"), ServeBench.parseUrl("http://h:8080/"));
        assertEquals(URI.create("http://h:8080/predict/m"), ServeBench.predictUri(URI.create("http://h:8080"), "m"));

        assertThrows(InputException.class, () -> new ServeLoad.Options(server.predictUri(), IMAGES, 0, Duration.ZERO,
                Duration.ofSeconds(1), Duration.ofSeconds(1)));
        assertThrows(InputException.class, () -> new ServeLoad.Options(server.predictUri(), IMAGES, 1, Duration.ZERO,
                Duration.ZERO, Duration.ofSeconds(1)));
        assertThrows(InputException.class, () -> new ServeLoad.Options(server.predictUri(), List.of(), 1, Duration.ZERO,
                Duration.ofSeconds(1), Duration.ofSeconds(1)));
    }

    @Test
    void theCommandRejectsBadUsageWithOneLine(@TempDir Path dir) throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Path images = imageFolder(dir);
        Path model = Files.createDirectories(dir.resolve("model"));
        int closed = freePort();
        String[][] cases = {
            {"no image files under --images", "--model", model.toString(), "--images", empty.toString()},
            {"--clients must be", "--model", model.toString(), "--images", images.toString(), "--clients", "1,0"},
            {"--seconds must be more than 0", "--model", model.toString(), "--images", images.toString(), "--seconds", "0"},
            {"--duration must be", "--model", model.toString(), "--images", images.toString(), "--duration", "0s"},
            {"--duration and --seconds", "--model", model.toString(), "--images", images.toString(), "--duration", "1s", "--seconds", "1"},
            {"is unreachable", "--url", "http://127.0.0.1:" + closed, "--images", images.toString()},
            {"give the server", "--images", images.toString()},
            {"no model named 'nope'", "--url", server.base().toString(), "--images", images.toString(), "--model-name", "nope"},
            {"--max-batch configures", "--url", "http://127.0.0.1:" + closed, "--images", images.toString(), "--max-batch", "4"},
            {"--compare-predict needs --model", "--url", "http://127.0.0.1:" + closed, "--images", images.toString(), "--compare-predict"},
        };
        for (String[] c : cases) {
            List<String> args = new ArrayList<>(List.of("bench", "serve"));
            args.addAll(List.of(c).subList(1, c.length));
            Run r = ferry(args.toArray(String[]::new));
            assertEquals(2, r.code, String.join(" ", args) + ": " + r.err);
            // One error line, naming the problem (progress lines may come before it).
            List<String> errors = r.err.lines().filter(l -> l.startsWith("ferry: error: ")).toList();
            assertEquals(1, errors.size(), r.err);
            assertTrue(errors.get(0).contains(c[0]), c[0] + " in: " + r.err);
            assertEquals("", r.out);
        }
    }

    /** The whole command against a running server: one JSON object, a load per client count. */
    @Test
    void theCommandMeasuresARunningServer(@TempDir Path dir) throws IOException {
        Path images = imageFolder(dir);
        Run r = ferry("bench", "serve", "--url", server.base().toString(), "--pid", Long.toString(ProcessHandle.current().pid()),
                "--images", images.toString(), "--clients", "1,3", "--seconds", "0.4", "--warmup-seconds", "0.1", "--json");
        assertEquals(0, r.code, r.err);
        JsonObject o = JsonParser.parseString(r.out).getAsJsonObject();
        assertEquals(3, o.get("images").getAsInt());
        assertEquals(server.predictUri().toString(), o.get("target").getAsString());
        JsonArray loads = o.getAsJsonArray("loads");
        assertEquals(2, loads.size());
        for (int i = 0; i < 2; i++) {
            JsonObject l = loads.get(i).getAsJsonObject();
            assertEquals(i == 0 ? 1 : 3, l.get("clients").getAsInt());
            assertEquals(l.get("sent").getAsLong(), l.get("ok").getAsLong() + l.get("errors").getAsLong());
            assertTrue(l.get("ok").getAsLong() > 0);
            assertEquals(l.get("errors").getAsLong(), l.getAsJsonObject("errors_by_status").get("503").getAsLong());
            assertTrue(l.get("images_per_s").getAsDouble() > 0);
            assertTrue(l.getAsJsonObject("latency_ms").get("p99").getAsDouble() >= 3);
            assertTrue(l.get("server_peak_rss_mb").getAsDouble() > 0);
        }
        assertTrue(o.get("predict").isJsonNull());
        assertTrue(r.err.contains("bench serve: 3 clients:"), r.err);

        Run text = ferry("bench", "serve", "--url", server.base().toString(), "--images", images.toString(), "--clients", "2",
                "--seconds", "0.3", "--warmup-seconds", "0");
        assertEquals(0, text.code, text.err);
        assertTrue(text.out.contains("clients") && text.out.contains("p99 ms"), text.out);
        assertTrue(text.out.contains("errors at 2 clients: 503 x"), text.out);
        assertTrue(!text.out.contains("peak MiB: "), text.out);
    }

    /** A server child that prints its listening line, is loaded, and exits 0 after SIGTERM. */
    @Test
    void startsAndStopsAServerChild() {
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        ServeBench.Server s = ServeBench.Server.start(ServeBench.javaCommand(ChildServer.class.getName(), List.of()),
                Duration.ofSeconds(30), lines::add);
        try {
            assertTrue(s.url().toString().startsWith("http://127.0.0.1:"), s.url().toString());
            ServeBench.awaitReady(CLIENT, s.url(), Duration.ofSeconds(10), false);
            ServeLoad.Result r = ServeLoad.run(CLIENT, new ServeLoad.Options(ServeBench.predictUri(s.url(), "m"), IMAGES, 2,
                    Duration.ZERO, Duration.ofMillis(300), Duration.ofSeconds(10)));
            assertTrue(r.ok() > 0);
            assertTrue(ServeBench.procStatusMiB(s.pid(), "VmHWM:").orElse(0) > 0);
        } finally {
            assertEquals(0, s.stop());
        }
        assertEquals("exited 0 after SIGTERM", s.describeExit());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("server: ferry: listening on")), lines.toString());
    }

    @Test
    void aServerChildThatExitsEarlyIsReportedWithItsOutput() {
        FerryException e = assertThrows(FerryException.class, () -> ServeBench.Server.start(
                ServeBench.javaCommand(FailingChild.class.getName(), List.of()), Duration.ofSeconds(30), line -> { }));
        assertTrue(e.getMessage().contains("exited 3 before listening"), e.getMessage());
        assertTrue(e.getMessage().contains("no such model: m"), e.getMessage());
    }

    // ---- helpers ----

    private record Run(int code, String out, String err) {}

    private static Run ferry(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = FerryCli.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static Path imageFolder(Path dir) throws IOException {
        Path images = Files.createDirectories(dir.resolve("images/cat"));
        Files.write(images.resolve("1.jpg"), new byte[] {1, 2, 3});
        Files.write(images.resolve("2.png"), new byte[] {4, 5});
        Files.createDirectories(dir.resolve("images/dog"));
        Files.write(dir.resolve("images/dog/3.JPEG"), new byte[] {6});
        Files.write(dir.resolve("images/dog/notes.txt"), new byte[] {7});
        return dir.resolve("images");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * The server side of the contract: {@code /v2/health/ready} and {@code POST /predict/m}, which
     * sleeps a little and answers 200 except every 5th request, answered 503 with Retry-After.
     */
    static final class FakeServer implements AutoCloseable {
        final HttpServer http;
        final ExecutorService pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-serve");
            t.setDaemon(true);
            return t;
        });
        final AtomicLong received = new AtomicLong();
        final AtomicLong answered200 = new AtomicLong();
        final AtomicLong answered503 = new AtomicLong();
        final java.util.Set<Integer> bodies = java.util.concurrent.ConcurrentHashMap.newKeySet();

        FakeServer(int sleepMillis) throws IOException {
            http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            http.setExecutor(pool);
            http.createContext("/v2/health/ready", ex -> respond(ex, 200, "{\"ready\": true}"));
            http.createContext("/predict/m", ex -> {
                byte[] body = ex.getRequestBody().readAllBytes();
                bodies.add(body.length);
                long n = received.incrementAndGet();
                if (n % 5 == 0) {
                    answered503.incrementAndGet();
                    ex.getResponseHeaders().add("Retry-After", "1");
                    respond(ex, 503, "{\"error\": \"queue full\"}");
                    return;
                }
                try {
                    Thread.sleep(sleepMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                answered200.incrementAndGet();
                respond(ex, 200, "[{\"image\": \"upload\", \"top\": [{\"index\": 0, \"label\": \"cat\", \"probability\": 0.9}]}]");
            });
            http.start();
        }

        URI base() {
            return URI.create("http://127.0.0.1:" + http.getAddress().getPort());
        }

        URI predictUri() {
            return ServeBench.predictUri(base(), "m");
        }

        static void respond(HttpExchange ex, int status, String json) throws IOException {
            byte[] b = json.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(status, b.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(b);
            }
        }

        @Override
        public void close() {
            http.stop(0);
            pool.shutdownNow();
        }
    }

    /** A child JVM that behaves as {@code ferry serve} does: listening line on stderr, exit 0 after SIGTERM. */
    public static final class ChildServer {
        public static void main(String[] args) throws Exception {
            System.setProperty("sun.net.httpserver.nodelay", "true");
            FakeServer s = new FakeServer(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                s.http.stop(0);
                // After SIGTERM the JVM would exit 143; the contract is 0 once requests are answered.
                Runtime.getRuntime().halt(0);
            }));
            System.err.println("ferry: listening on " + s.base());
            System.err.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    /** A child JVM that fails before listening, as a server with a bad model would. */
    public static final class FailingChild {
        public static void main(String[] args) {
            System.err.println("ferry: error: no such model: m");
            System.exit(3);
        }
    }
}
