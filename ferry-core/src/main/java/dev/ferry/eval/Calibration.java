package dev.ferry.eval;

import java.util.Objects;

/**
 * Temperature scaling (Guo et al. 2017, "On Calibration of Modern Neural Networks"): one number
 * {@code T} that divides every logit, fitted on held-out data by minimising the negative
 * log-likelihood. It changes no prediction (the arg max of {@code logits / T} is the arg max of the
 * logits) but makes the probabilities mean what they say: a fine-tuned network on a hundred images
 * is typically over-confident, and its "95%" is right far less often than 95% of the time.
 *
 * <p>It is fitted from softmax probabilities rather than logits: {@code log p} differs from the
 * logits by one constant per image, which softmax cancels, so {@code softmax(log p / T)} equals
 * {@code softmax(logits / T)}.
 *
 * @param temperature the fitted {@code T} (above 1 softens over-confident probabilities)
 * @param samples held-out images it was fitted on
 * @param nllBefore mean negative log-likelihood at {@code T = 1}
 * @param nllAfter the same at the fitted {@code T}
 * @param eceBefore expected calibration error ({@value #BINS} equal-width confidence bins) at {@code T = 1}
 * @param eceAfter the same at the fitted {@code T}
 */
public record Calibration(double temperature, int samples, double nllBefore, double nllAfter, double eceBefore,
                          double eceAfter) {
    /** Confidence bins of the expected calibration error, as Guo et al. use. */
    public static final int BINS = 15;
    /** The widest range {@code T} is searched in; a bound is reached only on degenerate data. */
    public static final double MIN_TEMPERATURE = 0.05;
    /** See {@link #MIN_TEMPERATURE}. */
    public static final double MAX_TEMPERATURE = 20;
    /** Log of the smallest probability used: a float softmax may round a probability to 0. */
    private static final double LOG_FLOOR = Math.log(Float.MIN_VALUE);

    public Calibration {
        requireTemperature(temperature);
    }

    /**
     * {@code temperature}, if it is positive and finite.
     *
     * @throws IllegalArgumentException otherwise
     */
    public static double requireTemperature(double temperature) {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("the temperature must be positive and finite, got " + temperature);
        }
        return temperature;
    }

    /**
     * The temperature that minimises the mean negative log-likelihood of {@code labels} under
     * {@code softmax(log p / T)}. The likelihood is convex in {@code 1 / T}, so a golden-section
     * search over {@code 1 / T} finds the minimum to machine precision.
     *
     * @param probabilities one softmax row per image
     * @param labels the true class of each image
     * @throws IllegalArgumentException if there are no images or the rows and labels disagree
     */
    public static Calibration fit(float[][] probabilities, int[] labels) {
        return fit(probabilities, labels, MIN_TEMPERATURE, MAX_TEMPERATURE);
    }

    /**
     * The temperature in {@code [1, MAX_TEMPERATURE]} that minimises the likelihood: one that can
     * only soften. This is what training stores. Its validation split also chose the best epoch, so
     * the network looks better on it than on new images, and a sharpening temperature fitted there
     * is that selection, not the network's calibration: on the demo's 20-shot fine-tuning task the
     * unconstrained fit on the 20 validation images gave {@code T = 0.51} and raised the test
     * log-likelihood loss from 0.976 to 1.324.
     */
    public static Calibration fitSoftening(float[][] probabilities, int[] labels) {
        return fit(probabilities, labels, 1, MAX_TEMPERATURE);
    }

    /**
     * As {@link #fit(float[][], int[])} with {@code T} searched in {@code [minT, maxT]}.
     *
     * @throws IllegalArgumentException if the range is empty or not positive
     */
    public static Calibration fit(float[][] probabilities, int[] labels, double minT, double maxT) {
        if (!(minT > 0 && minT <= maxT && Double.isFinite(maxT))) {
            throw new IllegalArgumentException("temperature range [" + minT + ", " + maxT + "]");
        }
        Objects.requireNonNull(probabilities, "probabilities");
        if (probabilities.length == 0 || probabilities.length != labels.length) {
            throw new IllegalArgumentException(probabilities.length + " probability rows for " + labels.length + " labels");
        }
        double[][] logs = new double[probabilities.length][];
        for (int i = 0; i < logs.length; i++) {
            logs[i] = new double[probabilities[i].length];
            for (int j = 0; j < logs[i].length; j++) {
                logs[i][j] = Math.max(LOG_FLOOR, Math.log(probabilities[i][j]));
            }
        }
        double lo = 1 / maxT;
        double hi = 1 / minT;
        double g = (Math.sqrt(5) - 1) / 2;
        double a = hi - g * (hi - lo);
        double b = lo + g * (hi - lo);
        double fa = nll(logs, labels, a);
        double fb = nll(logs, labels, b);
        for (int it = 0; it < 200 && hi - lo > 1e-12; it++) {
            if (fa <= fb) {
                hi = b;
                b = a;
                fb = fa;
                a = hi - g * (hi - lo);
                fa = nll(logs, labels, a);
            } else {
                lo = a;
                a = b;
                fa = fb;
                b = lo + g * (hi - lo);
                fb = nll(logs, labels, b);
            }
        }
        double beta = (lo + hi) / 2;
        // At a bound of the range the search stops a hair inside it: report the bound itself
        // (T = 1 exactly when softening is not needed).
        if (Math.abs(beta - 1 / minT) < 1e-9) {
            beta = 1 / minT;
        } else if (Math.abs(beta - 1 / maxT) < 1e-9) {
            beta = 1 / maxT;
        }
        double t = 1 / beta;
        float[][] after = new float[probabilities.length][];
        for (int i = 0; i < after.length; i++) {
            after[i] = scale(probabilities[i], t);
        }
        return new Calibration(t, labels.length, nll(logs, labels, 1), nll(logs, labels, beta),
                Reliability.of(probabilities, labels, BINS).ece(), Reliability.of(after, labels, BINS).ece());
    }

    /** {@code softmax(log p / temperature)} of one probability row. */
    public static float[] scale(float[] probabilities, double temperature) {
        // Softmax written out here rather than taken from the model package: this package stays
        // plain Java on host arrays (see package-info).
        double beta = 1 / temperature;
        double max = Double.NEGATIVE_INFINITY;
        double[] z = new double[probabilities.length];
        for (int j = 0; j < z.length; j++) {
            z[j] = beta * Math.max(LOG_FLOOR, Math.log(probabilities[j]));
            max = Math.max(max, z[j]);
        }
        double sum = 0;
        for (double v : z) {
            sum += Math.exp(v - max);
        }
        float[] out = new float[z.length];
        for (int j = 0; j < z.length; j++) {
            out[j] = (float) (Math.exp(z[j] - max) / sum);
        }
        return out;
    }

    /** This calibration applied to one probability row. */
    public float[] apply(float[] probabilities) {
        return scale(probabilities, temperature);
    }

    /** Mean of {@code logsumexp(beta * l) - beta * l[y]} over the images. */
    private static double nll(double[][] logs, int[] labels, double beta) {
        double total = 0;
        for (int i = 0; i < logs.length; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (double v : logs[i]) {
                max = Math.max(max, beta * v);
            }
            double sum = 0;
            for (double v : logs[i]) {
                sum += Math.exp(beta * v - max);
            }
            total += max + Math.log(sum) - beta * logs[i][labels[i]];
        }
        return total / logs.length;
    }

    /**
     * How often predictions are right at each confidence: images binned by their top probability
     * into equal-width bins of (0, 1] (a confidence of exactly 1 in the last bin).
     *
     * @param counts images per bin
     * @param accuracy fraction of each bin's images whose top class is the true one (NaN when empty)
     * @param confidence mean top probability of each bin's images (NaN when empty)
     * @param ece expected calibration error: {@code sum over bins of (count / n) |accuracy - confidence|}
     */
    public record Reliability(int[] counts, double[] accuracy, double[] confidence, double ece) {
        /** The reliability of {@code probabilities} against {@code labels} in {@code bins} bins. */
        public static Reliability of(float[][] probabilities, int[] labels, int bins) {
            int[] counts = new int[bins];
            double[] correct = new double[bins];
            double[] conf = new double[bins];
            for (int i = 0; i < probabilities.length; i++) {
                float[] p = probabilities[i];
                int top = 0;
                for (int j = 1; j < p.length; j++) {
                    if (p[j] > p[top]) {
                        top = j;
                    }
                }
                int b = Math.min(bins - 1, (int) Math.floor(p[top] * bins));
                counts[b]++;
                conf[b] += p[top];
                correct[b] += top == labels[i] ? 1 : 0;
            }
            double[] accuracy = new double[bins];
            double[] confidence = new double[bins];
            double ece = 0;
            for (int b = 0; b < bins; b++) {
                accuracy[b] = counts[b] == 0 ? Double.NaN : correct[b] / counts[b];
                confidence[b] = counts[b] == 0 ? Double.NaN : conf[b] / counts[b];
                if (counts[b] > 0) {
                    ece += (double) counts[b] / probabilities.length * Math.abs(accuracy[b] - confidence[b]);
                }
            }
            return new Reliability(counts, accuracy, confidence, ece);
        }
    }
}
