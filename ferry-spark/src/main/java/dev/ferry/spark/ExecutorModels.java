package dev.ferry.spark;

import dev.ferry.FerryException;
import dev.ferry.InputException;
import dev.ferry.data.EvalTransform;
import dev.ferry.workflow.Networks;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;

/**
 * The networks open in this JVM, one per {@link NetworkSource} and thread count, shared by every
 * task the JVM runs.
 *
 * <p>Deliberately static, against ferry's rule of no static mutable state: Spark gives a task no
 * other handle on its executor, and the point is to read and fold a network once per executor
 * instead of once per task (or per partition, which is per task). The map only grows by opening a
 * network and only shrinks by {@link #closeAll}; a network's engine is not for concurrent use, so
 * each comes with a lock that tasks hold for a forward pass.
 */
final class ExecutorModels {
    private ExecutorModels() {}

    private record Key(NetworkSource source, int threads) {}

    private static final ConcurrentHashMap<Key, Open> OPEN = new ConcurrentHashMap<>();

    /** A network open on this executor, with its lock. */
    static final class Open {
        private final Networks.Open network;
        private final EvalTransform transform;
        private final ReentrantLock lock = new ReentrantLock();

        Open(Networks.Open network) {
            this.network = network;
            this.transform = new EvalTransform(network.preset());
        }

        Networks.Open network() {
            return network;
        }

        EvalTransform transform() {
            return transform;
        }

        List<String> labels() {
            return network.labels();
        }

        /** Runs {@code pass} holding the network: one forward pass at a time. */
        <T> T exclusive(Supplier<T> pass) {
            lock.lock();
            try {
                return pass.get();
            } finally {
                lock.unlock();
            }
        }
    }

    /** The network of {@code settings}, opened on first use in this JVM. */
    static Open get(EngineSettings settings) {
        int threads = settings.threads() == EngineSettings.EXECUTOR_CORES ? executorCores() : settings.threads();
        return OPEN.computeIfAbsent(new Key(settings.network(), threads), k -> open(settings, threads));
    }

    /**
     * How many tasks this JVM runs at once: {@code spark.executor.cores} on a cluster, N of
     * {@code local[N]} (every core for {@code local[*]}) when the driver runs the tasks itself.
     */
    static int executorCores() {
        int cores = Runtime.getRuntime().availableProcessors();
        SparkEnv env = SparkEnv.get();
        if (env == null) {
            return cores;
        }
        SparkConf conf = env.conf();
        java.util.regex.Matcher local = java.util.regex.Pattern.compile("local\\[(\\d+|\\*)(,\\d+)?]")
                .matcher(conf.get("spark.master", ""));
        if (local.matches()) {
            return local.group(1).equals("*") ? cores : Math.max(1, Integer.parseInt(local.group(1)));
        }
        return Math.max(1, conf.getInt("spark.executor.cores", cores));
    }

    /** Closes every network this JVM opened (a driver that ran the tasks itself, in local mode). */
    static void closeAll() {
        for (Key k : List.copyOf(OPEN.keySet())) {
            Open o = OPEN.remove(k);
            if (o != null) {
                o.network.close();
            }
        }
    }

    private static Open open(EngineSettings s, int threads) {
        NetworkSource source = s.network();
        PrintStream progress = System.err;
        if (source.model() != null) {
            Path dir = local(source.model(), true, s.hadoop());
            return new Open(Networks.openModel(dir, null, threads, source.int8()));
        }
        String weights = isRemote(source.weights()) ? local(source.weights(), false, s.hadoop()).toString() : source.weights();
        return new Open(Networks.openPretrained(weights, null, threads, progress));
    }

    /** Whether {@code location} names a file system other than the local one. */
    static boolean isRemote(String location) {
        URI uri = uri(location);
        return uri != null && uri.getScheme() != null && uri.getScheme().length() > 1 && !"file".equals(uri.getScheme());
    }

    private static URI uri(String location) {
        try {
            return new URI(location);
        } catch (URISyntaxException e) {
            return null; // a local path with characters a URI may not hold
        }
    }

    /**
     * {@code location} on this machine's disk: a local path as it is, a remote one copied (a whole
     * directory for a model) into a fresh temporary folder, removed when the JVM exits.
     */
    static Path local(String location, boolean directory, Map<String, String> hadoop) {
        if (!isRemote(location)) {
            URI uri = uri(location);
            return uri != null && "file".equals(uri.getScheme()) ? Path.of(uri) : Path.of(location);
        }
        Configuration conf = new Configuration();
        hadoop.forEach(conf::set);
        org.apache.hadoop.fs.Path src = new org.apache.hadoop.fs.Path(location);
        try {
            FileSystem fs = src.getFileSystem(conf);
            if (!fs.exists(src)) {
                throw new InputException("no such " + (directory ? "model directory" : "weights file") + ": " + location);
            }
            Path tmp = Files.createTempDirectory("ferry-network-");
            Path target = tmp.resolve(src.getName());
            fs.copyToLocalFile(false, src, new org.apache.hadoop.fs.Path(target.toUri()), true);
            deleteOnExit(tmp);
            return target;
        } catch (IOException e) {
            throw new FerryException("cannot copy " + location + " to this machine: " + e.getMessage(), e);
        }
    }

    private static void deleteOnExit(Path dir) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temporary folder left behind is the only cost
            }
        }, "ferry-network-cleanup"));
    }
}
