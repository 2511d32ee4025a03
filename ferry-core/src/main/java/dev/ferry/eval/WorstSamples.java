package dev.ferry.eval;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The {@code capacity} samples an evaluation did worst on, named by a key (a path) instead of an
 * index, kept while the samples stream past and merged across partitions: the order is
 * {@link ClassificationMetrics#worst}'s (lowest true-class probability first, NaN first of all),
 * ties broken by key rather than by input order, which a distributed evaluation does not have.
 * Merging the worst of every partition gives the worst of all samples, whatever the partitions.
 *
 * <p>Mutable and not thread-safe: one per partition, then {@link #merge}d.
 */
public final class WorstSamples implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * One sample's outcome.
     *
     * @param key what names the sample (its path)
     * @param trueLabel its class
     * @param predicted the class given
     * @param confidence the probability of {@code predicted}
     * @param trueProbability the probability of {@code trueLabel}
     */
    public record Sample(String key, int trueLabel, int predicted, double confidence, double trueProbability)
            implements Serializable {
        /** Whether the prediction is the true class. */
        public boolean correct() {
            return trueLabel == predicted;
        }
    }

    private static final Comparator<Sample> WORST_FIRST = Comparator
            .comparingDouble((Sample s) -> Double.isNaN(s.trueProbability()) ? Double.NEGATIVE_INFINITY : s.trueProbability())
            .thenComparing(Sample::key);

    private final int capacity;
    private final ArrayList<Sample> kept = new ArrayList<>();

    /** Keeps at most {@code capacity} samples. */
    public WorstSamples(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("worst samples: negative capacity " + capacity);
        }
        this.capacity = capacity;
    }

    /** Considers one sample, its probability row as {@link MetricCounts#add} takes it. */
    public void add(String key, int label, float[] probabilities) {
        int p = ClassificationMetrics.argmax(probabilities);
        offer(new Sample(key, label, p, probabilities[p], probabilities[label]));
    }

    /** Adds {@code other}'s samples to these and returns these. */
    public WorstSamples merge(WorstSamples other) {
        other.kept.forEach(this::offer);
        return this;
    }

    /** The samples kept, worst first. */
    public List<Sample> worst() {
        return List.copyOf(kept);
    }

    private void offer(Sample s) {
        if (capacity == 0) {
            return;
        }
        int at = java.util.Collections.binarySearch(kept, s, WORST_FIRST);
        int insert = at >= 0 ? at : -at - 1;
        if (insert >= capacity) {
            return;
        }
        kept.add(insert, s);
        if (kept.size() > capacity) {
            kept.remove(kept.size() - 1);
        }
    }
}
