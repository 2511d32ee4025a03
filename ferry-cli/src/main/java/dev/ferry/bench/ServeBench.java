package dev.ferry.bench;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.ferry.FerryException;
import dev.ferry.InputException;
import dev.ferry.model.InferenceNetwork;
import dev.ferry.train.Predictor;
import dev.ferry.workflow.Networks;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ferry bench serve}: the HTTP server's throughput, latency and memory under load at several
 * client counts, next to folder prediction on the same machine.
 *
 * <p>Without a URL it starts the server itself, in a child JVM on this JVM's class path ({@code
 * ferry serve} on a free port), so that the server's peak RSS ({@code VmHWM}) is its own and the
 * load generator's threads do not share its heap; it stops it with SIGTERM at the end and reports
 * how it exited, which checks the graceful shutdown too. Folder prediction, when compared, runs in
 * a child JVM of its own before the server starts, so the two never compete for the CPU.
 */
public final class ServeBench {
    /** The main class the children run. */
    static final String MAIN_CLASS = "dev.ferry.cli.FerryCli";
    /** The model name the started server is given. */
    public static final String MODEL_NAME = "m";
    /** Images per forward pass of the compared folder prediction. */
    public static final int PREDICT_BATCH = 16;
    /** The line the server prints on stderr once it accepts requests. */
    static final Pattern LISTENING = Pattern.compile("ferry: listening on (https?://\\S+)");
    /** How long the server may take to exit after SIGTERM before it is killed. */
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    /** Server output lines passed on to the progress once it is ready (it may log every request). */
    static final int FORWARDED_LINES = 50;

    private final Options options;
    private final Consumer<String> progress;

    /**
     * What to measure.
     *
     * @param model the model folder the started server serves and folder prediction uses; null with
     *     {@code url} and without {@code comparePredict}
     * @param modelName the model's name in the server's URL ({@code /predict/NAME})
     * @param images the folder of images sent (searched recursively)
     * @param clients the client counts, one load each, in this order
     * @param warmup the uncounted period before each load
     * @param duration the measured period of each load
     * @param url a running server to target, or null to start one
     * @param pid the process id of the server at {@code url}, for its RSS; null if unknown
     * @param maxBatch the started server's {@code --max-batch}, or null for its default
     * @param maxDelayMs the started server's {@code --max-delay-ms}, or null for its default
     * @param serverArgs further arguments for the started server's {@code ferry serve}
     * @param comparePredict whether to measure folder prediction over the same images too
     * @param startupTimeout how long the server may take to become ready
     * @param requestTimeout how long one request may take before it counts as an error
     */
    public record Options(Path model, String modelName, Path images, List<Integer> clients, Duration warmup,
                          Duration duration, URI url, Long pid, Integer maxBatch, Integer maxDelayMs,
                          List<String> serverArgs, boolean comparePredict, Duration startupTimeout,
                          Duration requestTimeout) {
        /** Validates the combination; each message names the flag at fault. */
        public Options {
            serverArgs = List.copyOf(serverArgs);
            clients = List.copyOf(clients);
            if (images == null) {
                throw new InputException("--images DIR is required: the images to send");
            }
            if (clients.isEmpty()) {
                throw new InputException("--clients needs at least one count, such as 1,16");
            }
            for (int c : clients) {
                if (c < 1) {
                    throw new InputException("--clients must be counts of at least 1, got " + c);
                }
            }
            if (duration == null || duration.isNegative() || duration.isZero()) {
                throw new InputException("--duration must be more than 0, got " + seconds(duration) + " s");
            }
            if (warmup == null || warmup.isNegative()) {
                throw new InputException("--warmup-seconds must be 0 or more, got " + seconds(warmup) + " s");
            }
            if (modelName == null || modelName.isBlank() || modelName.contains("/")) {
                throw new InputException("--model-name must be a name without '/', got '" + modelName + "'");
            }
            if (url == null) {
                if (model == null) {
                    throw new InputException("give the server: --model DIR to start one, or --url of a running one");
                }
                if (pid != null) {
                    throw new InputException("--pid is for a server given by --url; the started server's is known");
                }
            } else {
                if (maxBatch != null || maxDelayMs != null || !serverArgs.isEmpty()) {
                    throw new InputException((maxBatch != null ? "--max-batch" : maxDelayMs != null ? "--max-delay-ms" : "--server-arg")
                            + " configures the server this command starts; set it on the server at --url instead");
                }
                if (comparePredict && model == null) {
                    throw new InputException("--compare-predict needs --model DIR: the model the server at --url serves");
                }
            }
            if (maxBatch != null && maxBatch < 1) {
                throw new InputException("--max-batch must be at least 1, got " + maxBatch);
            }
            if (maxDelayMs != null && maxDelayMs < 0) {
                throw new InputException("--max-delay-ms must be 0 or more, got " + maxDelayMs);
            }
            if (pid != null && pid < 1) {
                throw new InputException("--pid must be a process id, got " + pid);
            }
            if (model != null && !Files.isDirectory(model)) {
                throw new InputException("--model is not a folder: " + model);
            }
            if (!Files.isDirectory(images)) {
                throw new InputException("--images is not a folder: " + images);
            }
        }
    }

    /**
     * @param progress receives a line per step (stderr in the CLI)
     */
    public ServeBench(Options options, Consumer<String> progress) {
        this.options = options;
        this.progress = progress;
    }

    /** The client counts of {@code --clients}: positive integers separated by commas, e.g. {@code 1,4,16}. */
    public static List<Integer> parseClients(String list) {
        List<Integer> out = new ArrayList<>();
        for (String part : (list == null ? "" : list).split(",", -1)) {
            int n;
            try {
                n = Integer.parseInt(part.trim());
            } catch (NumberFormatException e) {
                throw new InputException("--clients must be counts separated by commas, such as 1,16; got '" + list + "'");
            }
            if (n < 1 || n > 10_000) {
                throw new InputException("--clients must be counts from 1 to 10000, got " + n + " in '" + list + "'");
            }
            out.add(n);
        }
        return out;
    }

    /**
     * A duration as {@code 20s}, {@code 1.5s}, {@code 500ms}, {@code 2m} or a number of seconds
     * ({@code 20}); it must be more than 0.
     *
     * @param flag the option's name, for the message
     */
    public static Duration parseDuration(String flag, String value) {
        Matcher m = Pattern.compile("\\s*([0-9]*\\.?[0-9]+)\\s*(ms|s|m|min)?\\s*").matcher(value == null ? "" : value);
        if (!m.matches()) {
            throw new InputException(flag + " must be a duration such as 20s, 500ms or 2m; got '" + value + "'");
        }
        double number = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double millis = switch (unit) {
            case "ms" -> number;
            case "m", "min" -> number * 60_000;
            default -> number * 1000;
        };
        if (!(millis >= 1) || millis > 7 * 24 * 3600_000.0) {
            throw new InputException(flag + " must be from 1 ms to a week, got '" + value + "'");
        }
        return Duration.ofMillis(Math.round(millis));
    }

    /** A number of seconds as a duration, checked: more than 0 unless {@code zeroAllowed}. */
    public static Duration seconds(String flag, double seconds, boolean zeroAllowed) {
        if (Double.isNaN(seconds) || seconds < 0 || (!zeroAllowed && seconds == 0) || seconds > 7 * 24 * 3600) {
            throw new InputException(flag + (zeroAllowed ? " must be 0 or more" : " must be more than 0") + ", got " + seconds);
        }
        return Duration.ofMillis(Math.round(seconds * 1000));
    }

    /**
     * The image files under {@code dir}, as {@code ferry predict} finds them (recursively, by
     * extension, in path order), read into memory.
     *
     * @throws InputException if there is none or one cannot be read
     */
    public static List<ServeLoad.Image> loadImages(Path dir) {
        List<ServeLoad.Image> out = new ArrayList<>();
        for (Path file : imageFiles(dir)) {
            try {
                out.add(new ServeLoad.Image(dir.relativize(file).toString(), Files.readAllBytes(file), contentType(file)));
            } catch (IOException e) {
                throw new InputException("cannot read image " + file + " (" + e.getMessage() + ")", e);
            }
        }
        return out;
    }

    /** The image files under {@code dir}, as {@code ferry predict} lists them. */
    static List<Path> imageFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new InputException("--images is not a folder: " + dir);
        }
        List<Path> files = Predictor.collect(List.of(dir)).images();
        if (files.isEmpty()) {
            throw new InputException("no image files under --images " + dir + " (jpg, jpeg, png, bmp, gif, webp, tif, tiff)");
        }
        return files;
    }

    /** The request's content type, from the file's extension. */
    static String contentType(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        String ext = name.substring(name.lastIndexOf('.') + 1);
        return switch (ext) {
            case "jpg", "jpeg" -> "image/jpeg";
            case "png" -> "image/png";
            case "bmp" -> "image/bmp";
            case "gif" -> "image/gif";
            case "webp" -> "image/webp";
            case "tif", "tiff" -> "image/tiff";
            default -> "application/octet-stream";
        };
    }

    /** The server to target given as {@code --url}: {@code http://HOST:PORT} (a path is ignored). */
    public static URI parseUrl(String url) {
        try {
            URI u = new URI(url.trim());
            if (u.getScheme() == null || !u.getScheme().matches("(?i)https?") || u.getHost() == null) {
                throw new URISyntaxException(url, "not http://HOST:PORT");
            }
            return new URI(u.getScheme().toLowerCase(Locale.ROOT), null, u.getHost(), u.getPort(), null, null, null);
        } catch (URISyntaxException e) {
            throw new InputException("--url must be http://HOST:PORT, got '" + url + "'");
        }
    }

    /**
     * One load at one client count, and the server's memory right after it.
     *
     * @param serverPeakRssMiB the server's peak RSS so far ({@code VmHWM}, which only rises: after the
     *     largest load so far), or null if unknown
     * @param serverRssMiB the server's current RSS, or null if unknown
     */
    public record Load(ServeLoad.Result result, Double serverPeakRssMiB, Double serverRssMiB) {}

    /**
     * Folder prediction over the same images in one process: the second pass, with the model loaded
     * and the JIT warm (the first pass warms up), so that neither JVM start nor model load counts.
     *
     * @param images images predicted in the timed pass
     * @param failed images that could not be decoded in it
     * @param seconds its wall time, decoding included
     * @param peakRssMiB that process's peak RSS, or null if unknown
     */
    public record PredictPass(int images, int failed, double seconds, Double peakRssMiB) {
        /** Images per second. */
        public double imagesPerSecond() {
            return images / seconds;
        }
    }

    /**
     * Everything measured.
     *
     * @param target the endpoint the load went to
     * @param images images in the rotation
     * @param imageBytes their total size
     * @param loads one per client count, in order
     * @param predict the compared folder prediction, or null
     * @param serverExit the started server's exit status after SIGTERM (-1 killed), or null with {@code --url}
     * @param serverStop how the started server ended, in words, or null with {@code --url}
     */
    public record Report(Options options, URI target, int images, long imageBytes, List<Load> loads, PredictPass predict,
                         Integer serverExit, String serverStop) {
        public Report {
            loads = List.copyOf(loads);
        }

        /** Whether something went wrong: a load without a single ok answer, or a server that did not exit 0. */
        public boolean failed() {
            return loads.stream().anyMatch(l -> l.result().ok() == 0) || (serverExit != null && serverExit != 0);
        }

        /** The result as a JSON-ready map (no NaN: a missing figure is null). */
        public Map<String, Object> toMap() {
            Options o = options;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("tool", "ferry bench serve");
            m.put("target", target.toString());
            m.put("server_started", o.url() == null);
            m.put("model", o.model() == null ? null : o.model().toAbsolutePath().toString());
            m.put("model_name", o.modelName());
            m.put("images_dir", o.images().toAbsolutePath().toString());
            m.put("images", images);
            m.put("image_bytes", imageBytes);
            m.put("clients", o.clients());
            m.put("warmup_s", o.warmup().toMillis() / 1e3);
            m.put("duration_s", o.duration().toMillis() / 1e3);
            m.put("max_batch", o.maxBatch());
            m.put("max_delay_ms", o.maxDelayMs());
            m.put("server_args", o.serverArgs());
            m.put("java_version", System.getProperty("java.version"));
            m.put("cpu_model", ProcessStats.cpuModel());
            m.put("cpus", Runtime.getRuntime().availableProcessors());
            if (predict != null) {
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("images", predict.images());
                p.put("failed", predict.failed());
                p.put("batch", PREDICT_BATCH);
                p.put("seconds", predict.seconds());
                p.put("images_per_s", predict.imagesPerSecond());
                p.put("peak_rss_mb", predict.peakRssMiB());
                m.put("predict", p);
            } else {
                m.put("predict", null);
            }
            List<Map<String, Object>> ls = new ArrayList<>();
            for (Load l : loads) {
                ServeLoad.Result r = l.result();
                Map<String, Object> x = new LinkedHashMap<>();
                x.put("clients", r.clients());
                x.put("sent", r.sent());
                x.put("ok", r.ok());
                x.put("errors", r.errors());
                x.put("errors_by_status", new LinkedHashMap<>(new java.util.TreeMap<>(r.errorsByStatus())));
                x.put("first_error", r.firstError());
                x.put("seconds", r.seconds());
                x.put("images_per_s", r.throughput());
                Map<String, Object> lat = new LinkedHashMap<>();
                lat.put("p50", finite(r.latencyPercentile(50)));
                lat.put("p95", finite(r.latencyPercentile(95)));
                lat.put("p99", finite(r.latencyPercentile(99)));
                lat.put("max", finite(r.maxLatency()));
                lat.put("mean", finite(r.meanLatency()));
                x.put("latency_ms", lat);
                x.put("server_peak_rss_mb", l.serverPeakRssMiB());
                x.put("server_rss_mb", l.serverRssMiB());
                x.put("vs_predict", predict == null ? null : r.throughput() / predict.imagesPerSecond());
                ls.add(x);
            }
            m.put("loads", ls);
            m.put("server_exit", serverExit);
            m.put("server_stop", serverStop);
            return m;
        }

        /** The result as one pretty JSON object. */
        public String toJson() {
            return new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(toMap());
        }

        /** A human-readable table. */
        public String table() {
            Options o = options;
            StringBuilder sb = new StringBuilder();
            String nl = System.lineSeparator();
            sb.append(String.format(Locale.ROOT, "ferry bench serve: %s, %d images (%.1f MiB) from %s%n", target, images,
                    imageBytes / 1048576.0, o.images()));
            sb.append(String.format(Locale.ROOT, "%s; %.1f s warm-up, then %.1f s per load; %d cpus (%s)%n",
                    o.url() == null ? "server started here (max batch " + orDefault(o.maxBatch()) + ", max delay "
                            + (o.maxDelayMs() == null ? "default" : o.maxDelayMs() + " ms") + ")" : "server at --url",
                    o.warmup().toMillis() / 1e3, o.duration().toMillis() / 1e3, Runtime.getRuntime().availableProcessors(),
                    String.valueOf(ProcessStats.cpuModel())));
            sb.append(String.format(Locale.ROOT, "%8s %9s %7s %9s %8s %8s %8s %8s %9s %10s%n", "clients", "ok", "errors",
                    "img/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "peak MiB", "vs predict"));
            for (Load l : loads) {
                ServeLoad.Result r = l.result();
                sb.append(String.format(Locale.ROOT, "%8d %9d %7d %9.1f %8s %8s %8s %8s %9s %10s", r.clients(), r.ok(),
                        r.errors(), r.throughput(), ms(r.latencyPercentile(50)), ms(r.latencyPercentile(95)),
                        ms(r.latencyPercentile(99)), ms(r.maxLatency()),
                        l.serverPeakRssMiB() == null ? "n/a" : String.format(Locale.ROOT, "%.0f", l.serverPeakRssMiB()),
                        predict == null ? "" : String.format(Locale.ROOT, "%.2fx", r.throughput() / predict.imagesPerSecond()))
                        .stripTrailing()).append(nl);
            }
            if (loads.stream().anyMatch(l -> l.serverPeakRssMiB() != null)) {
                sb.append("  peak MiB: the server's peak RSS (VmHWM) after that load").append(nl);
            }
            for (Load l : loads) {
                ServeLoad.Result r = l.result();
                if (r.errors() > 0) {
                    List<String> parts = new ArrayList<>();
                    new java.util.TreeMap<>(r.errorsByStatus()).forEach((k, v) -> parts.add(k + " x" + v));
                    sb.append("  errors at ").append(r.clients()).append(r.clients() == 1 ? " client: " : " clients: ")
                            .append(String.join(", ", parts));
                    if (r.firstError() != null) {
                        sb.append(" (first: ").append(r.firstError()).append(')');
                    }
                    sb.append(nl);
                }
            }
            if (predict != null) {
                sb.append(String.format(Locale.ROOT,
                        "predict folder: %.1f img/s over %d images (batch %d, one process, model loaded, second pass%s)%n",
                        predict.imagesPerSecond(), predict.images(), PREDICT_BATCH,
                        predict.peakRssMiB() == null ? "" : String.format(Locale.ROOT, ", peak RSS %.0f MiB", predict.peakRssMiB())));
            }
            if (serverStop != null) {
                sb.append("server: ").append(serverStop).append(nl);
            }
            return sb.toString();
        }

        private static String orDefault(Integer v) {
            return v == null ? "default" : v.toString();
        }

        static String ms(double v) {
            return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, v < 10 ? "%.2f" : "%.1f", v);
        }

        private static Double finite(double v) {
            return Double.isFinite(v) ? v : null;
        }
    }

    /** Runs the comparison (if asked), starts the server (unless given), runs every load, stops the server. */
    public Report run() {
        Options o = options;
        List<ServeLoad.Image> images = loadImages(o.images());
        long bytes = images.stream().mapToLong(i -> i.bytes().length).sum();
        progress.accept(String.format(Locale.ROOT, "bench serve: %d images (%.1f MiB) from %s", images.size(),
                bytes / 1048576.0, o.images()));
        if (o.pid() != null && ProcessHandle.of(o.pid()).isEmpty()) {
            throw new InputException("--pid " + o.pid() + ": no such process");
        }
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        if (o.url() != null) {
            // Checked before the folder prediction, so that a wrong URL fails at once.
            awaitReady(client, o.url(), o.startupTimeout(), true);
        }
        PredictPass predict = null;
        if (o.comparePredict()) {
            progress.accept("bench serve: folder prediction (batch " + PREDICT_BATCH + ", a pass to warm up, then a timed pass) ...");
            predict = runPredictChild(o.model(), o.images());
            progress.accept(String.format(Locale.ROOT, "bench serve: predict folder %.1f img/s", predict.imagesPerSecond()));
        }
        Server server = null;
        List<Load> loads = new ArrayList<>();
        Integer exit = null;
        String stop = null;
        try {
            URI base;
            long pid;
            if (o.url() == null) {
                progress.accept("bench serve: starting the server ...");
                server = Server.start(serverCommand(o), o.startupTimeout(), progress);
                base = server.url();
                pid = server.pid();
                awaitReady(client, base, o.startupTimeout(), false);
                progress.accept("bench serve: server ready at " + base + " (pid " + pid + ")");
            } else {
                base = o.url();
                pid = o.pid() == null ? -1 : o.pid();
            }
            URI target = predictUri(base, o.modelName());
            probe(client, target, images.get(0), o);
            for (int n : o.clients()) {
                progress.accept(String.format(Locale.ROOT, "bench serve: %d client%s, %.1f s warm-up + %.1f s ...", n,
                        n == 1 ? "" : "s", o.warmup().toMillis() / 1e3, o.duration().toMillis() / 1e3));
                if (server != null && !server.process().isAlive()) {
                    throw new FerryException("the server exited during the benchmark: " + server.describeExit());
                }
                ServeLoad.Result r = ServeLoad.run(client, new ServeLoad.Options(target, images, n, o.warmup(), o.duration(),
                        o.requestTimeout()));
                Double peak = pid > 0 ? boxed(procStatusMiB(pid, "VmHWM:")) : null;
                Double rss = pid > 0 ? boxed(procStatusMiB(pid, "VmRSS:")) : null;
                loads.add(new Load(r, peak, rss));
                progress.accept(String.format(Locale.ROOT, "bench serve: %d client%s: %.1f img/s, p50 %s ms, p99 %s ms, %d ok, %d errors%s",
                        n, n == 1 ? "" : "s", r.throughput(), Report.ms(r.latencyPercentile(50)), Report.ms(r.latencyPercentile(99)),
                        r.ok(), r.errors(), r.firstError() == null ? "" : " (first: " + r.firstError() + ")"));
            }
            if (server != null) {
                Server s = server;
                server = null;
                exit = s.stop();
                stop = s.describeExit();
                progress.accept("bench serve: server " + stop);
            }
            return new Report(o, target, images.size(), bytes, loads, predict, exit, stop);
        } finally {
            if (server != null) {
                // Only on a failure above: the server must not outlive the benchmark.
                server.stop();
            }
        }
    }

    /** {@code base}'s {@code /predict/NAME}. */
    static URI predictUri(URI base, String modelName) {
        String root = base.toString().replaceAll("/+$", "");
        return URI.create(root + "/predict/" + URLEncoder.encode(modelName, StandardCharsets.UTF_8).replace("+", "%20"));
    }

    /**
     * Sends one image before the loads, so that a wrong model name or an image the server rejects
     * is reported at once, as the input at fault, rather than as a load of nothing but errors.
     */
    static void probe(HttpClient client, URI target, ServeLoad.Image image, Options o) {
        HttpRequest request = HttpRequest.newBuilder(target).timeout(o.requestTimeout())
                .header("Content-Type", image.contentType())
                .POST(HttpRequest.BodyPublishers.ofByteArray(image.bytes())).build();
        HttpResponse<String> r;
        try {
            r = client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new FerryException("the server at " + target + " did not answer a first request (" + e.getMessage() + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FerryException("interrupted while sending a first request to " + target, e);
        }
        int status = r.statusCode();
        if (status == 404) {
            throw new InputException("the server has no model named '" + o.modelName() + "' (404 for " + target + ": "
                    + ServeLoad.shorten(r.body()) + ")" + (o.url() != null ? "; give its name with --model-name" : ""));
        }
        if (status == 400 || status == 413 || status == 415) {
            throw new InputException("the server rejected image " + image.name() + " under --images " + o.images() + " (" + status
                    + " " + ServeLoad.shorten(r.body()) + ")");
        }
    }

    /**
     * Waits until {@code GET /v2/health/ready} answers 200.
     *
     * @param userUrl whether the URL was given by the user (then a refused connection is their input at fault)
     */
    static void awaitReady(HttpClient client, URI base, Duration timeout, boolean userUrl) {
        URI health = URI.create(base.toString().replaceAll("/+$", "") + "/v2/health/ready");
        HttpRequest request = HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(10)).GET().build();
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = null;
        while (true) {
            try {
                HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
                if (r.statusCode() == 404 && userUrl) {
                    throw new InputException("--url " + base + " answered 404 to GET /v2/health/ready: is it ferry serve?");
                }
                last = r.statusCode() + " " + ServeLoad.shorten(r.body());
            } catch (ConnectException e) {
                if (userUrl) {
                    throw new InputException("--url " + base + " is unreachable (connection refused)", e);
                }
                last = "connection refused";
            } catch (IOException e) {
                if (userUrl && last == null) {
                    throw new InputException("--url " + base + " is unreachable (" + e.getMessage() + ")", e);
                }
                last = String.valueOf(e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new FerryException("interrupted while waiting for the server at " + base, e);
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new FerryException("the server at " + base + " is not ready (GET /v2/health/ready: " + last + ")");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new FerryException("interrupted while waiting for the server at " + base, e);
            }
        }
    }

    /** A {@code /proc/PID/status} figure in MiB, empty where unavailable (the process gone, not Linux). */
    static OptionalDouble procStatusMiB(long pid, String key) {
        try {
            return ProcessStats.parseStatusKiB(Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")), key);
        } catch (IOException | RuntimeException e) {
            return OptionalDouble.empty();
        }
    }

    private static Double boxed(OptionalDouble v) {
        return v.isPresent() ? v.getAsDouble() : null;
    }

    /** The command line that starts {@code ferry serve} for these options, on a free loopback port. */
    static List<String> serverCommand(Options o) {
        List<String> args = new ArrayList<>(List.of("serve", "--model", o.modelName() + "=" + o.model().toAbsolutePath(),
                "--host", "127.0.0.1", "--port", "0"));
        if (o.maxBatch() != null) {
            args.add("--max-batch");
            args.add(o.maxBatch().toString());
        }
        if (o.maxDelayMs() != null) {
            args.add("--max-delay-ms");
            args.add(o.maxDelayMs().toString());
        }
        args.addAll(o.serverArgs());
        return javaCommand(MAIN_CLASS, args);
    }

    /**
     * {@code java} with this JVM's options and class path, running {@code mainClass} with {@code args}:
     * how every benchmark child is started.
     */
    static List<String> javaCommand(String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // A debugger or agent would clash with this JVM's (same port) or skew the timing.
            if (!arg.startsWith("-agentlib") && !arg.startsWith("-javaagent") && !arg.startsWith("-Xrunjdwp")
                    && !arg.startsWith("-Xdebug")) {
                cmd.add(arg);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }

    /**
     * A server in a child process: started, waited for until it prints its listening line, and
     * stopped with SIGTERM. Its stdout and stderr are read together on a thread of their own (an
     * unread pipe would block it once full); the last lines are kept for error messages.
     */
    static final class Server {
        private final Process process;
        private final URI url;
        private final Deque<String> tail;
        private final Thread shutdownHook;
        private Integer exit;
        private boolean killed;
        private boolean stopped;

        private Server(Process process, URI url, Deque<String> tail, Thread shutdownHook) {
            this.process = process;
            this.url = url;
            this.tail = tail;
            this.shutdownHook = shutdownHook;
        }

        /**
         * Starts {@code command} and waits until it prints {@code ferry: listening on URL}.
         *
         * @throws FerryException if it exits first or takes longer than {@code timeout}; the
         *     message ends with its last output
         */
        static Server start(List<String> command, Duration timeout, Consumer<String> progress) {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.PIPE);
            Process p;
            try {
                p = pb.start();
                p.getOutputStream().close();
            } catch (IOException e) {
                throw new FerryException("cannot start the server process (" + e.getMessage() + ")", e);
            }
            // Should this JVM be stopped (Ctrl-C), the server goes with it.
            Thread hook = new Thread(p::destroyForcibly, "ferry-bench-server-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            Deque<String> tail = new ArrayDeque<>();
            CompletableFuture<URI> listening = new CompletableFuture<>();
            Thread reader = new Thread(() -> read(p.getInputStream(), tail, listening, progress), "ferry-bench-server-output");
            reader.setDaemon(true);
            reader.start();
            Server s = new Server(p, null, tail, hook);
            URI url;
            try {
                url = listening.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                s.stop();
                throw new FerryException("the server did not print 'ferry: listening on ...' within " + timeout.toSeconds()
                        + " s" + s.lastOutput());
            } catch (ExecutionException e) {
                s.waitExit(Duration.ofSeconds(10));
                s.stop();
                throw new FerryException("the server " + s.describeExit() + " before listening" + s.lastOutput());
            } catch (InterruptedException e) {
                s.stop();
                Thread.currentThread().interrupt();
                throw new FerryException("interrupted while starting the server", e);
            }
            return new Server(p, url, tail, hook);
        }

        /** Reads the server's output to its end: lines forwarded (all until ready, a few after), the last ones kept. */
        private static void read(InputStream in, Deque<String> tail, CompletableFuture<URI> listening, Consumer<String> progress) {
            int forwarded = 0;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (tail) {
                        tail.addLast(line);
                        if (tail.size() > 60) {
                            tail.removeFirst();
                        }
                    }
                    if (!listening.isDone()) {
                        progress.accept("server: " + line);
                        Matcher m = LISTENING.matcher(line);
                        if (m.find()) {
                            listening.complete(URI.create(m.group(1).replaceAll("/+$", "")));
                        }
                    } else if (forwarded < FORWARDED_LINES) {
                        progress.accept("server: " + line);
                        if (++forwarded == FORWARDED_LINES) {
                            progress.accept("server: (further output not shown)");
                        }
                    }
                }
            } catch (IOException e) {
                // The stream closes when the process ends; what was read is kept.
            } finally {
                listening.completeExceptionally(new IOException("the server's output ended"));
            }
        }

        Process process() {
            return process;
        }

        URI url() {
            return url;
        }

        long pid() {
            return process.pid();
        }

        /**
         * Sends SIGTERM and waits for the exit; kills the process if it is still running after
         * {@link #STOP_TIMEOUT}. Returns the exit status (-1 if killed).
         */
        int stop() {
            if (!stopped) {
                stopped = true;
                if (exit == null) {
                    process.destroy();
                    if (!waitExit(STOP_TIMEOUT)) {
                        killed = true;
                        process.destroyForcibly();
                        waitExit(Duration.ofSeconds(10));
                    }
                }
                try {
                    Runtime.getRuntime().removeShutdownHook(shutdownHook);
                } catch (IllegalStateException e) {
                    // This JVM is shutting down already; the hook then runs anyway.
                }
            }
            return exit == null || killed ? -1 : exit;
        }

        private boolean waitExit(Duration timeout) {
            try {
                if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    exit = process.exitValue();
                    return true;
                }
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        /** How it ended, in words. */
        String describeExit() {
            if (killed) {
                return "did not exit within " + STOP_TIMEOUT.toSeconds() + " s of SIGTERM and was killed";
            }
            if (exit == null) {
                return process.isAlive() ? "is still running" : "exited " + process.exitValue();
            }
            return "exited " + exit + (url != null ? " after SIGTERM" : "");
        }

        /** "; its last output: ..." from the kept lines, or empty. */
        String lastOutput() {
            List<String> lines;
            synchronized (tail) {
                lines = new ArrayList<>(tail);
            }
            // Stack frames say less than the exception and error lines above them.
            lines.removeIf(l -> l.matches("\\s+at .*|\\s*\\.\\.\\. \\d+ more"));
            List<String> last = lines.subList(Math.max(0, lines.size() - 3), lines.size());
            return last.isEmpty() ? " (no output)" : "; its last output: " + String.join(" | ", last);
        }
    }

    /** Runs {@link #measurePredict} in a child JVM (see the class comment) and reads its result line. */
    private PredictPass runPredictChild(Path model, Path images) {
        List<String> cmd = javaCommand(MAIN_CLASS, List.of("bench", "serve", "--measure-predict", "--model",
                model.toAbsolutePath().toString(), "--images", images.toAbsolutePath().toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new FerryException("cannot start the folder prediction process (" + e.getMessage() + ")", e);
        }
        try (InputStream in = p.getInputStream()) {
            p.getOutputStream().close();
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            in.transferTo(buf);
            int rc = p.waitFor();
            JsonObject r = BenchRunner.lastJsonLine(buf.toString(StandardCharsets.UTF_8));
            if (rc != 0 || r == null) {
                throw new FerryException("folder prediction over --images " + images + " failed: exit status " + rc
                        + (r == null ? ", no result" : ""));
            }
            return new PredictPass(r.get("images").getAsInt(), r.get("failed").getAsInt(), r.get("seconds").getAsDouble(),
                    r.has("peak_rss_mb") && !r.get("peak_rss_mb").isJsonNull() ? r.get("peak_rss_mb").getAsDouble() : null);
        } catch (IOException e) {
            p.destroyForcibly();
            throw new FerryException("reading the folder prediction's output failed (" + e.getMessage() + ")", e);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new FerryException("interrupted during the folder prediction", e);
        }
    }

    /**
     * The child side of the comparison: opens the model once, predicts the folder twice as {@code
     * ferry predict} does (top 5, batch {@link #PREDICT_BATCH}, decoding on every core) and returns
     * the second pass's figures.
     */
    public static Map<String, Object> measurePredict(Path model, Path images) {
        List<Path> files = imageFiles(images);
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        int[] counts = new int[2];
        Predictor.Sink sink = new Predictor.Sink() {
            @Override
            public void predicted(Predictor.Prediction prediction) {
                counts[0]++;
            }

            @Override
            public void failed(dev.ferry.data.BadImage bad) {
                counts[1]++;
            }
        };
        Map<String, Object> out = new LinkedHashMap<>();
        try (Networks.Open net = Networks.openModel(model, null, InferenceNetwork.defaultThreads());
             Predictor predictor = new Predictor(net.network(), net.labels(), net.preset(), PREDICT_BATCH, threads,
                     net.temperature(), false)) {
            long t0 = System.nanoTime();
            predictor.predict(files, 5, sink);
            out.put("warmup_s", (System.nanoTime() - t0) / 1e9);
            counts[0] = 0;
            counts[1] = 0;
            long t1 = System.nanoTime();
            predictor.predict(files, 5, sink);
            double seconds = (System.nanoTime() - t1) / 1e9;
            if (counts[0] == 0) {
                throw new InputException("no image under --images " + images + " could be decoded");
            }
            out.put("images", counts[0]);
            out.put("failed", counts[1]);
            out.put("seconds", seconds);
            out.put("images_per_s", counts[0] / seconds);
        }
        ProcessStats.peakRssMiB().ifPresent(v -> out.put("peak_rss_mb", v));
        return out;
    }

    private static double seconds(Duration d) {
        return d == null ? 0 : d.toMillis() / 1e3;
    }
}
