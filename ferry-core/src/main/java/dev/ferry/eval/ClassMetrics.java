package dev.ferry.eval;

/**
 * Precision, recall and F1 of one class, as in one row of scikit-learn's
 * {@code classification_report}.
 *
 * <p>Undefined ratios are reported as 0, like scikit-learn's {@code zero_division=0}: the
 * precision of a class that is never predicted, the recall of a class without support, and the F1
 * of a class whose precision and recall are both 0.
 *
 * @param className the class name
 * @param precision true positives / predicted positives, 0 when the class is never predicted
 * @param recall true positives / support, 0 when the class has no support
 * @param f1 harmonic mean of precision and recall, 0 when both are 0
 * @param support number of samples whose true class is this class
 */
public record ClassMetrics(String className, double precision, double recall, double f1, int support) {}
