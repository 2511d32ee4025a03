package dev.ferry.spark;

import dev.ferry.InputException;
import java.io.Serializable;
import java.util.Map;

/**
 * How the executors run the network.
 *
 * @param network what to open
 * @param batchSize images per forward pass within a task
 * @param threads each engine's intra-op threads (the executor's tasks share its engines and take
 *     turns at them; each task decodes its own images meanwhile), or {@value #EXECUTOR_CORES}: the
 *     executor's task slots divided among its engines (all of them for one engine)
 * @param hadoop the driver's Hadoop settings, for reading a remote network (empty for local paths)
 * @param mirror test-time augmentation when classifying: each image's probabilities averaged with
 *     its mirror image's, as {@code ferry predict --tta}
 * @param engines inference engines per executor JVM, each with {@code threads} threads and each
 *     used by one task at a time (a task takes whichever is free for a forward pass), or
 *     {@value #EXECUTOR_CORES}: one per task slot
 */
public record EngineSettings(NetworkSource network, int batchSize, int threads, Map<String, String> hadoop, boolean mirror,
                             int engines) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** {@code threads}: one per task slot of the executor. */
    public static final int EXECUTOR_CORES = 0;

    public EngineSettings {
        if (network == null) {
            throw new InputException("name the network: --model DIR or --weights SPEC");
        }
        if (batchSize < 1) {
            throw new InputException("--batch-size must be at least 1, got " + batchSize);
        }
        if (threads < 0) {
            throw new InputException("--inference-threads must be at least 1, got " + threads);
        }
        if (engines < 0) {
            throw new InputException("--engines must be at least 1, got " + engines);
        }
        hadoop = Map.copyOf(hadoop);
    }

    /** Local paths only: no Hadoop settings carried, no mirroring. */
    public EngineSettings(NetworkSource network, int batchSize, int threads) {
        this(network, batchSize, threads, Map.of(), false, 1);
    }
}
