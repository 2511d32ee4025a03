package dev.ferry.serve;

import dev.ferry.InputException;
import dev.ferry.data.ImageDecoder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How to serve: the models and every limit, with the defaults a plain {@code ferry serve} uses.
 *
 * @param models the models, each under its own name
 * @param host the address to bind ({@value #DEFAULT_HOST}: only this machine can connect)
 * @param port the port, 0 for any free one
 * @param maxBatch the most images one forward pass joins
 * @param maxDelay how long the first image of a batch waits for others to join it (0: a batch is
 *     whatever is queued when the engine is free)
 * @param queueCapacity images that may wait per model; beyond it requests get 503 at once
 * @param maxRequestBytes the largest request body; a larger one gets 413 before it is read whole
 * @param maxPixels the most pixels one image may have (from its header, before it is decoded)
 * @param maxImages the most images in one multipart request
 * @param requestTimeout how long a request may take from its arrival to its answer (504 beyond)
 * @param decodeThreads threads decoding and preprocessing images
 * @param engineThreads the inference engine's intra-op threads
 * @param httpThreads the HTTP server's request threads (each holds at most one request body)
 * @param token the bearer token every API request must carry, or null for none
 * @param corsOrigin the one origin allowed cross-origin requests, or null (CORS off)
 */
public record ServeOptions(List<Model> models, String host, int port, int maxBatch, Duration maxDelay,
                           int queueCapacity, long maxRequestBytes, long maxPixels, int maxImages,
                           Duration requestTimeout, int decodeThreads, int engineThreads, int httpThreads,
                           String token, String corsOrigin) {

    /** Loopback: a server is reachable from elsewhere only when asked. */
    public static final String DEFAULT_HOST = "127.0.0.1";
    /** DJL Serving's and TorchServe's port. */
    public static final int DEFAULT_PORT = 8080;
    /** See the README's serving measurements. */
    public static final int DEFAULT_MAX_BATCH = 8;
    /** See the README's serving measurements: waiting only adds latency on two cores. */
    public static final Duration DEFAULT_MAX_DELAY = Duration.ZERO;
    /** About 40 MB of preprocessed 224x224 images, a few seconds of ResNet-50 work on two cores. */
    public static final int DEFAULT_QUEUE = 64;
    /** 16 MiB: a phone photo is 2-8 MB. */
    public static final long DEFAULT_MAX_REQUEST_BYTES = 16L << 20;
    /** 64 megapixels (8000 x 8000): 192 MB decoded, far below Pillow's bomb limit. */
    public static final long DEFAULT_MAX_PIXELS = 64_000_000L;
    /** Images per multipart request. */
    public static final int DEFAULT_MAX_IMAGES = 64;
    /** 30 s from arrival to answer. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    /** Request threads: a client beyond them waits in the connection's accept queue. */
    public static final int DEFAULT_HTTP_THREADS = 32;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /**
     * One model to serve.
     *
     * @param name its name in URLs ({@code /predict/{name}}): letters, digits, {@code . _ -}
     * @param dir the model directory {@code ferry train} wrote
     * @param int8 serve its int8 network ({@code ferry quantize}) instead of the float one
     */
    public record Model(String name, Path dir, boolean int8) {
        /** The float network. */
        public Model(String name, Path dir) {
            this(name, dir, false);
        }

        public Model {
            Objects.requireNonNull(dir, "dir");
            if (name == null || !NAME.matcher(name).matches()) {
                throw new InputException("model name '" + name + "' (" + dir + ") must be 1-64 letters, digits, '.', '_' or '-',"
                        + " starting with a letter or digit");
            }
        }
    }

    /** Checks every value. */
    public ServeOptions {
        models = List.copyOf(models);
        if (models.isEmpty()) {
            throw new InputException("give at least one model to serve");
        }
        Set<String> names = new HashSet<>();
        for (Model m : models) {
            if (!names.add(m.name())) {
                throw new InputException("two models are named '" + m.name() + "': give each its own name (name=DIR)");
            }
        }
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new InputException("the port must be in [0, 65535], got " + port);
        }
        atLeast(1, maxBatch, "the batch size");
        if (maxDelay.isNegative() || maxDelay.compareTo(Duration.ofSeconds(10)) > 0) {
            throw new InputException("the batching delay must be in [0, 10000] ms, got " + maxDelay.toMillis() + " ms");
        }
        atLeast(1, queueCapacity, "the queue capacity");
        if (maxRequestBytes < 1024 || maxRequestBytes > ImageDecoder.MAX_FILE_BYTES) {
            throw new InputException("the request size limit must be in [1024, " + ImageDecoder.MAX_FILE_BYTES + "] bytes, got "
                    + maxRequestBytes);
        }
        if (maxPixels < 1 || maxPixels > ImageDecoder.MAX_PIXELS) {
            throw new InputException("the pixel limit must be in [1, " + ImageDecoder.MAX_PIXELS + "], got " + maxPixels);
        }
        atLeast(1, maxImages, "the image count per request");
        if (requestTimeout.compareTo(Duration.ofMillis(1)) < 0) {
            throw new InputException("the request timeout must be at least 1 ms, got " + requestTimeout.toMillis() + " ms");
        }
        atLeast(1, decodeThreads, "the decoding thread count");
        atLeast(1, engineThreads, "the engine thread count");
        atLeast(4, httpThreads, "the HTTP thread count");
        if (token != null && token.isBlank()) {
            throw new InputException("the bearer token is empty");
        }
    }

    /** The defaults for these models: loopback, port 8080, threads for this machine. */
    public static ServeOptions defaults(List<Model> models) {
        int cores = Math.max(1, Runtime.getRuntime().availableProcessors());
        return new ServeOptions(models, DEFAULT_HOST, DEFAULT_PORT, DEFAULT_MAX_BATCH, DEFAULT_MAX_DELAY, DEFAULT_QUEUE,
                DEFAULT_MAX_REQUEST_BYTES, DEFAULT_MAX_PIXELS, DEFAULT_MAX_IMAGES, DEFAULT_TIMEOUT, cores, cores,
                DEFAULT_HTTP_THREADS, null, null);
    }

    /** These options on another address. */
    public ServeOptions withAddress(String newHost, int newPort) {
        return new ServeOptions(models, newHost, newPort, maxBatch, maxDelay, queueCapacity, maxRequestBytes, maxPixels,
                maxImages, requestTimeout, decodeThreads, engineThreads, httpThreads, token, corsOrigin);
    }

    /** These options with other batching and queue limits. */
    public ServeOptions withBatching(int newMaxBatch, Duration newMaxDelay, int newQueue) {
        return new ServeOptions(models, host, port, newMaxBatch, newMaxDelay, newQueue, maxRequestBytes, maxPixels,
                maxImages, requestTimeout, decodeThreads, engineThreads, httpThreads, token, corsOrigin);
    }

    /** These options with other request limits. */
    public ServeOptions withLimits(long newMaxRequestBytes, long newMaxPixels, int newMaxImages, Duration newTimeout) {
        return new ServeOptions(models, host, port, maxBatch, maxDelay, queueCapacity, newMaxRequestBytes, newMaxPixels,
                newMaxImages, newTimeout, decodeThreads, engineThreads, httpThreads, token, corsOrigin);
    }

    /** These options with other thread counts. */
    public ServeOptions withThreads(int newDecode, int newEngine, int newHttp) {
        return new ServeOptions(models, host, port, maxBatch, maxDelay, queueCapacity, maxRequestBytes, maxPixels,
                maxImages, requestTimeout, newDecode, newEngine, newHttp, token, corsOrigin);
    }

    /** These options with a bearer token (null: none) and a CORS origin (null: CORS off). */
    public ServeOptions withAccess(String newToken, String newCorsOrigin) {
        return new ServeOptions(models, host, port, maxBatch, maxDelay, queueCapacity, maxRequestBytes, maxPixels,
                maxImages, requestTimeout, decodeThreads, engineThreads, httpThreads, newToken, newCorsOrigin);
    }

    private static void atLeast(int min, long value, String what) {
        if (value < min) {
            throw new InputException(what + " must be at least " + min + ", got " + value);
        }
    }
}
