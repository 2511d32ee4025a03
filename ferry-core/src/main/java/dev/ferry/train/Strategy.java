package dev.ferry.train;

import dev.ferry.InputException;
import dev.ferry.Message;
import dev.ferry.Setting;
import dev.ferry.model.ResNet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How much of a pretrained network learns. Each strategy is a value; the trainer turns it into one or
 * two {@link Phase}s.
 */
public sealed interface Strategy {

    /**
     * The backbone's rate relative to the head's when it trains, by default: one rate for every
     * layer, which ferry's transfer benchmark found best (docs/TRANSFER.md); at x0.1 the backbone
     * barely moves and tasks far from the pretraining data lose most of what fine-tuning gives.
     */
    double DEFAULT_BACKBONE_LR_FACTOR = 1.0;

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
                throw new InputException(Message.of(Setting.CACHED_VIEWS, " must be at least 1, got ", cachedViews));
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
     * @param fineTuneLrFactor the second phase's rate relative to the configured {@code lr}
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
    String NAMES = "feature-extract, fine-tune, unfreeze-from:layerN, two-stage, scratch";

    /**
     * The strategy as a JSON-friendly map: {@code name} (the {@link #id()}) and its parameters, as
     * {@code model.json} and checkpoints record it. {@link #fromDescription} reads it back.
     */
    default Map<String, Object> description() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", id());
        if (this instanceof FeatureExtract fe) {
            m.put("cachedViews", fe.cachedViews());
            m.put("cache", fe.cache());
        } else if (this instanceof FineTune ft) {
            m.put("backboneLrFactor", ft.backboneLrFactor());
        } else if (this instanceof UnfreezeFrom uf) {
            m.put("backboneLrFactor", uf.backboneLrFactor());
        } else if (this instanceof TwoStage ts) {
            m.put("headEpochs", ts.headEpochs());
            m.put("fineTuneLrFactor", ts.fineTuneLrFactor());
            m.put("backboneLrFactor", ts.backboneLrFactor());
        }
        return m;
    }

    /** For people: {@code fine-tune (backbone rate x0.1)}, {@code feature-extract (1 cached view per image)}. */
    default String summary() {
        if (this instanceof FeatureExtract fe) {
            return id() + (fe.cache() ? " (" + fe.cachedViews() + (fe.cachedViews() == 1 ? " cached view" : " cached views")
                    + " per image)" : " (backbone run every epoch, no cache)");
        } else if (this instanceof FineTune ft) {
            return id() + " (backbone rate x" + number(ft.backboneLrFactor()) + ")";
        } else if (this instanceof UnfreezeFrom uf) {
            return id() + " (backbone rate x" + number(uf.backboneLrFactor()) + ")";
        } else if (this instanceof TwoStage ts) {
            return id() + " (" + ts.headEpochs() + " head " + (ts.headEpochs() == 1 ? "epoch" : "epochs")
                    + ", then all layers at rate x" + number(ts.fineTuneLrFactor()) + ", backbone x" + number(ts.backboneLrFactor()) + ")";
        }
        return id();
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e9 ? Long.toString((long) v) : Double.toString(v);
    }

    /**
     * Reads back a {@link #description()}.
     *
     * @throws InputException naming what is wrong when the map is not one
     */
    static Strategy fromDescription(Map<String, ?> m) {
        Object name = m == null ? null : m.get("name");
        if (!(name instanceof String n)) {
            throw new InputException("strategy description without a name: " + m);
        }
        if (n.startsWith("unfreeze-from-layer") && n.length() == "unfreeze-from-layer".length() + 1) {
            return new UnfreezeFrom(n.charAt(n.length() - 1) - '0', number(m, "backboneLrFactor"));
        }
        return switch (n) {
            case "feature-extract" -> new FeatureExtract((int) number(m, "cachedViews"), !Boolean.FALSE.equals(m.get("cache")));
            case "fine-tune" -> new FineTune(number(m, "backboneLrFactor"));
            case "two-stage" -> new TwoStage((int) number(m, "headEpochs"), number(m, "fineTuneLrFactor"), number(m, "backboneLrFactor"));
            case "scratch" -> new Scratch();
            default -> throw new InputException("unknown strategy '" + n + "' (known: " + NAMES + ")");
        };
    }

    private static double number(Map<String, ?> m, String key) {
        if (!(m.get(key) instanceof Number v)) {
            throw new InputException("strategy " + m.get("name") + " without a numeric " + key);
        }
        return v.doubleValue();
    }
}
