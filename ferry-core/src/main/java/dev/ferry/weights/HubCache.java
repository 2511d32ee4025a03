package dev.ferry.weights;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.ferry.FerryException;
import dev.ferry.InputException;
import dev.ferry.model.Architecture;
import dev.ferry.model.ResNet;
import dev.ferry.model.ResNetConfig;
import dev.ferry.platform.AtomicFiles;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Weights from a Hugging Face hub repository in timm's layout ({@code model.safetensors} and
 * {@code config.json}), kept in the cache as
 * {@code <cache>/weights/hf-hub/<org>--<name>/<revision>/}.
 *
 * <p>A download goes into a hidden folder next to the final one and only moves into place once
 * the weights' SHA-256 matches what it must (the pin of a known entry, else the hash the hub sends
 * with the file as {@code X-Linked-Etag}), the config names one of torchvision's networks, and the
 * file's keys and shapes are exactly that network's: a repository whose weights do not fit leaves
 * nothing behind. Each folder holds a {@value #RECORD} with the repository, the revision asked for,
 * the commit the hub served ({@code X-Repo-Commit}), the hash and the URL; later loads check the
 * file against that hash.
 */
public final class HubCache {
    /** The hub ferry downloads from unless told otherwise. */
    public static final URI DEFAULT_ENDPOINT = URI.create("https://huggingface.co/");

    /** The weights file of a timm repository. */
    public static final String WEIGHTS = "model.safetensors";

    /** The configuration file of a timm repository. */
    public static final String CONFIG = "config.json";

    /** What ferry records about a download, next to the files. */
    public static final String RECORD = "fetched.json";

    private final WeightsCache cache;
    private final URI endpoint;

    /**
     * @param cache the cache folder, HTTP client and progress output to use
     * @param endpoint the hub's address, e.g. {@link #DEFAULT_ENDPOINT} or a mirror
     */
    public HubCache(WeightsCache cache, URI endpoint) {
        this.cache = Objects.requireNonNull(cache, "cache");
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
    }

    /**
     * The hub to use: {@code HF_ENDPOINT} if set (the variable the hub's own clients read, for a
     * mirror), else {@link #DEFAULT_ENDPOINT}.
     */
    public static URI endpoint(Map<String, String> environment) {
        String e = environment.get("HF_ENDPOINT");
        if (e == null || e.isBlank()) {
            return DEFAULT_ENDPOINT;
        }
        try {
            URI uri = URI.create(e.trim());
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw new IllegalArgumentException("no scheme or host");
            }
            return uri;
        } catch (IllegalArgumentException ex) {
            throw new InputException("HF_ENDPOINT is not a URL: " + e);
        }
    }

    /**
     * A repository's files in the cache.
     *
     * @param reference what was asked for
     * @param folder the cache folder holding them
     * @param weights {@code folder/model.safetensors}
     * @param config its parsed {@code config.json}
     * @param commit the commit the hub served, or null when the files were put there by hand or the
     *     hub did not say
     * @param sha256 the weights file's SHA-256
     * @param url where the weights came from
     */
    public record HubFiles(HubReference reference, Path folder, Path weights, HubConfig config, String commit, String sha256, URI url) {
        /** Where the weights came from, for a model's {@code model.json}. */
        public Map<String, Object> provenance() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("source", "hf-hub");
            m.put("repository", reference.repository());
            m.put("revision", reference.revision());
            m.put("commit", commit);
            m.put("sha256", sha256);
            m.put("url", url.toString());
            return m;
        }
    }

    /** The cache this hub's downloads go into. */
    public WeightsCache cache() {
        return cache;
    }

    /** The hub's address. */
    public URI endpoint() {
        return endpoint;
    }

    /**
     * A download's record.
     *
     * @param repository {@code ORG/NAME}
     * @param revision the revision asked for
     * @param commit the commit served, or null
     * @param sha256 the weights' SHA-256
     */
    public record Recorded(String repository, String revision, String commit, String sha256) {}

    /** The record in {@code folder}, or null when it has none. */
    public static Recorded recorded(Path folder) {
        Path record = folder.resolve(RECORD);
        if (!Files.isRegularFile(record)) {
            return null;
        }
        JsonObject r = readRecord(record);
        return new Recorded(text(r, "repository"), text(r, "revision"), text(r, "commit"), text(r, "sha256"));
    }

    private static String text(JsonObject o, String key) {
        return o.has(key) && !o.get(key).isJsonNull() ? o.get(key).getAsString() : null;
    }

    /** The folder that holds (or will hold) {@code ref}'s files. */
    public Path folderFor(HubReference ref) {
        return cache.directory().resolve("weights").resolve("hf-hub").resolve(ref.folderName()).resolve(ref.revision());
    }

    /**
     * The files of {@code ref}, downloading and checking them first if the cache lacks a valid copy.
     *
     * @param pinnedSha256 the SHA-256 the weights must have, or null to trust the hub's published hash
     * @throws InputException (one line) if the repository is not a torchvision network or its
     *     weights do not fit it
     * @throws FerryException (one line) if the download fails or does not match its hash; for a
     *     network failure the message gives the URLs to fetch and the folder to save them in
     */
    public HubFiles resolve(HubReference ref, String pinnedSha256) {
        Path folder = folderFor(ref);
        Path weights = folder.resolve(WEIGHTS);
        Path config = folder.resolve(CONFIG);
        if (Files.isRegularFile(weights) && Files.isRegularFile(config)) {
            HubFiles cached = cached(ref, folder, pinnedSha256);
            if (cached != null) {
                return cached;
            }
        }
        return download(ref, folder, pinnedSha256);
    }

    /** The cached copy, or null (after saying why) when it no longer matches its hash. */
    private HubFiles cached(HubReference ref, Path folder, String pinnedSha256) {
        Path weights = folder.resolve(WEIGHTS);
        Path record = folder.resolve(RECORD);
        String digest = cache.verifiedDigest(weights);
        String commit = null;
        String expected = pinnedSha256;
        URI url = ref.fileUri(endpoint, WEIGHTS);
        if (Files.isRegularFile(record)) {
            JsonObject r = readRecord(record);
            String recorded = r.has("sha256") ? r.get("sha256").getAsString() : null;
            commit = r.has("commit") && !r.get("commit").isJsonNull() ? r.get("commit").getAsString() : null;
            if (r.has("url")) {
                url = URI.create(r.get("url").getAsString());
            }
            if (expected == null) {
                expected = recorded;
            } else if (recorded != null && !recorded.equals(expected)) {
                cache.progress().println(folder + " holds a download whose SHA-256 " + recorded + " is not the pinned "
                        + expected + "; downloading it again");
                return null;
            }
        }
        if (expected != null && !digest.equals(expected)) {
            cache.progress().println(weights + " does not match its expected SHA-256 " + expected + "; downloading it again");
            return null;
        }
        HubConfig cfg = readConfig(folder.resolve(CONFIG));
        if (!Files.isRegularFile(record)) {
            // Files the user saved by hand: checked like a download once, then recorded.
            check(cfg, WeightsReader.read(weights), weights);
            writeRecord(record, ref, null, digest, sizeOf(weights), url);
        }
        return new HubFiles(ref, folder, weights, cfg, commit, digest, url);
    }

    private HubFiles download(HubReference ref, Path folder, String pinnedSha256) {
        URI configUrl = ref.fileUri(endpoint, CONFIG);
        URI weightsUrl = ref.fileUri(endpoint, WEIGHTS);
        Path staging = null;
        try {
            Files.createDirectories(folder.getParent());
            staging = newStagingFolder(folder);
            Path config = staging.resolve(CONFIG);
            Path weights = staging.resolve(WEIGHTS);
            Files.createFile(config);
            Files.createFile(weights);
            WeightsCache.Fetched c = fetch(configUrl, config, ref, folder);
            HubConfig cfg = readConfig(config, shown(ref, CONFIG));
            // Refuse a network ferry cannot build before downloading hundreds of megabytes of it.
            architecture(cfg, shown(ref, CONFIG));
            WeightsCache.Fetched w = fetch(weightsUrl, weights, ref, folder);
            String published = linkedSha256(w.header("X-Linked-Etag"));
            String expected = pinnedSha256 != null ? pinnedSha256 : published;
            if (expected != null && !w.sha256().equals(expected)) {
                throw new FerryException("downloaded " + weightsUrl + " but its SHA-256 " + w.sha256() + " is not "
                        + (pinnedSha256 != null ? "the pinned " : "the hub's ") + expected
                        + "; discarded it (a corrupted transfer or a changed repository?), try again");
            }
            String commit = w.header("X-Repo-Commit");
            if (commit == null) {
                commit = c.header("X-Repo-Commit");
            }
            if (ref.pinned() && commit != null && !commit.equals(ref.revision())) {
                throw new FerryException("asked " + endpoint + " for commit " + ref.revision() + " of " + ref.repository()
                        + " but it served " + commit + "; discarded the download");
            }
            if (published == null && pinnedSha256 == null) {
                cache.progress().println("note: " + weightsUrl + " came without a published hash; recorded its SHA-256 " + w.sha256());
            }
            check(cfg, WeightsReader.read(weights), shown(ref, WEIGHTS));
            cache.writeStamp(weights, w.sha256());
            writeRecord(staging.resolve(RECORD), ref, commit, w.sha256(), w.bytes(), weightsUrl);
            if (Files.exists(folder)) {
                deleteTree(folder);
            }
            try {
                Files.move(staging, folder, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (java.nio.file.AtomicMoveNotSupportedException e) {
                Files.move(staging, folder);
            }
            staging = null;
            // The stamp holds the file's modification time, which a move keeps.
            return new HubFiles(ref, folder, folder.resolve(WEIGHTS), cfg, commit, w.sha256(), weightsUrl);
        } catch (IOException e) {
            throw new FerryException("cannot save " + ref.spec() + " in " + folder + " (" + WeightsCache.describe(e) + ")", e);
        } finally {
            if (staging != null) {
                try {
                    deleteTree(staging);
                } catch (IOException ignored) {
                    // The failure being reported matters more than a leftover hidden folder.
                }
            }
        }
    }

    private WeightsCache.Fetched fetch(URI url, Path file, HubReference ref, Path folder) throws IOException {
        try {
            return cache.fetch(url, file, ref.repository() + "/" + file.getFileName());
        } catch (WeightsCache.DownloadFailure e) {
            throw new FerryException("cannot download " + url + " (" + WeightsErrors.oneLine(e.getMessage()) + "); download "
                    + ref.fileUri(endpoint, CONFIG) + " and " + ref.fileUri(endpoint, WEIGHTS)
                    + " yourself and save them in " + folder + " (as " + CONFIG + " and " + WEIGHTS + ")");
        } catch (IOException e) {
            throw new FerryException("cannot download " + url + " (" + WeightsErrors.oneLine(WeightsCache.describe(e)) + "); download "
                    + ref.fileUri(endpoint, CONFIG) + " and " + ref.fileUri(endpoint, WEIGHTS)
                    + " yourself and save them in " + folder + " (as " + CONFIG + " and " + WEIGHTS + ")", e);
        }
    }

    /**
     * The SHA-256 in an {@code X-Linked-Etag} header ({@code "<64 hex>"}, quoted, maybe weak), or
     * null when the header is absent or holds something else (a small file's git hash).
     */
    static String linkedSha256(String etag) {
        if (etag == null) {
            return null;
        }
        String e = etag.trim();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        e = e.replace("\"", "").toLowerCase(Locale.ROOT);
        return e.matches("[0-9a-f]{64}") ? e : null;
    }

    /**
     * The torchvision network {@code cfg} names.
     *
     * @throws InputException when timm's architecture is not one of torchvision's (a {@code resnet50d}'s
     *     deep stem and pooled shortcuts, a {@code seresnet50}'s attention)
     */
    public static Architecture architecture(HubConfig cfg, Path file) {
        for (Architecture a : Architecture.values()) {
            if (a.id().equals(cfg.architecture())) {
                return a;
            }
        }
        throw new InputException(file + ": timm's " + cfg.architecture() + " is not one of torchvision's networks, whose keys"
                + " ferry loads (" + Architecture.knownIds() + ")");
    }

    /**
     * Checks that {@code sd} is exactly the network {@code cfg} names: the architecture inferred
     * from the tensors, the class count, and every key and shape; nothing loads half-way.
     *
     * @throws InputException (one line, naming {@code file}) on the first difference
     */
    public static ResNetConfig check(HubConfig cfg, StateDict sd, Path file) {
        Architecture arch = architecture(cfg, file);
        ResNetConfig found = ModelWeights.inferConfig(sd, file);
        if (found.architecture() != arch || found.width() != 64) {
            throw new InputException(file + ": the config says " + arch.id() + " but the tensors are "
                    + found.architecture().id() + (found.width() != 64 ? " of width " + found.width() : ""));
        }
        // Keys and shapes against the network the config describes: a missing or renamed fc is
        // reported as such, not as a class count. Nothing here loads leniently: a hub file that does
        // not fit is the wrong file.
        ResNetConfig described = found.withNumClasses(cfg.numClasses());
        ModelWeights.LoadReport report = ModelWeights.check(ResNet.create(described), sd, true, false, file);
        if (report.headReplaced()) {
            throw new InputException(file + ": the config says " + cfg.numClasses() + " classes but fc has " + report.fileClasses());
        }
        if (!report.missing().isEmpty() || !report.unexpected().isEmpty() || !report.mismatched().isEmpty()) {
            List<String> lines = report.lines();
            throw new InputException(file + ": not timm's plain " + arch.id() + " with " + cfg.numClasses() + " classes, as its config says: "
                    + String.join("; ", lines.subList(1, lines.size())));
        }
        return described;
    }

    /**
     * How a file of a download in progress is named in messages: {@code ORG/NAME@REVISION/FILE},
     * as the hidden folder it sits in is gone once the message is read.
     */
    private static Path shown(HubReference ref, String file) {
        return Path.of(ref.repository() + "@" + ref.revision(), file);
    }

    private static HubConfig readConfig(Path file) {
        return readConfig(file, file);
    }

    private static HubConfig readConfig(Path file, Path shownAs) {
        try {
            return HubConfig.parse(Files.readString(file, StandardCharsets.UTF_8), shownAs.toString());
        } catch (IOException e) {
            throw new FerryException("cannot read " + file + ": " + WeightsCache.describe(e), e);
        }
    }

    private static JsonObject readRecord(Path record) {
        try {
            return JsonParser.parseString(Files.readString(record, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            throw new InputException(record + ": unreadable download record (" + WeightsErrors.oneLine(e.getMessage())
                    + "); delete its folder and fetch again");
        }
    }

    private static void writeRecord(Path record, HubReference ref, String commit, String sha256, long bytes, URI url) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("repository", ref.repository());
        m.put("revision", ref.revision());
        m.put("commit", commit);
        m.put("sha256", sha256);
        m.put("bytes", bytes);
        m.put("url", url.toString());
        m.put("fetched", Instant.now().toString());
        AtomicFiles.writeString(record, new GsonBuilder().serializeNulls().setPrettyPrinting().create().toJson(m) + "\n");
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new FerryException("cannot read " + file + ": " + WeightsCache.describe(e), e);
        }
    }

    private static Path newStagingFolder(Path folder) throws IOException {
        for (int attempt = 0; ; attempt++) {
            String suffix = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
            Path dir = folder.resolveSibling("." + folder.getFileName() + "." + suffix + ".tmp");
            try {
                return Files.createDirectory(dir);
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 10) {
                    throw e;
                }
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
