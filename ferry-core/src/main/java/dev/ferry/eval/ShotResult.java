package dev.ferry.eval;

import java.util.Objects;

/**
 * One point of the "test accuracy vs labelled images per class" chart: a strategy (for example
 * "linear probe" or "fine-tune all") trained on {@code shots} labelled images per class reached
 * {@code accuracy} on the test set.
 *
 * @param strategy the series the point belongs to; not blank
 * @param shots labelled training images per class, at least 0
 * @param accuracy test accuracy, 0..1; a non-finite value (a failed run) is left out of the chart
 */
public record ShotResult(String strategy, int shots, double accuracy) {
    /** Checks the arguments. */
    public ShotResult {
        Objects.requireNonNull(strategy, "strategy");
        if (strategy.isBlank()) {
            throw new IllegalArgumentException("shot result: blank strategy name");
        }
        if (shots < 0) {
            throw new IllegalArgumentException("shot result '" + strategy + "': negative shots " + shots);
        }
    }
}
