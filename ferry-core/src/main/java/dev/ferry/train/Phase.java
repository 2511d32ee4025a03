package dev.ferry.train;

/**
 * One stretch of training with a fixed set of trainable layers.
 *
 * @param firstTrainable index of the first trainable backbone part: 0 the stem (everything trains),
 *     1..4 {@code layer1}..{@code layer4}, 5 none (head only)
 * @param epochs epochs in this phase
 * @param lrScale this phase's rate relative to the configured rate
 * @param backboneLrFactor the trainable backbone's rate relative to the head's
 * @param cached train the head on cached backbone features (head-only phases)
 */
public record Phase(int firstTrainable, int epochs, double lrScale, double backboneLrFactor, boolean cached) {
    /** The value of {@link #firstTrainable} that freezes the whole backbone. */
    public static final int HEAD_ONLY = 5;

    /**
     * The phases of a run made of {@code segments}: the first segment is the strategy's own plan;
     * each later one (a resumed run given more epochs) repeats the last phase's layers
     * and rates over its epochs with a fresh schedule, a warm restart.
     */
    public static java.util.List<Phase> plan(Strategy strategy, java.util.List<Integer> segments) {
        java.util.List<Phase> phases = new java.util.ArrayList<>(of(strategy, segments.get(0)));
        for (int extra : segments.subList(1, segments.size())) {
            Phase last = phases.get(phases.size() - 1);
            phases.add(new Phase(last.firstTrainable(), extra, last.lrScale(), last.backboneLrFactor(), last.cached()));
        }
        return java.util.List.copyOf(phases);
    }

    /** Splits a run of {@code epochs} epochs into phases for a strategy. */
    public static java.util.List<Phase> of(Strategy strategy, int epochs) {
        // Java 17: no pattern matching in switch yet, so an instanceof chain over the sealed type.
        if (strategy instanceof Strategy.FeatureExtract fe) {
            return java.util.List.of(new Phase(HEAD_ONLY, epochs, 1, 1, fe.cache()));
        } else if (strategy instanceof Strategy.FineTune ft) {
            return java.util.List.of(new Phase(0, epochs, 1, ft.backboneLrFactor(), false));
        } else if (strategy instanceof Strategy.UnfreezeFrom uf) {
            return java.util.List.of(new Phase(uf.stage(), epochs, 1, uf.backboneLrFactor(), false));
        } else if (strategy instanceof Strategy.TwoStage ts) {
            // TrainConfig guarantees at least one fine-tuning epoch after the head epochs.
            return java.util.List.of(
                    new Phase(HEAD_ONLY, ts.headEpochs(), 1, 1, true),
                    new Phase(0, epochs - ts.headEpochs(), ts.fineTuneLrFactor(), ts.backboneLrFactor(), false));
        } else {
            return java.util.List.of(new Phase(0, epochs, 1, 1, false));
        }
    }
}
