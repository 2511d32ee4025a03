package dev.ferry.train;

import ai.djl.ndarray.NDManager;
import dev.ferry.platform.Engines;
import dev.ferry.InputException;
import dev.ferry.cli.FerryCli;
import dev.ferry.data.Augmentation;
import dev.ferry.data.BadImage;
import dev.ferry.data.DatasetSplit;
import dev.ferry.data.Preset;
import dev.ferry.eval.ClassificationMetrics;
import dev.ferry.model.Architecture;
import dev.ferry.model.ResNet;
import dev.ferry.model.ResNetConfig;
import dev.ferry.weights.ModelWeights;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

    /** Runs: everything is checked before anything is written. */
    public Outcome run(TrainListener listener, PrintStream log) {
        Options o = options;
        TrainConfig cfg = o.config();
        checkOut(o.out(), o.resume(), o.data(), o.validation());
        DatasetSplit split = o.validation() != null
                ? DatasetSplit.fromFolders(o.data(), o.validation())
                : DatasetSplit.split(o.data(), o.validationSplit(), cfg.seed());
        if (split.classes().size() < 2) {
            throw new InputException("need at least 2 classes to train a classifier, found " + split.classes().size()
                    + " (" + String.join(", ", split.classes()) + ") in " + o.data());
        }
        split = split.validate(o.threads(), o.skipBad());
        log.print(split.table().render());
        split.warnings().forEach(w -> log.println("ferry: warning: " + w));

        Pretrained pretrained = o.weights() == null ? null : Pretrained.resolve(o.weights(), o.arch(), log);
        if (pretrained == null && cfg.strategy().usesPretrainedWeights()) {
            throw new InputException("--weights is required for strategy " + cfg.strategy().id()
                    + " (only scratch trains without pretrained weights)");
        }
        if (pretrained == null && o.arch() == null) {
            throw new InputException("--arch is required when training from scratch without --weights");
        }
        List<String> classes = split.classes();
        ResNetConfig base = pretrained != null ? pretrained.config() : ResNetConfig.of(o.arch(), classes.size());
        ResNetConfig netConfig = base.withNumClasses(classes.size()).withDropout(o.dropout());
        Preset weightsPreset = pretrained != null ? pretrained.preset() : Preset.imagenetV1();
        Preset preset = o.presetOverride() != null ? o.presetOverride().apply(weightsPreset) : weightsPreset;
        Augmentation augmentation = augmentationFor(preset);

        try (OutLock lock = OutLock.take(o.out());
                NDManager manager = Engines.newManager();
                FolderSource train = new FolderSource(split.train(), preset, augmentation, o.threads(), smallImages(preset));
                FolderSource val = split.validation().isEmpty() ? null
                        : new FolderSource(split.validation(), preset, Augmentation.none(), o.threads(), smallImages(preset))) {
            Engines.seed(cfg.seed());
            ResNet net = ResNet.create(netConfig).initialize(manager);
            if (pretrained != null && cfg.strategy().usesPretrainedWeights()) {
                boolean sameHead = classes.equals(pretrained.classes());
                ModelWeights.LoadReport report = ModelWeights.load(net, pretrained.stateDict(), o.lenient(), !sameHead, pretrained.file());
                log.println("ferry: weights " + pretrained.description() + ": " + String.join("; ", report.lines()));
            }
            TrainState resumeState = null;
            Map<String, ai.djl.ndarray.NDArray> resumeOptimizer = null;
            dev.ferry.weights.StateDict bestBeforeResume = null;
            if (o.resume()) {
                ModelDirectory.Checkpoint ck = ModelDirectory.readCheckpoint(o.out());
                if (ck == null) {
                    throw new InputException("nothing to resume: no " + ModelDirectory.CHECKPOINT + " in " + o.out());
                }
                ModelWeights.load(net, ck.weights(), false, o.out().resolve(ModelDirectory.CHECKPOINT));
                resumeState = ck.state();
                resumeOptimizer = ck.optimizerArrays(manager);
                Path best = o.out().resolve(ModelDirectory.WEIGHTS);
                if (Files.isRegularFile(best)) {
                    bestBeforeResume = dev.ferry.weights.WeightsReader.read(best);
                }
                log.println("ferry: resuming after epoch " + resumeState.completedEpochs() + " of " + cfg.epochs());
            }
            Map<String, Object> data = dataSummary(o, split);
            Map<String, Object> hp = hyperParameters(cfg, o.dropout(), preset);
            String weightsName = pretrained == null ? null : pretrained.description();
            Checkpointer ckpt = (n, opt, state, best) -> {
                ModelDirectory.saveCheckpoint(o.out(), n, opt, state);
                if (best) {
                    ModelDirectory.save(o.out(), n, info(netConfig, classes, preset, cfg, hp, state, data, weightsName));
                }
            };
            TrainResult result = new Trainer(cfg, listener).train(net, train, val, manager, ckpt, resumeState, resumeOptimizer);
            if (resumeState != null && bestBeforeResume != null && result.bestEpoch() <= resumeState.completedEpochs()) {
                // The best epoch came before the interruption: its weights are the saved model's,
                // not the network's last ones.
                ModelWeights.load(net, bestBeforeResume, false, o.out().resolve(ModelDirectory.WEIGHTS));
            }
            TrainState finalState = new TrainState(result.history().size(), result.history(), result.bestEpoch(),
                    result.bestValAccuracy(), 0, 0);
            ModelInfo info = info(netConfig, classes, preset, cfg, hp, finalState, data, weightsName);
            ModelDirectory.save(o.out(), net, info);
            ClassificationMetrics metrics = null;
            if (val != null) {
                Evaluation ev = Inference.evaluate(net, val, cfg.batchSize(), manager);
                metrics = ClassificationMetrics.compute(ev.labels(), ev.probabilities(), classes, ev.loss());
            }
            Reports.writeTraining(o.out(), info, result, metrics, val == null ? List.of() : val.samples(), split.skipped());
            return new Outcome(result, metrics, info, o.out());
        }
    }

    /**
     * The training augmentation for a preset: random-resized crops would destroy small images (28-64
     * px), which get flips and shifts of about 7% of their side instead.
     */
    public static Augmentation augmentationFor(Preset p) {
        return smallImages(p)
                ? Augmentation.padAndShift(Math.max(1, p.crop() / 14), true)
                : Augmentation.randomResizedCrop();
    }

    private static boolean smallImages(Preset p) {
        return p.crop() <= 64;
    }

    /** What ferry itself writes into a model directory (and its hidden temporary files). */
    private static final java.util.Set<String> OWN_FILES = java.util.Set.of(ModelDirectory.WEIGHTS, ModelDirectory.INFO,
            ModelDirectory.CHECKPOINT, "report.html", "confusion_matrix.png", "learning_curves.png", "lr_schedule.png",
            OutLock.NAME);

    private static void checkOut(Path out, boolean resume, Path data, Path validation) {
        if (out == null) {
            throw new InputException("an output model directory (--out) is required");
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new InputException("--out is a file, not a folder: " + out);
        }
        for (Path images : new Path[] {data, validation}) {
            if (images != null && inside(out, images)) {
                throw new InputException("--out " + out + " is inside the image folder " + images
                        + ": ferry would write its files among the images it reads; choose a folder outside it");
            }
        }
        if (Files.isDirectory(out) && !Files.isRegularFile(out.resolve(ModelDirectory.INFO))) {
            List<String> foreign = new java.util.ArrayList<>();
            try (var entries = Files.list(out)) {
                entries.map(p -> p.getFileName().toString())
                        .filter(n -> !OWN_FILES.contains(n) && !(n.startsWith(".") && n.endsWith(".tmp")))
                        .sorted().forEach(foreign::add);
            } catch (java.io.IOException e) {
                throw new InputException("cannot list --out " + out + ": " + e.getMessage(), e);
            }
            if (!foreign.isEmpty()) {
                throw new InputException("--out " + out + " is not empty and not a ferry model directory (it holds "
                        + String.join(", ", foreign.subList(0, Math.min(3, foreign.size())))
                        + (foreign.size() > 3 ? " and " + (foreign.size() - 3) + " more" : "")
                        + "); choose a new or empty folder");
            }
        }
        if (!resume && Files.isRegularFile(out.resolve(ModelDirectory.INFO))) {
            throw new InputException("model directory " + out + " already holds a model; pass --resume to continue it or choose another --out");
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
        hp.put("strategy", describe(cfg.strategy()));
        hp.put("epochs", cfg.epochs());
        hp.put("batchSize", cfg.batchSize());
        hp.put("lr", cfg.lr());
        hp.put("optimizer", cfg.optimizer().name().toLowerCase());
        hp.put("schedule", cfg.schedule().name().toLowerCase());
        hp.put("warmupEpochs", cfg.warmupEpochs());
        hp.put("weightDecay", cfg.weightDecay());
        hp.put("labelSmoothing", cfg.labelSmoothing());
        hp.put("dropout", dropout);
        hp.put("earlyStop", cfg.earlyStopPatience());
        hp.put("seed", cfg.seed());
        return hp;
    }

    static Map<String, Object> describe(Strategy s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", s.id());
        if (s instanceof Strategy.FeatureExtract fe) {
            m.put("cachedViews", fe.cachedViews());
            m.put("cache", fe.cache());
        } else if (s instanceof Strategy.FineTune ft) {
            m.put("backboneLrFactor", ft.backboneLrFactor());
        } else if (s instanceof Strategy.UnfreezeFrom uf) {
            m.put("stage", uf.stage());
            m.put("backboneLrFactor", uf.backboneLrFactor());
        } else if (s instanceof Strategy.TwoStage ts) {
            m.put("headEpochs", ts.headEpochs());
            m.put("fineTuneLrFactor", ts.fineTuneLrFactor());
            m.put("backboneLrFactor", ts.backboneLrFactor());
        }
        return m;
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
        return new ModelInfo(ModelInfo.FORMAT, FerryCli.version(), Instant.now().toString(),
                c.architecture().id(), c.width(), c.stem().id(), c.dropout(), classes, preset,
                cfg.strategy().id(), hp, state.history(), state.bestEpoch(),
                Double.isNaN(state.bestValAccuracy()) ? null : state.bestValAccuracy(), data, extra);
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
                throw new InputException("--data is required");
            }
            if (validation == null && !(validationSplit > 0 && validationSplit < 1)) {
                throw new InputException("--val-split must be in (0, 1), got " + validationSplit);
            }
            if (!(dropout >= 0 && dropout < 1)) {
                throw new InputException("--dropout must be in [0, 1), got " + dropout);
            }
            return new TrainingRun(new Options(data, validation, validationSplit, weights, arch, config, dropout,
                    preset, out, resume, skipBad, threads, lenient));
        }
    }
}
