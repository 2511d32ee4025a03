package dev.ferry.eval;

/**
 * An average of the per-class metrics: the "macro avg" or "weighted avg" row of scikit-learn's
 * {@code classification_report}.
 *
 * @param precision averaged precision
 * @param recall averaged recall
 * @param f1 averaged F1 (the average of the per-class F1 values, not the F1 of the averages)
 * @param support total number of samples, as scikit-learn prints it on both rows
 */
public record AverageMetrics(double precision, double recall, double f1, int support) {}
