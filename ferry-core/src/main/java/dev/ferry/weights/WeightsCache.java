package dev.ferry.weights;

import dev.ferry.FerryException;
import dev.ferry.platform.AtomicFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Finds pretrained weight files in a local cache folder, downloading missing ones.
 *
 * <p>Files live in {@code <directory>/weights/<torchvision file name>}. A download goes to a
 * temporary file in that folder, is checked against the SHA-256 prefix in the file name (as
 * torch.hub does), and only then renamed into place, so the cache never holds a partial or wrong
 * file under the final name. A file the user put there by hand is checked the same way once; a
 * small {@code .sha256} stamp next to it records that it passed, so later runs skip re-hashing
 * hundreds of megabytes as long as the file's size and modification time are unchanged.
 *
 * <p>Instances hold no mutable state besides the HTTP client and are safe to share.
 */
public final class WeightsCache {
    private final Path directory;
    private final URI baseUri;
    private final PrintStream progress;
    private final Duration timeout;
    private final HttpClient http;

    /**
     * A cache that downloads from torchvision's server.
     *
     * @param directory the cache folder, see {@link #defaultDirectory(Map, String)}
     * @param progress where to draw the download progress bar (usually {@code System.err})
     */
    public WeightsCache(Path directory, PrintStream progress) {
        this(directory, KnownWeights.DOWNLOAD_BASE, progress, Duration.ofSeconds(30));
    }

    /**
     * A cache that downloads from {@code baseUri} (file names are resolved against it).
     *
     * @param directory the cache folder
     * @param baseUri the folder URL to download from, ending in '/'
     * @param progress where to draw the download progress bar
     * @param timeout how long to wait for a connection, for the response headers, and for each
     *     further piece of the body before giving up
     */
    public WeightsCache(Path directory, URI baseUri, PrintStream progress, Duration timeout) {
        this.directory = Objects.requireNonNull(directory, "directory").toAbsolutePath();
        this.baseUri = Objects.requireNonNull(baseUri, "baseUri");
        this.progress = Objects.requireNonNull(progress, "progress");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.http = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    /**
     * The cache folder to use: {@code FERRY_CACHE} if set and not blank, else
     * {@code <userHome>/.cache/ferry}. Pure, so callers pass {@code System.getenv()} and
     * {@code System.getProperty("user.home")} and tests pass anything.
     */
    public static Path defaultDirectory(Map<String, String> environment, String userHome) {
        return dev.ferry.platform.CacheDirectory.of(environment, userHome);
    }

    /**
     * The cache at {@link #defaultDirectory(Map, String)}, downloading from torchvision's server.
     */
    public static WeightsCache fromEnvironment(Map<String, String> environment, String userHome, PrintStream progress) {
        return new WeightsCache(defaultDirectory(environment, userHome), progress);
    }

    /** The cache folder. */
    public Path directory() {
        return directory;
    }

    /** Where progress and notes go. */
    PrintStream progress() {
        return progress;
    }

    /** Where {@code weights} is (or will be) stored. */
    public Path pathFor(KnownWeights weights) {
        return pathFor(weights.fileName());
    }

    /** Where a file named {@code fileName} is (or will be) stored. */
    public Path pathFor(String fileName) {
        if (fileName.isEmpty() || fileName.contains("/") || fileName.contains("\\") || fileName.startsWith(".")) {
            throw new IllegalArgumentException("not a plain file name: " + fileName);
        }
        return directory.resolve("weights").resolve(fileName);
    }

    /**
     * The local path of {@code weights}, downloading and verifying the file first if the cache
     * lacks a valid copy.
     *
     * @throws FerryException (one line) if the download fails or does not match its hash; for a
     *     network failure the message gives the URL to fetch and the exact path to save it as
     */
    public Path resolve(KnownWeights weights) {
        return resolve(weights.fileName(), weights.sha256Prefix());
    }

    /**
     * Like {@link #resolve(KnownWeights)} for any file under the base URI whose SHA-256 hex
     * digest must start with {@code sha256Prefix} (lower-case hex).
     */
    public Path resolve(String fileName, String sha256Prefix) {
        Path target = pathFor(fileName);
        URI url = baseUri.resolve(fileName);
        if (Files.isRegularFile(target)) {
            String digest = verifiedDigest(target);
            if (digest.startsWith(sha256Prefix)) {
                return target;
            }
            progress.println(target + " does not match its expected SHA-256 prefix " + sha256Prefix + "; downloading it again");
        }
        download(url, target, sha256Prefix);
        return target;
    }

    /** The file's digest, from its stamp if the stamp is current, otherwise computed (and stamped). */
    String verifiedDigest(Path file) {
        Path stamp = stampFor(file);
        try {
            String fingerprint = fingerprint(file);
            if (Files.isRegularFile(stamp)) {
                List<String> lines = Files.readAllLines(stamp, StandardCharsets.UTF_8);
                if (lines.size() == 2 && lines.get(1).equals(fingerprint)) {
                    return lines.get(0);
                }
            }
            String digest = dev.ferry.platform.FileDigest.sha256(file);
            writeStamp(file, digest);
            return digest;
        } catch (IOException e) {
            throw new FerryException("cannot read " + file + ": " + WeightsErrors.oneLine(String.valueOf(e.getMessage())), e);
        }
    }

    private void download(URI url, Path target, String sha256Prefix) {
        Path temp = null;
        try {
            Files.createDirectories(target.getParent());
            temp = AtomicFiles.newTempFile(target.getParent(), target.getFileName().toString()); // follows the umask
            String digest = fetch(url, temp, target.getFileName().toString()).sha256();
            if (!digest.startsWith(sha256Prefix)) {
                throw new FerryException("downloaded " + url + " but its SHA-256 " + digest + " does not start with "
                        + sha256Prefix + "; discarded it (a corrupted transfer or a proxy's error page?), try again");
            }
            AtomicFiles.move(temp, target);
            temp = null;
            writeStamp(target, digest);
        } catch (DownloadFailure e) {
            throw cannotDownload(url, target, e.getMessage());
        } catch (IOException e) {
            throw cannotDownload(url, target, describe(e));
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // Reporting the download failure matters more than a leftover hidden .part file.
                }
            }
        }
    }

    /**
     * What one download brought.
     *
     * @param sha256 the body's SHA-256, lower-case hex
     * @param bytes the body's length
     * @param headers the headers of every response on the way, the first request's first (a
     *     redirect's headers say what the server it points to does not)
     */
    record Fetched(String sha256, long bytes, List<HttpHeaders> headers) {
        /** The first value of header {@code name} along the way, or null. */
        String header(String name) {
            for (HttpHeaders h : headers) {
                Optional<String> v = h.firstValue(name);
                if (v.isPresent()) {
                    return v.get();
                }
            }
            return null;
        }
    }

    /** Why a download did not complete, in words for "cannot download URL (reason)". */
    static final class DownloadFailure extends Exception {
        DownloadFailure(String reason) {
            super(reason);
        }
    }

    /**
     * Downloads {@code url} (following redirects) into the existing file {@code temp}, drawing the
     * progress bar as {@code label}. Any status but 200 at the end of the redirects is a failure.
     */
    Fetched fetch(URI url, Path temp, String label) throws DownloadFailure, IOException {
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            Transfer transfer = new Transfer(out, label);
            HttpRequest request = HttpRequest.newBuilder(url).timeout(timeout).GET().build();
            CompletableFuture<HttpResponse<Void>> pending = http.sendAsync(request, info -> {
                if (info.statusCode() != 200) {
                    return HttpResponse.BodySubscribers.replacing(null);
                }
                transfer.total = info.headers().firstValueAsLong("Content-Length").orElse(-1);
                return HttpResponse.BodySubscribers.ofByteArrayConsumer(transfer::accept);
            });
            HttpResponse<Void> response = await(pending, transfer);
            if (response.statusCode() != 200) {
                throw new DownloadFailure("HTTP status " + response.statusCode());
            }
            if (transfer.failure != null) {
                throw transfer.failure;
            }
            List<HttpHeaders> chain = new java.util.ArrayList<>();
            for (HttpResponse<?> r = response; r != null; r = r.previousResponse().orElse(null)) {
                chain.add(0, r.headers());
            }
            return new Fetched(transfer.finish(), transfer.done, chain);
        }
    }

    /**
     * Waits for the response, giving up when no byte arrived for a whole {@link #timeout}: the
     * request timeout only covers the wait for the headers, and a stalled body would otherwise
     * hang the command forever.
     */
    private HttpResponse<Void> await(CompletableFuture<HttpResponse<Void>> pending, Transfer transfer)
            throws IOException, DownloadFailure {
        long seen = -1;
        while (true) {
            try {
                return pending.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                long now = transfer.done;
                if (now == seen) {
                    pending.cancel(true);
                    throw new DownloadFailure("no data for " + (timeout.toMillis() % 1000 == 0 ? timeout.toSeconds() + " s" : timeout.toMillis() + " ms")
                            + " after " + now + " bytes");
                }
                seen = now;
            } catch (InterruptedException e) {
                pending.cancel(true);
                Thread.currentThread().interrupt();
                throw new DownloadFailure("interrupted");
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof IOException io) {
                    throw io;
                }
                throw new DownloadFailure(cause instanceof Exception ex ? describe(ex) : String.valueOf(cause));
            }
        }
    }

    /**
     * Receives the body on the HTTP client's thread: writes it to the temporary file, hashes it and
     * draws the progress bar. Chunks arrive one at a time (reactive-streams rules), so only the
     * fields the waiting thread reads are volatile.
     */
    private final class Transfer {
        private final FileChannel out;
        private final String label;
        private final MessageDigest sha = dev.ferry.platform.FileDigest.newSha256();
        volatile long total = -1;
        volatile long done;
        volatile IOException failure;
        private int shown = -1;

        Transfer(FileChannel out, String label) {
            this.out = out;
            this.label = label;
        }

        void accept(Optional<byte[]> chunk) {
            if (chunk.isEmpty() || failure != null) {
                return;
            }
            byte[] bytes = chunk.get();
            try {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    out.write(buf);
                }
            } catch (IOException e) {
                // Thrown here it would vanish into the client's thread; the waiting thread reports it.
                failure = e;
                return;
            }
            sha.update(bytes);
            done += bytes.length;
            // Redraw only when the bar changes: per percent, or per MiB when the size is unknown.
            int step = total > 0 ? (int) (done * 100 / total) : (int) (done >> 20);
            if (step != shown) {
                shown = step;
                progress.print("\r" + bar(label, done, total));
                progress.flush();
            }
        }

        /** Ends the progress line and returns the hex SHA-256 of everything received. */
        String finish() {
            progress.println("\r" + bar(label, done, total));
            return HexFormat.of().formatHex(sha.digest());
        }
    }

    /** e.g. {@code Downloading resnet50-11ad3fa6.pth [=========>          ]  45%  46.2/102.5 MB}. */
    static String bar(String label, long done, long total) {
        double mb = done / 1e6;
        if (total <= 0) {
            return String.format(Locale.ROOT, "Downloading %s %.1f MB", label, mb);
        }
        int width = 30;
        int percent = (int) Math.min(100, done * 100 / total);
        int filled = (int) Math.min(width, done * width / total);
        String arrow = filled == width ? "=".repeat(width) : "=".repeat(filled) + ">" + " ".repeat(width - filled - 1);
        return String.format(Locale.ROOT, "Downloading %s [%s] %3d%% %6.1f/%.1f MB", label, arrow, percent, mb, total / 1e6);
    }

    void writeStamp(Path file, String digest) throws IOException {
        // Best effort: without a stamp the next run simply hashes the file again.
        try {
            Files.writeString(stampFor(file), digest + "\n" + fingerprint(file) + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            progress.println("note: could not record the verified hash of " + file + " (" + describe(e) + ")");
        }
    }

    private static Path stampFor(Path file) {
        return file.resolveSibling(file.getFileName() + ".sha256");
    }

    private static String fingerprint(Path file) throws IOException {
        return Files.size(file) + " " + Files.getLastModifiedTime(file).toMillis();
    }

    private static FerryException cannotDownload(URI url, Path target, String reason) {
        return new FerryException("cannot download " + url + " (" + WeightsErrors.oneLine(reason)
                + "); download it yourself and save it as " + target);
    }

    static String describe(Exception e) {
        // The HTTP client's exceptions often carry no message of their own; the cause's says more.
        Throwable t = e;
        while ((t.getMessage() == null || t.getMessage().isBlank()) && t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String message = t.getMessage();
        if (message == null || message.isBlank()) {
            message = e instanceof java.net.ConnectException ? "connection refused or no route to the host"
                    : e instanceof java.net.UnknownHostException ? "unknown host"
                    : e instanceof java.net.http.HttpTimeoutException ? "timed out" : null;
        }
        return e.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
    }

}
