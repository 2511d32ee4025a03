package dev.ferry.train;

import dev.ferry.InputException;
import dev.ferry.Message;
import dev.ferry.Setting;

/**
 * Hyper-parameters of one training run. Build with {@link #defaults(Strategy)} and the {@code with}
 * methods; every value is checked here, at the edge.
 *
 * @param strategy what trains
 * @param epochs total epochs (all phases)
 * @param batchSize images per optimizer step
 * @param lr the head's peak learning rate
 * @param optimizer SGD (momentum 0.9) or AdamW
 * @param schedule the learning-rate schedule of each phase
 * @param warmupEpochs linear warm-up at the start of each phase
 * @param weightDecay applied to conv and linear weights only
 * @param labelSmoothing cross-entropy label smoothing
 * @param earlyStopPatience stop after this many epochs without a better validation accuracy (0 off)
 * @param seed seeds shuffling, augmentation, dropout and (for scratch) the initialisation, and
 *     the mixing and the balanced sampler's draws
 * @param mixupAlpha mixup's Beta(alpha, alpha) (see {@link Mixup}); 0 off
 * @param cutmixAlpha CutMix's Beta(alpha, alpha) (see {@link Mixup}); 0 off; needs images, so not
 *     with feature-extract's feature cache. With both on, each batch picks one with probability 0.5.
 *     Two-stage's head stage trains on cached features: there only mixup applies, when it is on.
 * @param emaHorizon validate and keep an exponential moving average of the weights, averaging over
 *     this fraction of the run's optimizer steps (see {@link WeightEma}); 0 off, at most 1
 * @param balance how classes with fewer images are compensated for (null reads as {@link Balance#OFF},
 *     as in run records written before it existed)
 */
public record TrainConfig(
        Strategy strategy,
        int epochs,
        int batchSize,
        double lr,
        OptimizerKind optimizer,
        ScheduleKind schedule,
        double warmupEpochs,
        double weightDecay,
        double labelSmoothing,
        int earlyStopPatience,
        long seed,
        double mixupAlpha,
        double cutmixAlpha,
        double emaHorizon,
        Balance balance) {

    /** The largest mixing alpha accepted: Beta(alpha, alpha) is already a spike at 0.5 there. */
    public static final double MAX_ALPHA = 100;

    public TrainConfig {
        if (balance == null) {
            balance = Balance.OFF;
        }
        if (strategy == null || optimizer == null || schedule == null) {
            throw new InputException("strategy, optimizer and schedule are required");
        }
        if (epochs < 1) {
            throw new InputException(Message.of(Setting.EPOCHS, " must be at least 1, got ", epochs));
        }
        if (batchSize < 1) {
            throw new InputException(Message.of(Setting.BATCH_SIZE, " must be at least 1, got ", batchSize));
        }
        if (!(lr > 0 && lr < 100)) {
            throw new InputException(Message.of(Setting.LEARNING_RATE, " must be a rate in (0, 100), got ", lr,
                    lr >= 100 ? " (rates above 1 already diverge for most networks)" : ""));
        }
        if (strategy instanceof Strategy.TwoStage ts && ts.headEpochs() >= epochs) {
            throw new InputException(Message.of("two-stage: ", Setting.HEAD_EPOCHS, " ", ts.headEpochs(),
                    " leaves no epoch to fine-tune in ", Setting.EPOCHS, " ", epochs, "; ", Setting.EPOCHS,
                    " must be more than ", Setting.HEAD_EPOCHS));
        }
        if (!(warmupEpochs >= 0 && warmupEpochs <= epochs)) {
            throw new InputException(Message.of(Setting.WARMUP_EPOCHS, " must be in [0, ", Setting.EPOCHS, "], got ",
                    warmupEpochs));
        }
        if (!(weightDecay >= 0 && weightDecay < 1)) {
            throw new InputException(Message.of(Setting.WEIGHT_DECAY, " must be in [0, 1), got ", weightDecay));
        }
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new InputException(Message.of(Setting.LABEL_SMOOTHING, " must be in [0, 1), got ", labelSmoothing));
        }
        if (earlyStopPatience < 0) {
            throw new InputException(Message.of(Setting.EARLY_STOP, " must be 0 (off) or a patience in epochs, got ",
                    earlyStopPatience));
        }
        checkAlpha(Setting.MIXUP, mixupAlpha);
        checkAlpha(Setting.CUTMIX, cutmixAlpha);
        if (cutmixAlpha > 0 && strategy instanceof Strategy.FeatureExtract fe && fe.cache()) {
            // The cache holds backbone features, not images: there is no box to paste. Mixup still
            // applies to the features (see Trainer).
            throw new InputException(Message.of(Setting.CUTMIX, " needs images, but feature-extract trains its head on cached"
                    + " backbone features; pass ", Setting.NO_CACHE, " to run the backbone on mixed images every epoch"));
        }
        if (!(emaHorizon >= 0 && emaHorizon <= 1)) {
            throw new InputException(Message.of(Setting.EMA_HORIZON,
                    " must be a fraction of the run's optimizer steps in (0, 1] (0: off), got ", emaHorizon));
        }
    }

    private static void checkAlpha(Setting s, double alpha) {
        if (!(alpha >= 0 && alpha <= MAX_ALPHA)) {
            throw new InputException(Message.of(s, " must be a Beta alpha in [0, ", MAX_ALPHA, "] (0: off), got ", alpha));
        }
    }

    /** The mixing this configuration asks for. */
    public Mixup mixup() {
        return new Mixup(mixupAlpha, cutmixAlpha);
    }

    /** Whether the weights are averaged ({@link #emaHorizon()} above 0). */
    public boolean ema() {
        return emaHorizon > 0;
    }

    /** Fine-tune's (and unfreeze-from's and two-stage's) epochs by default. */
    public static final int FINE_TUNE_EPOCHS = 30;
    /** Fine-tune's images per step by default. */
    public static final int FINE_TUNE_BATCH_SIZE = 20;
    /** Fine-tune's peak rate by default (the backbone's too: {@link Strategy#DEFAULT_BACKBONE_LR_FACTOR}). */
    public static final double FINE_TUNE_LR = 0.02;
    /** Fine-tune's label smoothing by default. */
    public static final double FINE_TUNE_LABEL_SMOOTHING = 0.0;
    /** Feature-extract's and scratch's epochs by default. */
    public static final int FEATURE_EXTRACT_EPOCHS = 30;
    /** Feature-extract's and scratch's images per step by default. */
    public static final int FEATURE_EXTRACT_BATCH_SIZE = 32;
    /** Feature-extract's peak rate by default. */
    public static final double FEATURE_EXTRACT_LR = 0.1;
    /** Scratch's peak rate by default (feature-extract's before the transfer benchmark; scratch was not benchmarked). */
    public static final double SCRATCH_LR = 0.05;
    /** Feature-extract's and scratch's label smoothing by default. */
    public static final double FEATURE_EXTRACT_LABEL_SMOOTHING = 0.1;

    /**
     * Defaults per strategy. Fine-tune's and feature-extract's are the recipes whose worst task was
     * best on ferry's transfer benchmark (docs/TRANSFER.md: seven target tasks from two source
     * networks, five to ten seeds): fine-tune trains every layer at one rate, 0.02 one-cycle, batch 20,
     * 30 epochs, no label smoothing; the earlier default (0.01, backbone x0.1, batch 32, 20 epochs,
     * smoothing 0.1) lost by up to 62 points on tasks far from the pretraining data.
     * Feature-extract trains its head at 0.1 (was 0.05), cosine, batch 32, 30 epochs, smoothing
     * 0.1: at ten seeds, the recipe of the smallest worst gap among five, better on the mean.
     * Unfreeze-from and two-stage take fine-tune's (not benchmarked on their own); scratch keeps
     * the values it had (the baseline, not a transfer recipe).
     */
    public static TrainConfig defaults(Strategy strategy) {
        if (strategy instanceof Strategy.FeatureExtract) {
            return new TrainConfig(strategy, FEATURE_EXTRACT_EPOCHS, FEATURE_EXTRACT_BATCH_SIZE, FEATURE_EXTRACT_LR,
                    OptimizerKind.SGD, ScheduleKind.COSINE, 0, 5e-4, FEATURE_EXTRACT_LABEL_SMOOTHING, 0, 42, 0, 0, 0, Balance.OFF);
        } else if (strategy instanceof Strategy.Scratch) {
            return new TrainConfig(strategy, FEATURE_EXTRACT_EPOCHS, FEATURE_EXTRACT_BATCH_SIZE, SCRATCH_LR,
                    OptimizerKind.SGD, ScheduleKind.ONECYCLE, 0, 5e-4, FEATURE_EXTRACT_LABEL_SMOOTHING, 0, 42, 0, 0, 0, Balance.OFF);
        }
        return new TrainConfig(strategy, FINE_TUNE_EPOCHS, FINE_TUNE_BATCH_SIZE, FINE_TUNE_LR, OptimizerKind.SGD,
                ScheduleKind.ONECYCLE, 0, 5e-4, FINE_TUNE_LABEL_SMOOTHING, 0, 42, 0, 0, 0, Balance.OFF);
    }

    public TrainConfig withStrategy(Strategy s) {
        return new TrainConfig(s, epochs, batchSize, lr, optimizer, schedule, warmupEpochs, weightDecay, labelSmoothing, earlyStopPatience, seed, mixupAlpha, cutmixAlpha, emaHorizon, balance);
    }

    public TrainConfig withEpochs(int e) {
        return new TrainConfig(strategy, e, batchSize, lr, optimizer, schedule, Math.min(warmupEpochs, e), weightDecay, labelSmoothing, earlyStopPatience, seed, mixupAlpha, cutmixAlpha, emaHorizon, balance);
    }

    public TrainConfig withBatchSize(int b) {
        return new TrainConfig(strategy, epochs, b, lr, optimizer, schedule, warmupEpochs, weightDecay, labelSmoothing, earlyStopPatience, seed, mixupAlpha, cutmixAlpha, emaHorizon, balance);
    }

    public TrainConfig withLr(double r) {
        return new TrainConfig(strategy, epochs, batchSize, r, optimizer, schedule, warmupEpochs, weightDecay, labelSmoothing, earlyStopPatience, seed, mixupAlpha, cutmixAlpha, emaHorizon, balance);
    }

    public TrainConfig withOptimizer(OptimizerKind o) {
        return new TrainConfig(strategy, epochs, batchSize, lr, o, schedule, warmupEpochs, weightDecay, labelSmoothing, earlyStopPatience, seed, mixupAlpha, cutmixAlpha, emaHorizon, balance);
    }

    public TrainConfig withSchedule(ScheduleKind s) {
        return new TrainConfig(strategy, epochs, batchSize, lr, optimizer, s, warmupEpochs, weightDecay, labelSmoothing, earlyStopPatience, seed, mixupAlpha, cutmixAlpha, emaHorizon, balance);
    }

    public TrainConfig withWarmupEpochs(double w) {
        return new TrainConfig(strategy, epochs, batchSize, lr, optimizer, schedule, w, weightDecay, labelSmoothing, earlyStopPatience, seed, mixupAlpha, cutmixAlpha, emaHorizon, balance);
    }

    public TrainConfig withWeightDecay(double wd) {
        return new TrainConfig(strategy, epochs, batchSize, lr, optimizer, schedule, warmupEpochs, wd, labelSmoothing, earlyStopPatience, seed, mixupAlpha, cutmixAlpha, emaHorizon, balance);
    }

    public TrainConfig withLabelSmoothing(double e) {
        return new TrainConfig(strategy, epochs, batchSize, lr, optimizer, schedule, warmupEpochs, weightDecay, e, earlyStopPatience, seed, mixupAlpha, cutmixAlpha, emaHorizon, balance);
    }

    public TrainConfig withEarlyStop(int patience) {
        return new TrainConfig(strategy, epochs, batchSize, lr, optimizer, schedule, warmupEpochs, weightDecay, labelSmoothing, patience, seed, mixupAlpha, cutmixAlpha, emaHorizon, balance);
    }

    public TrainConfig withSeed(long s) {
        return new TrainConfig(strategy, epochs, batchSize, lr, optimizer, schedule, warmupEpochs, weightDecay, labelSmoothing, earlyStopPatience, s, mixupAlpha, cutmixAlpha, emaHorizon, balance);
    }

    /** This configuration with mixup's alpha {@code alpha} (0 off). */
    public TrainConfig withMixup(double alpha) {
        return new TrainConfig(strategy, epochs, batchSize, lr, optimizer, schedule, warmupEpochs, weightDecay, labelSmoothing, earlyStopPatience, seed, alpha, cutmixAlpha, emaHorizon, balance);
    }

    /** This configuration with CutMix's alpha {@code alpha} (0 off). */
    public TrainConfig withCutmix(double alpha) {
        return new TrainConfig(strategy, epochs, batchSize, lr, optimizer, schedule, warmupEpochs, weightDecay, labelSmoothing, earlyStopPatience, seed, mixupAlpha, alpha, emaHorizon, balance);
    }

    /** This configuration averaging the weights over {@code horizon} of the run's steps (0 off). */
    public TrainConfig withEma(double horizon) {
        return new TrainConfig(strategy, epochs, batchSize, lr, optimizer, schedule, warmupEpochs, weightDecay, labelSmoothing, earlyStopPatience, seed, mixupAlpha, cutmixAlpha, horizon, balance);
    }

    /** This configuration with class balancing {@code b}. */
    public TrainConfig withBalance(Balance b) {
        return new TrainConfig(strategy, epochs, batchSize, lr, optimizer, schedule, warmupEpochs, weightDecay, labelSmoothing, earlyStopPatience, seed, mixupAlpha, cutmixAlpha, emaHorizon, b);
    }
}
