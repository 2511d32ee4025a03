package dev.ferry.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.ferry.InputException;
import dev.ferry.data.FeatureTable;
import dev.ferry.train.ModelDirectory;
import dev.ferry.train.OptimizerKind;
import dev.ferry.train.PresetOverride;
import dev.ferry.train.RunRecord;
import dev.ferry.train.ScheduleKind;
import dev.ferry.train.Strategy;
import dev.ferry.train.TrainConfig;
import dev.ferry.train.Balance;
import dev.ferry.train.WeightEma;
import dev.ferry.workflow.AutoStrategy;
import dev.ferry.workflow.CrossValidation;
import dev.ferry.workflow.LearningRate;
import dev.ferry.workflow.TrainingRun;
import dev.ferry.eval.MetricsText;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ferry train}: transfer learning on an image folder. */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Train a classifier on an image folder (one sub-folder per class), starting from pretrained weights.",
            "Strategies: feature-extract (frozen backbone, cached features), fine-tune (all layers),",
            "unfreeze-from:layerN (stages before N frozen), two-stage (head first, then all), scratch (random init),",
            "auto (feature-extract or fine-tune, whichever a trial on the validation split favours).",
            "With --features FILE.npy (written by ferry embed) the head trains on precomputed backbone features instead:",
            "no image is read, the strategy is feature-extract and --weights must be the weights that computed them."
        })
public final class TrainCommand extends FerryCommand {
    static final Gson GSON_LINE = new GsonBuilder().serializeSpecialFloatingPointValues().create();

    @CommandLine.Mixin
    PresetOptions presetOptions = new PresetOptions();

    @Option(names = "--data", description = "Training images: one sub-folder per class (with --resume: the recorded folder by default).")
    Path data;

    @Option(names = "--features", paramLabel = "FILE.npy|DIR", description = {
            "Train the head on backbone features computed before instead of on --data: ferry embed --out FILE.npy of a",
            "folder with one sub-folder per class (its FILE.index.json beside it), or the output folder of ferry spark",
            "embed (Parquet or JSON Lines, any Hadoop path; read with Spark on this machine). --val-split of them is held out."})
    String features;

    @Option(names = "--val", description = "Validation images (same classes). Without it, --val-split of --data is held out.")
    Path val;

    @Option(names = "--val-split", defaultValue = "0.2", description = "Fraction held out per class when --val is absent (default: ${DEFAULT-VALUE}).")
    double valSplit;

    @CommandLine.Mixin
    WeightsOptions pretrained = new WeightsOptions();

    @Option(names = "--strategy", defaultValue = "fine-tune", description = {
            "feature-extract, fine-tune, unfreeze-from:layerN, two-stage, scratch or auto (default: ${DEFAULT-VALUE}).",
            "auto trains feature-extract (its whole recipe, on cached features) and a fine-tune trial (--trial-fraction of",
            "its epochs) on the same split, keeps the higher best validation accuracy (a tie keeps feature-extract, the",
            "cheaper) and trains the kept one with its full recipe; each candidate takes its own defaults where no option",
            "is given. Needs validation images."})
    String strategy;

    @Option(names = "--trial-fraction", paramLabel = "F", description = {
            "With --strategy auto: the part of fine-tuning's epochs its trial trains, in (0, 1] (default: "
                    + AutoStrategy.DEFAULT_TRIAL_FRACTION + ", its whole recipe;",
            "at least 3 epochs). Shorter trials cost less but favour feature-extract: fine-tuning from a distant source",
            "is often still near chance a third of the way in."})
    Double trialFraction;

    @Option(names = "--epochs", description = "Epochs (default per strategy: " + TrainConfig.FEATURE_EXTRACT_EPOCHS
            + " feature-extract/scratch, " + TrainConfig.FINE_TUNE_EPOCHS + " otherwise).")
    Integer epochs;

    @Option(names = "--batch-size", description = "Images per step (default per strategy: " + TrainConfig.FEATURE_EXTRACT_BATCH_SIZE
            + " feature-extract/scratch, " + TrainConfig.FINE_TUNE_BATCH_SIZE + " otherwise).")
    Integer batchSize;

    @Option(names = "--lr", converter = Converters.LearningRateConverter.class, paramLabel = "RATE|auto", description = {
            "Peak learning rate of the head (default per strategy: " + TrainConfig.FEATURE_EXTRACT_LR + " feature-extract, "
                    + TrainConfig.SCRATCH_LR + " scratch, "
                    + TrainConfig.FINE_TUNE_LR + " otherwise).",
            "auto: run the learning-rate finder (as ferry lr-find, on the training split with this run's strategy, batch",
            "size and seed, on a copy of the network) and train at its suggestion; --resume keeps the recorded rate.",
            "auto:steepest, auto:minimum (a tenth of the rate of lowest loss) or auto:valley (fastai's) name the rule;",
            "auto alone is auto:minimum. On the transfer benchmark no rule matched the fixed defaults",
            "everywhere (docs/TRANSFER.md)."})
    LearningRate lr;

    @Option(names = "--optimizer", description = "sgd or adamw (default sgd).")
    OptimizerKind optimizer;

    @Option(names = "--schedule", description = "cosine, onecycle, step or constant (default: cosine for feature-extract, onecycle otherwise).")
    ScheduleKind schedule;

    @Option(names = "--warmup-epochs", description = "Linear warm-up epochs per phase (default 0).")
    Double warmupEpochs;

    @Option(names = "--weight-decay", description = "Weight decay of conv/linear weights; never BN or biases (default 5e-4).")
    Double weightDecay;

    @Option(names = "--label-smoothing", description = "Label smoothing (default per strategy: " + TrainConfig.FEATURE_EXTRACT_LABEL_SMOOTHING
            + " feature-extract/scratch, " + TrainConfig.FINE_TUNE_LABEL_SMOOTHING + " otherwise).")
    Double labelSmoothing;

    @Option(names = "--mixup", paramLabel = "ALPHA", description = {"Mixup: each batch blended with its reverse, lam ~ Beta(ALPHA, ALPHA) per batch",
            "(default 0: off)."})
    Double mixup;

    @Option(names = "--cutmix", paramLabel = "ALPHA", description = {"CutMix: a box of area 1 - lam, lam ~ Beta(ALPHA, ALPHA), pasted from the batch's reverse",
            "(default 0: off); with --mixup one of the two per batch. Needs images: feature-extract with --no-cache."})
    Double cutmix;

    @Option(names = "--ema", description = "Validate and save an exponential moving average of the weights (default off; see --ema-horizon).")
    boolean ema;

    @Option(names = "--ema-horizon", paramLabel = "FRACTION", description = {"The average's window as a fraction of the run's optimizer steps: decay per step",
            "1 - 1/(FRACTION x steps), warmed up as min(decay, (1+t)/(10+t)) (default 0.1; implies --ema)."})
    Double emaHorizon;

    @Option(names = "--balance", paramLabel = "MODE", description = {"off, weights (loss weighted N/(K x n_c) per class) or sampler (each epoch draws",
            "N images with replacement, probability 1/n_c of the class) (default off)."})
    Balance balance;

    @Option(names = "--dropout", defaultValue = "0", description = "Dropout before the new head (default: ${DEFAULT-VALUE}).")
    float dropout;

    @Option(names = "--early-stop", defaultValue = "0", description = "Stop after this many epochs without better validation accuracy (0: off).")
    int earlyStop;

    @Option(names = "--backbone-lr-factor", defaultValue = "" + Strategy.DEFAULT_BACKBONE_LR_FACTOR,
            description = "Backbone rate relative to the head when fine-tuning (default: ${DEFAULT-VALUE}: every layer at one rate).")
    double backboneLrFactor;

    @Option(names = "--cached-views", defaultValue = "1", description = "feature-extract: augmented views cached per image (1: no augmentation).")
    int cachedViews;

    @Option(names = "--no-cache", description = "feature-extract: run the frozen backbone every epoch (the usual recipe) instead of caching.")
    boolean noCache;

    @Option(names = "--head-epochs", description = "two-stage: epochs of the frozen first stage (default 3, at most --epochs minus 1).")
    Integer headEpochs;

    @Option(names = "--seed", defaultValue = "42", description = "Seed: shuffling, augmentation, dropout, new head (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--folds", paramLabel = "K", description = {
            "Cross-validate the recipe first: K stratified folds of --data (K >= 2, at most the smallest class's images),",
            "K trainings each validated on its held-out fold; reports the mean accuracy, its standard deviation and a 95%%",
            "Student-t interval, then trains the model as usual. One split's accuracy on ~100 validation images moves",
            "by 5-10 points with the split alone. Costs K extra trainings."})
    Integer folds;

    @Option(names = "--out", defaultValue = "ferry-model", description = "Model directory to write (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--resume", description = {"Continue the run in --out from its last checkpoint. Options left out take the recorded",
            "values; options that change the run are refused; a larger --epochs extends it (a warm restart)."})
    boolean resume;

    @Option(names = "--skip-bad", description = "Leave out unreadable images (listed in the report) instead of stopping.")
    boolean skipBad;

    @CommandLine.Mixin
    ThreadsOption threads = new ThreadsOption();

    @Option(names = "--json", description = "Per-epoch records as JSON lines on stdout (logs stay on stderr).")
    boolean json;

    @Override
    protected int run() {
        ModelDirectory.Recorded recorded = resume ? TrainingRun.recorded(out) : null;
        RunRecord rec = recorded == null ? null : recorded.run();
        if (features != null && data != null) {
            throw new InputException("--data and --features exclude each other: train on the images or on their features");
        }
        if (data == null && rec == null && features == null) {
            throw new InputException("--data is required (the training images, one sub-folder per class)");
        }
        boolean fromSpark = features != null && sparkFeatures(features);
        FeatureTable table = features == null ? null : readFeatures(features, skipBad);
        boolean autoStrategy = isAuto(strategy) && (rec == null || given("--strategy"));
        if (autoStrategy && rec != null) {
            throw new InputException("--strategy auto chooses before training starts; --resume continues the recorded strategy "
                    + rec.config().strategy().id() + " (leave --strategy out)");
        }
        AutoStrategy candidates = null;
        TrainConfig cfg;
        if (autoStrategy) {
            checkAutoStrategyOptions();
            candidates = new AutoStrategy(config(parseStrategy("feature-extract", cachedViews, !noCache, backboneLrFactor, 3), null),
                    config(parseStrategy("fine-tune", cachedViews, !noCache, backboneLrFactor, 3), null),
                    trialFraction == null ? AutoStrategy.DEFAULT_TRIAL_FRACTION : trialFraction);
            cfg = candidates.fineTune();
        } else {
            if (trialFraction != null) {
                throw new InputException("--trial-fraction applies to --strategy auto only");
            }
            Strategy s = strategy(rec == null ? null : rec.config().strategy());
            checkStrategyOptions(s);
            cfg = config(s, rec);
        }
        Path trainData = data != null ? data : rec != null ? Path.of(rec.data()) : null;
        Path valData = val != null ? val : rec != null && rec.validation() != null && data == null ? Path.of(rec.validation()) : null;
        double split = rec != null && !given("--val-split") ? rec.validationSplit() : valSplit;
        float drop = rec != null && !given("--dropout") ? rec.dropout() : dropout;
        int nThreads = threads.resolve();
        PrintWriter err = err();
        PresetOverride override = presetOptions.override();
        TrainingRun run = TrainingRun.builder()
                .data(trainData).validation(valData).validationSplit(split)
                .weights(pretrained.weights).arch(pretrained.arch).config(cfg).dropout(drop).preset(override.isEmpty() ? null : override)
                .out(out).resume(resume).skipBad(skipBad && !fromSpark).threads(nThreads).lenient(pretrained.lenient)
                .learningRate(lr).autoStrategy(candidates).folds(folds == null ? 0 : folds).features(table)
                .build();
        int totalEpochs = candidates == null ? cfg.epochs() : Math.max(candidates.featureExtract().epochs(), cfg.epochs());
        ProgressBar progress = new ProgressBar(err, json ? out() : null, interactive(), totalEpochs);
        TrainingRun.Outcome o;
        try {
            o = run.run(progress, log(), Flags::of);
        } catch (dev.ferry.data.BadImagesException e) {
            e.badImages().forEach(b -> err.println("ferry: bad image: " + b.path() + ": " + b.reason()));
            throw e;
        }
        if (o.validation() != null) {
            err.print(MetricsText.render(o.validation()));
        }
        TrainingRun.Choices choices = o.choices();
        if (choices.learningRate() != null) {
            err.println("ferry: learning rate " + choices.learningRate().line());
        }
        if (choices.strategy() != null) {
            err.println("ferry: strategy " + choices.strategy().line());
        }
        if (choices.crossValidation() != null) {
            CrossValidation.Summary cv = choices.crossValidation();
            StringBuilder folds = new StringBuilder();
            for (double a : cv.accuracies()) {
                folds.append(folds.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.4f", a));
            }
            err.println("ferry: cross-validated accuracy " + cv.line() + "; folds: " + folds);
        }
        err.println("ferry: model written to " + o.out() + " (" + ModelDirectory.WEIGHTS + ", " + ModelDirectory.INFO
                + ", report.html)");
        if (json) {
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("model", o.out().toString());
            summary.put("bestEpoch", o.result().bestEpoch());
            summary.put("bestValAccuracy", o.result().bestValAccuracy());
            summary.put("trainSeconds", o.result().seconds());
            summary.putAll(choices.toJson());
            out().println(GSON_LINE.toJson(summary));
        }
        return OK;
    }

    /**
     * The features {@code --features} names: a {@code ferry embed} {@code .npy} file with its index
     * beside it, or a folder (or any Hadoop URI) that {@code ferry spark embed} wrote, read with a
     * Spark session on this machine.
     *
     * @param skipBad for a Spark folder: leave out the rows of images that could not be read (each
     *     listed) instead of refusing the table
     * @throws InputException for a file {@link FeatureTable#readNpy} refuses, a folder that is not an
     *     embedding job's output, or a folder when Spark is not on the class path
     */
    FeatureTable readFeatures(String spec, boolean skipBad) {
        if (!sparkFeatures(spec)) {
            return FeatureTable.readNpy(Path.of(spec));
        }
        SparkCommand.requireSpark("--features " + spec + " (a folder of Spark output)");
        try (dev.ferry.spark.SparkRunner spark = dev.ferry.spark.SparkRunner.start(null, java.util.Map.of(), "ferry train --features")) {
            dev.ferry.spark.FeatureParquet.Read read = spark.readFeatures(spec, skipBad);
            read.skipped().forEach(f -> err().println("ferry: warning: skipped the row of unreadable image " + f.path() + ": "
                    + f.reason()));
            return read.table();
        }
    }

    /** Whether {@code --features} names Spark output (a folder or a URI) rather than a {@code .npy} file. */
    static boolean sparkFeatures(String spec) {
        return spec.contains("://") || Files.isDirectory(Path.of(spec));
    }

    /** Whether the strategy spelling asks for the trial of candidates. */
    private static boolean isAuto(String text) {
        return text != null && text.trim().equalsIgnoreCase("auto");
    }

    /**
     * The configuration of strategy {@code s}: its defaults (or, when resuming, the recorded
     * settings) with each option given on the command line.
     */
    private TrainConfig config(Strategy s, RunRecord rec) {
        // A resumed run starts from its recorded settings; what the command line gives is
        // compared with them by the run itself.
        TrainConfig cfg = rec != null ? rec.config().withStrategy(s) : TrainConfig.defaults(s);
        if (rec == null || given("--seed")) {
            cfg = cfg.withSeed(seed);
        }
        if (rec == null || given("--early-stop")) {
            cfg = cfg.withEarlyStop(earlyStop);
        }
        if (epochs != null) {
            cfg = cfg.withEpochs(epochs);
        }
        if (batchSize != null) {
            cfg = cfg.withBatchSize(batchSize);
        }
        if (lr instanceof LearningRate.Fixed f) {
            cfg = cfg.withLr(f.rate());
        }
        if (optimizer != null) {
            cfg = cfg.withOptimizer(optimizer);
            if (!(lr instanceof LearningRate.Fixed) && optimizer == OptimizerKind.ADAMW && rec == null) {
                cfg = cfg.withLr(s instanceof Strategy.FeatureExtract ? 3e-3 : 1e-3);
            }
        }
        if (schedule != null) {
            cfg = cfg.withSchedule(schedule);
        }
        if (warmupEpochs != null) {
            cfg = cfg.withWarmupEpochs(warmupEpochs);
        }
        if (weightDecay != null) {
            cfg = cfg.withWeightDecay(weightDecay);
        }
        if (labelSmoothing != null) {
            cfg = cfg.withLabelSmoothing(labelSmoothing);
        }
        if (mixup != null) {
            cfg = cfg.withMixup(mixup);
        }
        if (cutmix != null) {
            cfg = cfg.withCutmix(cutmix);
        }
        if (emaHorizon != null) {
            cfg = cfg.withEma(emaHorizon);
        } else if (ema) {
            cfg = cfg.withEma(WeightEma.DEFAULT_HORIZON);
        }
        if (balance != null) {
            cfg = cfg.withBalance(balance);
        }
        return cfg;
    }

    /**
     * The strategy of the command line; when resuming, the recorded one with only the given
     * options replaced.
     */
    private Strategy strategy(Strategy recorded) {
        // Precomputed features train the head alone: feature-extract unless another is asked for (and refused).
        String name = recorded != null && !given("--strategy") ? recorded.id()
                : features != null && !given("--strategy") ? "feature-extract" : strategy;
        int views = cachedViews;
        boolean cache = !noCache;
        double factor = backboneLrFactor;
        int head = headEpochs != null ? headEpochs : defaultHeadEpochs();
        if (recorded instanceof Strategy.FeatureExtract fe) {
            views = given("--cached-views") ? views : fe.cachedViews();
            cache = given("--no-cache") ? cache : fe.cache();
        } else if (recorded instanceof Strategy.FineTune ft && !given("--backbone-lr-factor")) {
            factor = ft.backboneLrFactor();
        } else if (recorded instanceof Strategy.UnfreezeFrom uf && !given("--backbone-lr-factor")) {
            factor = uf.backboneLrFactor();
        } else if (recorded instanceof Strategy.TwoStage ts) {
            factor = given("--backbone-lr-factor") ? factor : ts.backboneLrFactor();
            head = headEpochs != null ? head : ts.headEpochs();
        }
        return parseStrategy(name, views, cache, factor, head);
    }

    /** Three head epochs, or fewer when --epochs leaves no fine-tuning after them. */
    private int defaultHeadEpochs() {
        return epochs == null ? 3 : Math.max(1, Math.min(3, epochs - 1));
    }

    /** With {@code --strategy auto} only the options of its two candidates apply. */
    private void checkAutoStrategyOptions() {
        if (given("--head-epochs")) {
            throw new InputException("--head-epochs applies to two-stage only; --strategy auto chooses between feature-extract and fine-tune");
        }
    }

    /** Options of one strategy given with another are refused: they would be ignored. */
    private void checkStrategyOptions(Strategy s) {
        List<String> misplaced = new ArrayList<>();
        if (!(s instanceof Strategy.FeatureExtract)) {
            for (String o : new String[] {"--cached-views", "--no-cache"}) {
                if (given(o)) {
                    misplaced.add(o + " applies to feature-extract only");
                }
            }
        }
        if (!(s instanceof Strategy.TwoStage) && given("--head-epochs")) {
            misplaced.add("--head-epochs applies to two-stage only");
        }
        if ((s instanceof Strategy.FeatureExtract || s instanceof Strategy.Scratch) && given("--backbone-lr-factor")) {
            misplaced.add("--backbone-lr-factor applies to the strategies that train the backbone from pretrained weights");
        }
        if (!misplaced.isEmpty()) {
            throw new InputException(String.join("; ", misplaced) + " (the strategy is " + s.id() + ")");
        }
    }

    /** Parses the strategy spelling, including {@code unfreeze-from:layer3}. */
    static Strategy parseStrategy(String text, int cachedViews, boolean cache, double backboneFactor, int headEpochs) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.startsWith("unfreeze-from")) {
            String stage = t.substring("unfreeze-from".length()).replaceFirst("^[:=-]", "");
            if (!stage.matches("layer[1-4]")) {
                throw new InputException("unfreeze-from needs a stage: unfreeze-from:layer1 .. unfreeze-from:layer4, got '" + text + "'");
            }
            return new Strategy.UnfreezeFrom(stage.charAt(5) - '0', backboneFactor);
        }
        return switch (t) {
            case "feature-extract", "feature-extraction" -> new Strategy.FeatureExtract(cachedViews, cache);
            case "fine-tune", "finetune" -> new Strategy.FineTune(backboneFactor);
            case "two-stage" -> new Strategy.TwoStage(headEpochs, 0.5, backboneFactor);
            case "scratch" -> new Strategy.Scratch();
            default -> throw new InputException("unknown strategy '" + text + "'" + dev.ferry.Suggestions.didYouMean(text,
                    List.of("feature-extract", "fine-tune", "unfreeze-from:layer3", "two-stage", "scratch"))
                    + " (known: " + Strategy.NAMES + ")");
        };
    }
}
