package dev.ferry.data;

import dev.ferry.platform.DaemonThreads;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Decodes every image of a dataset in parallel and lists all the bad ones, so a user sees every
 * problem in one pass instead of one crash per training run.
 */
public final class ImageValidator {

    private ImageValidator() {
    }

    /**
     * Samples checked by decoding.
     *
     * @param usable the samples whose images decode, in their order
     * @param bad the others, in sample order (empty unless bad images are skipped)
     */
    public record Checked(List<Sample> usable, List<BadImage> bad) {}

    /**
     * Decodes every sample's image and deals with the bad ones, as training, evaluation and the
     * learning-rate finder all must: fails listing every bad file, or, with {@code skipBad}, leaves
     * them out.
     *
     * @throws BadImagesException if there are bad files and {@code skipBad} is false
     */
    public static Checked check(List<Sample> samples, int threads, boolean skipBad, IntConsumer progress) {
        List<BadImage> bad = findBad(samples.stream().map(Sample::path).toList(), threads, progress);
        if (bad.isEmpty()) {
            return new Checked(samples, List.of());
        }
        if (!skipBad) {
            throw new BadImagesException(bad);
        }
        return new Checked(without(samples, bad), List.copyOf(bad));
    }

    /** {@code samples} without those whose path is one of {@code bad}'s. */
    static List<Sample> without(List<Sample> samples, List<BadImage> bad) {
        java.util.Set<Path> badPaths = new java.util.HashSet<>();
        bad.forEach(b -> badPaths.add(b.path()));
        return samples.stream().filter(s -> !badPaths.contains(s.path())).toList();
    }

    /**
     * Checks every file.
     *
     * @param paths    files to decode
     * @param threads  decoding threads (at least 1)
     * @return the bad files in the order of {@code paths}; empty if all decode
     */
    public static List<BadImage> findBad(List<Path> paths, int threads) {
        return findBad(paths, threads, done -> { });
    }

    /**
     * Checks every file, reporting progress.
     *
     * @param paths    files to decode
     * @param threads  decoding threads (at least 1)
     * @param progress called with the number of files checked so far, from worker threads (it
     *                 must be thread-safe and quick)
     * @return the bad files in the order of {@code paths}; empty if all decode
     */
    public static List<BadImage> findBad(List<Path> paths, int threads, IntConsumer progress) {
        Objects.requireNonNull(paths, "paths");
        Objects.requireNonNull(progress, "progress");
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (paths.isEmpty()) {
            return List.of();
        }
        DaemonThreads workers = new DaemonThreads("ferry-validate");
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, paths.size()), workers);
        try {
            AtomicInteger done = new AtomicInteger();
            List<Future<Optional<BadImage>>> futures = new ArrayList<>(paths.size());
            for (Path p : paths) {
                futures.add(pool.submit(() -> {
                    Optional<BadImage> result = ImageDecoder.check(p);
                    progress.accept(done.incrementAndGet());
                    return result;
                }));
            }
            List<BadImage> bad = new ArrayList<>();
            for (Future<Optional<BadImage>> f : futures) {
                dev.ferry.Futures.await(f, "image validation").ifPresent(bad::add);
            }
            return bad;
        } finally {
            workers.shutdownAndJoin(pool);
        }
    }
}
