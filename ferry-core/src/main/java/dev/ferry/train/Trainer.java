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
 * inference mode. A head-only phase trains on a {@link FeatureCache}. Every step runs in its own
 * NDManager scope, so intermediate arrays are freed step by step.
 *
 * <p>Repeatability: shuffling comes from {@code java.util.Random(seed, epoch)}, augmentation from the
 * sample source's {@code (seed, epoch, index)} contract, and libtorch's generator (dropout) is
 * re-seeded at every epoch, so a run resumed at an epoch boundary continues exactly as the
 * uninterrupted run would.
 */
public final class Trainer {
    private final TrainConfig config;
    private final List<Phase> phases;
    private final TrainListener listener;

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
        long started = System.nanoTime();
        TrainState state = resume == null ? TrainState.initial() : resume;
        List<Double> rates = new ArrayList<>();
        Map<String, NDArray> bestWeights = null;
        long backboneImages = 0;
        boolean stoppedEarly = false;
        int phaseStartEpoch = 0;
        for (Phase phase : phases) {
            int phaseEnd = phaseStartEpoch + phase.epochs();
            if (state.completedEpochs() >= phaseEnd) {
                phaseStartEpoch = phaseEnd;
                continue;
            }
            configure(net, phase);
            listener.phaseStarted(describe(phase));
            Optimizer optimizer = new Optimizer(config.optimizer(), groups(net, phase), manager);
            int stepsPerEpoch = batchesPerEpoch(train.size());
            Schedule schedule = new Schedule(config.schedule(), phase.epochs() * stepsPerEpoch,
                    (int) Math.round(config.warmupEpochs() * stepsPerEpoch));
            if (state.completedEpochs() > phaseStartEpoch && resumeOptimizer != null) {
                optimizer.restore(resumeOptimizer, state.optimizerSteps());
            }
            FeatureCache trainCache = null;
            FeatureCache valCache = null;
            if (phase.cached()) {
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
                        phase, epoch, stepInPhase, manager, rates);
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
                checkpointer.epochEnd(net, optimizer, state, best);
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
        }
        double[] lr = rates.stream().mapToDouble(Double::doubleValue).toArray();
        return new TrainResult(state.history(), state.bestEpoch(), state.bestValAccuracy(), lr,
                (System.nanoTime() - started) / 1e9, backboneImages, stoppedEarly);
    }

    private EpochRecord runEpoch(
            ResNet net, SampleSource train, SampleSource val, FeatureCache trainCache, FeatureCache valCache,
            Optimizer optimizer, Schedule schedule, Phase phase, int epoch, int stepInPhase, NDManager manager,
            List<Double> rates) {
        long t0 = System.nanoTime();
        Engines.seed(config.seed() * 1_000_003L + epoch);
        int[] order = permutation(train.size(), config.seed(), epoch);
        int steps = batchesPerEpoch(train.size());
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
                    NDArray x;
                    if (trainCache != null) {
                        x = step.create(trainCache.batch(epoch - 1, idx), new Shape(idx.length, trainCache.dim()));
                    } else {
                        float[] pixels = prefetch.next();
                        x = step.create(pixels, new Shape(idx.length, shape[0], shape[1], shape[2]));
                        assert pixels.length == idx.length * per;
                    }
                    NDArray y = step.create(labels(train, idx));
                    NDArray logits;
                    float loss;
                    try (GradientCollector gc = Engine.getEngine(Engines.ENGINE).newGradientCollector()) {
                        logits = trainCache != null ? net.forwardHead(x, true) : net.forward(x, true);
                        NDArray l = Losses.crossEntropy(logits, y, config.labelSmoothing());
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
                    correct += countCorrect(logits, idx, train);
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

    private static long countCorrect(NDArray logits, int[] idx, SampleSource src) {
        long[] pred = logits.argMax(1).toLongArray();
        long c = 0;
        for (int i = 0; i < idx.length; i++) {
            if (pred[i] == src.label(idx[i])) {
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
