package dev.ferry.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.ferry.platform.Engines;
import dev.ferry.FerryException;
import dev.ferry.InputException;
import dev.ferry.Message;
import dev.ferry.Setting;
import dev.ferry.model.Module;
import dev.ferry.model.ResNet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The learning-rate range test (Leslie Smith, "Cyclical Learning Rates for Training Neural
 * Networks", 2017; fastai's {@code lr_find}): train for a few steps while the rate grows
 * exponentially from {@code start} to {@code end}, record the loss, and suggest the rate where the
 * loss falls fastest.
 *
 * <ul>
 *   <li>Step {@code i} of {@code n} uses {@code start * (end / start)^(i / (n - 1))}. Batches cycle
 *       through the data in freshly shuffled orders ({@code (seed, epoch)} as in training) with the
 *       training augmentation, so any number of steps works on a small dataset.
 *   <li>The recorded loss is an exponential moving average with {@code beta = }{@value #BETA} and
 *       bias correction: {@code avg = beta * avg + (1 - beta) * loss}, {@code smoothed = avg / (1 -
 *       beta^(i + 1))}; the raw losses are noisy batch to batch.
 *   <li>The sweep stops early once the smoothed loss exceeds {@value #DIVERGENCE} times its lowest
 *       value (or the loss is not finite): beyond that point training has diverged.
 *   <li>The suggestion is the rate of steepest descent of the smoothed loss against {@code log(rate)}
 *       before the loss minimum, ignoring the first tenth of the points (at most 10), where the
 *       average is still settling; see {@link #suggest}. {@link Rule} reads the same curve the
 *       other ways fastai does (a tenth of the minimum's rate, the valley).
 * </ul>
 *
 * <p>The network is trained in place and not restored: the sweep is meant for a throwaway copy. It
 * trains what the first phase of the strategy trains (for two-stage, the head), with the strategy's
 * backbone rate factor, the configured optimizer, weight decay and label smoothing; the rates are
 * the head's, the scale of {@link TrainConfig#lr()}.
 */
public final class LrFinder {
    /** Smoothing factor of the loss average. */
    public static final double BETA = 0.98;
    /** The sweep stops when the smoothed loss exceeds this multiple of its minimum. */
    public static final double DIVERGENCE = 4;

    /**
     * The sweep's range.
     *
     * @param start the first rate, positive
     * @param end the last rate, above {@code start}
     * @param steps number of rates tried (optimizer steps), at least 2
     * @param batchSize images per step, at least 2 (BatchNorm needs two samples); capped at the data size
     */
    public record Settings(double start, double end, int steps, int batchSize) {
        public Settings {
            if (!(start > 0) || Double.isInfinite(start)) {
                throw new InputException(Message.of(Setting.RANGE_START, " must be a positive rate, got ", start));
            }
            if (!(end > start) || Double.isInfinite(end)) {
                throw new InputException(Message.of(Setting.RANGE_END, " must be a finite rate above ", Setting.RANGE_START, " (", start,
                        "), got ", end));
            }
            if (steps < 2) {
                throw new InputException(Message.of(Setting.RANGE_STEPS, " must be at least 2, got ", steps));
            }
            if (batchSize < 2) {
                throw new InputException(Message.of(Setting.BATCH_SIZE,
                        " must be at least 2 (BatchNorm needs two images per step), got ", batchSize));
            }
        }

        /** fastai's defaults: 1e-7 to 10 in 100 steps, with {@code batchSize} images per step. */
        public static Settings defaults(int batchSize) {
            return new Settings(1e-7, 10, 100, batchSize);
        }

        /** The rate of step {@code i} (0-based). */
        public double rate(int i) {
            return start * Math.pow(end / start, i / (double) (steps - 1));
        }
    }

    /**
     * What the sweep found.
     *
     * @param rates the rates tried, increasing
     * @param losses the smoothed loss at each rate
     * @param rawLosses the batch loss at each rate
     * @param suggestedLr the suggested rate (see {@link #suggest})
     * @param stoppedEarly the loss diverged before the last rate
     */
    public record Result(double[] rates, double[] losses, double[] rawLosses, double suggestedLr, boolean stoppedEarly) {

        /** Every {@link Rule}'s reading of this curve, in the rules' order (empty where a rule has nothing to suggest). */
        public Map<Rule, OptionalDouble> byRule() {
            Map<Rule, OptionalDouble> m = new java.util.EnumMap<>(Rule.class);
            for (Rule r : Rule.values()) {
                m.put(r, r.pick(rates, losses));
            }
            return m;
        }
    }

    /** Progress of the sweep. */
    public interface Listener {
        /**
         * A step finished.
         *
         * @param step 1-based step
         * @param steps planned steps
         * @param rate the rate used
         * @param smoothedLoss the smoothed loss after it
         */
        void step(int step, int steps, double rate, double smoothedLoss);

        /** A silent listener. */
        Listener NONE = (step, steps, rate, loss) -> { };
    }

    private final TrainConfig config;
    private final Settings settings;
    private final Listener listener;

    /**
     * @param config strategy, optimizer, weight decay, label smoothing and seed (its rate, epochs and
     *     schedule are not used)
     * @param settings the range
     * @param listener progress, or null
     */
    public LrFinder(TrainConfig config, Settings settings, Listener listener) {
        this.config = config;
        this.settings = settings;
        this.listener = listener == null ? Listener.NONE : listener;
    }

    /**
     * Runs the sweep, training {@code net} in place.
     *
     * @throws InputException if the source has fewer than 2 samples
     * @throws FerryException if the loss is not finite from the very first step
     */
    public Result run(ResNet net, SampleSource source, NDManager manager) {
        int n = source.size();
        if (n < 2) {
            throw new InputException("the learning-rate finder needs at least 2 images, got " + n);
        }
        int batch = Math.min(settings.batchSize(), n);
        Phase phase = Phase.of(config.strategy(), config.epochs()).get(0);
        Trainer.configure(net, phase);
        Optimizer optimizer = new Optimizer(config.optimizer(), groups(net, phase), manager);
        Engines.seed(config.seed());

        int[] shape = source.sampleShape();
        int per = shape[0] * shape[1] * shape[2];
        List<double[]> points = new ArrayList<>();
        double avg = 0;
        double best = Double.POSITIVE_INFINITY;
        boolean stoppedEarly = false;
        int epoch = 0;
        int[] order = new int[0];
        int position = 0;
        for (int i = 0; i < settings.steps(); i++) {
            if (position + batch > order.length) {
                // A new shuffled pass; the remainder of the last one is dropped so every step sees a full batch.
                epoch++;
                order = Trainer.permutation(n, config.seed(), epoch);
                position = 0;
            }
            int[] idx = Arrays.copyOfRange(order, position, position + batch);
            position += batch;
            double rate = settings.rate(i);
            float[] pixels = new float[batch * per];
            source.load(idx, true, config.seed(), epoch, pixels);
            float loss;
            try (NDManager step = manager.newSubManager()) {
                NDArray x = step.create(pixels, new Shape(batch, shape[0], shape[1], shape[2]));
                NDArray y = step.create(labels(source, idx));
                try (GradientCollector gc = Engine.getEngine(Engines.ENGINE).newGradientCollector()) {
                    NDArray l = Losses.crossEntropy(net.forward(x, true), y, config.labelSmoothing());
                    gc.backward(l);
                    loss = l.getFloat();
                }
                if (!Float.isFinite(loss)) {
                    optimizer.zeroGradients();
                    stoppedEarly = true;
                    break;
                }
                optimizer.step(rate);
            }
            avg = BETA * avg + (1 - BETA) * loss;
            double smoothed = avg / (1 - Math.pow(BETA, i + 1));
            points.add(new double[] {rate, smoothed, loss});
            best = Math.min(best, smoothed);
            listener.step(i + 1, settings.steps(), rate, smoothed);
            if (smoothed > DIVERGENCE * best) {
                stoppedEarly = i + 1 < settings.steps();
                break;
            }
        }
        if (points.size() < 2) {
            throw new FerryException(Message.of(String.format(Locale.ROOT,
                    "the loss is not finite from the first learning rate (%g) on; lower ", settings.start()), Setting.RANGE_START));
        }
        double[] rates = points.stream().mapToDouble(p -> p[0]).toArray();
        double[] losses = points.stream().mapToDouble(p -> p[1]).toArray();
        double[] raw = points.stream().mapToDouble(p -> p[2]).toArray();
        return new Result(rates, losses, raw, suggest(rates, losses), stoppedEarly);
    }

    /**
     * The suggested rate: where the smoothed loss falls fastest against {@code log(rate)}, searched
     * from point {@code min(n / 10, 10)} (the moving average's first values are still settling) up to
     * the point of lowest loss (past it the loss rises, and a steep fall there is the rebound of a
     * diverging run). The slope is numpy's {@code gradient}: central differences inside, one-sided at
     * the ends. When the minimum lies before that starting point, the search starts at the minimum
     * itself. When no slope in the range is negative (the loss never falls there), the suggestion
     * falls back to a tenth of the rate of lowest loss.
     *
     * @param rates increasing positive rates, at least 2
     * @param losses the smoothed loss at each rate
     */
    public static double suggest(double[] rates, double[] losses) {
        OptionalDouble steepest = steepestDescent(rates, losses);
        return steepest.isPresent() ? steepest.getAsDouble() : rates[lowest(losses)] / 10;
    }

    /**
     * {@link #suggest}'s rule without its fallback: the rate of steepest descent before the loss
     * minimum, or empty when no slope in that range is negative (a flat or only rising curve, where
     * the sweep has nothing to suggest).
     *
     * @param rates increasing positive rates, at least 2
     * @param losses the smoothed loss at each rate
     */
    public static OptionalDouble steepestDescent(double[] rates, double[] losses) {
        requireCurve(rates, losses);
        int n = rates.length;
        int min = lowest(losses);
        double[] slope = gradient(rates, losses);
        int from = Math.min(Math.min(n / 10, 10), min);
        int steepest = -1;
        for (int i = from; i <= min; i++) {
            if (slope[i] < 0 && (steepest < 0 || slope[i] < slope[steepest])) {
                steepest = i;
            }
        }
        return steepest >= 0 ? OptionalDouble.of(rates[steepest]) : OptionalDouble.empty();
    }

    /**
     * How a sweep's curve becomes a rate. Each gives nothing when the curve has no falling stretch
     * to suggest from; the curve is the smoothed loss against increasing rates.
     */
    public enum Rule {
        /** {@link #steepestDescent}: where the loss falls fastest before its minimum ({@code lr-find}'s suggestion). */
        STEEPEST("steepest", "steepest descent of the smoothed loss before its minimum"),
        /**
         * A tenth of the rate of lowest loss (fastai's {@code minimum}, after Smith): the minimum is
         * where training begins to fail, so a rate a decade below it is still safe; nothing when the
         * loss is lowest at the first rate.
         */
        MINIMUM("minimum", "a tenth of the rate of lowest smoothed loss"),
        /**
         * fastai's {@code valley}: the longest strictly falling (not necessarily contiguous) run of
         * losses, and the point half-way into it ({@code start + floor(len/3) + floor(len/6)},
         * fastai's index arithmetic); nothing when no loss is below an earlier one.
         */
        VALLEY("valley", "half-way into the longest falling run of the smoothed loss");

        private final String id;
        private final String description;

        Rule(String id, String description) {
            this.id = id;
            this.description = description;
        }

        /** The name users give it: {@code steepest}, {@code minimum} or {@code valley}. */
        public String id() {
            return id;
        }

        /** The rule, in words. */
        public String description() {
            return description;
        }

        /** The rule named {@code id}, or null. */
        public static Rule byId(String id) {
            for (Rule r : values()) {
                if (r.id.equalsIgnoreCase(id)) {
                    return r;
                }
            }
            return null;
        }

        /**
         * The rule's rate for a curve, or empty when it has nothing to suggest.
         *
         * @param rates increasing positive rates, at least 2
         * @param losses the smoothed loss at each rate
         */
        public OptionalDouble pick(double[] rates, double[] losses) {
            requireCurve(rates, losses);
            return switch (this) {
                case STEEPEST -> steepestDescent(rates, losses);
                case MINIMUM -> {
                    int min = lowest(losses);
                    yield min == 0 ? OptionalDouble.empty() : OptionalDouble.of(rates[min] / 10);
                }
                case VALLEY -> valley(rates, losses);
            };
        }
    }

    /** {@link Rule#VALLEY}: the O(n^2) longest decreasing subsequence, as fastai computes it. */
    static OptionalDouble valley(double[] rates, double[] losses) {
        int n = losses.length;
        int[] run = new int[n];
        Arrays.fill(run, 1);
        int end = 0;
        int start = 0;
        for (int i = 1; i < n; i++) {
            for (int j = 0; j < i; j++) {
                if (losses[i] < losses[j] && run[i] < run[j] + 1) {
                    run[i] = run[j] + 1;
                }
            }
            if (run[end] < run[i]) {
                end = i;
                start = end - run[end];
            }
        }
        if (run[end] < 2) {
            return OptionalDouble.empty();
        }
        // fastai: int(d / 3) + int(d / 3 / 2) in floats; for d >= 0 the integer divisions d / 3 + d / 6.
        int d = end - start;
        int idx = start + d / 3 + d / 6;
        return OptionalDouble.of(rates[Math.max(0, Math.min(n - 1, idx))]);
    }

    private static void requireCurve(double[] rates, double[] losses) {
        if (rates.length < 2 || losses.length != rates.length) {
            throw new IllegalArgumentException("need at least 2 rates with one loss each, got " + rates.length + " and "
                    + losses.length);
        }
    }

    /** The index of the lowest loss (the first, on ties). */
    private static int lowest(double[] losses) {
        int min = 0;
        for (int i = 1; i < losses.length; i++) {
            if (losses[i] < losses[min]) {
                min = i;
            }
        }
        return min;
    }

    /** d(loss)/d(log rate) as numpy's {@code gradient}: central differences, one-sided at the ends. */
    static double[] gradient(double[] rates, double[] losses) {
        int n = rates.length;
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = Math.log(rates[i]);
        }
        double[] g = new double[n];
        g[0] = (losses[1] - losses[0]) / (x[1] - x[0]);
        g[n - 1] = (losses[n - 1] - losses[n - 2]) / (x[n - 1] - x[n - 2]);
        for (int i = 1; i < n - 1; i++) {
            g[i] = (losses[i + 1] - losses[i - 1]) / (x[i + 1] - x[i - 1]);
        }
        return g;
    }

    /** The trainer's parameter groups: the head at the full rate, the trainable backbone at the phase's factor. */
    private List<Optimizer.Group> groups(ResNet net, Phase phase) {
        Map<String, Parameter> head = new LinkedHashMap<>();
        Map<String, Parameter> backbone = new LinkedHashMap<>();
        net.stateDict().forEach((k, p) -> {
            if (Module.isTrainableType(p.getType()) && p.requiresGradient()) {
                (k.startsWith("fc.") ? head : backbone).put(k, p);
            }
        });
        List<Optimizer.Group> groups = new ArrayList<>(Optimizer.decayGroups(head, 1, config.weightDecay()));
        groups.addAll(Optimizer.decayGroups(backbone, phase.backboneLrFactor(), config.weightDecay()));
        return groups;
    }

    private static int[] labels(SampleSource source, int[] idx) {
        int[] y = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            y[i] = source.label(idx[i]);
        }
        return y;
    }
}
