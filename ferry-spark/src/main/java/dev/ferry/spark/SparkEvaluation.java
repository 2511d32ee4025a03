package dev.ferry.spark;

import dev.ferry.eval.ClassificationMetrics;
import dev.ferry.eval.WorstSamples;
import dev.ferry.workflow.Reports;
import java.util.List;

/**
 * A distributed evaluation.
 *
 * @param metrics the metrics over every usable image, or null when none was usable (without
 *     per-image results: {@code worst} holds the images a report shows)
 * @param failed the images counted out, by path
 * @param worst the worst-classified images, worst first, by path ({@link Reports#GALLERY} of them
 *     at most; the order of {@link ClassificationMetrics#worst}, ties by path)
 */
public record SparkEvaluation(ClassificationMetrics metrics, List<Failed> failed, List<WorstSamples.Sample> worst) {
    /**
     * An image left out.
     *
     * @param path its URI
     * @param reason why
     */
    public record Failed(String path, String reason) {}

    /**
     * The images a report shows, as {@link Reports#galleryResults} takes them from a whole
     * evaluation: the worst, up to the first correctly classified one.
     */
    public List<WorstSamples.Sample> gallery() {
        return worst.stream().takeWhile(s -> !s.correct()).toList();
    }
}
