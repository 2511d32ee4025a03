package dev.ferry.serve;

/**
 * Events per second over a sliding window of whole seconds: a ring of per-second counts, the
 * current second included pro rata, so that a rate read at any moment covers the last
 * {@code seconds} seconds.
 */
final class RateWindow {
    private final long[] counts;
    private final long[] secondOf;
    private final long origin = System.nanoTime();

    /** A window of {@code seconds} seconds. */
    RateWindow(int seconds) {
        counts = new long[seconds];
        secondOf = new long[seconds];
        java.util.Arrays.fill(secondOf, -1);
    }

    /** Counts {@code n} events at {@code nanos} ({@link System#nanoTime()}). */
    synchronized void add(long n, long nanos) {
        long second = (nanos - origin) / 1_000_000_000L;
        int slot = (int) (second % counts.length);
        if (secondOf[slot] != second) {
            secondOf[slot] = second;
            counts[slot] = 0;
        }
        counts[slot] += n;
    }

    /** Events per second over the window ending at {@code nanos}. */
    synchronized double perSecond(long nanos) {
        long elapsed = nanos - origin;
        long second = elapsed / 1_000_000_000L;
        long total = 0;
        for (int i = 0; i < counts.length; i++) {
            if (secondOf[i] >= 0 && secondOf[i] > second - counts.length && secondOf[i] <= second) {
                total += counts[i];
            }
        }
        // The window: the full past seconds plus the part of the current one, never more than
        // the time since the start.
        double span = Math.min((counts.length - 1) + (elapsed % 1_000_000_000L) / 1e9, elapsed / 1e9);
        return span <= 0 ? 0 : total / span;
    }
}
