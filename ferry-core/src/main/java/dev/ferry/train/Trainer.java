package dev.ferry.train;

import dev.ferry.eval.EpochRecord;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.ferry.platform.Engines;
import dev.ferry.FerryException;
import dev.ferry.Message;
import dev.ferry.Setting;
import dev.ferry.model.BatchNorm2d;
import dev.ferry.model.Module;
import dev.ferry.model.ResNet;
import dev.ferry.data.Seeds;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Trains a {@link ResNet} on a {@link SampleSource} according to a {@link TrainConfig}.
 *
 * <p>The strategy becomes one or two {@link Phase}s. In each phase the backbone parts before the
 * first trainable one are frozen: their parameters get no gradient and their BatchNorms stay in
 * inference mode. A head-only phase trains on a {@link FeatureCache}, computed at its start or given
 * before the run ({@link #withFeatures}). Every step runs in its own
 * NDManager scope, so intermediate arrays are freed step by step.
 *
 * <p>Repeatability: shuffling comes from {@code java.util.Random(seed, epoch)}, augmentation from the
 * sample source's {@code (seed, epoch, index)} contract, and libtorch's generator (dropout) is
 * re-seeded at every epoch, so a run resumed at an epoch boundary continues exactly as the
 * uninterrupted run would.
 *
 * <p>The configuration's extras, each off by default: {@link Mixup} mixes each batch (draws from
 * {@link Seeds#forBatch}); training accuracy then counts each image against its dominant label
 * ({@link Mixup#dominant}). On cached features mixup blends feature vectors rather than images, a
 * deliberate difference from timm: for a linear head on a fixed backbone the result is the same
 * kind of convex interpolation, one layer later. {@link WeightEma} averages the weights that train;
 * validation, the best epoch, the saved model and the checkpoint's model weights are then the
 * averages, and the checkpoint carries the trained weights too ({@link Optimizer#LIVE}) so that a
 * resumed run continues both. {@link Balance} weights the loss or draws the epoch's images with
 * replacement ({@link ClassBalance}).
 */
public final class Trainer {
    private final TrainConfig config;
    private final List<Phase> phases;
    private final TrainListener listener;
    /** Training features given before the run ({@link #withFeatures}), or null: computed per cached phase. */
    private final FeatureCache givenTrain;
    /** Validation features given with {@link #givenTrain}, or null. */
    private final FeatureCache givenValidation;

    /** A trainer running the strategy's own phases over {@code config.epochs()}. */
    public Trainer(TrainConfig config, TrainListener listener) {
        this(config, Phase.of(config.strategy(), config.epochs()), listener);
    }

    /**
     * A trainer running {@code phases} (see {@link Phase#plan}), whose epochs add up to {@code
     * config.epochs()}.
     */
    public Trainer(TrainConfig config, List<Phase> phases, TrainListener listener) {
        int total = phases.stream().mapToInt(Phase::epochs).sum();
        if (total != config.epochs()) {
            throw new IllegalArgumentException("phases of " + total + " epochs for a run of " + config.epochs());
        }
        this.config = config;
        this.phases = List.copyOf(phases);
        this.listener = listener == null ? TrainListener.NONE : listener;
        this.givenTrain = null;
        this.givenValidation = null;
    }

    private Trainer(Trainer t, FeatureCache train, FeatureCache validation) {
        this.config = t.config;
        this.phases = t.phases;
        this.listener = t.listener;
        this.givenTrain = train;
        this.givenValidation = validation;
    }

    /**
     * This trainer with the backbone features computed before the run: its cached phases train
     * and validate on {@code train} and {@code validation} instead of running the backbone over the
     * samples, and are otherwise the same code. Every phase must then be a cached head-only one
     * with a single view (the samples' images are never loaded), and the caches must hold the
     * samples {@link #train} is given, in the same order.
     *
     * @param validation the validation samples' features, or null when there are none
     * @throws IllegalArgumentException if a phase trains the backbone or needs augmented views
     */
    public Trainer withFeatures(FeatureCache train, FeatureCache validation) {
        java.util.Objects.requireNonNull(train, "train");
        for (Phase p : phases) {
            if (!p.cached()) {
                throw new IllegalArgumentException("precomputed features train cached head-only phases only, not " + describe(p));
            }
        }
        if (config.strategy() instanceof Strategy.FeatureExtract fe && fe.cachedViews() != 1) {
            throw new IllegalArgumentException("precomputed features are one view per sample, not " + fe.cachedViews());
        }
        return new Trainer(this, train, validation);
    }

    /**
     * Trains {@code net} in place; at the end it holds the best epoch's weights (by validation
     * accuracy; the last epoch's without validation data).
     *
     * @param val validation samples, or null
     * @param resume the state of an interrupted run whose last checkpoint {@code net} and {@code
     *     resumeOptimizer} hold, or null for a fresh run
     * @param resumeOptimizer optimizer state of that checkpoint (names as {@link Optimizer#state()})
     */
    public TrainResult train(
            ResNet net, SampleSource train, SampleSource val, NDManager manager, Checkpointer checkpointer,
            TrainState resume, Map<String, NDArray> resumeOptimizer) {
        if (train.size() < 2) {
            throw new FerryException("training needs at least 2 images, got " + train.size());
        }
        if (givenTrain != null) {
            requireMatches(givenTrain, train, net, "training");
            if ((val == null) != (givenValidation == null)) {
                throw new IllegalArgumentException(val == null ? "validation features without validation samples"
                        : "validation samples without their features");
            }
            if (val != null) {
                requireMatches(givenValidation, val, net, "validation");
            }
        }
        long started = System.nanoTime();
        TrainState state = resume == null ? TrainState.initial() : resume;
        List<Double> rates = new ArrayList<>();
        Map<String, NDArray> bestWeights = null;
        long backboneImages = 0;
        boolean stoppedEarly = false;
        int phaseStartEpoch = 0;
        int classes = net.config().numClasses();
        int[] allLabels = new int[train.size()];
        for (int i = 0; i < allLabels.length; i++) {
            allLabels[i] = train.label(i);
        }
        int[] counts = ClassBalance.counts(train, classes);
        double[] classWeights = config.balance() == Balance.WEIGHTS ? ClassBalance.weights(counts) : null;
        int stepsPerEpoch = batchesPerEpoch(train.size());
        WeightEma ema = config.ema()
                ? new WeightEma(WeightEma.decayFor(config.emaHorizon(), (long) config.epochs() * stepsPerEpoch), manager)
                : null;
        boolean liveRestored = false;
        Extras extras = new Extras(ema, null, allLabels, counts, classWeights);
        for (Phase phase : phases) {
            int phaseEnd = phaseStartEpoch + phase.epochs();
            if (state.completedEpochs() >= phaseEnd) {
                phaseStartEpoch = phaseEnd;
                continue;
            }
            configure(net, phase);
            listener.phaseStarted(describe(phase));
            Optimizer optimizer = new Optimizer(config.optimizer(), groups(net, phase), manager);
            Schedule schedule = new Schedule(config.schedule(), phase.epochs() * stepsPerEpoch,
                    (int) Math.round(config.warmupEpochs() * stepsPerEpoch));
            if (state.completedEpochs() > phaseStartEpoch && resumeOptimizer != null) {
                optimizer.restore(resumeOptimizer, state.optimizerSteps());
            }
            Map<String, NDArray> live = null;
            if (ema != null) {
                live = WeightEma.trainable(net);
                // A resumed network holds the checkpoint's averages; the average starts from them
                // and the trained weights come back from the optimizer's carried arrays.
                ema.track(live);
                if (!liveRestored && resume != null && resumeOptimizer != null) {
                    restoreLive(net, resumeOptimizer);
                }
                liveRestored = true;
            }
            extras = new Extras(ema, live, allLabels, counts, classWeights);
            FeatureCache trainCache = null;
            FeatureCache valCache = null;
            if (phase.cached() && givenTrain != null) {
                trainCache = givenTrain;
                valCache = givenValidation;
            } else if (phase.cached()) {
                Strategy s = config.strategy();
                int views = s instanceof Strategy.FeatureExtract fe ? fe.cachedViews() : 1;
                trainCache = FeatureCache.compute(net, train, views, views > 1, config.seed(), config.batchSize(), manager, listener);
                backboneImages += trainCache.backboneImages();
                if (val != null) {
                    valCache = FeatureCache.compute(net, val, 1, false, config.seed(), config.batchSize(), manager, listener);
                    backboneImages += valCache.backboneImages();
                }
            }
            for (int epoch = Math.max(state.completedEpochs(), phaseStartEpoch) + 1; epoch <= phaseEnd; epoch++) {
                int stepInPhase = (epoch - 1 - phaseStartEpoch) * stepsPerEpoch;
                EpochRecord record = runEpoch(net, train, val, trainCache, valCache, optimizer, schedule,
                        phase, epoch, stepInPhase, stepsPerEpoch, manager, rates, extras);
                if (val != null && !Double.isFinite(record.valLoss())) {
                    // The last steps can blow the weights up after every training loss was finite;
                    // such an epoch is never the best one nor saved.
                    throw new FerryException(Message.of(String.format(java.util.Locale.ROOT,
                            "training diverged at epoch %d (validation loss %s); lower ", epoch, record.valLoss()),
                            Setting.LEARNING_RATE, String.format(java.util.Locale.ROOT, " (now %g)", config.lr())));
                }
                boolean best = val == null
                        || Double.isNaN(state.bestValAccuracy())
                        || record.valAccuracy() > state.bestValAccuracy();
                List<EpochRecord> history = new ArrayList<>(state.history());
                history.add(record);
                state = new TrainState(epoch, history,
                        best ? epoch : state.bestEpoch(),
                        best ? record.valAccuracy() : state.bestValAccuracy(),
                        best ? 0 : state.stale() + 1,
                        optimizer.steps());
                if (best && val != null) {
                    // Without validation data the last epoch is the result and the network holds it
                    // already: no copy of every weight per epoch.
                    bestWeights = snapshot(net, manager, bestWeights);
                }
                if (ema != null) {
                    // The network holds the averages (runEpoch swapped them in to validate): they are
                    // the model; the trained weights ride along for a resumed run.
                    optimizer.carry(ema.arrays());
                }
                checkpointer.epochEnd(net, optimizer, state, best);
                if (ema != null) {
                    optimizer.carry(Map.of());
                    ema.swap(live);
                }
                listener.epochFinished(record, best && val != null);
                if (val != null && config.earlyStopPatience() > 0 && state.stale() >= config.earlyStopPatience()) {
                    stoppedEarly = true;
                    break;
                }
            }
            phaseStartEpoch = phaseEnd;
            if (stoppedEarly) {
                break;
            }
        }
        if (bestWeights != null) {
            restore(net, bestWeights);
            bestWeights.values().forEach(NDArray::close);
        } else if (ema != null && extras.live() != null) {
            ema.copyInto(extras.live());
        }
        if (ema != null) {
            ema.close();
        }
        double[] lr = rates.stream().mapToDouble(Double::doubleValue).toArray();
        return new TrainResult(state.history(), state.bestEpoch(), state.bestValAccuracy(), lr,
                (System.nanoTime() - started) / 1e9, backboneImages, stoppedEarly);
    }

    private EpochRecord runEpoch(
            ResNet net, SampleSource train, SampleSource val, FeatureCache trainCache, FeatureCache valCache,
            Optimizer optimizer, Schedule schedule, Phase phase, int epoch, int stepInPhase, int steps, NDManager manager,
            List<Double> rates, Extras extras) {
        long t0 = System.nanoTime();
        Engines.seed(config.seed() * 1_000_003L + epoch);
        int[] order = config.balance() == Balance.SAMPLER
                ? ClassBalance.sample(extras.labels(), extras.counts(), Seeds.forEpoch(config.seed(), epoch))
                : permutation(train.size(), config.seed(), epoch);
        Mixup mixup = config.mixup();
        int classes = extras.counts().length;
        int[] shape = train.sampleShape();
        int per = shape[0] * shape[1] * shape[2];
        double lossSum = 0;
        long correct = 0;
        long seen = 0;
        try (Prefetcher prefetch = trainCache == null ? new Prefetcher(train, order, config.batchSize(), steps, true, config.seed(), epoch) : null) {
            for (int s = 0; s < steps; s++) {
                int[] idx = java.util.Arrays.copyOfRange(order, s * config.batchSize(),
                        Math.min(order.length, (s + 1) * config.batchSize()));
                double lr = config.lr() * phase.lrScale() * schedule.factor(stepInPhase + s);
                rates.add(lr);
                try (NDManager step = manager.newSubManager()) {
                    float[] batch = trainCache != null ? trainCache.batch(epoch - 1, idx) : prefetch.next();
                    assert trainCache != null || batch.length == idx.length * per;
                    int[] yHost = labels(train, idx);
                    Mixup.Draw draw = mixup.on()
                            ? mixup.draw(Seeds.forBatch(config.seed(), epoch, s), shape[1], shape[2], trainCache == null)
                            : null;
                    if (draw != null && draw.cutmix()) {
                        Mixup.paste(batch, idx.length, shape[0], shape[1], shape[2], draw.box());
                    } else if (draw != null) {
                        Mixup.mix(batch, idx.length, draw.lam());
                    }
                    double lam = draw == null ? 1 : draw.lam();
                    NDArray x = trainCache != null
                            ? step.create(batch, new Shape(idx.length, trainCache.dim()))
                            : step.create(batch, new Shape(idx.length, shape[0], shape[1], shape[2]));
                    NDArray logits;
                    float loss;
                    try (GradientCollector gc = Engine.getEngine(Engines.ENGINE).newGradientCollector()) {
                        logits = trainCache != null ? net.forwardHead(x, true) : net.forward(x, true);
                        NDArray l = loss(logits, yHost, lam, draw != null, classes, extras.classWeights(), step);
                        gc.backward(l);
                        loss = l.getFloat();
                    }
                    if (!Float.isFinite(loss)) {
                        optimizer.zeroGradients();
                        throw new FerryException(Message.of(String.format(java.util.Locale.ROOT,
                                "training diverged at epoch %d, step %d (loss %s); lower ", epoch, s + 1, loss),
                                Setting.LEARNING_RATE, String.format(java.util.Locale.ROOT, " (now %g)", config.lr())));
                    }
                    optimizer.step(lr);
                    if (extras.ema() != null) {
                        extras.ema().update(extras.live(), (long) (epoch - 1) * steps + s);
                    }
                    correct += countCorrect(logits, draw == null ? yHost : Mixup.dominant(yHost, lam));
                    lossSum += loss * idx.length;
                    seen += idx.length;
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                listener.step(epoch, s + 1, steps, lossSum / seen, correct / (double) seen, seen / Math.max(secs, 1e-9));
            }
        }
        double trainSeconds = (System.nanoTime() - t0) / 1e9;
        double valLoss = Double.NaN;
        double valAcc = Double.NaN;
        if (extras.ema() != null) {
            // Validation, the best epoch's snapshot and the checkpoint see the averages; the caller
            // swaps the trained weights back after the checkpoint.
            extras.ema().swap(extras.live());
        }
        if (val != null) {
            Evaluation ev = valCache != null
                    ? Inference.evaluateCached(net, valCache, val, config.batchSize(), manager)
                    : Inference.evaluate(net, val, config.batchSize(), manager);
            valLoss = ev.loss();
            valAcc = ev.accuracy();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new EpochRecord(epoch, lossSum / seen, correct / (double) seen, valLoss, valAcc,
                rates.get(rates.size() - 1), seconds, seen / Math.max(trainSeconds, 1e-9));
    }

    private static void requireMatches(FeatureCache cache, SampleSource samples, ResNet net, String side) {
        if (cache.size() != samples.size() || cache.dim() != net.config().featureDim()) {
            throw new IllegalArgumentException(side + " features of " + cache.size() + " x " + cache.dim() + " for "
                    + samples.size() + " samples of a network with " + net.config().featureDim() + " features");
        }
    }

    /**
     * Batches per epoch. A final batch of a single image is dropped (it is a different image each
     * epoch, as the order is shuffled): BatchNorm cannot compute batch statistics from one sample.
     */
    int batchesPerEpoch(int n) {
        int b = config.batchSize();
        int full = n / b;
        int rest = n % b;
        return full + (rest >= 2 || full == 0 ? 1 : 0);
    }

    static int[] permutation(int n, long seed, int epoch) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Random r = new Random(seed * 31 + epoch);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    private static int[] labels(SampleSource src, int[] idx) {
        int[] y = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            y[i] = src.label(idx[i]);
        }
        return y;
    }

    /**
     * The batch's loss: the plain smoothed cross-entropy when nothing is mixed or weighted (the
     * default path, unchanged), otherwise {@link Losses#softCrossEntropy} against {@link
     * Mixup#targets} (lam 1 when only weighted), normalised by each sample's label weight.
     */
    private NDArray loss(NDArray logits, int[] y, double lam, boolean mixed, int classes, double[] classWeights,
            NDManager step) {
        if (!mixed && classWeights == null) {
            return Losses.crossEntropy(logits, step.create(y), config.labelSmoothing());
        }
        NDArray targets = step.create(Mixup.targets(y, classes, lam, config.labelSmoothing()),
                new Shape(y.length, classes));
        if (classWeights == null) {
            return Losses.softCrossEntropy(logits, targets, null, null);
        }
        float[] cw = new float[classes];
        for (int k = 0; k < classes; k++) {
            cw[k] = (float) classWeights[k];
        }
        float[] sw = new float[y.length];
        for (int i = 0; i < y.length; i++) {
            sw[i] = (float) (lam * classWeights[y[i]] + (1 - lam) * classWeights[y[y.length - 1 - i]]);
        }
        return Losses.softCrossEntropy(logits, targets, step.create(cw), step.create(sw));
    }

    private static long countCorrect(NDArray logits, int[] labels) {
        long[] pred = logits.argMax(1).toLongArray();
        long c = 0;
        for (int i = 0; i < labels.length; i++) {
            if (pred[i] == labels[i]) {
                c++;
            }
        }
        return c;
    }

    /** Freezes the backbone parts before {@code phase.firstTrainable()}, BN statistics included. */
    static void configure(ResNet net, Phase phase) {
        List<List<Module>> parts = backboneParts(net);
        for (int i = 0; i < parts.size(); i++) {
            boolean frozen = i < phase.firstTrainable();
            for (Module m : parts.get(i)) {
                m.freezeParameters(frozen);
                ResNet.batchNormsOf(m).forEach(bn -> bn.setFrozen(frozen));
            }
        }
        net.fc().freezeParameters(false);
    }

    /** Part 0 the stem (conv1, bn1), parts 1..4 layer1..layer4. */
    private static List<List<Module>> backboneParts(ResNet net) {
        List<List<Module>> parts = new ArrayList<>();
        parts.add(List.of(net.conv1(), net.bn1()));
        net.stages().forEach(s -> parts.add(List.of(s)));
        return parts;
    }

    private List<Optimizer.Group> groups(ResNet net, Phase phase) {
        Map<String, Parameter> head = new LinkedHashMap<>();
        Map<String, Parameter> backbone = new LinkedHashMap<>();
        net.stateDict().forEach((k, p) -> {
            if (!Module.isTrainableType(p.getType()) || !p.requiresGradient()) {
                return;
            }
            (k.startsWith("fc.") ? head : backbone).put(k, p);
        });
        List<Optimizer.Group> groups = new ArrayList<>(Optimizer.decayGroups(head, 1, config.weightDecay()));
        groups.addAll(Optimizer.decayGroups(backbone, phase.backboneLrFactor(), config.weightDecay()));
        return groups;
    }

    private static String describe(Phase p) {
        if (p.firstTrainable() == Phase.HEAD_ONLY) {
            return (p.cached() ? "training the head on cached backbone features" : "training the head on a frozen backbone")
                    + " (" + p.epochs() + " epochs)";
        }
        String from = p.firstTrainable() == 0 ? "all layers" : "layer" + p.firstTrainable() + " onwards";
        return "training " + from + " (" + p.epochs() + " epochs"
                + (p.backboneLrFactor() != 1 ? ", backbone rate x" + p.backboneLrFactor() : "")
                + (p.lrScale() != 1 ? ", rate x" + p.lrScale() : "") + ")";
    }

    /** Copies a checkpoint's carried trained weights ({@link Optimizer#LIVE}) into {@code net}. */
    private static void restoreLive(ResNet net, Map<String, NDArray> resumeOptimizer) {
        Map<String, Parameter> state = net.stateDict();
        resumeOptimizer.forEach((k, v) -> {
            if (k.startsWith(Optimizer.LIVE)) {
                Parameter p = state.get(k.substring(Optimizer.LIVE.length()));
                if (p != null) {
                    v.copyTo(p.getArray());
                }
            }
        });
    }

    /**
     * What the configuration's extras need through the run.
     *
     * @param ema the weight average, or null
     * @param live the arrays it averages (this phase's trainable ones), or null
     * @param labels every training sample's class
     * @param counts training images per class
     * @param classWeights the balanced class weights, or null
     */
    private record Extras(WeightEma ema, Map<String, NDArray> live, int[] labels, int[] counts, double[] classWeights) {}

    private static Map<String, NDArray> snapshot(ResNet net, NDManager manager, Map<String, NDArray> previous) {
        if (previous != null) {
            previous.values().forEach(NDArray::close);
        }
        Map<String, NDArray> copy = new LinkedHashMap<>();
        net.stateDict().forEach((k, p) -> {
            NDArray d = p.getArray().duplicate();
            d.attach(manager);
            copy.put(k, d);
        });
        return copy;
    }

    private static void restore(ResNet net, Map<String, NDArray> weights) {
        net.stateDict().forEach((k, p) -> weights.get(k).copyTo(p.getArray()));
    }

    /** Loads the next training batch on a background thread while the current one computes. */
    private static final class Prefetcher implements AutoCloseable {
        private final java.util.concurrent.ExecutorService pool =
                dev.ferry.platform.DaemonThreads.fixedPool("ferry-prefetch", 1);
        private final SampleSource source;
        private final int[] order;
        private final int batchSize;
        private final int steps;
        private final boolean augment;
        private final long seed;
        private final int epoch;
        private int next;
        private java.util.concurrent.Future<float[]> pending;

        Prefetcher(SampleSource source, int[] order, int batchSize, int steps, boolean augment, long seed, int epoch) {
            this.source = source;
            this.order = order;
            this.batchSize = batchSize;
            this.steps = steps;
            this.augment = augment;
            this.seed = seed;
            this.epoch = epoch;
            pending = submit(0);
        }

        private java.util.concurrent.Future<float[]> submit(int s) {
            int from = s * batchSize;
            int to = Math.min(order.length, from + batchSize);
            int[] idx = java.util.Arrays.copyOfRange(order, from, to);
            int[] shape = source.sampleShape();
            return pool.submit(() -> {
                float[] dst = new float[idx.length * shape[0] * shape[1] * shape[2]];
                source.load(idx, augment, seed, epoch, dst);
                return dst;
            });
        }

        float[] next() {
            float[] out = dev.ferry.Futures.await(pending, "loading images");
            next++;
            pending = next < steps ? submit(next) : null;
            return out;
        }

        @Override
        public void close() {
            pool.shutdownNow();
        }
    }
}
