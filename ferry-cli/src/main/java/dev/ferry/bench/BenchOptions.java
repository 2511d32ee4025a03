package dev.ferry.bench;

import dev.ferry.InputException;
import dev.ferry.model.Architecture;
import java.nio.file.Path;

/**
 * Settings of one benchmark run; the defaults match {@code tools/bench_pytorch.py}'s.
 *
 * @param arch the network
 * @param batch images per forward pass or training step
 * @param threads libtorch intra-op threads, and decoding threads for the image cases
 * @param iters timed iterations per case (the median is reported)
 * @param warmup untimed iterations before them
 * @param passes timed passes over the folder for {@link BenchCase#PREDICT_FOLDER}
 * @param epochs epochs of the feature-extraction transfer cases
 * @param seed weights, inputs, split and training seed
 * @param images the image folder (class sub-folders), or null
 * @param weights the weights file {@link BenchCase#PREDICT_ONE} reads (the runner writes one for its
 *     child process), or null
 */
public record BenchOptions(
        Architecture arch, int batch, int threads, int iters, int warmup, int passes, int epochs, long seed,
        Path images, Path weights) {

    /** Validates the values. */
    public BenchOptions {
        if (arch == null) {
            throw new InputException("--arch is required");
        }
        positive("--batch", batch);
        positive("--threads", threads);
        positive("--iters", iters);
        positive("--passes", passes);
        positive("--epochs", epochs);
        if (warmup < 0) {
            throw new InputException("--warmup must be 0 or more, got " + warmup);
        }
    }

    /** The same options with a weights file. */
    public BenchOptions withWeights(Path file) {
        return new BenchOptions(arch, batch, threads, iters, warmup, passes, epochs, seed, images, file);
    }

    private static void positive(String name, int v) {
        if (v < 1) {
            throw new InputException(name + " must be at least 1, got " + v);
        }
    }
}
