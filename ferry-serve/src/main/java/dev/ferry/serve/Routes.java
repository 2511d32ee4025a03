package dev.ferry.serve;

import dev.ferry.data.BadImageException;
import dev.ferry.data.RgbImage;
import dev.ferry.eval.Thumbnails;
import dev.ferry.train.Predictor;
import dev.ferry.workflow.PredictionJson;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.MultiPart;
import org.eclipse.jetty.http.MultiPartConfig;
import org.eclipse.jetty.http.MultiPartFormData;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * Every route of the server, on Jetty's core handler API. Requests run on Jetty's bounded pool of
 * request threads, which block while their images are decoded (on the decoding pool) and
 * classified (by the model's {@link Batcher}).
 *
 * <p>Routes: {@code GET /} (the page), {@code POST /predict/{model}}, {@code GET /models}, the Open
 * Inference Protocol v2 ({@code GET /v2}, {@code GET /v2/health/live}, {@code GET /v2/health/ready},
 * {@code GET /v2/models/{model}}, {@code GET /v2/models/{model}/ready},
 * {@code POST /v2/models/{model}/infer}) and {@code GET /metrics}. No route reads a file from the
 * disk: the page is one resource on the class path, read at start.
 */
final class Routes extends Handler.Abstract {
    /** Classes per image when the client does not say ({@code ferry predict}'s default). */
    static final int DEFAULT_TOP_K = 5;
    /**
     * How much of a body over the size limit is read and dropped before the 413, as a multiple of
     * the limit: enough for a client that sends a somewhat large file without asking first
     * (Expect: 100-continue) to read its answer; bounded, so a huge upload is cut off at once.
     */
    static final long DISCARD_FACTOR = 4;

    private final ServeOptions options;
    private final Map<String, ServedModel> models;
    private final ExecutorService decode;
    private final ServeMetrics metrics;
    private final BooleanSupplier ready;
    private final byte[] page;
    private final byte[] tokenDigest;
    private final MultiPartConfig multipart;

    Routes(ServeOptions options, Map<String, ServedModel> models, ExecutorService decode, ServeMetrics metrics,
           BooleanSupplier ready, byte[] page) {
        super(InvocationType.BLOCKING);
        this.options = options;
        this.models = models;
        this.decode = decode;
        this.metrics = metrics;
        this.ready = ready;
        this.page = page.clone();
        this.tokenDigest = options.token() == null ? null : sha256(options.token());
        this.multipart = new MultiPartConfig.Builder()
                .maxParts(options.maxImages() + 8)
                .maxSize(options.maxRequestBytes())
                .maxPartSize(options.maxRequestBytes())
                // Every part stays in memory (the body is already there, and bounded): nothing is
                // ever written to the disk.
                .maxMemoryPartSize(options.maxRequestBytes())
                .location(java.nio.file.Path.of(System.getProperty("java.io.tmpdir")))
                .build();
    }

    /** What a request is, for the metrics: the endpoint and the model it names ("" if none or unknown). */
    private record Target(String endpoint, String model) {}

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        long start = System.nanoTime();
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        Target target = new Target("other", "");
        Answer answer;
        try {
            target = target(path);
            answer = route(request, method, path, target);
        } catch (HttpError e) {
            answer = Answer.error(e);
        } catch (RuntimeException | Error e) {
            // A bug or an engine failure: the client gets one line, never a stack trace, and the
            // server goes on.
            answer = Answer.error(new HttpError(500, "internal error (" + describe(e) + ")"));
        }
        // What the answer left of the body is read first, so that a client still sending reads the
        // answer rather than a reset connection: up to the size limit, or, after a body over it, up to
        // DISCARD_FACTOR times the limit (read and dropped, never held); beyond that the connection is
        // closed under the client instead. A client that asked first (Expect: 100-continue) has sent
        // nothing and is told at once: reading would invite the body.
        if (!request.getHeaders().contains(HttpHeader.EXPECT, HttpHeaderValue.CONTINUE.asString())) {
            drain(request, answer.status() == 413 ? DISCARD_FACTOR * options.maxRequestBytes() : options.maxRequestBytes());
        }
        // Counted before the answer leaves: a client that reads the metrics right after its answer
        // finds its request in them.
        metrics.request(target.model(), target.endpoint(), answer.status(), System.nanoTime() - start);
        send(response, answer, callback);
        return true;
    }

    private Target target(String path) {
        String[] p = segments(path);
        String endpoint;
        String model = "";
        if (p.length == 0) {
            endpoint = "page";
        } else if (p[0].equals("predict")) {
            endpoint = "predict";
            model = p.length > 1 ? p[1] : "";
        } else if (p[0].equals("metrics")) {
            endpoint = "metrics";
        } else if (p[0].equals("models")) {
            endpoint = "models";
        } else if (p[0].equals("v2") && p.length > 1 && p[1].equals("health")) {
            endpoint = "health";
        } else if (p[0].equals("v2") && p.length > 2 && p[1].equals("models")) {
            model = p[2];
            endpoint = p.length > 3 && p[3].equals("infer") ? "infer" : "metadata";
        } else if (p[0].equals("v2")) {
            endpoint = "metadata";
        } else {
            endpoint = "other";
        }
        return new Target(endpoint, models.containsKey(model) ? model : "");
    }

    private Answer route(Request request, String method, String path, Target target) {
        String[] p = segments(path);
        if (method.equals("OPTIONS") && options.corsOrigin() != null) {
            return new Answer(204, "text/plain", new byte[0], Map.of(
                    "Access-Control-Allow-Methods", "GET, POST, OPTIONS",
                    "Access-Control-Allow-Headers", "Authorization, Content-Type",
                    "Access-Control-Max-Age", "600"));
        }
        // Liveness, readiness and the page are open: probes carry no token, and the page asks for
        // one before it calls the API.
        if (p.length == 0) {
            requireMethod(method, "GET");
            return new Answer(200, "text/html; charset=utf-8", page, Map.of(
                    "Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; "
                            + "style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'",
                    "Cache-Control", "no-cache"));
        }
        if (p.length == 3 && p[0].equals("v2") && p[1].equals("health")) {
            requireMethod(method, "GET");
            if (p[2].equals("live")) {
                return Answer.json(200, Map.of("live", true));
            }
            if (p[2].equals("ready")) {
                boolean r = ready.getAsBoolean();
                return Answer.json(r ? 200 : 503, Map.of("ready", r));
            }
        }
        authorize(request);
        if (p[0].equals("predict") && p.length == 2) {
            requireMethod(method, "POST");
            return predict(request, model(p[1]));
        }
        if (p[0].equals("metrics") && p.length == 1) {
            requireMethod(method, "GET");
            return new Answer(200, ServeMetrics.CONTENT_TYPE, metrics.scrape(), Map.of());
        }
        if (p[0].equals("models") && p.length == 1) {
            requireMethod(method, "GET");
            List<Object> list = new ArrayList<>();
            models.values().forEach(m -> list.add(OpenInference.metadata(m)));
            return Answer.json(200, Map.of("models", list));
        }
        if (p[0].equals("v2")) {
            if (p.length == 1) {
                requireMethod(method, "GET");
                return Answer.json(200, OpenInference.serverMetadata());
            }
            if (p[1].equals("models") && p.length == 3) {
                requireMethod(method, "GET");
                return Answer.json(200, OpenInference.metadata(model(p[2])));
            }
            if (p[1].equals("models") && p.length == 4 && p[3].equals("ready")) {
                requireMethod(method, "GET");
                ServedModel m = model(p[2]);
                boolean r = ready.getAsBoolean();
                return Answer.json(r ? 200 : 503, Map.of("name", m.name(), "ready", r));
            }
            if (p[1].equals("models") && p.length == 4 && p[3].equals("infer")) {
                requireMethod(method, "POST");
                return infer(request, model(p[2]));
            }
        }
        throw new HttpError(404, "no route " + method + " " + Answer.oneLine(shorten(path)));
    }

    // ---------------------------------------------------------------------------------------------
    // POST /predict/{model}

    private Answer predict(Request request, ServedModel m) {
        long deadline = System.nanoTime() + options.requestTimeout().toNanos();
        Fields query = Request.extractQueryParameters(request);
        int topK = topK(query.getValue("top_k"));
        boolean crop = flag(query.getValue("crop"));
        refuseWhenFull(m);
        byte[] body = readBody(request);
        String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        List<Upload> uploads;
        if (type != null && type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            uploads = parts(request, body, type);
        } else {
            uploads = List.of(new Upload(Upload.label(query.getValue("name"), "body"), body));
        }
        Object[] outcomes = classify(m, uploads, deadline);
        List<Map<String, Object>> rows = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        int k = Math.min(topK, m.labels().size());
        for (int i = 0; i < uploads.size(); i++) {
            String label = uploads.get(i).label();
            if (outcomes[i] instanceof Classified c) {
                Map<String, Object> row = PredictionJson.row(label, Predictor.top(c.probabilities(), k, m.labels()));
                if (crop) {
                    row.put("crop", dataUrl(c.crop()));
                }
                rows.add(row);
            } else {
                String reason = (String) outcomes[i];
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("image", label);
                row.put("error", reason);
                rows.add(row);
                errors.add(reason);
            }
        }
        if (errors.size() == uploads.size()) {
            // Nothing could be classified: the request as a whole is bad, named by its images.
            throw new HttpError(400, uploads.size() == 1 ? errors.get(0)
                    : "none of the " + uploads.size() + " images could be read: " + String.join("; ", errors));
        }
        return Answer.json(200, rows);
    }

    /** An image's probabilities and the crop the network saw. */
    private record Classified(float[] probabilities, RgbImage crop) {}

    /**
     * Decodes every upload on the decoding pool, then classifies those that decoded in one
     * submission to the batcher. Each outcome is a {@link Classified} or the reason the image
     * could not be read.
     */
    private Object[] classify(ServedModel m, List<Upload> uploads, long deadline) {
        List<Future<ServedModel.Prepared>> decoding = new ArrayList<>();
        try {
            for (Upload u : uploads) {
                decoding.add(decode.submit(() -> m.prepare(u.data(), u.label(), options.maxPixels())));
            }
        } catch (RejectedExecutionException e) {
            decoding.forEach(f -> f.cancel(true));
            throw unavailable(m, "the server is shutting down");
        }
        Object[] outcomes = new Object[uploads.size()];
        List<ServedModel.Prepared> prepared = new ArrayList<>();
        List<Integer> where = new ArrayList<>();
        for (int i = 0; i < decoding.size(); i++) {
            try {
                ServedModel.Prepared p = await(decoding.get(i), deadline);
                prepared.add(p);
                where.add(i);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof BadImageException bad) {
                    outcomes[i] = bad.getMessage();
                } else {
                    decoding.forEach(f -> f.cancel(true));
                    throw new HttpError(500, "decoding " + uploads.get(i).label() + " failed (" + describe(e.getCause()) + ")");
                }
            } catch (TimeoutException e) {
                decoding.forEach(f -> f.cancel(true));
                throw timeout();
            }
        }
        if (prepared.isEmpty()) {
            return outcomes;
        }
        List<float[]> pixels = new ArrayList<>(prepared.size());
        prepared.forEach(p -> pixels.add(p.pixels()));
        List<CompletableFuture<float[]>> results = submit(m, pixels);
        for (int j = 0; j < results.size(); j++) {
            try {
                outcomes[where.get(j)] = new Classified(await(results.get(j), deadline), prepared.get(j).crop());
            } catch (TimeoutException e) {
                // Cancelled images are dropped by the batcher before they cost a forward pass.
                results.forEach(f -> f.cancel(false));
                throw timeout();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof Batcher.QueueFull q) {
                    throw unavailable(m, q.getMessage());
                }
                throw new HttpError(500, "inference failed (" + describe(e.getCause()) + ")");
            }
        }
        return outcomes;
    }

    /** Queues images on the model's batcher: 503 when they do not fit now, 413 when they never can. */
    private List<CompletableFuture<float[]>> submit(ServedModel m, List<float[]> images) {
        if (images.size() > m.batcher().capacity()) {
            throw new HttpError(413, images.size() + " images in one request, more than the queue of model '" + m.name()
                    + "' holds (" + m.batcher().capacity() + ")");
        }
        try {
            return m.batcher().submit(images);
        } catch (Batcher.QueueFull e) {
            throw unavailable(m, e.getMessage());
        }
    }

    private static <T> T await(Future<T> f, long deadline) throws ExecutionException, TimeoutException {
        long left = deadline - System.nanoTime();
        try {
            return f.get(Math.max(0, left), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HttpError(503, "the server is shutting down");
        } catch (CancellationException e) {
            throw new HttpError(503, "the server is shutting down");
        }
    }

    private HttpError timeout() {
        return new HttpError(504, "the request took longer than " + options.requestTimeout().toMillis() + " ms");
    }

    private HttpError unavailable(ServedModel m, String message) {
        long seconds = m.batcher().retryAfterSeconds();
        return new HttpError(503, message + "; retry after " + seconds + " s", Map.of("Retry-After", Long.toString(seconds)));
    }

    private void refuseWhenFull(ServedModel m) {
        if (m.batcher().full()) {
            throw unavailable(m, "the queue of model '" + m.name() + "' is full (" + m.batcher().depth() + " images waiting)");
        }
    }

    private List<Upload> parts(Request request, byte[] body, String contentType) {
        List<Upload> out = new ArrayList<>();
        try (MultiPartFormData.Parts parts = MultiPartFormData.getParts(Content.Source.from(ByteBuffer.wrap(body)), request,
                contentType, multipart)) {
            int n = 0;
            for (MultiPart.Part part : parts) {
                n++;
                if (part.getFileName() == null) {
                    // A plain form field: none is expected beside the files.
                    throw new HttpError(400, "form field '" + Answer.oneLine(shorten(part.getName()))
                            + "' is not a file: send images as file parts (query parameters set top_k)");
                }
                ByteBuffer b = Content.Source.asByteBuffer(part.getContentSource());
                byte[] data = new byte[b.remaining()];
                b.get(data);
                out.add(new Upload(Upload.label(part.getFileName(), "part " + n), data));
            }
        } catch (HttpError e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new HttpError(400, "malformed multipart body (" + describe(e) + ")");
        }
        if (out.isEmpty()) {
            throw new HttpError(400, "the multipart body holds no file");
        }
        if (out.size() > options.maxImages()) {
            throw new HttpError(413, out.size() + " images in one request, over the limit of " + options.maxImages());
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------
    // POST /v2/models/{model}/infer

    private Answer infer(Request request, ServedModel m) {
        long deadline = System.nanoTime() + options.requestTimeout().toNanos();
        refuseWhenFull(m);
        byte[] body = readBody(request);
        OpenInference.Request r = OpenInference.parse(body, m, options.maxImages());
        float[][] probabilities;
        if (r.input() instanceof OpenInference.Encoded e) {
            List<Upload> uploads = new ArrayList<>();
            for (int i = 0; i < e.images().size(); i++) {
                uploads.add(new Upload(r.inputName() + "[" + i + "]", e.images().get(i)));
            }
            Object[] outcomes = classify(m, uploads, deadline);
            probabilities = new float[outcomes.length][];
            for (int i = 0; i < outcomes.length; i++) {
                if (!(outcomes[i] instanceof Classified c)) {
                    // A tensor has no room for a per-image error: the request fails, naming the element.
                    throw new HttpError(400, (String) outcomes[i]);
                }
                probabilities[i] = c.probabilities();
            }
        } else {
            OpenInference.Tensor t = (OpenInference.Tensor) r.input();
            List<float[]> images = new ArrayList<>(t.n());
            int per = m.perImage();
            for (int i = 0; i < t.n(); i++) {
                images.add(java.util.Arrays.copyOfRange(t.data(), i * per, (i + 1) * per));
            }
            List<CompletableFuture<float[]>> results = submit(m, images);
            probabilities = new float[t.n()][];
            for (int i = 0; i < t.n(); i++) {
                try {
                    probabilities[i] = await(results.get(i), deadline);
                } catch (TimeoutException ex) {
                    results.forEach(f -> f.cancel(false));
                    throw timeout();
                } catch (ExecutionException ex) {
                    throw new HttpError(500, "inference failed (" + describe(ex.getCause()) + ")");
                }
            }
        }
        return Answer.json(200, OpenInference.response(m, r.id(), probabilities));
    }

    // ---------------------------------------------------------------------------------------------

    private ServedModel model(String name) {
        ServedModel m = models.get(name);
        if (m == null) {
            throw new HttpError(404, "no model named '" + Answer.oneLine(shorten(name)) + "' (this server has: "
                    + String.join(", ", models.keySet()) + ")");
        }
        return m;
    }

    private void authorize(Request request) {
        if (tokenDigest == null) {
            return;
        }
        String h = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        String given = h != null && h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).strip() : null;
        // Digests of equal length compared in constant time: neither the token's length nor its
        // first wrong character shows in the answer's timing.
        if (given == null || !MessageDigest.isEqual(sha256(given), tokenDigest)) {
            throw new HttpError(401, given == null ? "this server needs a bearer token (Authorization: Bearer TOKEN)"
                    : "wrong bearer token", Map.of("WWW-Authenticate", "Bearer"));
        }
    }

    private byte[] readBody(Request request) {
        long max = options.maxRequestBytes();
        long declared = request.getLength();
        if (declared > max) {
            // Refused from the header: the body is never kept (see handle).
            throw tooLarge("the request body is " + declared + " bytes, over the limit of " + max);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(declared > 0 ? (int) declared : 64 * 1024);
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = Request.asInputStream(request)) {
            long total = 0;
            for (int r; (r = in.read(buf)) >= 0; ) {
                total += r;
                if (total > max) {
                    // A chunked body has no length to check up front: reading stops at the limit.
                    throw tooLarge("the request body is over the limit of " + max + " bytes");
                }
                out.write(buf, 0, r);
            }
        } catch (IOException e) {
            throw new HttpError(400, "cannot read the request body (" + describe(e) + ")");
        }
        if (out.size() == 0) {
            throw new HttpError(400, "the request body is empty: send an image");
        }
        return out.toByteArray();
    }

    /**
     * Reads and drops what is left of a body the answer did not need (an unknown model, a wrong
     * token, a full queue, a body over the limit), up to {@code budget} bytes, so that the client,
     * still sending, reads the answer rather than a reset connection. A body announced larger than
     * the budget is not read at all, and one that runs past it is left: the connection is closed.
     */
    private static void drain(Request request, long budget) {
        if (request.getLength() > budget) {
            return;
        }
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = Request.asInputStream(request)) {
            long total = 0;
            for (int r; total <= budget && (r = in.read(buf)) >= 0; ) {
                total += r;
            }
        } catch (IOException | RuntimeException e) {
            // The client went away: nothing to answer.
        }
    }

    private static HttpError tooLarge(String message) {
        // The connection is closed after the answer: what is left of the body after the drain is
        // never read.
        return new HttpError(413, message, Map.of("Connection", "close"));
    }

    private static int topK(String value) {
        if (value == null) {
            return DEFAULT_TOP_K;
        }
        try {
            int k = Integer.parseInt(value.strip());
            if (k >= 1) {
                return k;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new HttpError(400, "top_k must be a whole number of at least 1, got '" + Answer.oneLine(shorten(value)) + "'");
    }

    private static boolean flag(String value) {
        if (value == null) {
            return false;
        }
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "1", "true", "yes", "" -> true;
            case "0", "false", "no" -> false;
            default -> throw new HttpError(400, "crop must be true or false, got '" + Answer.oneLine(shorten(value)) + "'");
        };
    }

    private static void requireMethod(String method, String allowed) {
        if (!method.equals(allowed) && !(allowed.equals("GET") && method.equals("HEAD"))) {
            throw new HttpError(405, "use " + allowed + " here, not " + Answer.oneLine(shorten(method)), Map.of("Allow", allowed));
        }
    }

    private void send(Response response, Answer a, Callback callback) {
        response.setStatus(a.status());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, a.contentType());
        response.getHeaders().put(new HttpField("X-Content-Type-Options", "nosniff"));
        if (options.corsOrigin() != null) {
            response.getHeaders().put(new HttpField("Access-Control-Allow-Origin", options.corsOrigin()));
            response.getHeaders().put(new HttpField("Vary", "Origin"));
        }
        a.headers().forEach((k, v) -> response.getHeaders().put(new HttpField(k, v)));
        response.write(true, ByteBuffer.wrap(a.body()), callback);
    }

    /** The crop as a {@code data:} URL of a PNG, for the page. */
    private static String dataUrl(RgbImage crop) {
        BufferedImage img = new BufferedImage(crop.width(), crop.height(), BufferedImage.TYPE_INT_RGB);
        byte[] rgb = crop.rgb();
        for (int y = 0, i = 0; y < crop.height(); y++) {
            for (int x = 0; x < crop.width(); x++, i += 3) {
                img.setRGB(x, y, (rgb[i] & 0xFF) << 16 | (rgb[i + 1] & 0xFF) << 8 | (rgb[i + 2] & 0xFF));
            }
        }
        byte[] png = Thumbnails.png(img, Math.max(crop.width(), crop.height()));
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(png);
    }

    private static String[] segments(String path) {
        String p = path == null ? "" : path;
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p.isEmpty() ? new String[0] : p.split("/", -1);
    }

    private static String shorten(String s) {
        return s == null ? "" : s.length() <= 100 ? s : s.substring(0, 100) + "...";
    }

    static String describe(Throwable e) {
        return Answer.oneLine(dev.ferry.FerryException.innermostMessage(e));
    }

    private static byte[] sha256(String s) {
        return dev.ferry.platform.FileDigest.newSha256().digest(s.getBytes(StandardCharsets.UTF_8));
    }
}
