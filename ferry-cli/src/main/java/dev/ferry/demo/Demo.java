package dev.ferry.demo;

import dev.ferry.eval.EpochRecord;
import ai.djl.ndarray.NDManager;
import dev.ferry.platform.Engines;
import dev.ferry.InputException;
import dev.ferry.data.Augmentation;
import dev.ferry.data.DatasetSplit;
import dev.ferry.data.Preset;
import dev.ferry.data.Sample;
import dev.ferry.eval.ClassificationMetrics;
import dev.ferry.model.ResNet;
import dev.ferry.train.Checkpointer;
import dev.ferry.train.Evaluation;
import dev.ferry.train.FeatureCache;
import dev.ferry.train.FolderSource;
import dev.ferry.train.Inference;
import dev.ferry.train.ModelDirectory;
import dev.ferry.train.ModelInfo;
import dev.ferry.train.OptimizerKind;
import dev.ferry.train.ScheduleKind;
import dev.ferry.train.Strategy;
import dev.ferry.train.Balance;
import dev.ferry.train.TrainConfig;
import dev.ferry.train.TrainListener;
import dev.ferry.train.TrainResult;
import dev.ferry.train.Trainer;
import dev.ferry.weights.ModelWeights;
import dev.ferry.weights.WeightsReader;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ferry's transfer-learning experiment: a network pretrained on one task, its last layer replaced, trained on a few
 * labelled images of a new task, against the same network trained from scratch.
 *
 * <p>Source task: five Fashion-MNIST classes (the shipped network). Target task: the other five,
 * which the source never saw, with {@code shots} labelled training images per class, evaluated on
 * all 5,000 test images of those classes. The target images go through the same image-folder path a
 * user's data takes.
 */
public final class Demo {

    /**
     * Test images per forward pass. 28x28 activations of a few hundred images no longer fit the
     * caches: 100 measured faster per image than 250.
     */
    static final int EVAL_BATCH = 100;

    /** The strategies the demo compares, in the order it runs them. */
    public static final List<String> STRATEGIES = List.of("feature-extract", "fine-tune", "two-stage", "scratch");

    /**
     * @param shots training images per class for each experiment (each at most {@link DemoData#SHIPPED_SHOTS})
     * @param strategies strategy names from {@link #STRATEGIES}
     * @param epochs epochs per strategy run (0: the demo's default per strategy)
     * @param testLimit evaluate on at most this many test images per class (0: all)
     * @param seed seed shared by every run
     * @param threads decoding threads
     */
    public record Options(List<Integer> shots, List<String> strategies, int epochs, int testLimit, long seed, int threads) {
        public Options {
            shots = List.copyOf(shots);
            strategies = List.copyOf(strategies);
            for (int s : shots) {
                if (s < 1 || s > DemoData.SHIPPED_SHOTS) {
                    throw new InputException("--shots values must be in 1.." + DemoData.SHIPPED_SHOTS + ", got " + s);
                }
            }
            for (String s : strategies) {
                if (!STRATEGIES.contains(s)) {
                    throw new InputException("unknown demo strategy '" + s + "' (known: " + String.join(", ", STRATEGIES) + ")");
                }
            }
            if (shots.isEmpty() || strategies.isEmpty()) {
                throw new InputException("the demo needs at least one --shots value and one strategy");
            }
            if (epochs < 0 || testLimit < 0) {
                throw new InputException("--epochs and --test-limit must not be negative");
            }
        }

        /** The default demo: 20 shots, all four strategies, all test images. */
        public static Options defaults() {
            return new Options(List.of(DemoData.SHIPPED_SHOTS), STRATEGIES, 0, 0, 42, 2);
        }
    }

    /**
     * One trained strategy.
     *
     * @param name strategy
     * @param shots training images per class
     * @param testAccuracy accuracy on the target test images
     * @param trainSeconds training wall time (feature caching included)
     * @param imagesPerSecond training images processed per second
     * @param history per-epoch records
     * @param metrics test metrics
     */
    public record StrategyResult(
            String name, int shots, double testAccuracy, double trainSeconds, double imagesPerSecond,
            List<dev.ferry.eval.EpochRecord> history, ClassificationMetrics metrics) {}

    /**
     * The whole experiment.
     *
     * @param source what the shipped network is and reached on its own task
     * @param strategies one entry per (shots, strategy)
     * @param testImages number of target test images evaluated
     * @param seconds wall time of the experiment
     */
    public record Result(Map<String, Object> source, List<StrategyResult> strategies, int testImages, double seconds) {}

    /** The training recipe of each strategy in the demo (chosen on the 20-shot task; see README). */
    static TrainConfig recipe(String strategy, int epochs, long seed) {
        TrainConfig c = switch (strategy) {
            // 16 augmented views per image cost 1,600 backbone passes once; the head then trains on
            // the cache in seconds.
            case "feature-extract" -> new TrainConfig(new Strategy.FeatureExtract(16, true), 40, 20, 0.05,
                    OptimizerKind.SGD, ScheduleKind.COSINE, 0, 5e-4, 0.1, 0, seed, 0, 0, 0, Balance.OFF);
            // The backbone at the head's rate: with 100 images a 10x lower backbone rate measured
            // 6 points worse on this task.
            case "fine-tune" -> new TrainConfig(new Strategy.FineTune(1.0), 30, 20, 0.02,
                    OptimizerKind.SGD, ScheduleKind.ONECYCLE, 0, 5e-4, 0.1, 0, seed, 0, 0, 0, Balance.OFF);
            case "two-stage" -> new TrainConfig(new Strategy.TwoStage(10, 0.5, 1.0), 30, 20, 0.04,
                    OptimizerKind.SGD, ScheduleKind.ONECYCLE, 0, 5e-4, 0.1, 0, seed, 0, 0, 0, Balance.OFF);
            case "scratch" -> new TrainConfig(new Strategy.Scratch(), 30, 20, 0.05,
                    OptimizerKind.SGD, ScheduleKind.ONECYCLE, 0, 5e-4, 0.1, 0, seed, 0, 0, 0, Balance.OFF);
            default -> throw new InputException("unknown demo strategy " + strategy);
        };
        if (epochs <= 0) {
            return c;
        }
        if (c.strategy() instanceof Strategy.TwoStage ts) {
            // A third of a shortened run on the head (at least one epoch each side), as the full recipe.
            int runEpochs = Math.max(2, epochs);
            int head = Math.max(1, Math.min(ts.headEpochs(), runEpochs / 3));
            return c.withStrategy(new Strategy.TwoStage(head, ts.fineTuneLrFactor(), ts.backboneLrFactor())).withEpochs(runEpochs);
        }
        return c.withEpochs(epochs);
    }

    private Demo() {}

    /**
     * Runs the experiment on the embedded data (extracted into {@code workDir}).
     *
     * @param log progress lines (stderr in the CLI)
     */
    public static Result run(Options o, Path workDir, TrainListener listener, PrintStream log) {
        return run(o, workDir, listener, log, name -> recipe(name, o.epochs(), o.seed()));
    }

    /** As {@link #run(Options, Path, TrainListener, PrintStream)} with other recipes (for tuning them). */
    static Result run(Options o, Path workDir, TrainListener listener, PrintStream log,
            java.util.function.Function<String, TrainConfig> recipes) {
        long t0 = System.nanoTime();
        Path data = DemoData.extractTarget(workDir.resolve("data"));
        Path pretrainedDir = DemoData.extractPretrained(workDir.resolve("pretrained"));
        ModelInfo source = ModelDirectory.readInfo(pretrainedDir);
        var sourceWeights = WeightsReader.read(pretrainedDir.resolve(ModelDirectory.WEIGHTS));
        Preset preset = source.preset();
        DatasetSplit split = DatasetSplit.fromFolders(data.resolve("train"), data.resolve("test"));
        List<Sample> test = limit(split.validation(), o.testLimit(), split.classes().size());
        List<String> classes = split.classes();
        List<StrategyResult> results = new ArrayList<>();
        try (NDManager manager = Engines.newManager();
                FolderSource testSource = new FolderSource(test, preset, Augmentation.none(), o.threads(), true)) {
            // The frozen pretrained backbone's test features are the same for every feature-extraction
            // run: compute them once.
            FeatureCache pretrainedTestFeatures = null;
            for (int shots : o.shots()) {
                List<Sample> train = limit(split.train(), shots, classes.size());
                try (FolderSource trainSource = new FolderSource(train, preset, Augmentation.padAndShift(2, true), o.threads(), true)) {
                    for (String name : o.strategies()) {
                        TrainConfig cfg = recipes.apply(name);
                        log.printf("ferry demo: %s, %d images per class, %d epochs%n", name, shots, cfg.epochs());
                        try (NDManager m = manager.newSubManager()) {
                            Engines.seed(o.seed());
                            ResNet net = ResNet.create(Pretrain.network(classes.size())).initialize(m);
                            if (cfg.strategy().usesPretrainedWeights()) {
                                ModelWeights.load(net, sourceWeights, false, true, pretrainedDir);
                            }
                            TrainResult r = new Trainer(cfg, listener).train(net, trainSource, null, m, Checkpointer.NONE, null, null);
                            Evaluation ev;
                            if (cfg.strategy() instanceof Strategy.FeatureExtract) {
                                if (pretrainedTestFeatures == null) {
                                    pretrainedTestFeatures = FeatureCache.compute(net, testSource, 1, false, 0, EVAL_BATCH, manager, TrainListener.NONE);
                                }
                                ev = Inference.evaluateCached(net, pretrainedTestFeatures, testSource, EVAL_BATCH, m);
                            } else {
                                ev = Inference.evaluate(net, testSource, EVAL_BATCH, m);
                            }
                            ClassificationMetrics metrics = ClassificationMetrics.compute(ev.labels(), ev.probabilities(), classes, ev.loss());
                            double images = (double) r.history().size() * train.size();
                            results.add(new StrategyResult(name, shots, metrics.accuracy(), r.seconds(),
                                    images / Math.max(r.seconds(), 1e-9), r.history(), metrics));
                            log.printf("ferry demo: %s, %d shots: test accuracy %.4f (trained in %.1f s)%n",
                                    name, shots, metrics.accuracy(), r.seconds());
                        }
                    }
                }
            }
        }
        Map<String, Object> src = new LinkedHashMap<>();
        src.put("network", "resnet50 topology, width 16, small stem, " + source.classes().size() + " classes");
        src.put("classes", source.classes());
        src.put("params", 1_481_621);
        src.put("testAccuracy", source.extra().get("sourceTestAccuracy"));
        src.put("command", source.extra().get("command"));
        return new Result(src, results, test.size(), (System.nanoTime() - t0) / 1e9);
    }

    /** The first {@code perClass} samples of each class, in file order (0: all). */
    static List<Sample> limit(List<Sample> samples, int perClass, int classes) {
        if (perClass <= 0) {
            return samples;
        }
        int[] taken = new int[classes];
        List<Sample> out = new ArrayList<>();
        for (Sample s : samples) {
            if (taken[s.label()] < perClass) {
                taken[s.label()]++;
                out.add(s);
            }
        }
        return out;
    }
}
