package dev.ferry.train;

import dev.ferry.InputException;
import dev.ferry.model.ResNet;
import java.util.Locale;

/**
 * How much of a pretrained network learns. Each strategy is a value; the trainer turns it into one or
 * two {@link Phase}s.
 */
public sealed interface Strategy {

    /** The CLI spelling: {@code feature-extract}, {@code fine-tune}, ... */
    String id();

    /** Whether the network starts from the given weights (everything but {@link Scratch}). */
    default boolean usesPretrainedWeights() {
        return true;
    }

    /**
     * Only the new head trains; the backbone is frozen with its BatchNorms in inference mode. The
     * backbone's features are computed once per image and view and cached.
     *
     * @param cachedViews augmented views cached per training image (1: the eval transform only)
     * @param cache false runs the frozen backbone every epoch (the usual recipe; for comparison)
     */
    record FeatureExtract(int cachedViews, boolean cache) implements Strategy {
        public FeatureExtract {
            if (cachedViews < 1) {
                throw new InputException("--cached-views must be at least 1, got " + cachedViews);
            }
        }

        @Override
        public String id() {
            return "feature-extract";
        }
    }

    /**
     * Every layer trains from the pretrained weights.
     *
     * @param backboneLrFactor the backbone's learning rate relative to the head's (1 = same)
     */
    record FineTune(double backboneLrFactor) implements Strategy {
        public FineTune {
            checkFactor(backboneLrFactor);
        }

        @Override
        public String id() {
            return "fine-tune";
        }
    }

    /**
     * Stages before {@code stage} (and the stem) stay frozen, BN included; the rest trains.
     *
     * @param stage 1..4 ({@code layer1}..{@code layer4})
     * @param backboneLrFactor learning-rate factor of the unfrozen backbone stages
     */
    record UnfreezeFrom(int stage, double backboneLrFactor) implements Strategy {
        public UnfreezeFrom {
            if (stage < 1 || stage > 4) {
                throw new InputException("unfreeze-from takes layer1..layer4, got layer" + stage);
            }
            checkFactor(backboneLrFactor);
        }

        @Override
        public String id() {
            return "unfreeze-from-" + ResNet.STAGES.get(stage - 1);
        }
    }

    /**
     * fastai's {@code fine_tune}: feature extraction for the first epochs, then every layer trains
     * with a lower rate.
     *
     * @param headEpochs epochs of the first (frozen, cached) phase
     * @param fineTuneLrFactor the second phase's rate relative to {@code --lr}
     * @param backboneLrFactor the backbone's rate relative to the head's in the second phase
     */
    record TwoStage(int headEpochs, double fineTuneLrFactor, double backboneLrFactor) implements Strategy {
        public TwoStage {
            if (headEpochs < 1) {
                throw new InputException("two-stage needs at least one head epoch, got " + headEpochs);
            }
            checkFactor(fineTuneLrFactor);
            checkFactor(backboneLrFactor);
        }

        @Override
        public String id() {
            return "two-stage";
        }
    }

    /** The same architecture from random initialisation: the baseline transfer must beat. */
    record Scratch() implements Strategy {
        @Override
        public String id() {
            return "scratch";
        }

        @Override
        public boolean usesPretrainedWeights() {
            return false;
        }
    }

    private static void checkFactor(double f) {
        if (!(f > 0 && f <= 100)) {
            throw new InputException("learning-rate factor must be in (0, 100], got " + f);
        }
    }

    /** The names the CLI accepts. */
    String NAMES = "feature-extract, fine-tune, unfreeze-from, two-stage, scratch";

    /**
     * Parses a strategy name with its defaults; {@code unfreeze-from} needs {@code stage}.
     */
    static Strategy parse(String name, int unfreezeStage, int cachedViews, double backboneLrFactor) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        return switch (n) {
            case "feature-extract", "feature-extraction" -> new FeatureExtract(cachedViews, true);
            case "fine-tune", "finetune" -> new FineTune(backboneLrFactor);
            case "unfreeze-from" -> new UnfreezeFrom(unfreezeStage, backboneLrFactor);
            case "two-stage" -> new TwoStage(3, 0.5, backboneLrFactor);
            case "scratch" -> new Scratch();
            default -> throw new InputException("unknown strategy '" + name + "' (known: " + NAMES + ")");
        };
    }
}
