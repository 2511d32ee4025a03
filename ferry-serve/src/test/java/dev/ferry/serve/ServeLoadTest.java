package dev.ferry.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Concurrent clients: batched together, all answered; a flood fills the queue and gets 503 at once. */
class ServeLoadTest {
    @TempDir
    Path dir;

    @Test
    void sixteenConcurrentClientsAreBatchedAndAllAnswered() throws Exception {
        Path model = ServeFixture.model(dir.resolve("model"), 3);
        List<Path> images = ServeFixture.images(dir.resolve("images"));
        ServeOptions o = ServeOptions.defaults(List.of(new ServeOptions.Model("m", model))).withAddress("127.0.0.1", 0);
        try (FerryServer server = FerryServer.start(o, line -> {})) {
            Http http = new Http(server.uri());
            // Each image's answer alone, then the same images from 16 clients at once: the same JSON.
            Map<Path, String> alone = new ConcurrentHashMap<>();
            for (Path p : images) {
                alone.put(p, http.postImage("/predict/m", Files.readAllBytes(p)).body());
            }
            int clients = 16;
            int perClient = 12;
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            List<Future<Integer>> done = new ArrayList<>();
            AtomicInteger wrong = new AtomicInteger();
            for (int c = 0; c < clients; c++) {
                int id = c;
                done.add(pool.submit(() -> {
                    int ok = 0;
                    for (int i = 0; i < perClient; i++) {
                        Path p = images.get((id + i) % images.size());
                        HttpResponse<String> r = http.postImage("/predict/m", Files.readAllBytes(p));
                        if (r.statusCode() == 200) {
                            ok++;
                            if (!r.body().equals(alone.get(p))) {
                                wrong.incrementAndGet();
                            }
                        }
                    }
                    return ok;
                }));
            }
            int ok = 0;
            for (Future<Integer> f : done) {
                ok += f.get();
            }
            pool.shutdown();
            assertEquals(clients * perClient, ok, "every request of every client is answered");
            assertEquals(0, wrong.get(), "an image batched with others gets the answer it gets alone");

            String metrics = http.get("/metrics").body();
            long batches = (long) value(metrics, "ferry_batch_size_count{model=\"m\"}");
            long single = (long) value(metrics, "ferry_batch_size_bucket{model=\"m\",le=\"1.0\"}");
            assertEquals(clients * perClient + images.size(), (long) value(metrics, "ferry_images_total{model=\"m\"}"));
            assertTrue(batches > single, "some batches hold more than one image: " + single + " of " + batches + " hold one");
            assertTrue(batches < clients * perClient, batches + " batches for " + clients * perClient + " concurrent requests");
            assertEquals(clients * perClient + images.size(),
                    (long) value(metrics, "ferry_requests_total{endpoint=\"predict\",model=\"m\",status=\"200\"}"));
            assertEquals(0.0, value(metrics, "ferry_queue_depth{model=\"m\"}"));
            assertTrue(value(metrics, "ferry_images_per_second{model=\"m\"}") > 0);
        }
    }

    @Test
    void aFullQueueAnswers503WithRetryAfterAtOnceWhileAnotherModelKeepsAnswering() throws Exception {
        Path flooded = ServeFixture.model(dir.resolve("flooded"), 3);
        Path quiet = ServeFixture.model(dir.resolve("quiet"), 4);
        List<Path> images = ServeFixture.images(dir.resolve("images"));
        byte[] image = Files.readAllBytes(images.get(0));
        // A queue of 4 images; each flood request brings 4: while one waits, the next is refused.
        ServeOptions o = ServeOptions.defaults(List.of(new ServeOptions.Model("flooded", flooded),
                        new ServeOptions.Model("quiet", quiet))).withAddress("127.0.0.1", 0)
                .withBatching(1, Duration.ZERO, 4);
        try (FerryServer server = FerryServer.start(o, line -> {})) {
            Http http = new Http(server.uri());
            ExecutorService pool = Executors.newFixedThreadPool(13);
            List<Future<int[]>> flood = new ArrayList<>();
            for (int c = 0; c < 12; c++) {
                flood.add(pool.submit(() -> {
                    int[] counts = new int[3]; // 200, 503 with Retry-After, other
                    for (int i = 0; i < 6; i++) {
                        long t0 = System.nanoTime();
                        HttpResponse<String> r = http.postFiles("/predict/flooded", List.of("a.png", "b.png", "c.png", "d.png"),
                                List.of(image, image, image, image));
                        if (r.statusCode() == 200) {
                            counts[0]++;
                        } else if (r.statusCode() == 503 && r.headers().firstValue("Retry-After").isPresent()
                                && JsonParser.parseString(r.body()).getAsJsonObject().get("error").getAsString().contains("full")) {
                            counts[1]++;
                        } else {
                            counts[2]++;
                        }
                    }
                    return counts;
                }));
            }
            Http quietClient = new Http(server.uri());
            Future<Integer> good = pool.submit(() -> {
                int ok = 0;
                for (int i = 0; i < 10; i++) {
                    ok += quietClient.postImage("/predict/quiet", image).statusCode() == 200 ? 1 : 0;
                }
                return ok;
            });
            int[] total = new int[3];
            for (Future<int[]> f : flood) {
                int[] c = f.get();
                for (int i = 0; i < 3; i++) {
                    total[i] += c[i];
                }
            }
            pool.shutdown();
            assertEquals(0, total[2], "only 200 and 503 with Retry-After");
            assertTrue(total[1] > 0, "the flood filled the queue: " + total[0] + " answered, " + total[1] + " refused");
            assertTrue(total[0] > 0, "and the queue still served: " + total[0] + " answered");
            assertEquals(10, good.get(), "the other model's queue is its own");
            // A request larger than the whole queue can never fit: 413, not 503.
            HttpResponse<String> huge = http.postFiles("/predict/flooded", List.of("1.png", "2.png", "3.png", "4.png", "5.png"),
                    List.of(image, image, image, image, image));
            assertEquals(413, huge.statusCode(), huge.body());
            assertEquals(200, http.postImage("/predict/flooded", image).statusCode(), "after the flood, answers again");
        }
    }

    static double value(String metrics, String series) {
        Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(metrics);
        assertTrue(m.find(), "no series " + series + " in\n" + metrics);
        return Double.parseDouble(m.group(1));
    }
}
