package dev.ferry.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.ferry.FerryException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Downloads from an HTTP server on the loopback interface only. */
class WeightsCacheTest {

    @TempDir
    Path cacheDir;

    private final byte[] payload = new byte[300_000];
    private final AtomicInteger requests = new AtomicInteger();
    private final ByteArrayOutputStream progressBytes = new ByteArrayOutputStream();
    private final PrintStream progress = new PrintStream(progressBytes, true, StandardCharsets.UTF_8);
    /** Lets a deliberately stalled handler finish, so stopping the server does not wait for it. */
    private final CountDownLatch release = new CountDownLatch(1);
    private HttpServer server;
    private URI base;

    @BeforeEach
    void startServer() throws IOException {
        new Random(5).nextBytes(payload);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/models/", exchange -> {
            requests.incrementAndGet();
            String name = exchange.getRequestURI().getPath().substring("/models/".length());
            if (!name.startsWith("tiny-")) {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
                return;
            }
            exchange.sendResponseHeaders(200, payload.length);
            try (OutputStream body = exchange.getResponseBody()) {
                body.write(payload);
            }
        });
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/models/");
    }

    @AfterEach
    void stopServer() {
        release.countDown();
        server.stop(0);
    }

    private WeightsCache cache(URI from) {
        return new WeightsCache(cacheDir, from, progress, Duration.ofSeconds(5));
    }

    private String sha256() throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(payload));
    }

    @Test
    void downloadsVerifiesAndThenServesFromTheCache() throws Exception {
        String prefix = sha256().substring(0, 8);
        WeightsCache cache = cache(base);

        Path path = cache.resolve("tiny-" + prefix + ".pth", prefix);

        assertEquals(cacheDir.resolve("weights/tiny-" + prefix + ".pth"), path);
        assertArrayEquals(payload, Files.readAllBytes(path));
        String drawn = progressBytes.toString(StandardCharsets.UTF_8);
        assertTrue(drawn.contains("100%"), drawn);
        assertTrue(drawn.contains("Downloading tiny-" + prefix + ".pth ["), drawn);
        assertEquals(1, requests.get());

        assertEquals(path, cache.resolve("tiny-" + prefix + ".pth", prefix));
        assertEquals(1, requests.get(), "second resolve uses the cached, verified file");
        try (Stream<Path> files = Files.list(path.getParent())) {
            assertEquals(List.of(path.getFileName() + "", path.getFileName() + ".sha256"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary files left");
        }
    }

    @Test
    void aFilePlacedByHandIsVerifiedNotDownloaded() throws Exception {
        String prefix = sha256().substring(0, 10);
        WeightsCache cache = cache(base);
        Path target = cache.pathFor("tiny-manual.pth");
        Files.createDirectories(target.getParent());
        Files.write(target, payload);

        assertEquals(target, cache.resolve("tiny-manual.pth", prefix));
        assertEquals(0, requests.get());
    }

    @Test
    void hashMismatchIsRefusedAndNothingIsLeftBehind() throws Exception {
        WeightsCache cache = cache(base);
        String wrong = sha256().startsWith("0") ? "1234abcd" : "0123abcd";

        FerryException e = assertThrows(FerryException.class, () -> cache.resolve("tiny-0123abcd.pth", wrong));

        assertTrue(e.getMessage().contains("does not start with " + wrong), e.getMessage());
        assertTrue(e.getMessage().contains(sha256()), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        try (Stream<Path> files = Files.list(cacheDir.resolve("weights"))) {
            assertEquals(List.of(), files.toList(), "neither the file nor a temporary copy remains");
        }
    }

    @Test
    void unreachableServerSaysWhatToFetchAndWhereToPutIt() throws Exception {
        // A port that was just free: nothing listens there any more, so the connection is refused.
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        URI dead = URI.create("http://127.0.0.1:" + port + "/models/");
        WeightsCache cache = cache(dead);
        KnownWeights weights = KnownWeights.RESNET18_IMAGENET1K_V1;

        FerryException e = assertThrows(FerryException.class, () -> cache.resolve(weights));

        String message = e.getMessage();
        assertTrue(message.startsWith("cannot download http://127.0.0.1:" + port + "/models/resnet18-f37072fd.pth ("), message);
        assertTrue(message.endsWith("download it yourself and save it as " + cacheDir.resolve("weights/resnet18-f37072fd.pth")), message);
        assertFalse(message.contains("\n"), message);
        assertFalse(e instanceof dev.ferry.InputException, "a failed download is a failure while working (exit 1), not bad input");
        try (Stream<Path> files = Files.list(cacheDir.resolve("weights"))) {
            assertEquals(List.of(), files.toList());
        }
    }

    @Test
    void aServerThatNeverAnswersTimesOut() throws Exception {
        // Listening but never accepting: the connection succeeds (backlog), no response ever comes.
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            URI uri = URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/models/");
            WeightsCache cache = new WeightsCache(cacheDir, uri, progress, Duration.ofMillis(500));
            FerryException e = assertThrows(FerryException.class, () -> cache.resolve("tiny-00.pth", "00"));
            assertTrue(e.getMessage().startsWith("cannot download " + uri + "tiny-00.pth ("), e.getMessage());
        }
    }

    @Test
    void aStalledBodyIsAbandoned() throws Exception {
        server.createContext("/slow/", exchange -> {
            exchange.sendResponseHeaders(200, payload.length);
            OutputStream body = exchange.getResponseBody();
            body.write(payload, 0, 1000);
            body.flush();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        URI slow = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/slow/");
        WeightsCache cache = new WeightsCache(cacheDir, slow, progress, Duration.ofMillis(400));

        FerryException e = assertThrows(FerryException.class, () -> cache.resolve("tiny-00.pth", "00"));

        assertTrue(e.getMessage().contains("(no data for 400 ms after 1000 bytes)"), e.getMessage());
        try (Stream<Path> files = Files.list(cacheDir.resolve("weights"))) {
            assertEquals(List.of(), files.toList());
        }
    }

    @Test
    void httpErrorIsReportedWithTheUrl() {
        FerryException e = assertThrows(FerryException.class, () -> cache(base).resolve(KnownWeights.RESNET34_IMAGENET1K_V1));
        assertTrue(e.getMessage().contains(base + "resnet34-b627a593.pth (HTTP status 404)"), e.getMessage());
    }

    @Test
    void defaultDirectoryHonoursFerryCache() {
        assertEquals(Path.of("/data/ferry"), WeightsCache.defaultDirectory(Map.of("FERRY_CACHE", "/data/ferry"), "/home/u"));
        assertEquals(Path.of("/home/u/.cache/ferry"), WeightsCache.defaultDirectory(Map.of(), "/home/u"));
        assertEquals(Path.of("/home/u/.cache/ferry"), WeightsCache.defaultDirectory(Map.of("FERRY_CACHE", " "), "/home/u"));
        assertEquals(Path.of("/c/weights/resnet50-11ad3fa6.pth"),
                new WeightsCache(Path.of("/c"), progress).pathFor(KnownWeights.RESNET50_IMAGENET1K_V2));
    }

    @Test
    void progressBar() {
        assertEquals("Downloading f.pth [===============>              ]  50%    1.0/2.0 MB",
                WeightsCache.bar("f.pth", 1_000_000, 2_000_000));
        assertEquals("Downloading f.pth [==============================] 100%    2.0/2.0 MB",
                WeightsCache.bar("f.pth", 2_000_000, 2_000_000));
        assertEquals("Downloading f.pth 3.5 MB", WeightsCache.bar("f.pth", 3_500_000, -1));
    }
}
