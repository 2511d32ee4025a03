package dev.ferry.workflow;

import dev.ferry.train.Checkpointer;
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
import dev.ferry.data.Preset;
import dev.ferry.eval.Calibration;
import dev.ferry.eval.ClassificationMetrics;
import dev.ferry.model.Architecture;
import dev.ferry.model.ResNet;
import dev.ferry.model.ResNetConfig;
import dev.ferry.model.Stem;
import dev.ferry.weights.ModelWeights;
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
 *         .config(TrainConfig.defaults(new Strategy.FineTune(0.1)).withEpochs(10))
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
     */
    public record Options(
            Path data, Path validation, double validationSplit, String weights, Architecture arch,
            TrainConfig config, float dropout, PresetOverride presetOverride, Path out, boolean resume,
            boolean skipBad, int threads, boolean lenient) {}

    /**
     * The outcome.
     *
     * @param result the trainer's result
     * @param validation metrics of the final model on the validation set (null without one)
     * @param info what was written to {@code model.json}
     * @param out the model directory
     */
    public record Outcome(TrainResult result, ClassificationMetrics validation, ModelInfo info, Path out) {}

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
        checkOut(o.out(), o.resume(), o.data(), o.validation());
        ModelDirectory.Recorded recorded = o.resume() ? ModelDirectory.readRecorded(o.out()) : null;
        TrainConfig cfg = o.config();
        DatasetSplit split = o.validation() != null
                ? DatasetSplit.fromFolders(o.data(), o.validation())
                : DatasetSplit.split(o.data(), o.validationSplit(), cfg.seed());
        if (split.classes().size() < 2) {
            throw new InputException("need at least 2 classes to train a classifier, found " + split.classes().size()
                    + " (" + String.join(", ", split.classes()) + ") in " + o.data());
        }
        List<String> classes = split.classes();

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
        ResNetConfig netConfig = start.network();
        Preset preset = start.preset();
        Augmentation augmentation = start.augmentation();
        String archId = o.arch() != null ? o.arch().id() : netConfig.architecture().id();
        RunRecord requested = new RunRecord(o.weights(), archId, netConfig.width(), netConfig.stem().id(), classes,
                recorded != null ? recorded.run().trainImages() : split.train().size(),
                recorded != null ? recorded.run().validationImages() : split.validation().size(),
                o.data().toString(), o.validation() == null ? null : o.validation().toString(), o.validationSplit(),
                preset, o.dropout(), cfg, List.of(cfg.epochs()));
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

            split = split.validate(o.threads(), o.skipBad());
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
            try (FolderSource train = new FolderSource(split.train(), preset, augmentation, o.threads(), TrainingStart.smallImages(preset));
                    FolderSource val = split.validation().isEmpty() ? null
                            : new FolderSource(split.validation(), preset, Augmentation.none(), o.threads(), TrainingStart.smallImages(preset))) {
                return train(o, counted, recorded, start, net, classes, phases, split, train, val, manager, listener, log);
            }
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException | IllegalArgumentException e) {
                // shutting down (the hook is running) or never added
            }
        }
    }

    private Outcome train(Options o, RunRecord run, ModelDirectory.Recorded recorded, TrainingStart start, ResNet net,
            List<String> classes, List<Phase> phases, DatasetSplit split, FolderSource train, FolderSource val,
            NDManager manager, TrainListener listener, PrintStream log) {
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
        Checkpointer ckpt = (n, opt, state, best) -> {
            // The checkpoint, the best weights and model.json's history move together: an
            // interrupt waits for all three (see interrupted()).
            saving.lock();
            try {
                ModelDirectory.saveCheckpoint(o.out(), n, opt, state, run);
                ModelInfo info = info(netConfig, classes, preset, cfg, hp, state, data, weightsName);
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
        TrainResult result = new Trainer(cfg, phases, listener).train(net, train, val, manager, ckpt, resumeState, resumeOptimizer);
        saving.lock();
        try {
            if (resumeState != null && bestBeforeResume != null && result.bestEpoch() <= resumeState.completedEpochs()) {
                // The best epoch came before the interruption: its weights are the saved model's,
                // not the network's last ones.
                ModelWeights.load(net, bestBeforeResume, false, o.out().resolve(ModelDirectory.WEIGHTS));
            }
            TrainState finalState = new TrainState(result.history().size(), result.history(), result.bestEpoch(),
                    result.bestValAccuracy(), 0, 0);
            ModelInfo info = info(netConfig, classes, preset, cfg, hp, finalState, data, weightsName);
            ClassificationMetrics metrics = null;
            Evaluation ev = null;
            if (val != null) {
                ev = Inference.evaluate(net, val, cfg.batchSize(), manager);
                metrics = ClassificationMetrics.compute(ev.labels(), ev.probabilities(), classes, ev.loss());
                if (ev.isFinite()) {
                    // Temperature scaling on the validation split, softening only (see fitSoftening):
                    // prediction and evaluation use it.
                    info = info.withCalibration(Calibration.fitSoftening(ev.probabilities(), ev.labels()));
                }
            }
            ModelDirectory.save(o.out(), net, info);
            Reports.writeTraining(o.out(), info, result, metrics, val == null ? List.of() : val.samples(), split.skipped(),
                    ev == null || info.calibration() == null ? null : ev);
            finished = true;
            return new Outcome(result, metrics, info, o.out());
        } finally {
            saving.unlock();
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
        d.put("train", o.data().toString());
        d.put("validation", o.validation() != null ? o.validation().toString()
                : "split " + o.validationSplit() + " of " + o.data());
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

    private static ModelInfo info(ResNetConfig c, List<String> classes, Preset preset, TrainConfig cfg,
            Map<String, Object> hp, TrainState state, Map<String, Object> data, String weights) {
        Map<String, Object> extra = new LinkedHashMap<>();
        if (weights != null) {
            extra.put("pretrained", weights);
        }
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
        private TrainConfig config = TrainConfig.defaults(new Strategy.FineTune(0.1));
        private float dropout;
        private PresetOverride preset;
        private Path out;
        private boolean resume;
        private boolean skipBad;
        private int threads = Math.max(1, java.lang.Runtime.getRuntime().availableProcessors());
        private boolean lenient;

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

        public TrainingRun build() {
            if (data == null) {
                throw new InputException(Message.of(Setting.DATA, " is required"));
            }
            if (validation == null && !(validationSplit > 0 && validationSplit < 1)) {
                throw new InputException(Message.of(Setting.VALIDATION_SPLIT, " must be in (0, 1), got ", validationSplit));
            }
            if (!(dropout >= 0 && dropout < 1)) {
                throw new InputException(Message.of(Setting.DROPOUT, " must be in [0, 1), got ", dropout));
            }
            return new TrainingRun(new Options(data, validation, validationSplit, weights, arch, config, dropout,
                    preset, out, resume, skipBad, threads, lenient));
        }
    }
}
