package dev.ferry.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The timing protocol: untimed warm-up calls, then timed calls, reported by their median. */
final class Timing {
    private Timing() {}

    /** Runs {@code step} {@code warmup} times untimed, then {@code iters} times timed; seconds per call. */
    static List<Double> time(int warmup, int iters, Runnable step) {
        for (int i = 0; i < warmup; i++) {
            step.run();
        }
        List<Double> times = new ArrayList<>(iters);
        for (int i = 0; i < iters; i++) {
            long t0 = System.nanoTime();
            step.run();
            times.add((System.nanoTime() - t0) / 1e9);
        }
        return times;
    }

    /** The median (mean of the middle two for an even count). */
    static double median(List<Double> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no values");
        }
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}
