package dev.ferry.workflow;

import dev.ferry.train.Checkpointer;
import dev.ferry.train.FeatureCache;
import dev.ferry.train.PrecomputedSamples;
import dev.ferry.train.SampleSource;
import dev.ferry.train.Evaluation;
import dev.ferry.train.FolderSource;
import dev.ferry.train.Inference;
import dev.ferry.train.ModelDirectory;
import dev.ferry.train.ModelInfo;
import dev.ferry.train.OptimizerKind;
import dev.ferry.train.Phase;
import dev.ferry.train.PresetOverride;
import dev.ferry.train.Pretrained;
import dev.ferry.train.RunRecord;
import dev.ferry.train.Strategy;
import dev.ferry.train.TrainConfig;
import dev.ferry.train.TrainListener;
import dev.ferry.train.TrainResult;
import dev.ferry.train.TrainState;
import dev.ferry.train.Trainer;
import ai.djl.ndarray.NDManager;
import dev.ferry.platform.DiskSpace;
import dev.ferry.platform.Engines;
import dev.ferry.InputException;
import dev.ferry.Message;
import dev.ferry.Setting;
import dev.ferry.data.Augmentation;
import dev.ferry.data.BadImage;
import dev.ferry.data.DatasetSplit;
import dev.ferry.data.EmbeddingIndex;
import dev.ferry.data.EvalTransform;
import dev.ferry.data.FeatureTable;
import dev.ferry.data.Sample;
import dev.ferry.data.Preset;
import dev.ferry.eval.Calibration;
import dev.ferry.eval.ClassificationMetrics;
import dev.ferry.model.Architecture;
import dev.ferry.model.ResNet;
import dev.ferry.model.ResNetConfig;
import dev.ferry.model.Stem;
import dev.ferry.weights.ModelWeights;
import dev.ferry.weights.WeightsInventory;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A whole transfer-learning run, as the CLI's {@code ferry train} does it: read and check the image
 * folders, build the network from pretrained weights with a new head, train, and write the model
 * directory (weights, {@code model.json}, checkpoint, report).
 *
 * <pre>{@code
 * TrainingRun.Outcome out = TrainingRun.builder()
 *         .data(Path.of("data/train")).validationSplit(0.2)
 *         .weights("resnet50.IMAGENET1K_V2")
 *         .config(TrainConfig.defaults(new Strategy.FineTune(Strategy.DEFAULT_BACKBONE_LR_FACTOR)).withEpochs(10))
 *         .out(Path.of("models/flowers"))
 *         .build()
 *         .run(TrainListener.NONE, System.err);
 * }</pre>
 */
public final class TrainingRun {

    /**
     * Everything a run needs.
     *
     * @param data training folder (one sub-folder per class)
     * @param validation validation folder, or null to split {@code data}
     * @param validationSplit fraction of {@code data} held out when {@code validation} is null
     * @param weights a weights reference for {@link Pretrained#resolve}, or null (scratch only)
     * @param arch the architecture (checked against the weights; required for scratch without weights)
     * @param config hyper-parameters and strategy
     * @param dropout dropout before the new head
     * @param presetOverride preprocessing replacing the weights' own, or null
     * @param out the model directory to write
     * @param resume continue from {@code out}'s checkpoint
     * @param skipBad leave out unreadable images (listed in the report) instead of stopping
     * @param threads decoding threads
     * @param lenient load weights even when keys are missing or mis-shaped
     * @param learningRate {@code config}'s rate, or the learning-rate finder's suggestion
     *     ({@link LearningRate.Auto}; a resumed run keeps its recorded rate)
     * @param autoStrategy the candidates when the strategy is chosen by a trial of each, or null
     *     ({@code config}'s strategy)
     * @param folds folds of a cross-validation of the recipe before the run (0: none)
     * @param features backbone features computed before the run, trained on instead of {@code data}
     *     (which is then null), or null: the head trains on them with the feature-extract strategy,
     *     {@code validationSplit} of their rows held out as it would be of the folder, and no image
     *     is read; {@code weights} must be the weights that computed them
     */
    public record Options(
            Path data, Path validation, double validationSplit, String weights, Architecture arch,
            TrainConfig config, float dropout, PresetOverride presetOverride, Path out, boolean resume,
            boolean skipBad, int threads, boolean lenient, LearningRate learningRate, AutoStrategy autoStrategy,
            int folds, FeatureTable features) {}

    /**
     * What was decided or measured before training, each null when not asked for; {@code model.json}
     * records them under {@code extra} ({@value #LR_FINDER}, {@value #STRATEGY_CHOICE},
     * {@value #CROSS_VALIDATION}) and the report shows them.
     *
     * @param learningRate the finder's suggestion, the run's peak rate
     * @param strategy the strategy trial's result
     * @param crossValidation the cross-validation of the recipe that trained
     */
    public record Choices(LearningRate.Suggestion learningRate, AutoStrategy.Choice strategy,
            CrossValidation.Summary crossValidation) {

        /** Nothing chosen or measured. */
        public static final Choices NONE = new Choices(null, null, null);

        /** The entries {@code model.json}'s {@code extra} holds. */
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            if (learningRate != null) {
                m.put(LR_FINDER, learningRate.toJson());
            }
            if (strategy != null) {
                m.put(STRATEGY_CHOICE, strategy.toJson());
            }
            if (crossValidation != null) {
                m.put(CROSS_VALIDATION, crossValidation.toJson());
            }
            return m;
        }

        /** Reads back {@link #toJson()}'s entries from a {@code model.json}'s {@code extra}. */
        public static Choices fromJson(Map<String, Object> extra) {
            if (extra == null) {
                return NONE;
            }
            return new Choices(LearningRate.Suggestion.fromJson(extra.get(LR_FINDER)),
                    AutoStrategy.Choice.fromJson(extra.get(STRATEGY_CHOICE)),
                    CrossValidation.Summary.fromJson(extra.get(CROSS_VALIDATION)));
        }
    }

    /** {@code model.json}'s {@code extra} entry of the learning-rate finder's suggestion. */
    public static final String LR_FINDER = "lrFinder";
    /** {@code model.json}'s {@code extra} entry of the strategy trial. */
    public static final String STRATEGY_CHOICE = "strategySelection";
    /** {@code model.json}'s {@code extra} entry of the cross-validation. */
    public static final String CROSS_VALIDATION = "crossValidation";

    /**
     * The outcome.
     *
     * @param result the trainer's result
     * @param validation metrics of the final model on the validation set (null without one)
     * @param info what was written to {@code model.json}
     * @param out the model directory
     * @param choices the rate, strategy and cross-validation decided before training
     */
    public record Outcome(TrainResult result, ClassificationMetrics validation, ModelInfo info, Path out, Choices choices) {}

    private final Options options;

    private TrainingRun(Options options) {
        this.options = options;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Serialises the writes of an epoch's files with the interrupt handler's report of them. */
    private final java.util.concurrent.locks.ReentrantLock saving = new java.util.concurrent.locks.ReentrantLock();
    /** The state of the last checkpoint written (or resumed from); null before the first. */
    private volatile TrainState saved;
    private volatile int totalEpochs;
    private volatile boolean finished;

    /**
     * The run a model directory's checkpoint records, for a front end that fills in the settings
     * a resumed run ({@link Setting#RESUME}) leaves out.
     *
     * @throws InputException when {@code out} holds no resumable run
     */
    public static ModelDirectory.Recorded recorded(Path out) {
        return ModelDirectory.readRecorded(out);
    }

    /**
     * Runs: everything is checked before anything is written, and {@code out} is locked, checked
     * for free space and written to before the images are decoded. An interrupt (SIGINT, SIGTERM)
     * waits for an epoch's files being written and says in one line on {@code log} what is kept,
     * naming settings in the library's terms.
     */
    public Outcome run(TrainListener listener, PrintStream log) {
        return run(listener, log, Setting::libraryName);
    }

    /**
     * Runs as {@link #run(TrainListener, PrintStream)} does, with the lines on {@code log} that
     * refer to settings naming each by {@code names} (a front end's own names for them).
     */
    public Outcome run(TrainListener listener, PrintStream log, Function<? super Setting, String> names) {
        Options o = options;
        FeatureTable table = o.features();
        checkOut(o.out(), o.resume(), o.data(), o.validation());
        ModelDirectory.Recorded recorded = o.resume() ? ModelDirectory.readRecorded(o.out()) : null;
        if (recorded != null && recorded.run().precomputed()) {
            String source = recorded.run().data();
            throw new InputException(Message.of("the run in ", o.out(), " trained on ",
                    source == null || source.equals(NO_SOURCE) ? NO_SOURCE : "the features in " + source,
                    ", and ", Setting.RESUME, " continues runs on image folders only: train again into a new ", Setting.OUT));
        }
        TrainConfig cfg = o.config();
        DatasetSplit split = table != null
                // The table's rows as the folder whose scan gives them: the split is the folder's own code.
                ? DatasetSplit.split(table.asImageFolder(featureRoot(table)), o.validationSplit(), cfg.seed())
                : o.validation() != null
                ? DatasetSplit.fromFolders(o.data(), o.validation())
                : DatasetSplit.split(o.data(), o.validationSplit(), cfg.seed());
        if (split.classes().size() < 2) {
            throw new InputException("need at least 2 classes to train a classifier, found " + split.classes().size()
                    + " (" + String.join(", ", split.classes()) + ") in " + o.data());
        }
        List<String> classes = split.classes();
        checkChoices(o, split);

        TrainingStart start;
        if (recorded != null) {
            // The checkpoint holds every weight: the network and its preprocessing come from the
            // record, and the pretrained weights are not read again.
            RunRecord r = recorded.run();
            ResNetConfig net = new ResNetConfig(Architecture.parse(r.arch()), classes.size(), r.width(), Stem.parse(r.stem()),
                    o.dropout(), false);
            Preset preset = o.presetOverride() != null ? o.presetOverride().apply(r.preset()) : r.preset();
            start = new TrainingStart(null, net, preset, TrainingStart.augmentationFor(preset));
        } else {
            start = TrainingStart.of(o.weights(), o.arch(), cfg.strategy(), classes, o.dropout(), o.presetOverride(), log);
        }
        if (table != null) {
            checkNetwork(table, o.weights(), start.pretrained(), log);
        }
        ResNetConfig netConfig = start.network();
        Preset preset = start.preset();
        Augmentation augmentation = start.augmentation();
        String archId = o.arch() != null ? o.arch().id() : netConfig.architecture().id();
        RunRecord requested = new RunRecord(o.weights(), archId, netConfig.width(), netConfig.stem().id(), classes,
                recorded != null ? recorded.run().trainImages() : split.train().size(),
                recorded != null ? recorded.run().validationImages() : split.validation().size(),
                dataName(o), o.validation() == null ? null : o.validation().toString(), o.validationSplit(),
                preset, o.dropout(), cfg, List.of(cfg.epochs()), table != null);
        RunRecord run = recorded != null ? continuation(recorded, requested, o.out(), log) : requested;
        TrainConfig runConfig = run.config();
        List<Phase> phases = Phase.plan(runConfig.strategy(), run.segments());
        totalEpochs = runConfig.epochs();

        Thread hook = new Thread(() -> interrupted(listener, log, o.out(), names), "ferry-interrupt");
        try (OutLock lock = OutLock.take(o.out());
                NDManager manager = Engines.newManager()) {
            Runtime.getRuntime().addShutdownHook(hook);
            Engines.seed(runConfig.seed());
            ResNet net = ResNet.create(netConfig).initialize(manager);
            requireSpace(o.out(), net, runConfig.optimizer(), recorded != null);

            if (table == null) {
                split = split.validate(o.threads(), o.skipBad());
            } else {
                log.println("ferry: training the head on " + table.size() + " precomputed feature vectors of " + dataName(o)
                        + " (" + table.network().description() + "); no image is read");
            }
            log.print(split.table().render());
            split.warnings().forEach(w -> log.println("ferry: warning: " + w));
            RunRecord counted = run.withImageCounts(split.train().size(), split.validation().size());
            if (recorded != null) {
                // The same settings on other images (some added, or skipped now): not the recorded run.
                List<Message> counts = recorded.run().differences(counted);
                if (!counts.isEmpty()) {
                    throw refusal(o.out(), counts);
                }
            }
            Choices choices;
            if (recorded != null) {
                // A resumed run keeps what was chosen before it first started.
                choices = Choices.fromJson(previousExtra(o.out()));
            } else {
                checkChoices(o, split);
                Prepared prepared = prepare(o, start, split, classes, manager, log);
                choices = prepared.choices();
                if (!prepared.config().equals(counted.config())) {
                    counted = counted.withConfig(prepared.config());
                    phases = Phase.plan(prepared.config().strategy(), counted.segments());
                    totalEpochs = prepared.config().epochs();
                }
            }
            if (table != null) {
                Map<Path, Integer> rowOf = rowIndex(table);
                Precomputed train = Precomputed.of(table, rowOf, split.train(), preset);
                Precomputed val = split.validation().isEmpty() ? null : Precomputed.of(table, rowOf, split.validation(), preset);
                return train(o, counted, recorded, start, net, classes, phases, split, train.samples(),
                        val == null ? null : val.samples(), train.features(), val == null ? null : val.features(), manager,
                        listener, log, choices);
            }
            try (FolderSource train = new FolderSource(split.train(), preset, augmentation, o.threads(), TrainingStart.smallImages(preset));
                    FolderSource val = split.validation().isEmpty() ? null
                            : new FolderSource(split.validation(), preset, Augmentation.none(), o.threads(), TrainingStart.smallImages(preset))) {
                return train(o, counted, recorded, start, net, classes, phases, split, train, val, null, null, manager, listener,
                        log, choices);
            }
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException | IllegalArgumentException e) {
                // shutting down (the hook is running) or never added
            }
        }
    }

    /**
     * Trains and writes the model directory; with {@code trainFeatures} (and {@code valFeatures}
     * when there are validation samples) the samples are {@link PrecomputedSamples} and the head
     * trains on those features, validated on them too.
     */
    private Outcome train(Options o, RunRecord run, ModelDirectory.Recorded recorded, TrainingStart start, ResNet net,
            List<String> classes, List<Phase> phases, DatasetSplit split, SampleSource train, SampleSource val,
            FeatureCache trainFeatures, FeatureCache valFeatures, NDManager manager, TrainListener listener, PrintStream log,
            Choices choices) {
        TrainConfig cfg = run.config();
        Pretrained pretrained = start.pretrained();
        ResNetConfig netConfig = start.network();
        Preset preset = start.preset();
        start.loadInto(net, cfg.strategy(), classes, o.lenient(), log);
        TrainState resumeState = null;
        Map<String, ai.djl.ndarray.NDArray> resumeOptimizer = null;
        dev.ferry.weights.StateDict bestBeforeResume = null;
        if (recorded != null) {
            ModelDirectory.Checkpoint ck = ModelDirectory.readCheckpoint(o.out());
            ModelWeights.load(net, ck.weights(), false, o.out().resolve(ModelDirectory.CHECKPOINT));
            resumeState = ck.state();
            resumeOptimizer = ck.optimizerArrays(manager);
            saved = resumeState;
            Path best = o.out().resolve(ModelDirectory.WEIGHTS);
            if (Files.isRegularFile(best)) {
                bestBeforeResume = dev.ferry.weights.WeightsReader.read(best);
            }
            log.println("ferry: resuming after epoch " + resumeState.completedEpochs() + " of " + cfg.epochs());
        }
        Map<String, Object> data = dataSummary(o, split);
        Map<String, Object> hp = hyperParameters(cfg, o.dropout(), preset);
        if (run.segments().size() > 1) {
            hp.put("restarts", run.restarts());
        }
        String weightsName = pretrained != null ? pretrained.description()
                : recorded != null ? recorded.run().weights() : null;
        Map<String, Object> source = pretrained != null ? pretrained.provenance() : recorded != null ? recordedSource(o.out()) : null;
        Checkpointer ckpt = (n, opt, state, best) -> {
            // The checkpoint, the best weights and model.json's history move together: an
            // interrupt waits for all three (see interrupted()).
            saving.lock();
            try {
                ModelDirectory.saveCheckpoint(o.out(), n, opt, state, run);
                ModelInfo info = info(netConfig, classes, preset, cfg, hp, state, data, weightsName, source, choices);
                if (best) {
                    ModelDirectory.save(o.out(), n, info);
                } else {
                    ModelDirectory.saveInfo(o.out(), info);
                }
                saved = state;
            } finally {
                saving.unlock();
            }
        };
        listener.planned(cfg.epochs());
        Trainer trainer = new Trainer(cfg, phases, listener);
        if (trainFeatures != null) {
            trainer = trainer.withFeatures(trainFeatures, valFeatures);
        }
        TrainResult result = trainer.train(net, train, val, manager, ckpt, resumeState, resumeOptimizer);
        saving.lock();
        try {
            if (resumeState != null && bestBeforeResume != null && result.bestEpoch() <= resumeState.completedEpochs()) {
                // The best epoch came before the interruption: its weights are the saved model's,
                // not the network's last ones.
                ModelWeights.load(net, bestBeforeResume, false, o.out().resolve(ModelDirectory.WEIGHTS));
            }
            TrainState finalState = new TrainState(result.history().size(), result.history(), result.bestEpoch(),
                    result.bestValAccuracy(), 0, 0);
            ModelInfo info = info(netConfig, classes, preset, cfg, hp, finalState, data, weightsName, source, choices);
            ClassificationMetrics metrics = null;
            Evaluation ev = null;
            if (val != null) {
                // On precomputed features the final model is measured on them, as every epoch was: the
                // images may not be at hand.
                ev = valFeatures != null ? Inference.evaluateCached(net, valFeatures, val, cfg.batchSize(), manager)
                        : Inference.evaluate(net, val, cfg.batchSize(), manager);
                metrics = ClassificationMetrics.compute(ev.labels(), ev.probabilities(), classes, ev.loss());
                if (ev.isFinite()) {
                    // Temperature scaling on the validation split, softening only (see fitSoftening):
                    // prediction and evaluation use it.
                    info = info.withCalibration(Calibration.fitSoftening(ev.probabilities(), ev.labels()));
                }
            }
            ModelDirectory.save(o.out(), net, info);
            Reports.writeTraining(o.out(), info, result, metrics, split.validation(), split.skipped(),
                    ev == null || info.calibration() == null ? null : ev,
                    o.features() == null || o.features().imageRoot() != null);
            finished = true;
            return new Outcome(result, metrics, info, o.out(), choices);
        } finally {
            saving.unlock();
        }
    }

    /** What {@link #dataName} gives for features that came from no file (read from Spark, or a caller's). */
    private static final String NO_SOURCE = "precomputed features";

    /** What the run trains on, as model.json and the log name it: the image folder, or the features' file. */
    private static String dataName(Options o) {
        if (o.features() == null) {
            return o.data().toString();
        }
        Path source = o.features().source();
        return source != null ? source.toString() : NO_SOURCE;
    }

    /**
     * The folder the table's paths are resolved against for its split and report: its image
     * folder, or (unknown) none, the paths left relative: they then only name the rows.
     */
    private static Path featureRoot(FeatureTable t) {
        return t.imageRoot() != null ? t.imageRoot() : Path.of("");
    }

    /** Each sample path of the table's folder ({@link FeatureTable#asImageFolder}) to its row. */
    private static Map<Path, Integer> rowIndex(FeatureTable t) {
        Map<Path, Integer> rowOf = new java.util.HashMap<>();
        List<Sample> all = t.asImageFolder(featureRoot(t)).samples();
        for (int i = 0; i < all.size(); i++) {
            rowOf.put(all.get(i).path(), i);
        }
        return rowOf;
    }

    /**
     * One side of the split of a feature table: the samples (their labels) and their features,
     * both in the split's order.
     */
    private record Precomputed(PrecomputedSamples samples, FeatureCache features) {
        /** @param rowOf each sample's row in the table ({@link #rowIndex}) */
        static Precomputed of(FeatureTable t, Map<Path, Integer> rowOf, List<Sample> side, Preset preset) {
            int[] rows = new int[side.size()];
            int[] labels = new int[side.size()];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = rowOf.get(side.get(i).path());
                labels[i] = t.label(rows[i]);
            }
            EvalTransform eval = new EvalTransform(preset);
            // The shape of the images the features came from, as a folder source of them would give it.
            int[] shape = {3, eval.outputHeight(), eval.outputWidth()};
            return new Precomputed(new PrecomputedSamples(labels, shape), FeatureCache.of(t.rows(rows), rows.length, t.dim()));
        }
    }

    /**
     * Refuses weights other than those that computed the table's features: the architecture, the
     * feature width and the preprocessing must be the recorded ones, and the weights the same: the
     * same name or file, the same bytes where the recorded file is on this machine, or, where it
     * is not (features computed elsewhere), a file of the same name, which {@code log} notes.
     */
    static void checkNetwork(FeatureTable t, String weights, Pretrained p, PrintStream log) {
        EmbeddingIndex.Network rec = t.network();
        String recorded = rec.weights() != null ? rec.weights() : rec.model();
        String current = Embed.recordedWeights(weights);
        String arch = p.config().architecture().id();
        int dim = p.config().featureDim();
        String preset = WeightsInventory.describe(p.preset());
        List<String> differ = new ArrayList<>();
        if (!java.util.Objects.equals(rec.architecture(), arch)) {
            differ.add("architecture " + rec.architecture() + " against " + arch);
        }
        if (rec.dim() != dim) {
            differ.add(rec.dim() + " features against " + dim);
        }
        if (rec.preset() != null && !rec.preset().equals(preset)) {
            differ.add("preprocessing " + rec.preset() + " against " + preset);
        }
        if (differ.isEmpty() && !sameWeights(rec, recorded, current, p, log)) {
            differ.add("other weights");
        }
        if (!differ.isEmpty()) {
            String where = t.source() != null ? t.source().toString() : "the table";
            throw new InputException(Message.of("the features in ", where, " were computed by ", rec.description(), " (",
                    recorded, "), but ", Setting.WEIGHTS, " ", weights, " is ", p.description(), ": ", String.join(", ", differ),
                    "; train with the weights that computed the features, or compute them again with these"));
        }
    }

    private static boolean sameWeights(EmbeddingIndex.Network rec, String recorded, String current, Pretrained p,
            PrintStream log) {
        if (recorded == null) {
            return false;
        }
        if (recorded.equals(current)) {
            return true;
        }
        Path recordedPath = Embed.pathOrNull(recorded);
        if (recordedPath != null && recordedPath.isAbsolute() && Files.exists(recordedPath)) {
            Path file = Files.isDirectory(recordedPath) ? recordedPath.resolve(ModelDirectory.WEIGHTS) : recordedPath;
            try {
                return Files.isRegularFile(file) && (Files.isSameFile(file, p.file())
                        || dev.ferry.platform.FileDigest.sha256(file).equals(dev.ferry.platform.FileDigest.sha256(p.file())));
            } catch (java.io.IOException e) {
                throw new dev.ferry.FerryException("cannot read " + file + " to compare it with " + p.file() + ": "
                        + dev.ferry.platform.AtomicFiles.reason(e), e);
            }
        }
        if (rec.description() != null && rec.description().equals(p.description())) {
            // The same known name however it was spelled (a name's display form is its description).
            return true;
        }
        Path currentPath = Embed.pathOrNull(current);
        if (recordedPath != null && recordedPath.isAbsolute() && currentPath != null && Files.exists(currentPath)
                && recordedPath.getFileName() != null
                && recordedPath.getFileName().toString().equals(currentPath.getFileName().toString())) {
            log.println("ferry: the features name weights " + recorded + ", not on this machine; taking " + current
                    + ", of the same name, to be them");
            return true;
        }
        return false;
    }

    /** A configuration chosen before training, and what chose it. */
    private record Prepared(TrainConfig config, Choices choices) {}

    /**
     * Refuses, before anything is written, what the images cannot support: a strategy trial
     * without validation images, more folds than the smallest class has images.
     */
    private static void checkChoices(Options o, DatasetSplit split) {
        if (o.autoStrategy() != null && split.validation().isEmpty()) {
            throw new InputException(Message.of(Setting.STRATEGY,
                    " auto compares the candidates' validation accuracy, and there are no validation images; give ",
                    Setting.VALIDATION, " or a ", Setting.VALIDATION_SPLIT, " that holds images out"));
        }
        if (o.folds() >= 2) {
            CrossValidation.requireFoldable(foldSamples(o, split), split.classes(), o.folds(), o.data());
        }
    }

    /**
     * The steps a fresh run takes before training, in this order: the learning-rate finder (per
     * candidate when the strategy is chosen too), the strategy trial, the cross-validation of the
     * resulting recipe. Each trains networks of its own, in a sub-manager closed after it; the run's
     * network, already built, is not touched.
     */
    private static Prepared prepare(Options o, TrainingStart start, DatasetSplit split, List<String> classes,
            NDManager manager, PrintStream log) {
        boolean findLr = o.learningRate() instanceof LearningRate.Auto;
        TrainConfig cfg = o.config();
        LearningRate.Suggestion lr = null;
        AutoStrategy.Choice chosen = null;
        if (o.autoStrategy() != null) {
            AutoStrategy a = o.autoStrategy();
            TrainConfig fe = a.featureExtract();
            TrainConfig ft = a.fineTune();
            LearningRate.Suggestion feLr = null;
            LearningRate.Suggestion ftLr = null;
            if (findLr) {
                feLr = findLr(o, start, split.train(), classes, fe, log);
                fe = fe.withLr(feLr.rate());
                ftLr = findLr(o, start, split.train(), classes, ft, log);
                ft = ft.withLr(ftLr.rate());
            }
            TrainConfig ftTrial = ft.withEpochs(a.trialEpochs());
            log.println("ferry: choosing the strategy: feature-extract (" + fe.epochs() + " epochs) against a fine-tune trial ("
                    + ftTrial.epochs() + " of its " + ft.epochs() + " epochs) on " + split.train().size() + " training and "
                    + split.validation().size() + " validation images");
            log.flush();
            double feAcc = trial(o, start, classes, fe, split.train(), split.validation(), manager).bestValAccuracy();
            double ftAcc = trial(o, start, classes, ftTrial, split.train(), split.validation(), manager).bestValAccuracy();
            chosen = AutoStrategy.Choice.decide(feAcc, fe.epochs(), ftAcc, ftTrial.epochs(), ft.epochs());
            log.println("ferry: " + chosen.line());
            cfg = chosen.fineTuneKept() ? ft : fe;
            lr = chosen.fineTuneKept() ? ftLr : feLr;
        } else if (findLr) {
            lr = findLr(o, start, split.train(), classes, cfg, log);
            cfg = cfg.withLr(lr.rate());
        }
        if (lr != null) {
            log.println("ferry: learning rate " + lr.line());
        }
        CrossValidation.Summary cv = o.folds() >= 2 ? crossValidate(o, start, split, classes, cfg, manager, log) : null;
        return new Prepared(cfg, new Choices(lr, chosen, cv));
    }

    /** The finder's suggestion for {@code cfg} on {@code train}, swept as {@link LrFind} sweeps. */
    private static LearningRate.Suggestion findLr(Options o, TrainingStart start, List<dev.ferry.data.Sample> train,
            List<String> classes, TrainConfig cfg, PrintStream log) {
        dev.ferry.train.LrFinder.Rule rule = ((LearningRate.Auto) o.learningRate()).rule();
        dev.ferry.train.LrFinder.Settings s = dev.ferry.train.LrFinder.Settings.defaults(cfg.batchSize());
        log.println(String.format(java.util.Locale.ROOT,
                "ferry: finding the learning rate for %s on %d training images, rates %.1e to %.1e in %d steps",
                cfg.strategy().id(), train.size(), s.start(), s.end(), s.steps()));
        log.flush();
        dev.ferry.train.LrFinder.Result sweep = LrFind.sweep(train, classes, start, cfg, s, o.threads(), o.lenient(), quiet());
        // The configured rate (the strategy's default when none was given) is what the error offers.
        LearningRate.Suggestion suggestion = LearningRate.Suggestion.of(sweep, s, train.size(), cfg.lr(), rule);
        String far = suggestion.farFrom(cfg.lr());
        if (far != null) {
            log.println("ferry: warning: " + far);
        }
        return suggestion;
    }

    /** Trains {@code cfg} on {@code train}, validated on {@code val}, writing nothing. */
    private static TrainResult trial(Options o, TrainingStart start, List<String> classes, TrainConfig cfg,
            List<dev.ferry.data.Sample> train, List<dev.ferry.data.Sample> val, NDManager manager) {
        Preset preset = start.preset();
        boolean small = TrainingStart.smallImages(preset);
        try (NDManager m = manager.newSubManager();
                FolderSource tr = new FolderSource(train, preset, start.augmentation(), o.threads(), small);
                FolderSource va = new FolderSource(val, preset, Augmentation.none(), o.threads(), small)) {
            Engines.seed(cfg.seed());
            ResNet net = ResNet.create(start.network()).initialize(m);
            start.loadInto(net, cfg.strategy(), classes, o.lenient(), quiet());
            return new Trainer(cfg, Phase.plan(cfg.strategy(), List.of(cfg.epochs())), TrainListener.NONE)
                    .train(net, tr, va, m, (n, opt, state, best) -> { }, null, null);
        }
    }

    /**
     * K trainings of {@code cfg}, each on all folds but one and validated on that one; a fold's
     * accuracy is its last epoch's ({@link CrossValidation#ACCURACY_OF}).
     */
    private static CrossValidation.Summary crossValidate(Options o, TrainingStart start, DatasetSplit split,
            List<String> classes, TrainConfig cfg, NDManager manager, PrintStream log) {
        int k = o.folds();
        List<dev.ferry.data.Sample> samples = foldSamples(o, split);
        int[] fold = CrossValidation.assignFolds(samples, classes, k, cfg.seed());
        log.println("ferry: cross-validating the recipe (" + cfg.strategy().id() + ", " + cfg.epochs() + " epochs) in " + k
                + " stratified folds of the " + samples.size() + " images in " + o.data());
        log.flush();
        List<Double> accuracies = new ArrayList<>();
        for (int f = 0; f < k; f++) {
            List<dev.ferry.data.Sample> train = new ArrayList<>();
            List<dev.ferry.data.Sample> held = new ArrayList<>();
            for (int i = 0; i < samples.size(); i++) {
                (fold[i] == f ? held : train).add(samples.get(i));
            }
            TrainResult r = trial(o, start, classes, cfg, train, held, manager);
            double acc = r.history().get(r.history().size() - 1).valAccuracy();
            accuracies.add(acc);
            log.println(String.format(java.util.Locale.ROOT, "ferry: fold %d of %d: %d training, %d held-out images: accuracy %.4f",
                    f + 1, k, train.size(), held.size(), acc));
            log.flush();
        }
        CrossValidation.Summary cv = CrossValidation.summarize(accuracies);
        log.println("ferry: cross-validated accuracy " + cv.line());
        return cv;
    }

    /**
     * The training folder's images that the folds divide: all of {@code data} (its split's two
     * sides, in class then path order) or, with a separate validation folder, its training side.
     */
    static List<dev.ferry.data.Sample> foldSamples(Options o, DatasetSplit split) {
        if (o.validation() != null) {
            return split.train();
        }
        List<dev.ferry.data.Sample> all = new ArrayList<>(split.train());
        all.addAll(split.validation());
        all.sort(java.util.Comparator.comparingInt(dev.ferry.data.Sample::label)
                .thenComparing(smp -> smp.path().toString()));
        return all;
    }

    /** A stream that drops what is written: the trials' weight-loading lines repeat the run's own. */
    private static PrintStream quiet() {
        return new PrintStream(java.io.OutputStream.nullOutputStream());
    }

    /** The {@code extra} of the model directory's {@code model.json}, or an empty map when it cannot be read. */
    private static Map<String, Object> previousExtra(Path out) {
        try {
            Map<String, Object> extra = ModelDirectory.readInfo(out).extra();
            return extra == null ? Map.of() : extra;
        } catch (RuntimeException e) {
            // model.json is rewritten with every checkpoint; without one there is nothing to keep
            return Map.of();
        }
    }

    /**
     * The recorded run, continued as {@code requested} asks: refused when a setting differs;
     * extended by a new segment when more epochs are asked for.
     */
    static RunRecord continuation(ModelDirectory.Recorded recorded, RunRecord requested, Path out, PrintStream log) {
        RunRecord r = recorded.run();
        List<Message> diffs = r.differences(requested);
        if (!diffs.isEmpty()) {
            throw refusal(out, diffs);
        }
        TrainState state = recorded.state();
        int total = r.config().epochs();
        int want = requested.config().epochs();
        int patience = r.config().earlyStopPatience();
        boolean stoppedEarly = patience > 0 && state.stale() >= patience && state.completedEpochs() < total;
        if (want < total) {
            throw new InputException(Message.of(Setting.EPOCHS, " ", want, " is fewer than the ", total, " epochs of the run in ", out,
                    ": a resumed run completes its schedule; pass ", Setting.EPOCHS, " ", total, " (or more, to extend it)"));
        }
        if (stoppedEarly) {
            throw new InputException(Message.of("the run in ", out, " stopped early at epoch ", state.completedEpochs(), " (",
                    patience, " epochs without a better validation accuracy): there is nothing to resume; train into a new ",
                    Setting.OUT, " to train longer"));
        }
        if (want == total) {
            if (state.completedEpochs() >= total) {
                throw new InputException(Message.of("nothing to resume: the run in ", out, " finished all ", total,
                        " epochs; pass ", Setting.EPOCHS, " more than ", total, " to extend it"));
            }
            return r;
        }
        RunRecord extended = r.extendedTo(want);
        List<Phase> phases = Phase.plan(extended.config().strategy(), extended.segments());
        Phase last = phases.get(phases.size() - 1);
        log.println("ferry: extending the run from " + total + " to " + want + " epochs: epochs " + (total + 1) + "-" + want
                + " train " + (last.firstTrainable() == Phase.HEAD_ONLY ? "the head" : last.firstTrainable() == 0 ? "all layers"
                        : "layer" + last.firstTrainable() + " onwards")
                + " with a new " + r.config().schedule().name().toLowerCase(java.util.Locale.ROOT) + " schedule over "
                + (want - total) + " epochs (a warm restart at the run's rate), after the recorded schedule's epochs");
        return extended;
    }

    private static InputException refusal(Path out, List<Message> diffs) {
        return new InputException(Message.of(Setting.RESUME, " continues the run recorded in ", out, ", but ", diffs.size(),
                diffs.size() == 1 ? " setting differs" : " settings differ", " from it: ", Message.join("; ", diffs),
                "; leave them out to continue that run, or train into a new ", Setting.OUT));
    }

    /**
     * Free space for what the run writes: the weights, a checkpoint (weights and optimizer state)
     * and, while a checkpoint is replaced, its temporary copy; a resumed run needs the copy alone.
     *
     * @param stateFloats values in the network's state (parameters and buffers)
     * @param trainable trainable parameters (each with optimizer state)
     */
    public static long bytesNeeded(long stateFloats, long trainable, OptimizerKind optimizer, boolean resume) {
        long weights = 4 * stateFloats;
        long checkpoint = weights + 4 * trainable * (optimizer == OptimizerKind.ADAMW ? 2 : 1);
        long reports = 8_000_000L; // report.html with its thumbnails, the PNG charts, model.json
        return resume ? checkpoint + reports : weights + 2 * checkpoint + reports;
    }

    private static void requireSpace(Path out, ResNet net, OptimizerKind optimizer, boolean resume) {
        long floats = net.stateDict().values().stream().mapToLong(p -> p.getShape().size()).sum();
        DiskSpace.require(out, bytesNeeded(floats, net.parameterCount(), optimizer, resume),
                resume ? "the checkpoints of the resumed run" : "the model, its checkpoint and reports");
    }

    /** The shutdown hook: waits for an epoch's files being written, then says what is kept. */
    private void interrupted(TrainListener listener, PrintStream log, Path out, Function<? super Setting, String> names) {
        boolean locked = false;
        try {
            locked = saving.tryLock(60, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Holding the lock keeps a later epoch from starting its writes while the JVM halts.
        listener.interrupted();
        log.println("ferry: " + interruptionNote(out, locked).render(names));
        log.flush();
    }

    private Message interruptionNote(Path out, boolean settled) {
        if (finished) {
            return Message.of("interrupted after training finished: the model in ", out, " is complete");
        }
        TrainState s = saved;
        int total = totalEpochs;
        if (s == null || s.completedEpochs() == 0) {
            return Message.of("interrupted in epoch 1 of ", total, ", before its first checkpoint: nothing was kept in ", out);
        }
        String best = s.bestEpoch() > 0
                ? " and the best model so far (epoch " + s.bestEpoch()
                        + (Double.isNaN(s.bestValAccuracy()) ? "" : String.format(java.util.Locale.ROOT,
                                ", validation accuracy %.4f", s.bestValAccuracy())) + ")"
                : "";
        return Message.of("interrupted in epoch ", Math.min(total, s.completedEpochs() + 1), " of ", total, ": ", out,
                " keeps the checkpoint of epoch ", s.completedEpochs(), best,
                settled ? "" : " (a write was still in progress)",
                "; training again with ", Setting.OUT, " ", out, " and ", Setting.RESUME, " continues");
    }

    /** What ferry itself writes into a model directory (and its hidden temporary files). */
    private static final java.util.Set<String> OWN_FILES = java.util.Set.of(ModelDirectory.WEIGHTS, ModelDirectory.INFO,
            ModelDirectory.CHECKPOINT, "report.html", "confusion_matrix.png", "learning_curves.png", "lr_schedule.png",
            OutLock.NAME);

    private static void checkOut(Path out, boolean resume, Path data, Path validation) {
        if (out == null) {
            throw new InputException(Message.of("an output model directory (", Setting.OUT, ") is required"));
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new InputException(Message.of(Setting.OUT, " is a file, not a folder: ", out));
        }
        for (Path images : new Path[] {data, validation}) {
            if (images != null && inside(out, images)) {
                throw new InputException(Message.of(Setting.OUT, " ", out, " is inside the image folder ", images,
                        ": ferry would write its files among the images it reads; choose a folder outside it"));
            }
        }
        if (Files.isDirectory(out) && !Files.isRegularFile(out.resolve(ModelDirectory.INFO))) {
            List<String> foreign = new java.util.ArrayList<>();
            try (var entries = Files.list(out)) {
                entries.map(p -> p.getFileName().toString())
                        .filter(n -> !OWN_FILES.contains(n) && !(n.startsWith(".") && n.endsWith(".tmp")))
                        .sorted().forEach(foreign::add);
            } catch (java.io.IOException e) {
                throw new InputException(Message.of("cannot list ", Setting.OUT, " ", out, ": ", e.getMessage()), e);
            }
            if (!foreign.isEmpty()) {
                throw new InputException(Message.of(Setting.OUT, " ", out, " is not empty and not a ferry model directory (it holds ",
                        String.join(", ", foreign.subList(0, Math.min(3, foreign.size()))),
                        foreign.size() > 3 ? " and " + (foreign.size() - 3) + " more" : "",
                        "); choose a new or empty folder"));
            }
        }
        if (!resume && Files.isRegularFile(out.resolve(ModelDirectory.INFO))) {
            throw new InputException(Message.of("model directory ", out, " already holds a model; pass ", Setting.RESUME,
                    " to continue it or choose another ", Setting.OUT));
        }
        if (resume && !Files.isRegularFile(out.resolve(ModelDirectory.CHECKPOINT))) {
            throw new InputException("nothing to resume: no " + ModelDirectory.CHECKPOINT + " in " + out);
        }
    }

    /** Whether {@code path} is {@code folder} or lies under it (real paths where they exist). */
    static boolean inside(Path path, Path folder) {
        Path p = real(path);
        Path f = real(folder);
        return p.startsWith(f);
    }

    /** The real path of {@code p}'s deepest existing ancestor, with the rest appended. */
    private static Path real(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return abs;
        }
        try {
            return existing.toRealPath().resolve(existing.relativize(abs));
        } catch (java.io.IOException e) {
            return abs;
        }
    }

    static Map<String, Object> hyperParameters(TrainConfig cfg, float dropout, Preset preset) {
        Map<String, Object> hp = new LinkedHashMap<>();
        hp.put("strategy", cfg.strategy().description());
        hp.put("epochs", cfg.epochs());
        hp.put("batchSize", cfg.batchSize());
        hp.put("lr", cfg.lr());
        hp.put("optimizer", cfg.optimizer().name().toLowerCase());
        hp.put("schedule", cfg.schedule().name().toLowerCase());
        hp.put("warmupEpochs", cfg.warmupEpochs());
        hp.put("weightDecay", cfg.weightDecay());
        hp.put("labelSmoothing", cfg.labelSmoothing());
        hp.put("mixupAlpha", cfg.mixupAlpha());
        hp.put("cutmixAlpha", cfg.cutmixAlpha());
        hp.put("emaHorizon", cfg.emaHorizon());
        hp.put("balance", cfg.balance().name().toLowerCase(java.util.Locale.ROOT));
        hp.put("dropout", dropout);
        hp.put("earlyStop", cfg.earlyStopPatience());
        hp.put("seed", cfg.seed());
        return hp;
    }

    private static Map<String, Object> dataSummary(Options o, DatasetSplit split) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("train", dataName(o));
        d.put("validation", o.validation() != null ? o.validation().toString()
                : "split " + o.validationSplit() + " of " + dataName(o));
        if (o.features() != null) {
            FeatureTable t = o.features();
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("rows", t.size());
            f.put("dim", t.dim());
            f.put("network", t.network().description());
            f.put("images", t.imageRoot() == null ? null : t.imageRoot().toString());
            d.put("features", f);
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        split.table().rows().forEach(r -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("class", r.className());
            row.put("train", r.train());
            row.put("validation", r.validation());
            rows.add(row);
        });
        d.put("classes", rows);
        List<String> skipped = new ArrayList<>();
        for (BadImage b : split.skipped()) {
            skipped.add(b.path() + ": " + b.reason());
        }
        d.put("skipped", skipped);
        return d;
    }

    /**
     * The key of model.json's {@code extra} that says where downloaded pretrained weights came
     * from beyond their name (a hub repository's revision, commit and SHA-256).
     */
    public static final String PRETRAINED_SOURCE = "pretrainedSource";

    /** What a resumed run's model.json recorded under {@link #PRETRAINED_SOURCE}, or null. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> recordedSource(Path out) {
        if (!Files.isRegularFile(out.resolve(ModelDirectory.INFO))) {
            return null;
        }
        ModelInfo previous = ModelDirectory.readInfo(out);
        Object s = previous.extra() == null ? null : previous.extra().get(PRETRAINED_SOURCE);
        return s instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
    }

    private static ModelInfo info(ResNetConfig c, List<String> classes, Preset preset, TrainConfig cfg,
            Map<String, Object> hp, TrainState state, Map<String, Object> data, String weights, Map<String, Object> source,
            Choices choices) {
        Map<String, Object> extra = new LinkedHashMap<>();
        if (weights != null) {
            extra.put("pretrained", weights);
        }
        if (source != null) {
            extra.put(PRETRAINED_SOURCE, source);
        }
        extra.putAll(choices.toJson());
        return new ModelInfo(ModelInfo.FORMAT, dev.ferry.platform.BuildInfo.current().ferry(), Instant.now().toString(),
                c.architecture().id(), c.width(), c.stem().id(), c.dropout(), classes, preset,
                cfg.strategy().id(), hp, state.history(), state.bestEpoch(),
                Double.isNaN(state.bestValAccuracy()) ? null : state.bestValAccuracy(), data, extra, null);
    }

    /** Builds {@link Options} with defaults: 20% validation split, fine-tuning defaults, 2 threads. */
    public static final class Builder {
        private Path data;
        private Path validation;
        private double validationSplit = 0.2;
        private String weights;
        private Architecture arch;
        private TrainConfig config = TrainConfig.defaults(new Strategy.FineTune(Strategy.DEFAULT_BACKBONE_LR_FACTOR));
        private float dropout;
        private PresetOverride preset;
        private Path out;
        private boolean resume;
        private boolean skipBad;
        private int threads = Math.max(1, java.lang.Runtime.getRuntime().availableProcessors());
        private boolean lenient;
        private LearningRate learningRate;
        private AutoStrategy autoStrategy;
        private int folds;
        private FeatureTable features;

        public Builder data(Path d) { data = d; return this; }
        public Builder validation(Path v) { validation = v; return this; }
        public Builder validationSplit(double f) { validationSplit = f; return this; }
        public Builder weights(String w) { weights = w; return this; }
        public Builder arch(Architecture a) { arch = a; return this; }
        public Builder config(TrainConfig c) { config = c; return this; }
        public Builder dropout(float p) { dropout = p; return this; }
        public Builder preset(PresetOverride p) { preset = p; return this; }
        public Builder out(Path o) { out = o; return this; }
        public Builder resume(boolean r) { resume = r; return this; }
        public Builder skipBad(boolean s) { skipBad = s; return this; }
        public Builder threads(int t) { threads = t; return this; }
        public Builder lenient(boolean l) { lenient = l; return this; }

        /** The peak rate: a number (replacing {@link #config}'s) or the learning-rate finder's suggestion. */
        public Builder learningRate(LearningRate r) { learningRate = r; return this; }

        /**
         * Chooses the strategy by a trial of each candidate (see {@link AutoStrategy}); {@link #config}
         * is then not used.
         */
        public Builder autoStrategy(AutoStrategy a) { autoStrategy = a; return this; }

        /** Cross-validates the recipe in {@code k} stratified folds before the run (0: not). */
        public Builder folds(int k) { folds = k; return this; }

        /**
         * Trains the head on backbone features computed before the run instead of on the images
         * of {@link #data} (see {@link Options#features}).
         */
        public Builder features(FeatureTable t) { features = t; return this; }

        public TrainingRun build() {
            if (features != null) {
                checkFeatureOptions();
            } else if (data == null) {
                throw new InputException(Message.of(Setting.DATA, " is required"));
            }
            if (autoStrategy != null && validation == null && !(validationSplit > 0)) {
                throw new InputException(Message.of(Setting.STRATEGY,
                        " auto compares the candidates' validation accuracy and needs validation images: give ", Setting.VALIDATION,
                        " or a ", Setting.VALIDATION_SPLIT, " in (0, 1), not ", validationSplit));
            }
            if (folds != 0 && folds < 2) {
                throw new InputException(Message.of(Setting.FOLDS, " must be at least 2 (or 0: no cross-validation), got ", folds));
            }
            if (resume && (autoStrategy != null || folds != 0)) {
                throw new InputException(Message.of(autoStrategy != null ? Setting.STRATEGY : Setting.FOLDS,
                        autoStrategy != null ? " auto runs" : " runs", " before training starts; a resumed run (", Setting.RESUME, ") continues its recorded choices"));
            }
            TrainConfig config = this.config;
            AutoStrategy autoStrategy = this.autoStrategy;
            if (autoStrategy != null && learningRate instanceof LearningRate.Fixed f) {
                autoStrategy = autoStrategy.withLr(f.rate());
            }
            if (autoStrategy != null) {
                // The fine-tuning candidate stands for the run until the trial chooses.
                config = autoStrategy.fineTune();
            }
            if (learningRate instanceof LearningRate.Fixed f) {
                config = config.withLr(f.rate());
            }
            LearningRate rate = learningRate != null ? learningRate : new LearningRate.Fixed(config.lr());
            if (validation == null && !(validationSplit > 0 && validationSplit < 1)) {
                throw new InputException(Message.of(Setting.VALIDATION_SPLIT, " must be in (0, 1), got ", validationSplit));
            }
            if (!(dropout >= 0 && dropout < 1)) {
                throw new InputException(Message.of(Setting.DROPOUT, " must be in [0, 1), got ", dropout));
            }
            return new TrainingRun(new Options(data, validation, validationSplit, weights, arch, config, dropout,
                    preset, out, resume, skipBad, threads, lenient, rate, autoStrategy, folds, features));
        }

        /**
         * What training on precomputed features cannot do, each refused naming its setting: they are
         * one eval-transform view per image of a frozen backbone, and no image is at hand.
         */
        private void checkFeatureOptions() {
            if (data != null) {
                throw new InputException(Message.of(Setting.DATA, " and ", Setting.FEATURES,
                        " exclude each other: train on the images or on their features"));
            }
            if (validation != null) {
                throw new InputException(Message.of(Setting.VALIDATION, " is a folder of images; with ", Setting.FEATURES, " a ",
                        Setting.VALIDATION_SPLIT, " of their rows is held out"));
            }
            if (autoStrategy != null) {
                throw new InputException(Message.of(Setting.STRATEGY, " auto tries fine-tuning, which needs the images; ",
                        Setting.FEATURES, " train the head alone (feature-extract)"));
            }
            Strategy s = config.strategy();
            if (!(s instanceof Strategy.FeatureExtract fe)) {
                throw new InputException(Message.of(Setting.STRATEGY, " ", s.id(), " trains the backbone on the images; ",
                        Setting.FEATURES, " train the head alone: use feature-extract"));
            }
            if (!fe.cache()) {
                throw new InputException(Message.of(Setting.NO_CACHE, " runs the backbone on the images every epoch; ",
                        Setting.FEATURES, " are the cache, computed before the run"));
            }
            if (fe.cachedViews() != 1) {
                throw new InputException(Message.of(Setting.CACHED_VIEWS, " ", fe.cachedViews(), " caches augmented views of the"
                        + " images; ", Setting.FEATURES, " hold one view per image (", Setting.CACHED_VIEWS, " 1)"));
            }
            if (resume) {
                throw new InputException(Message.of(Setting.RESUME, " continues a run on an image folder; a run on ",
                        Setting.FEATURES, " is not resumed: train it again into a new ", Setting.OUT));
            }
            if (folds != 0) {
                throw new InputException(Message.of(Setting.FOLDS, " cross-validates on the images, not on ", Setting.FEATURES));
            }
            if (learningRate instanceof LearningRate.Auto) {
                throw new InputException(Message.of(Setting.LEARNING_RATE, " auto sweeps on the images; with ", Setting.FEATURES,
                        " give a rate"));
            }
            if (preset != null && !preset.isEmpty()) {
                throw new InputException(Message.of("the preprocessing options (", Setting.RESIZE, ", ", Setting.CROP, ", ",
                        Setting.MEAN, ", ", Setting.STD, ", ", Setting.EXIF_TRANSPOSE, ") change the images, and ",
                        Setting.FEATURES, " were computed with the weights' own preprocessing"));
            }
            if (skipBad) {
                throw new InputException(Message.of(Setting.SKIP_BAD, " leaves out unreadable images; ", Setting.FEATURES,
                        " read no image"));
            }
        }
    }
}
