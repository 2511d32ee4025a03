package dev.ferry;

/**
 * The inputs a user of ferry sets, named in the library's terms: each constant's {@link #libraryName()}
 * is the record component, builder method or parameter through which a Java program sets it. Error
 * messages refer to settings through a {@link Message}, so that a front end can name each one as its
 * own users know it (a command-line flag, a form field) while the library's
 * {@link FerryException#getMessage()} uses these names.
 */
public enum Setting {
    /** The training images (a training run's {@code data}). */
    DATA("data"),
    /** A separate validation folder (a training run's {@code validation}). */
    VALIDATION("validation"),
    /** The fraction of the training images held out when there is no validation folder. */
    VALIDATION_SPLIT("validationSplit"),
    /** Leave unreadable images out instead of stopping ({@code skipBad}). */
    SKIP_BAD("skipBad"),
    /** Image-decoding threads. */
    THREADS("threads"),
    /** The pretrained weights reference: a file, a model directory or a known name. */
    WEIGHTS("weights"),
    /** The expected architecture ({@code arch}). */
    ARCHITECTURE("arch"),
    /** Load weights even when keys are missing or mis-shaped. */
    LENIENT("lenient"),
    /** The transfer-learning strategy. */
    STRATEGY("strategy"),
    /** The two-stage strategy's epochs of its frozen first stage. */
    HEAD_EPOCHS("headEpochs"),
    /** The feature-extraction strategy's augmented views cached per image. */
    CACHED_VIEWS("cachedViews"),
    /** Total training epochs. */
    EPOCHS("epochs"),
    /** Images per optimizer step (or per forward pass). */
    BATCH_SIZE("batchSize"),
    /** The head's peak learning rate ({@code lr}). */
    LEARNING_RATE("lr"),
    /** SGD or AdamW. */
    OPTIMIZER("optimizer"),
    /** The learning-rate schedule. */
    SCHEDULE("schedule"),
    /** Linear warm-up epochs per phase. */
    WARMUP_EPOCHS("warmupEpochs"),
    /** Weight decay of convolution and linear weights. */
    WEIGHT_DECAY("weightDecay"),
    /** Cross-entropy label smoothing. */
    LABEL_SMOOTHING("labelSmoothing"),
    /** Mixup's Beta alpha (0: off). */
    MIXUP("mixupAlpha"),
    /** CutMix's Beta alpha (0: off). */
    CUTMIX("cutmixAlpha"),
    /** The weight average's horizon, a fraction of the run's optimizer steps (0: no average). */
    EMA_HORIZON("emaHorizon"),
    /** Class balancing: off, a weighted loss or a weighted sampler. */
    BALANCE("balance"),
    /**
     * Feature-extract without its cache of backbone features: the strategy's {@code cache} false (the
     * name is what a Java program passes).
     */
    NO_CACHE("cache=false"),
    /** Epochs without a better validation accuracy before training stops (0: never). */
    EARLY_STOP("earlyStopPatience"),
    /** The seed of shuffling, augmentation, dropout and initialisation. */
    SEED("seed"),
    /** Dropout before the new head. */
    DROPOUT("dropout"),
    /** The preprocessing's shorter-side resize. */
    RESIZE("resize"),
    /** The preprocessing's crop size. */
    CROP("crop"),
    /** The preprocessing's per-channel mean. */
    MEAN("mean"),
    /** The preprocessing's per-channel standard deviation. */
    STD("std"),
    /** Turn images as their EXIF orientation says. */
    EXIF_TRANSPOSE("exifTranspose"),
    /** The model directory a training run writes. */
    OUT("out"),
    /** Continue the run recorded in the model directory. */
    RESUME("resume"),
    /** The learning-rate range test's first rate. */
    RANGE_START("start"),
    /** The learning-rate range test's last rate. */
    RANGE_END("end"),
    /** The learning-rate range test's number of rates tried. */
    RANGE_STEPS("steps"),
    /** Folds of the cross-validation run before training (0: none). */
    FOLDS("folds"),
    /** The part of fine-tuning's epochs its trial trains when the strategy is chosen ({@code trialFraction}). */
    TRIAL_FRACTION("trialFraction"),
    /** A backbone sweep's most multiply-accumulates per image, in billions ({@code budgetGmacs}). */
    BUDGET("budgetGmacs"),
    /** The stage whose activations Grad-CAM explains ({@code layer}). */
    LAYER("layer"),
    /** The class Grad-CAM explains instead of the predicted one ({@code targetClass}). */
    TARGET_CLASS("targetClass"),
    /** The embeddings matrix a similarity search reads ({@code index}). */
    INDEX("index"),
    /** Precomputed backbone features a training run trains its head on instead of images ({@code features}). */
    FEATURES("features");

    private final String libraryName;

    Setting(String libraryName) {
        this.libraryName = libraryName;
    }

    /** The name a Java program sets this by, e.g. {@code lr}. */
    public String libraryName() {
        return libraryName;
    }
}
