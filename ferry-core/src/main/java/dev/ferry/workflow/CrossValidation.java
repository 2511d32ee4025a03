package dev.ferry.workflow;

import dev.ferry.InputException;
import dev.ferry.Message;
import dev.ferry.Setting;
import dev.ferry.data.Sample;
import dev.ferry.data.Seeds;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * K-fold cross-validation of a training recipe: stratified folds, and the estimate the per-fold
 * accuracies give (mean, sample standard deviation, 95% Student-t confidence interval). One split's
 * accuracy on a hundred validation images moves by 5 to 10 points with the split alone; K trainings,
 * each validated on images it never saw, say how far to trust the recipe's number.
 */
public final class CrossValidation {
    private CrossValidation() {}

    /**
     * What each fold's accuracy is: the last epoch's, as choosing the best epoch on the held-out
     * fold would flatter the estimate with the choice.
     */
    public static final String ACCURACY_OF = "each fold's last epoch on its held-out images";

    /**
     * {@code t_{0.975, df}} for df 1..30, to six decimals (the quantiles of Student's t that make a
     * two-sided 95% interval).
     */
    private static final double[] T975 = {
        12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004, 2.262157, 2.228139,
        2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905, 2.109816, 2.100922, 2.093024, 2.085963,
        2.079614, 2.073873, 2.068658, 2.063899, 2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272};

    /** The standard normal's 0.975 quantile. */
    private static final double Z975 = 1.959963984540054;

    /**
     * The 0.975 quantile of Student's t with {@code df} degrees of freedom: a table for df 1..30,
     * beyond it the Cornish-Fisher expansion around the normal quantile (four terms; off by less
     * than 1e-5 at df 31, and closer as df grows).
     *
     * @param df at least 1
     */
    public static double t975(int df) {
        if (df < 1) {
            throw new IllegalArgumentException("degrees of freedom must be at least 1, got " + df);
        }
        if (df <= T975.length) {
            return T975[df - 1];
        }
        double z = Z975;
        double z3 = z * z * z;
        double z5 = z3 * z * z;
        double z7 = z5 * z * z;
        double n = df;
        return z + (z3 + z) / (4 * n) + (5 * z5 + 16 * z3 + 3 * z) / (96 * n * n)
                + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * n * n * n);
    }

    /**
     * The estimate from per-fold accuracies.
     *
     * @param accuracies each fold's validation accuracy, in fold order
     * @param mean their mean
     * @param sd their sample standard deviation (divisor K - 1)
     * @param halfWidth {@code t_{0.975, K-1} * sd / sqrt(K)}: the 95% interval is mean +- this
     */
    public record Summary(List<Double> accuracies, double mean, double sd, double halfWidth) {
        public Summary {
            accuracies = List.copyOf(accuracies);
        }

        /** The folds. */
        public int folds() {
            return accuracies.size();
        }

        /** The interval's lower end. */
        public double low() {
            return mean - halfWidth;
        }

        /** The interval's upper end. */
        public double high() {
            return mean + halfWidth;
        }

        /**
         * For people: {@code 0.8000 +- 0.0982 (95% interval 0.7018 to 0.8982; sd 0.0791 over 5 folds)}.
         */
        public String line() {
            return String.format(Locale.ROOT, "%.4f +- %.4f (95%% interval %.4f to %.4f; sd %.4f over %d folds)", mean,
                    halfWidth, low(), high(), sd, folds());
        }

        /** As {@code model.json} records it. */
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("folds", folds());
            m.put("accuracies", accuracies);
            m.put("mean", mean);
            m.put("sd", sd);
            m.put("halfWidth95", halfWidth);
            m.put("interval95", List.of(low(), high()));
            m.put("accuracyOf", ACCURACY_OF);
            return m;
        }

        /** Reads back {@link #toJson()}'s accuracies and recomputes the rest; null when it is not one. */
        public static Summary fromJson(Object json) {
            if (!(json instanceof Map<?, ?> m) || !(m.get("accuracies") instanceof List<?> list) || list.size() < 2) {
                return null;
            }
            List<Double> acc = new ArrayList<>();
            for (Object a : list) {
                if (!(a instanceof Number n)) {
                    return null;
                }
                acc.add(n.doubleValue());
            }
            return summarize(acc);
        }
    }

    /**
     * Mean, sample standard deviation and the 95% Student-t interval of {@code accuracies}.
     *
     * @param accuracies at least 2
     */
    public static Summary summarize(List<Double> accuracies) {
        int k = accuracies.size();
        if (k < 2) {
            throw new IllegalArgumentException("a cross-validation summary needs at least 2 folds, got " + k);
        }
        double sum = 0;
        for (double a : accuracies) {
            sum += a;
        }
        double mean = sum / k;
        double ss = 0;
        for (double a : accuracies) {
            ss += (a - mean) * (a - mean);
        }
        double sd = Math.sqrt(ss / (k - 1));
        return new Summary(accuracies, mean, sd, t975(k - 1) * sd / Math.sqrt(k));
    }

    /**
     * Stratified fold assignment: each class's samples (in the order given) are shuffled with a
     * generator seeded from {@code seed} and the class name, then dealt round-robin to the folds, so
     * every fold holds each class in proportion (the counts differ by at most one).
     *
     * @param samples labelled samples; labels index {@code classes}
     * @param k folds, at least 2
     * @return for each sample (in the order given) its fold, 0..k-1
     */
    public static int[] assignFolds(List<Sample> samples, List<String> classes, int k, long seed) {
        if (k < 2) {
            throw new IllegalArgumentException("need at least 2 folds, got " + k);
        }
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < samples.size(); i++) {
            byClass.get(samples.get(i).label()).add(i);
        }
        int[] fold = new int[samples.size()];
        for (int c = 0; c < classes.size(); c++) {
            List<Integer> idx = byClass.get(c);
            // Seeded per class, as the validation split is, so a class's folds do not change when
            // another class is added; a stream of its own (-3) so they are not the split's order.
            SplittableRandom rnd = new SplittableRandom(Seeds.mix(seed, -3, classes.get(c).hashCode()));
            for (int i = idx.size() - 1; i > 0; i--) {
                Collections.swap(idx, i, rnd.nextInt(i + 1));
            }
            for (int j = 0; j < idx.size(); j++) {
                fold[idx.get(j)] = j % k;
            }
        }
        return fold;
    }

    /**
     * Refuses {@code k} folds that some class cannot fill with one image each.
     *
     * @param folder the training folder, named with the class in the error
     * @throws InputException naming the smallest class's folder when {@code k} exceeds its image count
     */
    public static void requireFoldable(List<Sample> samples, List<String> classes, int k, Path folder) {
        int[] counts = new int[classes.size()];
        samples.forEach(s -> counts[s.label()]++);
        int smallest = 0;
        for (int c = 1; c < counts.length; c++) {
            if (counts[c] < counts[smallest]) {
                smallest = c;
            }
        }
        if (counts.length > 0 && k > counts[smallest]) {
            throw new InputException(Message.of(Setting.FOLDS, " ", k, " is more than the ", counts[smallest],
                    counts[smallest] == 1 ? " image" : " images", " of class folder ",
                    folder.resolve(classes.get(smallest)), ": every fold needs an image of each class; use at most ",
                    Setting.FOLDS, " ", counts[smallest]));
        }
    }
}
