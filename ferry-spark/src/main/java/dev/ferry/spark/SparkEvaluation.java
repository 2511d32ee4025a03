package dev.ferry.spark;

import dev.ferry.eval.ClassificationMetrics;
import java.util.List;

/**
 * A distributed evaluation.
 *
 * @param metrics the metrics over every usable image, or null when none was usable
 * @param failed the images counted out, by path
 */
public record SparkEvaluation(ClassificationMetrics metrics, List<Failed> failed) {
    /**
     * An image left out.
     *
     * @param path its URI
     * @param reason why
     */
    public record Failed(String path, String reason) {}
}
