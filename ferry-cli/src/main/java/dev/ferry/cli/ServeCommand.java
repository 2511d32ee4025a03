package dev.ferry.cli;

import dev.ferry.InputException;
import dev.ferry.serve.FerryServer;
import dev.ferry.serve.ServeOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry serve}: trained models behind HTTP until SIGTERM or SIGINT, then a graceful stop
 * (requests in flight are answered) and exit 0.
 */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Serve trained models over HTTP: POST /predict/{model} (image bytes or a multipart form), the Open",
            "Inference Protocol v2 (/v2/health/live, /v2/health/ready, /v2/models/{model}, .../infer), Prometheus",
            "/metrics and a page at /. Requests from concurrent clients are batched; a full queue answers 503.",
            "SIGTERM or Ctrl-C stops accepting, answers what is in flight and exits 0."
        })
public final class ServeCommand extends FerryCommand {

    @Option(names = "--model", required = true, paramLabel = "[NAME=]DIR",
            description = "A model folder written by ferry train, served as /predict/NAME (default NAME: the folder's name). Repeatable.")
    List<String> models;

    @picocli.CommandLine.Mixin
    Int8Option int8 = new Int8Option();

    @Option(names = "--host", defaultValue = ServeOptions.DEFAULT_HOST,
            description = "Address to listen on (default: ${DEFAULT-VALUE}, this machine only; 0.0.0.0 for every interface).")
    String host;

    @Option(names = "--port", defaultValue = "" + ServeOptions.DEFAULT_PORT, description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--max-batch", defaultValue = "" + ServeOptions.DEFAULT_MAX_BATCH,
            description = "Most images joined into one forward pass (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--max-delay-ms", defaultValue = "0",
            description = "How long a batch's first image waits for others (default: ${DEFAULT-VALUE}: a batch is what is queued when the engine is free).")
    long maxDelayMs;

    @Option(names = "--queue", defaultValue = "" + ServeOptions.DEFAULT_QUEUE,
            description = "Images that may wait per model; beyond it requests get 503 with Retry-After (default: ${DEFAULT-VALUE}).")
    int queue;

    @Option(names = "--max-request-bytes", defaultValue = "" + ServeOptions.DEFAULT_MAX_REQUEST_BYTES,
            description = "Largest request body; larger gets 413 (default: ${DEFAULT-VALUE}, 16 MiB).")
    long maxRequestBytes;

    @Option(names = "--max-pixels", defaultValue = "" + ServeOptions.DEFAULT_MAX_PIXELS,
            description = "Most pixels per image, read from its header before decoding (default: ${DEFAULT-VALUE}).")
    long maxPixels;

    @Option(names = "--max-images", defaultValue = "" + ServeOptions.DEFAULT_MAX_IMAGES,
            description = "Most images in one request (default: ${DEFAULT-VALUE}).")
    int maxImages;

    @Option(names = "--timeout-ms", defaultValue = "30000",
            description = "Longest a request may take, arrival to answer; beyond it 504 (default: ${DEFAULT-VALUE}).")
    long timeoutMs;

    @Option(names = "--threads", description = "Inference engine threads (default: the number of cores).")
    Integer engineThreads;

    @Option(names = "--decode-threads", description = "Image decoding threads (default: the number of cores).")
    Integer decodeThreads;

    @Option(names = "--http-threads", defaultValue = "" + ServeOptions.DEFAULT_HTTP_THREADS,
            description = "Request threads, each holding at most one request (default: ${DEFAULT-VALUE}).")
    int httpThreads;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "Require 'Authorization: Bearer TOKEN' on every API call, TOKEN being the file's first line (health checks and the page stay open).")
    Path tokenFile;

    @Option(names = "--cors-origin", paramLabel = "ORIGIN",
            description = "Allow cross-origin calls from this one origin, e.g. https://app.example.com (default: none).")
    String corsOrigin;

    @Override
    protected int run() throws Exception {
        int cores = Math.max(1, Runtime.getRuntime().availableProcessors());
        List<ServeOptions.Model> parsed = new ArrayList<>();
        for (ServeOptions.Model m : parseModels(models)) {
            parsed.add(new ServeOptions.Model(m.name(), m.dir(), int8.int8));
        }
        ServeOptions options = new ServeOptions(parsed, host, port, maxBatch, Duration.ofMillis(maxDelayMs), queue,
                maxRequestBytes, maxPixels, maxImages, Duration.ofMillis(timeoutMs),
                positive(decodeThreads, cores, "--decode-threads"), positive(engineThreads, cores, "--threads"), httpThreads,
                tokenFile == null ? null : readToken(tokenFile), corsOrigin);
        CountDownLatch stop = new CountDownLatch(1);
        boolean caught = Signals.install(stop::countDown);
        try (FerryServer server = FerryServer.start(options, line -> {
            err().println("ferry: " + line);
            err().flush();
        })) {
            // Scripts wait for this exact line (and may read the port off it).
            err().println("ferry: listening on " + server.uri().toString().replaceAll("/$", ""));
            err().println("ferry: models: " + String.join(", ", server.models()) + "; batch up to " + maxBatch + ", queue "
                    + queue + (options.token() != null ? ", bearer token required" : "")
                    + (caught ? "; SIGTERM or Ctrl-C stops" : ""));
            err().flush();
            stop.await();
            err().println("ferry: stopping: answering " + server.inFlight() + " requests in flight");
            err().flush();
        }
        err().println("ferry: stopped");
        err().flush();
        return OK;
    }

    /** {@code DIR} or {@code NAME=DIR}; a bare folder is named after itself. */
    static List<ServeOptions.Model> parseModels(List<String> specs) {
        List<ServeOptions.Model> out = new ArrayList<>();
        for (String spec : specs) {
            int eq = spec.indexOf('=');
            Path dir = Path.of(eq < 0 ? spec : spec.substring(eq + 1));
            String name;
            if (eq >= 0) {
                name = spec.substring(0, eq);
            } else {
                Path abs = dir.toAbsolutePath().normalize();
                name = abs.getFileName() == null ? "" : abs.getFileName().toString();
            }
            if (!Files.isDirectory(dir)) {
                throw new InputException("--model " + spec + ": no such folder (" + dir + ")");
            }
            out.add(new ServeOptions.Model(name, dir));
        }
        return out;
    }

    private static int positive(Integer given, int fallback, String flag) {
        if (given == null) {
            return fallback;
        }
        if (given < 1) {
            throw new InputException(flag + " must be at least 1, got " + given);
        }
        return given;
    }

    /** The token: the file's first line, trimmed. */
    static String readToken(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InputException("--token-file " + file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new InputException("--token-file " + file + ": permission denied");
        } catch (IOException e) {
            throw new InputException("--token-file " + file + ": cannot read it (" + e.getMessage() + ")");
        }
        String first = text.lines().findFirst().orElse("").strip();
        if (first.isEmpty()) {
            throw new InputException("--token-file " + file + ": the first line is empty; put the token there");
        }
        return first;
    }
}
