package dev.ferry.workflow;

import dev.ferry.InputException;
import dev.ferry.Message;
import dev.ferry.Setting;
import dev.ferry.train.Strategy;
import dev.ferry.train.TrainConfig;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Choosing between feature extraction and fine-tuning by trying both on the run's own split: the
 * feature-extraction candidate trains with its whole recipe (its backbone features are cached, so
 * that costs little), the fine-tuning candidate for {@link #trialEpochs()} of its epochs (its
 * one-cycle schedule compressed into them), and the one with the higher best validation accuracy is kept; a tie keeps feature extraction, the
 * cheaper one. The kept candidate then trains as the run, with its full recipe, so the model
 * directory, its checkpoint and {@link Setting#RESUME} work as for a strategy given by name.
 *
 * @param featureExtract the feature-extraction candidate's configuration (its own defaults where
 *     the user set nothing)
 * @param fineTune the fine-tuning candidate's configuration
 * @param trialFraction the part of the fine-tuning candidate's epochs its trial trains, in (0, 1];
 *     1 trains its whole recipe
 */
public record AutoStrategy(TrainConfig featureExtract, TrainConfig fineTune, double trialFraction) {

    /**
     * The default trial: fine-tuning's whole recipe. Shorter trials were measured on the transfer
     * benchmark (docs/TRANSFER.md) and chose feature extraction on tasks where fine-tuning's full run
     * wins by 40 points: fine-tuning from a distant source is still at chance a third of the way in.
     */
    public static final double DEFAULT_TRIAL_FRACTION = 1.0;

    /** The rule, in words. */
    public static final String RULE = "higher best validation accuracy wins; a tie keeps feature-extract, the cheaper";

    /** The candidates with the {@linkplain #DEFAULT_TRIAL_FRACTION default trial}. */
    public AutoStrategy(TrainConfig featureExtract, TrainConfig fineTune) {
        this(featureExtract, fineTune, DEFAULT_TRIAL_FRACTION);
    }

    public AutoStrategy {
        if (!(trialFraction > 0 && trialFraction <= 1)) {
            throw new InputException(Message.of(Setting.TRIAL_FRACTION, " must be in (0, 1] (1: the whole fine-tuning recipe), got ",
                    trialFraction));
        }
        if (featureExtract == null || fineTune == null) {
            throw new InputException(Message.of(Setting.STRATEGY, " auto needs a configuration for each candidate"));
        }
        if (!(featureExtract.strategy() instanceof Strategy.FeatureExtract)) {
            throw new InputException(Message.of(Setting.STRATEGY, " auto: the first candidate must be feature-extract, got ",
                    featureExtract.strategy().id()));
        }
        if (!(fineTune.strategy() instanceof Strategy.FineTune)) {
            throw new InputException(Message.of(Setting.STRATEGY, " auto: the second candidate must be fine-tune, got ",
                    fineTune.strategy().id()));
        }
    }

    /**
     * The fine-tuning trial's epochs: {@link #trialFraction} of the candidate's (rounded down), at
     * least 3, at most all of them. Its schedule runs over these epochs.
     */
    public int trialEpochs() {
        return Math.min(fineTune.epochs(), Math.max(3, (int) Math.floor(trialFraction * fineTune.epochs() + 1e-9)));
    }

    /** The same candidates, both with rate {@code lr}. */
    public AutoStrategy withLr(double lr) {
        return new AutoStrategy(featureExtract.withLr(lr), fineTune.withLr(lr), trialFraction);
    }

    /**
     * What the trial found.
     *
     * @param chosen the kept strategy's id
     * @param featureExtractAccuracy the feature-extraction candidate's best validation accuracy
     * @param featureExtractEpochs its epochs (its whole recipe)
     * @param fineTuneAccuracy the fine-tuning trial's best validation accuracy
     * @param fineTuneEpochs the trial's epochs
     * @param fineTuneRecipeEpochs the fine-tuning recipe's epochs (what it trains for when kept)
     */
    public record Choice(String chosen, double featureExtractAccuracy, int featureExtractEpochs, double fineTuneAccuracy,
            int fineTuneEpochs, int fineTuneRecipeEpochs) {

        /** The rule applied to the two accuracies. */
        static Choice decide(double featureExtractAccuracy, int featureExtractEpochs, double fineTuneAccuracy,
                int fineTuneEpochs, int fineTuneRecipeEpochs) {
            // NaN (a candidate without a finite validation result) never wins.
            boolean fineTuneWins = fineTuneAccuracy > featureExtractAccuracy || Double.isNaN(featureExtractAccuracy)
                    && !Double.isNaN(fineTuneAccuracy);
            return new Choice(fineTuneWins ? "fine-tune" : "feature-extract", featureExtractAccuracy, featureExtractEpochs,
                    fineTuneAccuracy, fineTuneEpochs, fineTuneRecipeEpochs);
        }

        /** Whether fine-tuning was kept. */
        public boolean fineTuneKept() {
            return chosen.equals("fine-tune");
        }

        /** For people: which was kept and why. */
        public String line() {
            String trial = fineTuneEpochs == fineTuneRecipeEpochs
                    ? String.format(Locale.ROOT, "%d epochs, its whole recipe", fineTuneEpochs)
                    : String.format(Locale.ROOT, "a trial of %d of its %d epochs", fineTuneEpochs, fineTuneRecipeEpochs);
            return String.format(Locale.ROOT,
                    "%s kept: validation accuracy %.4f for feature-extract (%d epochs, its whole recipe) against %.4f for "
                            + "fine-tune (%s); %s; the kept one then trained with its full recipe",
                    chosen, featureExtractAccuracy, featureExtractEpochs, fineTuneAccuracy, trial, RULE);
        }

        /** As {@code model.json} records it. */
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("chosen", chosen);
            m.put("rule", RULE);
            Map<String, Object> fe = new LinkedHashMap<>();
            fe.put("validationAccuracy", featureExtractAccuracy);
            fe.put("epochs", featureExtractEpochs);
            Map<String, Object> ft = new LinkedHashMap<>();
            ft.put("validationAccuracy", fineTuneAccuracy);
            ft.put("epochs", fineTuneEpochs);
            ft.put("recipeEpochs", fineTuneRecipeEpochs);
            m.put("featureExtract", fe);
            m.put("fineTune", ft);
            m.put("then", "the kept strategy trained with its full recipe");
            return m;
        }

        /** Reads back {@link #toJson()}; null when it is not one. */
        public static Choice fromJson(Object json) {
            if (!(json instanceof Map<?, ?> m) || !(m.get("chosen") instanceof String c)
                    || !(m.get("featureExtract") instanceof Map<?, ?> fe) || !(m.get("fineTune") instanceof Map<?, ?> ft)
                    || !(fe.get("validationAccuracy") instanceof Number fa) || !(fe.get("epochs") instanceof Number fn)
                    || !(ft.get("validationAccuracy") instanceof Number ta) || !(ft.get("epochs") instanceof Number tn)
                    || !(ft.get("recipeEpochs") instanceof Number tr)) {
                return null;
            }
            return new Choice(c, fa.doubleValue(), fn.intValue(), ta.doubleValue(), tn.intValue(), tr.intValue());
        }
    }
}
