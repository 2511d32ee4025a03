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
     *
     * @param rule how the sweep's curve becomes the rate
     */
    record Auto(LrFinder.Rule rule) implements LearningRate {
        public Auto {
            if (rule == null) {
                throw new IllegalArgumentException("rule is null");
            }
        }
    }

    /**
     * The rule {@code --lr auto} uses when none is named. Chosen on the transfer benchmark
     * (docs/TRANSFER.md): with feature extraction it was 1.3 points better than the earlier fixed
     * rate 0.05 on the mean of the tasks (steepest descent 0.4, valley 9.7 worse), and below the
     * current 0.1; with fine-tuning every rule lost to the fixed default, this one by the least.
     * The fixed defaults stay the defaults.
     */
    LrFinder.Rule DEFAULT_RULE = LrFinder.Rule.MINIMUM;

    /**
     * A suggestion more than this factor away from the strategy's default rate is warned about:
     * the defaults were chosen across tasks, and a finder's curve on a hundred images is noisy.
     */
    double FAR_FROM_DEFAULT = 10;

    /** The finder's suggestion by {@link #DEFAULT_RULE}. */
    static LearningRate auto() {
        return new Auto(DEFAULT_RULE);
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
     * @param rule how the rate was read off the curve
     */
    record Suggestion(double rate, double start, double end, int steps, int stepsRun, int batchSize, int images,
            LrFinder.Rule rule) {

        /**
         * The finder's suggestion from a sweep.
         *
         * @param fallback the rate named in the error (the strategy's default)
         * @throws FerryException naming {@link Setting#LEARNING_RATE} when the curve has no falling
         *     stretch to suggest from (flat, or rising from the first rate): a guessed rate would
         *     look like a measured one
         */
        public static Suggestion of(LrFinder.Result sweep, LrFinder.Settings settings, int images, double fallback,
                LrFinder.Rule rule) {
            OptionalDouble rate = rule.pick(sweep.rates(), sweep.losses());
            if (rate.isEmpty()) {
                throw new FerryException(Message.of(String.format(Locale.ROOT,
                        "the learning-rate finder found no rate where the loss falls (%d rates from %.1e to %.1e%s); give ",
                        sweep.rates().length, sweep.rates()[0], sweep.rates()[sweep.rates().length - 1],
                        sweep.stoppedEarly() ? ", diverged" : ""), Setting.LEARNING_RATE,
                        String.format(Locale.ROOT, " as a number instead, e.g. %s", Double.toString(fallback))));
            }
            return new Suggestion(rate.getAsDouble(), settings.start(), settings.end(), settings.steps(),
                    sweep.rates().length, Math.min(settings.batchSize(), images), images, rule);
        }

        /**
         * A warning when the rate is more than {@link #FAR_FROM_DEFAULT} times above or below
         * {@code defaultRate}, or null.
         */
        public String farFrom(double defaultRate) {
            double ratio = rate / defaultRate;
            // Compared in decades, with room for rounding: exactly a factor 10 is not beyond it.
            if (Math.abs(Math.log10(ratio)) <= Math.log10(FAR_FROM_DEFAULT) + 1e-9) {
                return null;
            }
            return String.format(Locale.ROOT, "the finder's rate %.2e is %.0fx %s the strategy's default %s, which was chosen "
                    + "across many tasks; compare with a run at the default",
                    rate, ratio > 1 ? ratio : 1 / ratio, ratio > 1 ? "above" : "below", Double.toString(defaultRate));
        }

        /** For people: {@code 0.0123, suggested by the LR finder (steepest descent ..., 1.0e-07 to 10 in 100 steps)}. */
        public String line() {
            return String.format(Locale.ROOT, "%.4g, suggested by the LR finder (%s; %.1e to %.3g in %d steps of %d images, %d run)",
                    rate, rule.description(), start, end, steps, batchSize, stepsRun);
        }

        /** As {@code model.json} records it. */
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("suggestedLr", rate);
            m.put("rule", rule.id());
            m.put("ruleDescription", rule.description());
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
            // Recorded before rules could be named, "rule" held the steepest-descent rule's description.
            LrFinder.Rule rule = m.get("rule") instanceof String r ? LrFinder.Rule.byId(r) : null;
            try {
                return new Suggestion(num(m, "suggestedLr"), num(m, "start"), num(m, "end"), (int) num(m, "steps"),
                        (int) num(m, "stepsRun"), (int) num(m, "batchSize"), (int) num(m, "images"),
                        rule == null ? LrFinder.Rule.STEEPEST : rule);
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
