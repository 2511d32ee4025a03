package dev.ferry.train;

import java.util.SplittableRandom;

/** The arithmetic of {@link Balance}: class counts, balanced class weights and the weighted sampler. */
public final class ClassBalance {
    private ClassBalance() {}

    /** Images per class among {@code source}'s labels, for {@code classes} classes. */
    public static int[] counts(SampleSource source, int classes) {
        int[] counts = new int[classes];
        for (int i = 0; i < source.size(); i++) {
            counts[source.label(i)]++;
        }
        return counts;
    }

    /**
     * scikit-learn's {@code compute_class_weight("balanced")}: {@code N / (K * n_c)} with {@code N}
     * images and {@code K} classes, so that every class carries the same total weight. A class
     * without images gets weight 0 and is not counted in {@code K} (scikit-learn refuses such a class;
     * here it is never a target, so its weight never matters but for label smoothing's share).
     */
    public static double[] weights(int[] counts) {
        long n = 0;
        int k = 0;
        for (int c : counts) {
            n += c;
            k += c > 0 ? 1 : 0;
        }
        double[] w = new double[counts.length];
        for (int c = 0; c < counts.length; c++) {
            w[c] = counts[c] > 0 ? n / ((double) k * counts[c]) : 0;
        }
        return w;
    }

    /**
     * PyTorch's {@code WeightedRandomSampler(weights, len(labels), replacement=True)} with each
     * sample weighted {@code 1 / n_c} of its class: {@code labels.length} indices drawn with
     * replacement, so every class is drawn equally often in expectation.
     *
     * @param labels each sample's class
     * @param random the epoch's generator: the same generator state gives the same draw
     */
    public static int[] sample(int[] labels, int[] counts, SplittableRandom random) {
        int n = labels.length;
        double[] cumulative = new double[n];
        double total = 0;
        for (int i = 0; i < n; i++) {
            total += 1.0 / counts[labels[i]];
            cumulative[i] = total;
        }
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            double u = random.nextDouble() * total;
            int j = java.util.Arrays.binarySearch(cumulative, u);
            // binarySearch gives the insertion point for a value between entries: the first
            // cumulative weight above u, i.e. the sample whose interval holds u.
            j = j >= 0 ? j + 1 : -j - 1;
            out[i] = Math.min(j, n - 1);
        }
        return out;
    }
}
