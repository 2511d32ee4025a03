package dev.ferry.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * The metrics of one evaluation: accuracy, top-5 accuracy, per-class precision / recall / F1 /
 * support, their macro and weighted averages, the confusion matrix, the mean loss, and every
 * sample's outcome.
 *
 * <p>A value: {@link #compute} derives everything once and the result is immutable. Rendering is
 * done elsewhere ({@link MetricsText}, {@link MetricsJson}, {@link MetricsHtml},
 * {@link Charts#confusionMatrix}).
 *
 * <p>Definitions follow scikit-learn with {@code zero_division=0}, over all the given classes
 * (as if {@code labels=range(len(classNames))} were passed):
 *
 * <ul>
 *   <li>predicted class = argmax of the probability row, ties to the lowest index like
 *       {@code torch.argmax} (see {@link #argmax});
 *   <li>precision of a class that is never predicted is 0; recall of a class without support is
 *       0; F1 is 0 when precision and recall are both 0;
 *   <li>the macro average is the unweighted mean over <em>all</em> classes, including classes
 *       without support (which pull it down, as in scikit-learn when the labels are given);
 *   <li>the weighted average weights each class by its support, so unsupported classes do not
 *       count;
 *   <li>top-5 accuracy exists only with more than 5 classes, since with 5 or fewer it is 1 by
 *       construction and would only add noise; {@link #top5Accuracy()} is then empty and JSON
 *       writes {@code null}.
 * </ul>
 */
public final class ClassificationMetrics {
    /** The k of {@link #top5Accuracy()}. */
    public static final int TOP_K = 5;

    /** Lowest true-class probability first; NaN (a diverged model) counts as worst; then by index. */
    private static final Comparator<SampleResult> WORST_FIRST = Comparator
            .comparingDouble((SampleResult s) -> Double.isNaN(s.trueProbability())
                    ? Double.NEGATIVE_INFINITY : s.trueProbability())
            .thenComparingInt(SampleResult::index);

    private final List<String> classNames;
    private final ConfusionMatrix confusion;
    private final List<ClassMetrics> perClass;
    private final AverageMetrics macroAvg;
    private final AverageMetrics weightedAvg;
    private final double accuracy;
    private final OptionalDouble top5Accuracy;
    private final double loss;
    private final List<SampleResult> samples;

    private ClassificationMetrics(
            List<String> classNames,
            ConfusionMatrix confusion,
            List<ClassMetrics> perClass,
            AverageMetrics macroAvg,
            AverageMetrics weightedAvg,
            double accuracy,
            OptionalDouble top5Accuracy,
            double loss,
            List<SampleResult> samples) {
        this.classNames = classNames;
        this.confusion = confusion;
        this.perClass = perClass;
        this.macroAvg = macroAvg;
        this.weightedAvg = weightedAvg;
        this.accuracy = accuracy;
        this.top5Accuracy = top5Accuracy;
        this.loss = loss;
        this.samples = samples;
    }

    /**
     * Computes the metrics of one evaluation.
     *
     * @param trueLabels the true class index of each sample
     * @param probabilities one row per sample with one probability (softmax output) per class
     * @param classNames the class names, index = class index; must be distinct
     * @param meanLoss the mean loss over the samples, as the caller computed it; NaN if unknown
     * @return the metrics
     * @throws IllegalArgumentException if there are no samples or classes, the lengths disagree, a
     *     label is out of range, or a class name is null or repeated
     */
    public static ClassificationMetrics compute(
            int[] trueLabels, float[][] probabilities, List<String> classNames, double meanLoss) {
        Objects.requireNonNull(trueLabels, "trueLabels");
        Objects.requireNonNull(probabilities, "probabilities");
        List<String> names = checkNames(classNames);
        int n = names.size();
        if (trueLabels.length == 0) {
            throw new IllegalArgumentException("evaluation: no samples");
        }
        if (probabilities.length != trueLabels.length) {
            throw new IllegalArgumentException("evaluation: " + trueLabels.length + " labels but "
                    + probabilities.length + " probability rows");
        }

        int[][] counts = new int[n][n];
        int top5Hits = 0;
        List<SampleResult> results = new ArrayList<>(trueLabels.length);
        for (int i = 0; i < trueLabels.length; i++) {
            float[] row = probabilities[i];
            int t = trueLabels[i];
            if (row == null || row.length != n) {
                throw new IllegalArgumentException("evaluation: probability row " + i + " has "
                        + (row == null ? "no" : String.valueOf(row.length)) + " values, expected " + n + " classes");
            }
            if (t < 0 || t >= n) {
                throw new IllegalArgumentException(
                        "evaluation: label " + t + " of sample " + i + " is outside 0.." + (n - 1));
            }
            int p = argmax(row);
            counts[t][p]++;
            if (rankOf(row, t) < TOP_K) {
                top5Hits++;
            }
            results.add(new SampleResult(i, t, p, row[p], row[t]));
        }
        return fromCounts(names, counts, top5Hits, meanLoss, results);
    }

    /**
     * The metrics of an evaluation known only by its counts (a {@link MetricCounts} merged across
     * machines), with the same definitions as {@link #compute}; {@link #samples()} is then empty.
     *
     * @param counts the confusion counts, [true][predicted]
     * @param top5Hits samples whose true class ranked among the first {@value #TOP_K}
     * @param meanLoss the mean loss, NaN if unknown
     * @param results every sample's outcome, or an empty list when only the counts are known
     * @throws IllegalArgumentException if there are no samples, or the counts do not match the names
     */
    static ClassificationMetrics fromCounts(List<String> classNames, int[][] counts, int top5Hits, double meanLoss,
                                            List<SampleResult> results) {
        List<String> names = checkNames(classNames);
        int n = names.size();
        if (counts.length != n) {
            throw new IllegalArgumentException("evaluation: " + counts.length + " confusion rows for " + n + " classes");
        }
        ConfusionMatrix confusion = new ConfusionMatrix(counts);
        int total = confusion.total();
        if (total == 0) {
            throw new IllegalArgumentException("evaluation: no samples");
        }
        List<ClassMetrics> perClass = new ArrayList<>(n);
        double macroP = 0;
        double macroR = 0;
        double macroF = 0;
        double weightedP = 0;
        double weightedR = 0;
        double weightedF = 0;
        for (int c = 0; c < n; c++) {
            int tp = confusion.count(c, c);
            int predicted = confusion.columnTotal(c);
            int support = confusion.rowTotal(c);
            double precision = ratio(tp, predicted);
            double recall = ratio(tp, support);
            double f1 = precision + recall == 0 ? 0.0 : 2 * precision * recall / (precision + recall);
            perClass.add(new ClassMetrics(names.get(c), precision, recall, f1, support));
            macroP += precision;
            macroR += recall;
            macroF += f1;
            weightedP += precision * support;
            weightedR += recall * support;
            weightedF += f1 * support;
        }
        AverageMetrics macro = new AverageMetrics(macroP / n, macroR / n, macroF / n, total);
        AverageMetrics weighted = new AverageMetrics(weightedP / total, weightedR / total, weightedF / total, total);
        OptionalDouble top5 = n > TOP_K ? OptionalDouble.of((double) top5Hits / total) : OptionalDouble.empty();
        return new ClassificationMetrics(names, confusion, List.copyOf(perClass), macro, weighted,
                (double) confusion.trace() / total, top5, meanLoss, List.copyOf(results));
    }

    /**
     * The index of the largest value, ties to the lowest index, as {@code torch.argmax} does; a
     * NaN counts as larger than any number (again like torch), so a diverged row predicts the
     * first NaN's class instead of silently looking like a confident prediction elsewhere.
     *
     * @param row the values, at least one
     * @return the index of the largest value
     */
    public static int argmax(float[] row) {
        if (row.length == 0) {
            throw new IllegalArgumentException("argmax of an empty row");
        }
        int best = 0;
        for (int j = 1; j < row.length; j++) {
            if (ranksBefore(row, j, best)) {
                best = j;
            }
        }
        return best;
    }

    /** Number of classes ranked strictly before class {@code t} in the argmax order. */
    static int rankOf(float[] row, int t) {
        int before = 0;
        for (int j = 0; j < row.length; j++) {
            if (j != t && ranksBefore(row, j, t)) {
                before++;
            }
        }
        return before;
    }

    /** Whether class {@code a} ranks before class {@code b}: larger value, NaN largest, then lower index. */
    private static boolean ranksBefore(float[] row, int a, int b) {
        float va = row[a];
        float vb = row[b];
        boolean nanA = Float.isNaN(va);
        boolean nanB = Float.isNaN(vb);
        if (nanA || nanB) {
            return nanA && (!nanB || a < b);
        }
        // == treats -0.0 and 0.0 as a tie, which is what torch does.
        return va > vb || (va == vb && a < b);
    }

    private static double ratio(int numerator, int denominator) {
        return denominator == 0 ? 0.0 : (double) numerator / denominator;
    }

    private static List<String> checkNames(List<String> classNames) {
        Objects.requireNonNull(classNames, "classNames");
        if (classNames.isEmpty()) {
            throw new IllegalArgumentException("evaluation: no class names");
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < classNames.size(); i++) {
            String name = classNames.get(i);
            if (name == null) {
                throw new IllegalArgumentException("evaluation: class name " + i + " is null");
            }
            if (!seen.add(name)) {
                throw new IllegalArgumentException("evaluation: class name '" + name + "' appears twice");
            }
        }
        return List.copyOf(classNames);
    }

    /** The class names, index = class index. */
    public List<String> classNames() {
        return classNames;
    }

    /** Number of classes. */
    public int numClasses() {
        return classNames.size();
    }

    /** Number of evaluated samples. */
    public int sampleCount() {
        return confusion.total();
    }

    /** Number of correctly classified samples. */
    public int correctCount() {
        return confusion.trace();
    }

    /** Fraction of samples whose predicted class is the true class, 0..1. */
    public double accuracy() {
        return accuracy;
    }

    /**
     * Fraction of samples whose true class is among the 5 highest probabilities (ties ranked as in
     * {@link #argmax}); empty with 5 or fewer classes, where it would always be 1.
     */
    public OptionalDouble top5Accuracy() {
        return top5Accuracy;
    }

    /** The mean loss the caller passed in; NaN if it was unknown. */
    public double loss() {
        return loss;
    }

    /** Per-class metrics in class-index order. */
    public List<ClassMetrics> perClass() {
        return perClass;
    }

    /** The unweighted mean of the per-class metrics over all classes. */
    public AverageMetrics macroAvg() {
        return macroAvg;
    }

    /** The support-weighted mean of the per-class metrics. */
    public AverageMetrics weightedAvg() {
        return weightedAvg;
    }

    /** The confusion matrix, rows = true class, columns = predicted class. */
    public ConfusionMatrix confusionMatrix() {
        return confusion;
    }

    /** Every sample's outcome, in input order. */
    public List<SampleResult> samples() {
        return samples;
    }

    /**
     * The {@code n} samples the classifier did worst on: lowest probability of the true class
     * first (a NaN probability first of all), ties by index. Correctly classified samples are
     * included when there are not enough wrong ones with a lower true-class probability, since a
     * barely-right sample is still informative in a gallery.
     *
     * @param n how many, at least 0; fewer are returned if there are fewer samples
     * @return the samples, worst first
     */
    public List<SampleResult> worst(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("worst: negative count " + n);
        }
        return samples.stream().sorted(WORST_FIRST).limit(n).toList();
    }

    /** The name of class {@code index}. */
    public String className(int index) {
        return classNames.get(index);
    }

    /** Equal when the class names, every sample's outcome, the top-5 accuracy and the loss are. */
    @Override
    public boolean equals(Object o) {
        // The per-class metrics, averages and matrix derive from the samples, so comparing those
        // is enough; top-5 does not (it needs whole probability rows) and is compared itself.
        return o instanceof ClassificationMetrics other && classNames.equals(other.classNames)
                && samples.equals(other.samples) && top5Accuracy.equals(other.top5Accuracy)
                && Double.compare(loss, other.loss) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(classNames, samples, top5Accuracy, loss);
    }

    @Override
    public String toString() {
        return "ClassificationMetrics[samples=" + sampleCount() + ", classes=" + numClasses()
                + ", accuracy=" + accuracy + ", loss=" + loss + "]";
    }
}
