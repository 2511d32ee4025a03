package dev.ferry.workflow;

import dev.ferry.FerryException;
import dev.ferry.Message;
import dev.ferry.Setting;
import dev.ferry.train.LrFinder;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * A training run's peak learning rate: a number, or the one the learning-rate finder suggests on
 * the run's own training images, strategy, batch size and seed before training starts.
 */
public sealed interface LearningRate {

    /**
     * A rate given as a number.
     *
     * @param rate the head's peak rate, checked by the training configuration
     */
    record Fixed(double rate) implements LearningRate {}

    /**
     * The finder's suggestion: a sweep with {@link LrFinder.Settings#defaults} at the run's batch
     * size (what {@code lr-find} sweeps by default), on a copy of the network the run trains.
     */
    record Auto() implements LearningRate {}

    /** The finder's suggestion. */
    static LearningRate auto() {
        return new Auto();
    }

    /**
     * The rate the finder chose and how, as {@code model.json} and the report record it.
     *
     * @param rate the suggested rate, used as the run's peak rate
     * @param start the sweep's first rate
     * @param end the sweep's last rate
     * @param steps the rates planned
     * @param stepsRun the rates tried before the sweep ended (fewer when the loss diverged)
     * @param batchSize images per sweep step
     * @param images the training images swept over
     */
    record Suggestion(double rate, double start, double end, int steps, int stepsRun, int batchSize, int images) {

        /** The rule, in words. */
        public static final String RULE = "steepest descent of the smoothed loss before its minimum";

        /**
         * The finder's suggestion from a sweep.
         *
         * @param fallback the rate named in the error (the strategy's default)
         * @throws FerryException naming {@link Setting#LEARNING_RATE} when the curve has no falling
         *     stretch to suggest from (flat, or rising from the first rate): a guessed rate would
         *     look like a measured one
         */
        public static Suggestion of(LrFinder.Result sweep, LrFinder.Settings settings, int images, double fallback) {
            OptionalDouble rate = LrFinder.steepestDescent(sweep.rates(), sweep.losses());
            if (rate.isEmpty()) {
                throw new FerryException(Message.of(String.format(Locale.ROOT,
                        "the learning-rate finder found no rate where the loss falls (%d rates from %.1e to %.1e%s); give ",
                        sweep.rates().length, sweep.rates()[0], sweep.rates()[sweep.rates().length - 1],
                        sweep.stoppedEarly() ? ", diverged" : ""), Setting.LEARNING_RATE,
                        String.format(Locale.ROOT, " as a number instead, e.g. %s", Double.toString(fallback))));
            }
            return new Suggestion(rate.getAsDouble(), settings.start(), settings.end(), settings.steps(),
                    sweep.rates().length, Math.min(settings.batchSize(), images), images);
        }

        /** For people: {@code 0.0123, suggested by the LR finder (steepest descent ..., 1.0e-07 to 10 in 100 steps)}. */
        public String line() {
            return String.format(Locale.ROOT, "%.4g, suggested by the LR finder (%s; %.1e to %.3g in %d steps of %d images, %d run)",
                    rate, RULE, start, end, steps, batchSize, stepsRun);
        }

        /** As {@code model.json} records it. */
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("suggestedLr", rate);
            m.put("rule", RULE);
            m.put("start", start);
            m.put("end", end);
            m.put("steps", steps);
            m.put("stepsRun", stepsRun);
            m.put("batchSize", batchSize);
            m.put("images", images);
            return m;
        }

        /** Reads back {@link #toJson()} (as Gson gives it: numbers as doubles); null when it is not one. */
        public static Suggestion fromJson(Object json) {
            if (!(json instanceof Map<?, ?> m)) {
                return null;
            }
            try {
                return new Suggestion(num(m, "suggestedLr"), num(m, "start"), num(m, "end"), (int) num(m, "steps"),
                        (int) num(m, "stepsRun"), (int) num(m, "batchSize"), (int) num(m, "images"));
            } catch (IllegalArgumentException e) {
                return null;
            }
        }

        private static double num(Map<?, ?> m, String key) {
            if (m.get(key) instanceof Number n) {
                return n.doubleValue();
            }
            throw new IllegalArgumentException(key);
        }
    }
}
