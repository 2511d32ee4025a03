package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonParser;
import dev.ferry.train.TinyTask;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
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
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry serve} as a process: its answers are {@code ferry predict --json}'s, SIGTERM answers
 * what is in flight and exits 0, and 2,000 requests do not grow its memory. The model is one
 * {@code ferry train} writes for the tiny task.
 */
class ServeCommandTest {
    @TempDir
    static Path dir;
    static Path model;
    static List<Path> images;
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void train() throws IOException {
        TinyTask task = TinyTask.create(dir);
        model = dir.resolve("model");
        CliHarness.Result r = CliHarness.run(task.trainArgs(model, "--epochs", "1", "--seed", "1"));
        assertEquals(0, r.code(), r.err());
        images = new ArrayList<>();
        for (String name : List.of("waves_300x260.png", "rings_240x320.png")) {
            Path p = dir.resolve(name);
            try (InputStream in = ServeCommandTest.class.getResourceAsStream("/predict/" + name)) {
                Files.copy(in, p);
            }
            images.add(p);
        }
        try (var files = Files.list(task.data().resolve("checker"))) {
            files.sorted().limit(2).forEach(images::add);
        }
    }

    /** A {@code ferry serve} child process, ready once it printed its address. */
    record Server(Process process, URI uri, LinkedBlockingQueue<String> log, Thread reader) implements AutoCloseable {
        static Server start(List<String> jvmOptions, String... args) throws IOException, InterruptedException {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            cmd.addAll(jvmOptions);
            cmd.addAll(List.of("-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), FerryCli.class.getName(),
                    "serve", "--port", "0"));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            LinkedBlockingQueue<String> log = new LinkedBlockingQueue<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        log.add(line);
                    }
                } catch (IOException e) {
                    // the process ended
                }
            });
            reader.setDaemon(true);
            reader.start();
            List<String> seen = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < deadline) {
                String line = log.poll(1, TimeUnit.SECONDS);
                if (line == null) {
                    if (!p.isAlive()) {
                        break;
                    }
                    continue;
                }
                seen.add(line);
                if (line.startsWith("ferry: listening on ")) {
                    return new Server(p, URI.create(line.substring("ferry: listening on ".length()) + "/"), log, reader);
                }
            }
            p.destroyForcibly();
            throw new AssertionError("ferry serve did not start: " + String.join("\n", seen));
        }

        long rssKiB() throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            throw new AssertionError("no VmRSS for " + process.pid());
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    static HttpResponse<String> post(URI base, Path image) throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(base.resolve("predict/m?top_k=3&name=" + image.getFileName()))
                .POST(HttpRequest.BodyPublishers.ofFile(image)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void answersAreFerryPredictsAndSigtermAnswersWhatIsInFlightThenExits0() throws Exception {
        List<String> args = new ArrayList<>(List.of("predict", "--model", model.toString(), "--json", "--top-k", "3"));
        images.forEach(p -> args.add(p.toString()));
        CliHarness.Result predicted = CliHarness.run(args.toArray(String[]::new));
        assertEquals(0, predicted.code(), predicted.err());
        JsonArray expected = JsonParser.parseString(predicted.out()).getAsJsonArray();

        try (Server s = Server.start(List.of(), "--model", "m=" + model)) {
            for (int i = 0; i < images.size(); i++) {
                HttpResponse<String> r = post(s.uri(), images.get(i));
                assertEquals(200, r.statusCode(), r.body());
                assertEquals(expected.get(i).getAsJsonObject().get("top"),
                        JsonParser.parseString(r.body()).getAsJsonArray().get(0).getAsJsonObject().get("top"), images.get(i).toString());
            }

            // And concurrent clients at full speed throughout.
            AtomicInteger ok = new AtomicInteger();
            AtomicInteger wrong = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<?>> clients = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                clients.add(pool.submit(() -> {
                    while (true) {
                        HttpResponse<String> r;
                        try {
                            r = post(s.uri(), images.get(0));
                        } catch (IOException e) {
                            return null; // the port closed: the stop has begun
                        }
                        if (r.statusCode() == 200) {
                            ok.incrementAndGet();
                        } else if (r.statusCode() != 503) {
                            wrong.incrementAndGet();
                        }
                    }
                }));
            }
            Thread.sleep(1000);
            // Requests surely in flight when the signal comes: their headers and half their
            // bodies are sent, the rest only after SIGTERM.
            byte[] image = Files.readAllBytes(images.get(0));
            List<Socket> half = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Socket sock = new Socket(s.uri().getHost(), s.uri().getPort());
                sock.setSoTimeout(30_000);
                OutputStream out = sock.getOutputStream();
                out.write(("POST /predict/m?top_k=3 HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: " + image.length
                        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(image, 0, image.length / 2);
                out.flush();
                half.add(sock);
            }
            // Time for the server to take them up: a request whose headers arrive after the stop
            // began is refused (503), as it should be. Generous, as the server shares two cores with
            // eight clients at full speed, but well inside the stop's 3 s idle timeout, which counts
            // from the last byte these connections sent.
            Thread.sleep(1500);
            // SIGTERM through the handle: Process.destroy would also close our end of its output.
            s.process().toHandle().destroy();
            Thread.sleep(300);
            for (Socket sock : half) {
                sock.getOutputStream().write(image, image.length / 2, image.length - image.length / 2);
                sock.getOutputStream().flush();
            }
            for (Socket sock : half) {
                String answer = new String(sock.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
                assertTrue(answer.contains("\"top\""), answer);
                sock.close();
            }
            for (Future<?> f : clients) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertTrue(s.process().waitFor(60, TimeUnit.SECONDS), "exits after SIGTERM");
            s.reader().join(10_000);
            assertEquals(0, s.process().exitValue(), String.join("\n", s.log()));
            assertEquals(0, wrong.get(), "only 200, or 503 once stopping");
            assertTrue(ok.get() > 0);
            assertTrue(s.log().contains("ferry: stopped"), s.log().toString());
        }
    }

    @Test
    void twoThousandRequestsDoNotGrowItsMemory() throws Exception {
        // The heap's pages all resident from the start (-Xms = -Xmx, pre-touched): what grows after
        // the first 200 requests is memory the server holds on to, not a heap still expanding.
        try (Server s = Server.start(List.of("-Xms160m", "-Xmx160m", "-XX:+AlwaysPreTouch", "-XX:+UseParallelGC"),
                "--model", "m=" + model)) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            AtomicInteger failures = new AtomicInteger();
            long[] rss = new long[2];
            int sent = 0;
            for (int phase : new int[] {200, 1800}) {
                List<Future<?>> batch = new ArrayList<>();
                for (int i = 0; i < phase; i++) {
                    Path image = images.get((sent + i) % images.size());
                    batch.add(pool.submit(() -> {
                        if (post(s.uri(), image).statusCode() != 200) {
                            failures.incrementAndGet();
                        }
                        return null;
                    }));
                }
                for (Future<?> f : batch) {
                    f.get();
                }
                sent += phase;
                rss[phase == 200 ? 0 : 1] = s.rssKiB();
            }
            pool.shutdown();
            assertEquals(0, failures.get());
            System.err.printf("ferry serve RSS: %d KiB after 200 requests, %d KiB after 2000 (%+.1f%%)%n", rss[0], rss[1],
                    100.0 * (rss[1] - rss[0]) / rss[0]);
            assertTrue(rss[1] <= rss[0] * 1.10, "RSS " + rss[0] + " KiB after 200 requests, " + rss[1] + " KiB after 2000");
        }
    }

    @Test
    void badOptionsAreUsageErrors() throws IOException {
        CliHarness.Result r = CliHarness.run("serve", "--model", dir.resolve("absent").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("no such folder"), r.err());
        r = CliHarness.run("serve", "--model", "bad name=" + model);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("model name 'bad name'"), r.err());
        r = CliHarness.run("serve", "--model", "m=" + model, "--token-file", dir.resolve("none.txt").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("none.txt: no such file"), r.err());
        Path empty = Files.writeString(dir.resolve("empty.txt"), "\n");
        r = CliHarness.run("serve", "--model", "m=" + model, "--token-file", empty.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("first line is empty"), r.err());
        r = CliHarness.run("serve", "--model", "m=" + model, "--max-batch", "0");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("batch size must be at least 1"), r.err());
        assertEquals(List.of("model"), Arrays.stream(new String[] {ServeCommand.parseModels(List.of(model.toString())).get(0).name()})
                .toList());
    }
}
