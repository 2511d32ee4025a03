package dev.ferry.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ferry.FerryException;
import dev.ferry.InputException;
import dev.ferry.data.Interpolation;
import dev.ferry.model.Architecture;
import dev.ferry.model.ResNet;
import dev.ferry.model.ResNetConfig;
import dev.ferry.platform.FileDigest;
import dev.ferry.train.Pretrained;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hub download path against an HTTP server on the loopback interface that answers as the hub
 * does: {@code config.json} directly, {@code model.safetensors} with a redirect to a storage URL that
 * carries the file's SHA-256 in {@code X-Linked-Etag} and the commit in {@code X-Repo-Commit}.
 */
class HubCacheTest {
    private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    private static final List<String> LABELS = IntStream.range(0, 10).mapToObj(i -> "class " + i).toList();

    /** A full-width ResNet-18 with 10 classes (timm's plain ResNets are full width), all zeros. */
    private static byte[] weights;
    /** The same with one key renamed: what a repository of another network looks like. */
    private static byte[] renamed;
    private static String weightsSha;
    private static String renamedSha;

    @TempDir
    static Path shared;

    @TempDir
    Path cacheDir;

    private HttpServer server;
    private URI endpoint;
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private final ByteArrayOutputStream progressBytes = new ByteArrayOutputStream();
    private final PrintStream progress = new PrintStream(progressBytes, true, StandardCharsets.UTF_8);

    @BeforeAll
    static void writeWeights() throws IOException {
        Map<String, Tensor> tensors = zeros(ResNet.create(ResNetConfig.of(Architecture.RESNET18, 10)));
        Path file = shared.resolve("model.safetensors");
        SafetensorsWriter.write(file, tensors, Map.of("format", "pt"));
        weights = Files.readAllBytes(file);
        weightsSha = FileDigest.sha256(file);
        Map<String, Tensor> other = new LinkedHashMap<>();
        tensors.forEach((k, v) -> other.put(k.equals("fc.weight") ? "head.fc.weight" : k, v));
        SafetensorsWriter.write(file, other, Map.of("format", "pt"));
        renamed = Files.readAllBytes(file);
        renamedSha = FileDigest.sha256(file);
    }

    private static Map<String, Tensor> zeros(ResNet net) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        net.stateDict().forEach((key, p) -> {
            long[] shape = p.getShape().getShape();
            int n = (int) p.getShape().size();
            out.put(key, key.endsWith("num_batches_tracked") ? Tensor.ofLongs(shape, new long[n]) : Tensor.ofFloats(shape, new float[n]));
        });
        return out;
    }

    static String config(String arch, int classes, boolean labels) {
        return "{\"architecture\": \"" + arch + "\", \"num_classes\": " + classes + ", \"num_features\": 512,"
                + (labels ? " \"label_names\": [" + LABELS.stream().map(l -> "\"" + l + "\"").collect(Collectors.joining(", ")) + "]," : "")
                + " \"pretrained_cfg\": {\"tag\": \"a1_in1k\", \"custom_load\": false, \"input_size\": [3, 224, 224],"
                + " \"test_input_size\": [3, 288, 288], \"fixed_input_size\": false, \"interpolation\": \"bicubic\","
                + " \"crop_pct\": 0.95, \"test_crop_pct\": 1.0, \"crop_mode\": \"center\", \"mean\": [0.485, 0.456, 0.406],"
                + " \"std\": [0.229, 0.224, 0.225], \"num_classes\": " + classes + ", \"pool_size\": [7, 7],"
                + " \"first_conv\": \"conv1\", \"classifier\": \"fc\"}}";
    }

    /**
     * Repositories by name: {@code timm/good} fits, {@code timm/tampered} publishes a hash its file
     * does not have, {@code timm/renamed} has a key ResNet-18 lacks, {@code timm/deep} is a
     * {@code resnet50d}, {@code timm/moved} serves another commit than asked.
     */
    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::answer);
        server.start();
        endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    private void answer(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
        String[] parts = path.split("/");
        try (exchange) {
            if (parts.length == 3 && parts[1].equals("storage")) {
                send(exchange, 200, parts[2].equals("renamed") ? renamed : weights);
                return;
            }
            // /ORG/NAME/resolve/REVISION/FILE
            if (parts.length != 6 || !parts[1].equals("timm") || !parts[3].equals("resolve")) {
                send(exchange, 404, new byte[0]);
                return;
            }
            String repo = parts[2];
            exchange.getResponseHeaders().add("X-Repo-Commit", repo.equals("moved") ? "fedcba9876543210fedcba9876543210fedcba98" : COMMIT);
            if (parts[5].equals("config.json")) {
                send(exchange, 200, config(repo.equals("deep") ? "resnet50d" : "resnet18", 10, true).getBytes(StandardCharsets.UTF_8));
            } else if (parts[5].equals("model.safetensors")) {
                String sha = repo.equals("tampered") ? "f".repeat(64) : repo.equals("renamed") ? renamedSha : weightsSha;
                exchange.getResponseHeaders().add("X-Linked-Etag", "\"" + sha + "\"");
                exchange.getResponseHeaders().add("Location", endpoint + "storage/" + (repo.equals("renamed") ? "renamed" : "blob"));
                exchange.sendResponseHeaders(302, -1);
            } else {
                send(exchange, 404, new byte[0]);
            }
        }
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private HubCache hub(URI at) {
        return new HubCache(new WeightsCache(cacheDir, at, progress, Duration.ofSeconds(5)), at);
    }

    private int hits(String path) {
        AtomicInteger n = hits.get(path);
        return n == null ? 0 : n.get();
    }

    private List<String> hubFolder() throws IOException {
        Path root = cacheDir.resolve("weights/hf-hub");
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> !p.equals(root)).map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void downloadFollowsTheRedirectChecksTheHashAndRecordsWhatItFetched() throws Exception {
        HubCache hub = hub(endpoint);
        HubReference ref = HubReference.parse("hf-hub:timm/good");

        HubCache.HubFiles files = hub.resolve(ref, null);

        Path folder = cacheDir.resolve("weights/hf-hub/timm--good/main");
        assertEquals(folder, files.folder());
        assertArrayEquals(weights, Files.readAllBytes(folder.resolve("model.safetensors")));
        assertEquals(weightsSha, files.sha256());
        assertEquals(COMMIT, files.commit());
        assertEquals(endpoint + "timm/good/resolve/main/model.safetensors", files.url().toString());
        assertEquals(1, hits("/storage/blob"), "the redirect was followed");
        assertEquals(List.of("timm--good", "timm--good/main", "timm--good/main/config.json", "timm--good/main/fetched.json",
                "timm--good/main/model.safetensors", "timm--good/main/model.safetensors.sha256"), hubFolder(), "nothing staged is left");

        JsonObject record = JsonParser.parseString(Files.readString(folder.resolve("fetched.json"))).getAsJsonObject();
        assertEquals("timm/good", record.get("repository").getAsString());
        assertEquals("main", record.get("revision").getAsString());
        assertEquals(COMMIT, record.get("commit").getAsString());
        assertEquals(weightsSha, record.get("sha256").getAsString());
        assertEquals(weights.length, record.get("bytes").getAsLong());
        assertEquals(Map.of("source", "hf-hub", "repository", "timm/good", "revision", "main", "commit", COMMIT,
                "sha256", weightsSha, "url", files.url().toString()), files.provenance());

        assertEquals("resnet18", files.config().architecture());
        assertEquals(LABELS, files.config().labels());

        HubCache.HubFiles again = hub.resolve(ref, null);
        assertEquals(files.weights(), again.weights());
        assertEquals(COMMIT, again.commit(), "read back from the record");
        assertEquals(1, hits("/timm/good/resolve/main/model.safetensors"), "the second resolve is served by the cache");
        assertEquals(1, hits("/timm/good/resolve/main/config.json"));
    }

    @Test
    void aModelTrainedFromTheHubRecordsWhereItsWeightsCameFrom() {
        Pretrained p = Pretrained.fromHub("hf-hub:timm/good", null, hub(endpoint));

        assertEquals("hf-hub:timm/good", p.description());
        assertEquals(ResNetConfig.of(Architecture.RESNET18, 10), p.config());
        assertEquals(LABELS, p.classes());
        // timm's eval transform: Resize(floor(224 / 0.95)) bicubic, CenterCrop 224.
        assertEquals(235, p.preset().resize());
        assertEquals(224, p.preset().crop());
        assertEquals(Interpolation.BICUBIC, p.preset().interpolation());
        assertEquals(COMMIT, p.provenance().get("commit"));
        assertEquals(weightsSha, p.provenance().get("sha256"));

        InputException wrongArch = assertThrows(InputException.class, () -> Pretrained.fromHub("hf-hub:timm/good", Architecture.RESNET50, hub(endpoint)));
        assertTrue(wrongArch.getMessage().contains("resnet50 does not match the weights, which are resnet18"), wrongArch.getMessage());
    }

    @Test
    void aHashThatDiffersFromTheHubsLeavesNothing() throws Exception {
        FerryException e = assertThrows(FerryException.class, () -> hub(endpoint).resolve(HubReference.parse("hf-hub:timm/tampered"), null));

        assertTrue(e.getMessage().contains("its SHA-256 " + weightsSha + " is not the hub's " + "f".repeat(64)), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertEquals(List.of(), hubFolder().stream().filter(p -> !p.equals("timm--tampered")).toList(), "no folder and no staging copy");
    }

    @Test
    void aPinnedHashIsCheckedBeforeTheHubsAndAMismatchLeavesNothing() throws Exception {
        String pin = "0".repeat(64);
        FerryException e = assertThrows(FerryException.class, () -> hub(endpoint).resolve(HubReference.parse("hf-hub:timm/good"), pin));

        assertTrue(e.getMessage().contains("is not the pinned " + pin), e.getMessage());
        assertEquals(List.of(), hubFolder().stream().filter(p -> !p.equals("timm--good")).toList());
    }

    @Test
    void anotherCommitThanThePinnedOneIsRefused() throws Exception {
        FerryException e = assertThrows(FerryException.class,
                () -> hub(endpoint).resolve(HubReference.parse("hf-hub:timm/moved@" + COMMIT), null));

        assertTrue(e.getMessage().contains("for commit " + COMMIT + " of timm/moved but it served fedcba98"), e.getMessage());
        assertEquals(List.of(), hubFolder().stream().filter(p -> !p.equals("timm--moved")).toList());
    }

    @Test
    void aRepositoryWhoseKeysDoNotFitIsRefusedAndLeavesNothing() throws Exception {
        InputException e = assertThrows(InputException.class, () -> hub(endpoint).resolve(HubReference.parse("hf-hub:timm/renamed"), null));

        assertTrue(e.getMessage().startsWith("timm/renamed@main/model.safetensors: "), e.getMessage());
        assertTrue(e.getMessage().contains("head.fc.weight"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertEquals(List.of(), hubFolder().stream().filter(p -> !p.equals("timm--renamed")).toList());
    }

    @Test
    void aClassCountOtherThanTheConfigsIsRefused() throws Exception {
        Path file = cacheDir.resolve("model.safetensors");
        Files.write(file, weights);
        StateDict sd = WeightsReader.read(file);
        InputException e = assertThrows(InputException.class,
                () -> HubCache.check(HubConfig.parse(config("resnet18", 1000, false), "config.json"), sd, file));
        assertEquals(file + ": the config says 1000 classes but fc has 10", e.getMessage());
        InputException wide = assertThrows(InputException.class,
                () -> HubCache.check(HubConfig.parse(config("resnet34", 10, false), "config.json"), sd, file));
        assertEquals(file + ": the config says resnet34 but the tensors are resnet18", wide.getMessage());
        assertEquals(ResNetConfig.of(Architecture.RESNET18, 10), HubCache.check(HubConfig.parse(config("resnet18", 10, false), "c"), sd, file));
    }

    @Test
    void aNetworkThatIsNotTorchvisionsIsRefusedBeforeItsWeightsAreDownloaded() throws Exception {
        InputException e = assertThrows(InputException.class, () -> hub(endpoint).resolve(HubReference.parse("hf-hub:timm/deep"), null));

        assertTrue(e.getMessage().startsWith("timm/deep@main/config.json: timm's resnet50d is not one of torchvision's networks"), e.getMessage());
        assertEquals(1, hits("/timm/deep/resolve/main/config.json"));
        assertEquals(0, hits("/timm/deep/resolve/main/model.safetensors"), "hundreds of megabytes not fetched for nothing");
        assertEquals(List.of(), hubFolder().stream().filter(p -> !p.equals("timm--deep")).toList());
    }

    @Test
    void anUnreachableHubSaysWhichUrlsToFetchAndWhereToSaveThem() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        URI nowhere = URI.create("http://127.0.0.1:" + port + "/");

        FerryException e = assertThrows(FerryException.class, () -> hub(nowhere).resolve(HubReference.parse("hf-hub:timm/good"), null));

        Path folder = cacheDir.resolve("weights/hf-hub/timm--good/main");
        assertTrue(e.getMessage().startsWith("cannot download " + nowhere + "timm/good/resolve/main/config.json ("), e.getMessage());
        assertTrue(e.getMessage().endsWith("; download " + nowhere + "timm/good/resolve/main/config.json and " + nowhere
                + "timm/good/resolve/main/model.safetensors yourself and save them in " + folder + " (as config.json and model.safetensors)"),
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertEquals(List.of(), hubFolder().stream().filter(p -> !p.equals("timm--good")).toList());
    }

    @Test
    void filesSavedByHandAreCheckedAndRecordedWithoutADownload() throws Exception {
        HubCache hub = hub(endpoint);
        HubReference ref = HubReference.parse("hf-hub:someone/offline");
        Path folder = Files.createDirectories(hub.folderFor(ref));
        Files.write(folder.resolve("model.safetensors"), weights);
        Files.writeString(folder.resolve("config.json"), config("resnet18", 10, false));

        HubCache.HubFiles files = hub.resolve(ref, null);

        assertEquals(weightsSha, files.sha256());
        assertNull(files.commit(), "no hub said which commit it was");
        assertNull(files.config().labels());
        assertTrue(hits.isEmpty(), "nothing requested: " + hits.keySet());
        HubCache.Recorded r = HubCache.recorded(folder);
        assertEquals(new HubCache.Recorded("someone/offline", "main", null, weightsSha), r);

        // A copy that no longer matches its record is fetched again (here the hub has no such repository).
        Files.write(folder.resolve("model.safetensors"), renamed);
        FerryException e = assertThrows(FerryException.class, () -> hub.resolve(ref, null));
        assertTrue(e.getMessage().contains("HTTP status 404"), e.getMessage());
        assertTrue(progressBytes.toString(StandardCharsets.UTF_8).contains("does not match its expected SHA-256 " + weightsSha));
    }

    @Test
    void verifyChecksHubDownloadsAgainstTheirRecord() throws Exception {
        HubCache hub = hub(endpoint);
        HubCache.HubFiles files = hub.resolve(HubReference.parse("hf-hub:timm/good"), null);

        List<WeightsInventory.Check> ok = WeightsInventory.verify(hub.cache());
        assertEquals(1, ok.size());
        assertEquals(new WeightsInventory.Check(files.weights().toString(), "hf-hub:timm/good@main", WeightsInventory.Status.OK,
                weightsSha, weightsSha), ok.get(0));

        byte[] changed = weights.clone();
        changed[changed.length - 1] ^= 1;
        Files.write(files.weights(), changed);
        assertEquals(WeightsInventory.Status.MISMATCH, WeightsInventory.verify(hub.cache()).get(0).status());
    }

    @Test
    void listShowsTheKnownHubEntriesAndWhetherTheyAreCached() {
        List<WeightsInventory.Entry> entries = WeightsInventory.list(hub(endpoint));
        List<String> names = new ArrayList<>();
        for (WeightsInventory.Entry e : entries) {
            names.add(e.name());
        }
        for (HubWeights w : HubWeights.values()) {
            assertTrue(names.contains(w.displayName()), names.toString());
        }
        WeightsInventory.Entry r50 = entries.stream().filter(e -> e.name().equals("hf-hub:timm/resnet50.a1_in1k")).findFirst().orElseThrow();
        assertEquals("resnet50", r50.arch());
        assertEquals(25_557_032L, r50.params());
        assertEquals(80.38, r50.acc1());
        assertEquals("bicubic 235/224", r50.preset());
        assertFalse(r50.cached());
    }
}
