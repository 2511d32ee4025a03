package dev.ferry.bench;

import dev.ferry.FerryException;
import dev.ferry.InputException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A closed-loop HTTP load on one {@code POST /predict/{model}} endpoint: {@code clients} threads,
 * each sending the next image as soon as its previous answer arrived, for a warm-up period (not
 * counted) and then a measured one.
 *
 * <p>Why closed loop: it measures what the server sustains with {@code clients} requests in flight,
 * which is how its batching is meant to be used; an open-loop rate would need a guess of that rate
 * first. A request is counted when it starts inside the measured window, and the window closes when
 * the last counted request is answered, so no answer is cut off and throughput is {@code ok} over
 * that span.
 */
public final class ServeLoad {
    /**
     * How long a client waits after a 503 (queue full) before its next request, so that a full
     * queue is not hammered in a tight loop that would only burn the CPU the server needs.
     */
    static final Duration BUSY_BACKOFF = Duration.ofMillis(20);

    private ServeLoad() {}

    /** One image sent as a request body. */
    public record Image(String name, byte[] bytes, String contentType) {
        public Image {
            if (bytes == null || bytes.length == 0) {
                throw new InputException("image " + name + " is empty");
            }
        }
    }

    /**
     * One load.
     *
     * @param target the endpoint, e.g. {@code http://127.0.0.1:8080/predict/m}
     * @param images the request bodies, sent round robin across all clients
     * @param clients concurrent clients, at least 1
     * @param warmup the uncounted period first (0 for none)
     * @param duration the measured period, more than 0
     * @param requestTimeout how long one request may take before it counts as an error
     */
    public record Options(URI target, List<Image> images, int clients, Duration warmup, Duration duration,
                          Duration requestTimeout) {
        public Options {
            images = List.copyOf(images);
            if (images.isEmpty()) {
                throw new InputException("no image to send");
            }
            if (clients < 1) {
                throw new InputException("the client count must be at least 1, got " + clients);
            }
            if (warmup.isNegative()) {
                throw new InputException("the warm-up must be 0 or more, got " + warmup.toMillis() / 1e3 + " s");
            }
            if (duration.isNegative() || duration.isZero()) {
                throw new InputException("the duration must be more than 0, got " + duration.toMillis() / 1e3 + " s");
            }
        }
    }

    /**
     * What one load measured.
     *
     * @param clients concurrent clients
     * @param sent requests counted (started inside the measured window)
     * @param ok of those, the ones answered 200
     * @param errorsByStatus the others by cause: the HTTP status ({@code "503"}), {@code "timeout"}
     *     or {@code "io"} (no answer: connection refused or reset); the counts add up to
     *     {@code sent - ok}
     * @param firstError the first error seen, for the report ({@code 404 {"error": ...}}), or null
     * @param seconds the measured span: from the window's start to the last counted answer
     * @param latencyMillis the latency of every ok request in milliseconds, sorted
     */
    public record Result(int clients, long sent, long ok, Map<String, Long> errorsByStatus, String firstError,
                         double seconds, double[] latencyMillis) {
        public Result {
            errorsByStatus = Map.copyOf(new TreeMap<>(errorsByStatus));
        }

        /** Requests that were not answered 200. */
        public long errors() {
            return sent - ok;
        }

        /** Ok requests per second: images per second, one image being one request. */
        public double throughput() {
            return seconds > 0 ? ok / seconds : 0;
        }

        /** The nearest-rank percentile {@code p} (0 to 100] of the ok latencies in ms, NaN if none. */
        public double latencyPercentile(double p) {
            return nearestRank(latencyMillis, p);
        }

        /** The slowest ok request in ms, NaN if none. */
        public double maxLatency() {
            return latencyMillis.length == 0 ? Double.NaN : latencyMillis[latencyMillis.length - 1];
        }

        /** The mean ok latency in ms, NaN if none. */
        public double meanLatency() {
            return latencyMillis.length == 0 ? Double.NaN : Arrays.stream(latencyMillis).average().orElse(Double.NaN);
        }
    }

    /**
     * The nearest-rank percentile of sorted values: the smallest value that at least {@code p}
     * percent of the values do not exceed, i.e. {@code sorted[ceil(p / 100 * n) - 1]} (the first
     * value for p = 0). NaN for no values.
     */
    static double nearestRank(double[] sorted, double p) {
        if (p < 0 || p > 100 || Double.isNaN(p)) {
            throw new IllegalArgumentException("percentile out of [0, 100]: " + p);
        }
        if (sorted.length == 0) {
            return Double.NaN;
        }
        // The small tolerance keeps p = 95 of 100 values at rank 95 despite 0.95 * 100 = 95.00000000000001.
        int rank = (int) Math.ceil(p / 100 * sorted.length - 1e-9);
        return sorted[Math.max(1, Math.min(sorted.length, rank)) - 1];
    }

    /**
     * Runs the load and returns what it measured; blocks for about the warm-up plus the duration.
     *
     * @param client the HTTP client all threads share (HTTP/1.1 keeps one connection per client
     *     thread alive)
     */
    public static Result run(HttpClient client, Options o) {
        long start = System.nanoTime();
        long windowStart = start + o.warmup().toNanos();
        long windowEnd = windowStart + o.duration().toNanos();
        AtomicLong next = new AtomicLong();
        // Requests are immutable: one per image, shared by all clients.
        List<HttpRequest> requests = new ArrayList<>(o.images().size());
        for (Image image : o.images()) {
            requests.add(HttpRequest.newBuilder(o.target())
                    .timeout(o.requestTimeout())
                    .header("Content-Type", image.contentType())
                    .POST(HttpRequest.BodyPublishers.ofByteArray(image.bytes()))
                    .build());
        }
        Client[] clients = new Client[o.clients()];
        Thread[] threads = new Thread[o.clients()];
        for (int i = 0; i < clients.length; i++) {
            clients[i] = new Client(client, o, requests, next, windowStart, windowEnd);
            threads[i] = new Thread(clients[i], "ferry-load-" + i);
            threads[i].setDaemon(true);
            threads[i].start();
        }
        try {
            for (Thread t : threads) {
                t.join();
            }
        } catch (InterruptedException e) {
            for (Thread t : threads) {
                t.interrupt();
            }
            Thread.currentThread().interrupt();
            throw new FerryException("interrupted during the load at " + o.clients() + " clients", e);
        }
        long sent = 0;
        long ok = 0;
        // Never shorter than the window: a load whose requests all ended early still lasted that long.
        // (nanoTime values are compared by difference: they may be negative.)
        long lastAnswer = windowEnd;
        Map<String, Long> errors = new TreeMap<>();
        String firstError = null;
        long firstErrorAt = 0;
        int latencies = 0;
        for (Client c : clients) {
            if (c.failure != null) {
                throw new FerryException("a load client failed at " + o.clients() + " clients: " + c.failure, c.failure);
            }
            sent += c.sent;
            ok += c.ok;
            if (c.sent > 0 && c.lastAnswer - lastAnswer > 0) {
                lastAnswer = c.lastAnswer;
            }
            c.errors.forEach((k, v) -> errors.merge(k, v, Long::sum));
            if (c.firstError != null && (firstError == null || c.firstErrorAt - firstErrorAt < 0)) {
                firstError = c.firstError;
                firstErrorAt = c.firstErrorAt;
            }
            latencies += c.latencyCount;
        }
        double[] millis = new double[latencies];
        int k = 0;
        for (Client c : clients) {
            for (int i = 0; i < c.latencyCount; i++) {
                millis[k++] = c.latencyNanos[i] / 1e6;
            }
        }
        Arrays.sort(millis);
        double seconds = (lastAnswer - windowStart) / 1e9;
        return new Result(o.clients(), sent, ok, errors, firstError, seconds, millis);
    }

    /** One client thread: its own counts, merged once all have finished, so the loop shares nothing but the image index. */
    private static final class Client implements Runnable {
        private final HttpClient http;
        private final Options o;
        private final AtomicLong next;
        private final long windowStart;
        private final long windowEnd;
        private final List<HttpRequest> requests;

        long sent;
        long ok;
        long lastAnswer;
        final Map<String, Long> errors = new TreeMap<>();
        String firstError;
        long firstErrorAt;
        long[] latencyNanos = new long[1024];
        int latencyCount;
        Throwable failure;

        Client(HttpClient http, Options o, List<HttpRequest> requests, AtomicLong next, long windowStart, long windowEnd) {
            this.http = http;
            this.o = o;
            this.requests = requests;
            this.next = next;
            this.windowStart = windowStart;
            this.windowEnd = windowEnd;
        }

        @Override
        public void run() {
            try {
                loop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException | Error e) {
                failure = e;
            }
        }

        private void loop() throws InterruptedException {
            while (true) {
                long t0 = System.nanoTime();
                if (t0 - windowEnd >= 0) {
                    return;
                }
                boolean counted = t0 - windowStart >= 0;
                HttpRequest request = requests.get((int) Math.floorMod(next.getAndIncrement(), (long) requests.size()));
                String error = null;
                String detail = null;
                int status = 0;
                try {
                    HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
                    status = response.statusCode();
                    if (status != 200) {
                        error = Integer.toString(status);
                        detail = status + " " + shorten(new String(response.body(), StandardCharsets.UTF_8));
                    }
                } catch (HttpTimeoutException e) {
                    error = "timeout";
                    detail = "no answer within " + o.requestTimeout().toMillis() / 1e3 + " s";
                } catch (IOException e) {
                    error = "io";
                    detail = "no answer: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
                }
                long t1 = System.nanoTime();
                if (counted) {
                    sent++;
                    lastAnswer = t1;
                    if (error == null) {
                        ok++;
                        record(t1 - t0);
                    } else {
                        errors.merge(error, 1L, Long::sum);
                        if (firstError == null) {
                            firstError = detail;
                            firstErrorAt = t1;
                        }
                    }
                }
                if (status == 503 || "io".equals(error)) {
                    Thread.sleep(BUSY_BACKOFF.toMillis());
                }
            }
        }

        private void record(long nanos) {
            if (latencyCount == latencyNanos.length) {
                latencyNanos = Arrays.copyOf(latencyNanos, latencyNanos.length * 2);
            }
            latencyNanos[latencyCount++] = nanos;
        }
    }

    /** An error body on one line, at most 200 characters. */
    static String shorten(String body) {
        String s = body.replaceAll("\\s+", " ").trim();
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
