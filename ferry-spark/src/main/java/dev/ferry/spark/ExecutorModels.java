package dev.ferry.spark;

import dev.ferry.FerryException;
import dev.ferry.InputException;
import dev.ferry.data.EvalTransform;
import dev.ferry.model.InferenceNetwork;
import dev.ferry.workflow.Networks;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;

/**
 * The networks open in this JVM, one per {@link NetworkSource}, thread count and engine count,
 * shared by every task the JVM runs.
 *
 * <p>Deliberately static, against ferry's rule of no static mutable state: Spark gives a task no
 * other handle on its executor, and the point is to read and fold a network once per executor
 * instead of once per task (or per partition, which is per task). The map only grows by opening a
 * network and only shrinks by {@link #closeAll}; an engine is not for concurrent use, so a task
 * takes a free one for each forward pass and hands it back after.
 */
final class ExecutorModels {
    private ExecutorModels() {}

    private record Key(NetworkSource source, int threads, int engines) {}

    private static final ConcurrentHashMap<Key, Open> OPEN = new ConcurrentHashMap<>();

    /**
     * A network open on this executor: up to {@code capacity} engines of it, each used by one task
     * at a time. The first is opened at once; another only when a task finds every one busy, so a
     * driver that runs no task (on a cluster) holds one copy, however many its executors hold.
     */
    static final class Open {
        private final Supplier<Networks.Open> opener;
        private final int capacity;
        private final List<Networks.Open> engines = new CopyOnWriteArrayList<>();
        private final BlockingQueue<Networks.Open> free = new LinkedBlockingQueue<>();
        private final EvalTransform transform;

        Open(Supplier<Networks.Open> opener, int capacity) {
            this.opener = opener;
            this.capacity = capacity;
            Networks.Open first = opener.get();
            engines.add(first);
            free.add(first);
            this.transform = new EvalTransform(first.preset());
        }

        /** The network's description, labels, preset and temperature (every engine's the same). */
        Networks.Open network() {
            return engines.get(0);
        }

        EvalTransform transform() {
            return transform;
        }

        List<String> labels() {
            return network().labels();
        }

        /** Runs {@code pass} on an engine no other task holds meanwhile, waiting for one if all are busy. */
        <T> T exclusive(Function<InferenceNetwork, T> pass) {
            Networks.Open engine = free.poll();
            if (engine == null) {
                engine = another();
            }
            try {
                return pass.apply(engine.network());
            } finally {
                free.add(engine);
            }
        }

        /** A new engine while fewer than {@code capacity} are open, else the next one handed back. */
        private Networks.Open another() {
            synchronized (this) {
                if (engines.size() < capacity) {
                    Networks.Open e = opener.get();
                    engines.add(e);
                    return e;
                }
            }
            try {
                return free.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new FerryException("interrupted waiting for an inference engine", e);
            }
        }

        /** Engines opened so far. */
        int engineCount() {
            return engines.size();
        }

        void close() {
            engines.forEach(Networks.Open::close);
        }
    }

    /** The network of {@code settings}, opened on first use in this JVM. */
    static Open get(EngineSettings settings) {
        int slots = executorCores();
        int engines = settings.engines() == EngineSettings.EXECUTOR_CORES ? slots : settings.engines();
        int threads = settings.threads() == EngineSettings.EXECUTOR_CORES ? Math.max(1, slots / engines) : settings.threads();
        return OPEN.computeIfAbsent(new Key(settings.network(), threads, engines), k -> open(settings, threads, engines));
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
                o.close();
            }
        }
    }

    private static Open open(EngineSettings s, int threads, int engines) {
        NetworkSource source = s.network();
        PrintStream progress = System.err;
        // Copied to this machine once, however many engines read it.
        Path dir = source.model() != null ? local(source.model(), true, s.hadoop()) : null;
        String weights = dir != null ? null
                : isRemote(source.weights()) ? local(source.weights(), false, s.hadoop()).toString() : source.weights();
        return new Open(() -> dir != null ? Networks.openModel(dir, null, threads, source.int8())
                : Networks.openPretrained(weights, null, threads, progress), engines);
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
