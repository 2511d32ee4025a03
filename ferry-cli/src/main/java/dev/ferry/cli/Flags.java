package dev.ferry.cli;

import dev.ferry.FerryException;
import dev.ferry.Setting;

/**
 * The command line's name for each library {@link Setting}: the flag its user types. The library's
 * messages refer to settings, and the command line renders them with these, so that an error names
 * the flag that was given ({@code --lr must be a rate in (0, 100), got 0.0}).
 */
final class Flags {
    private Flags() {}

    /** The flag that sets {@code s}; the switch has no default, so a new setting needs its flag here. */
    static String of(Setting s) {
        return switch (s) {
            case DATA -> "--data";
            case VALIDATION -> "--val";
            case VALIDATION_SPLIT -> "--val-split";
            case SKIP_BAD -> "--skip-bad";
            case THREADS -> "--threads";
            case WEIGHTS -> "--weights";
            case ARCHITECTURE -> "--arch";
            case LENIENT -> "--lenient";
            case STRATEGY -> "--strategy";
            case HEAD_EPOCHS -> "--head-epochs";
            case CACHED_VIEWS -> "--cached-views";
            case EPOCHS -> "--epochs";
            case BATCH_SIZE -> "--batch-size";
            case LEARNING_RATE -> "--lr";
            case OPTIMIZER -> "--optimizer";
            case SCHEDULE -> "--schedule";
            case WARMUP_EPOCHS -> "--warmup-epochs";
            case WEIGHT_DECAY -> "--weight-decay";
            case LABEL_SMOOTHING -> "--label-smoothing";
            case MIXUP -> "--mixup";
            case CUTMIX -> "--cutmix";
            case EMA_HORIZON -> "--ema-horizon";
            case BALANCE -> "--balance";
            case NO_CACHE -> "--no-cache";
            case EARLY_STOP -> "--early-stop";
            case SEED -> "--seed";
            case DROPOUT -> "--dropout";
            case RESIZE -> "--resize";
            case CROP -> "--crop";
            case MEAN -> "--mean";
            case STD -> "--std";
            case EXIF_TRANSPOSE -> "--exif-transpose";
            case OUT -> "--out";
            case RESUME -> "--resume";
            case RANGE_START -> "--start";
            case RANGE_END -> "--end";
            case RANGE_STEPS -> "--steps";
            case FOLDS -> "--folds";
            case TRIAL_FRACTION -> "--trial-fraction";
            case BUDGET -> "--budget";
            case LAYER -> "--layer";
            case TARGET_CLASS -> "--class";
            case INDEX -> "--index";
            case FEATURES -> "--features";
        };
    }

    /** {@code e}'s message with each setting named by its flag. */
    static String render(FerryException e) {
        return e.render(Flags::of);
    }
}
