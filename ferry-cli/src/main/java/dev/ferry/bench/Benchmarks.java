package dev.ferry.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.ferry.platform.Engines;
import dev.ferry.InputException;
import dev.ferry.data.Augmentation;
import dev.ferry.data.Batch;
import dev.ferry.data.BatchLoader;
import dev.ferry.data.DatasetSplit;
import dev.ferry.data.EvalTransform;
import dev.ferry.data.ImageDecoder;
import dev.ferry.data.Preset;
import dev.ferry.data.Sample;
import dev.ferry.model.FusedResNet;
import dev.ferry.model.InferenceNetwork;
import dev.ferry.model.InferencePlan;
import dev.ferry.model.OrtResNet;
import dev.ferry.model.Module;
import dev.ferry.model.ResNet;
import dev.ferry.model.ResNetConfig;
import dev.ferry.train.Checkpointer;
import dev.ferry.train.FolderSource;
import dev.ferry.train.Inference;
import dev.ferry.train.Losses;
import dev.ferry.train.Optimizer;
import dev.ferry.train.OptimizerKind;
import dev.ferry.train.ScheduleKind;
import dev.ferry.train.Strategy;
import dev.ferry.train.Balance;
import dev.ferry.train.TrainConfig;
import dev.ferry.train.Trainer;
import dev.ferry.weights.ModelWeights;
import dev.ferry.weights.StateDict;
import dev.ferry.weights.WeightsReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The cases of {@code ferry bench}, each run in the current process (the {@link BenchRunner} gives
 * every case a fresh process, so that its peak RSS and thread pools are its own).
 *
 * <p>Weights are the seeded random initialisation: nothing can be downloaded, and the speed of a
 * network does not depend on its weights. The two feature-extraction cases start from the identical
 * backbone and head (same seed), so their accuracies compare the recipes, not the draws.
 *
 * <p>Every step runs in its own NDManager scope, as ferry's trainer and inference do, so nothing
 * accumulates across iterations.
 */
public final class Benchmarks {
    /** Side of the GEMM benchmark's square matrices (the size PyTorch's side of the benchmark uses too). */
    public static final int GEMM_N = 2048;
    /** Input side of the model benchmarks. */
    public static final int SIDE = 224;
    /** Fraction held out for the transfer cases' accuracy. */
    public static final double HOLDOUT = 0.2;
    /** The transfer cases' rate: SGD with momentum 0.9, cosine schedule, as the PyTorch script. */
    public static final double FE_LR = 0.01;
    /** A GEMM case stops repeating after this long (past three calls), like the PyTorch script. */
    private static final double GEMM_BUDGET_SECONDS = 10;

    private Benchmarks() {}

    /**
     * Runs one case and returns its results: the case's figures, {@code times} (seconds per timed
     * call or pass), {@code peak_rss_mb}, and the engine facts ({@code djl_version},
     * {@code libtorch_version}, {@code allocator}).
     */
    public static Map<String, Object> run(BenchCase c, BenchOptions o) {
        // Thread settings must be in place before libtorch starts, if it starts at all: the ONNX
        // Runtime cases never load it, which is what an inference-only process looks like.
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(o.threads()));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        InferenceNetwork.Engine inference = InferenceNetwork.Engine.configured();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("case", c.id());
        switch (c) {
            case GEMM -> gemm(o, out);
            case INFER -> infer(o, inference, "inference_ips", out);
            case INFER_LIBTORCH -> infer(o, InferenceNetwork.Engine.LIBTORCH, "inference_libtorch_ips", out);
            case INFER_UNFUSED -> inferUnfused(o, out);
            case TRAIN -> train(o, out);
            case PREDICT_FOLDER -> predictFolder(o, inference, out);
            case PREDICT_ONE -> predictOne(o, inference, out);
            case FE_NOCACHE -> featureExtract(o, false, out);
            case FE_CACHED -> featureExtract(o, true, out);
            default -> throw new IllegalStateException("unhandled case " + c);
        }
        ProcessStats.peakRssMiB().ifPresent(v -> out.put("peak_rss_mb", v));
        out.put("djl_version", Engine.getDjlVersion());
        out.put("inference_engine", inference.name().toLowerCase(java.util.Locale.ROOT));
        if (inference == InferenceNetwork.Engine.ONNXRUNTIME && c != BenchCase.GEMM && c != BenchCase.TRAIN
                && c != BenchCase.INFER_LIBTORCH && c != BenchCase.INFER_UNFUSED) {
            out.put("onnxruntime_version", onnxRuntimeVersion());
        }
        out.put("allocator", ProcessStats.allocator());
        return out;
    }

    /**
     * Starts libtorch for a case that needs it and records its facts in {@code out}. Only such a
     * case reports them: starting libtorch just to ask would add its memory to an inference
     * process that never needed it.
     */
    private static Engine libtorch(BenchOptions o, Map<String, Object> out) {
        Engine engine = Engines.engine(o.threads());
        out.put("libtorch_version", engine.getVersion());
        out.put("intra_op_threads", JniUtils.getNumThreads());
        out.put("inter_op_threads", JniUtils.getNumInteropThreads());
        return engine;
    }

    private static String onnxRuntimeVersion() {
        return ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion();
    }

    private static void gemm(BenchOptions o, Map<String, Object> out) {
        libtorch(o, out);
        try (NDManager m = Engines.newManager()) {
            Engines.seed(0);
            NDArray a = m.randomNormal(new Shape(GEMM_N, GEMM_N));
            NDArray b = m.randomNormal(new Shape(GEMM_N, GEMM_N));
            Runnable mm = () -> a.matMul(b).close();
            mm.run(); // first call: page faults on the output, BLAS thread start-up
            List<Double> times = new java.util.ArrayList<>();
            long end = System.nanoTime() + (long) (GEMM_BUDGET_SECONDS * 1e9);
            while (times.size() < 3 || (times.size() < 10 && System.nanoTime() < end)) {
                times.addAll(Timing.time(0, 1, mm));
            }
            out.put("gemm_gflops", 2.0 * Math.pow(GEMM_N, 3) / Timing.median(times) / 1e9);
            out.put("times", times);
        }
    }

    /** A seeded random-init network in {@code manager}, torchvision's 1000-class head. */
    private static ResNet network(BenchOptions o, NDManager manager) {
        Engines.seed(o.seed());
        return ResNet.create(ResNetConfig.of(o.arch(), 1000)).initialize(manager);
    }

    private static float[] randomImages(int n, long seed) {
        float[] px = new float[n * 3 * SIDE * SIDE];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) (r.nextDouble() * 4 - 2);
        }
        return px;
    }

    /**
     * The prediction network: on ONNX Runtime built from host-made random weights (libtorch never
     * starts, as in a process that only predicts), on libtorch folded from a seeded random network.
     */
    private static InferenceNetwork predictionNetwork(BenchOptions o, InferenceNetwork.Engine engine, NDManager[] holder,
            boolean spinWait, Map<String, Object> out) {
        if (engine == InferenceNetwork.Engine.ONNXRUNTIME) {
            ResNet structure = ResNet.create(ResNetConfig.of(o.arch(), 1000));
            return OrtResNet.of(InferencePlan.of(structure), BenchWeights.randomValue(structure, o.seed()), o.threads(), spinWait);
        }
        libtorch(o, out);
        NDManager m = Engines.newManager();
        holder[0] = m;
        try (NDManager netManager = m.newSubManager()) {
            // What ferry's inference does: fold once; the training network's arrays then go.
            return FusedResNet.of(network(o, netManager), m);
        }
    }

    private static void infer(BenchOptions o, InferenceNetwork.Engine engine, String key, Map<String, Object> out) {
        NDManager[] holder = new NDManager[1];
        // Images already in memory and nothing else running: the engine's threads may spin.
        try (InferenceNetwork net = predictionNetwork(o, engine, holder, true, out)) {
            float[] px = randomImages(o.batch(), o.seed());
            List<Double> times = Timing.time(o.warmup(), o.iters(), () -> net.forward(px, o.batch(), SIDE, SIDE));
            out.put(key, o.batch() / Timing.median(times));
            out.put("times", times);
        } finally {
            if (holder[0] != null) {
                holder[0].close();
            }
        }
    }

    private static void inferUnfused(BenchOptions o, Map<String, Object> out) {
        libtorch(o, out);
        try (NDManager m = Engines.newManager()) {
            ResNet net = network(o, m);
            float[] px = randomImages(o.batch(), o.seed());
            Shape shape = new Shape(o.batch(), 3, SIDE, SIDE);
            List<Double> times = Timing.time(o.warmup(), o.iters(), () -> {
                try (NDManager step = m.newSubManager()) {
                    net.forward(step.create(px, shape), false).argMax(1).toLongArray();
                }
            });
            out.put("inference_unfused_ips", o.batch() / Timing.median(times));
            out.put("times", times);
        }
    }

    private static void train(BenchOptions o, Map<String, Object> out) {
        Engine engine = libtorch(o, out);
        try (NDManager m = Engines.newManager()) {
            ResNet net = network(o, m);
            Map<String, Parameter> trainable = new LinkedHashMap<>();
            net.stateDict().forEach((k, p) -> {
                if (Module.isTrainableType(p.getType()) && p.requiresGradient()) {
                    trainable.put(k, p);
                }
            });
            // Plain SGD with momentum over every parameter, no weight decay: the PyTorch side's step.
            Optimizer opt = new Optimizer(OptimizerKind.SGD, Optimizer.decayGroups(trainable, 1, 0), m);
            float[] px = randomImages(o.batch(), o.seed());
            int[] labels = new SplittableRandom(o.seed()).ints(o.batch(), 0, 1000).toArray();
            Shape shape = new Shape(o.batch(), 3, SIDE, SIDE);
            List<Double> times = Timing.time(o.warmup(), o.iters(), () -> {
                try (NDManager step = m.newSubManager()) {
                    NDArray x = step.create(px, shape);
                    NDArray y = step.create(labels);
                    try (GradientCollector gc = engine.newGradientCollector()) {
                        NDArray loss = Losses.crossEntropy(net.forward(x, true), y, 0);
                        gc.backward(loss);
                    }
                    opt.step(0.01);
                }
            });
            out.put("train_step_ips", o.batch() / Timing.median(times));
            out.put("times", times);
        }
    }

    /** Every image file under {@code dir}, recursively, sorted by path (label 0: labels are unused). */
    static List<Sample> listImages(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new InputException("--images " + dir + " is not a folder");
        }
        try (Stream<Path> s = Files.walk(dir)) {
            List<Sample> samples = s.filter(Files::isRegularFile)
                    .filter(ImageDecoder::hasImageExtension)
                    .sorted()
                    .map(p -> new Sample(p, 0))
                    .toList();
            if (samples.isEmpty()) {
                throw new InputException("no images under " + dir);
            }
            return samples;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void predictFolder(BenchOptions o, InferenceNetwork.Engine engine, Map<String, Object> out) {
        List<Sample> samples = listImages(o.images());
        EvalTransform transform = new EvalTransform(Preset.imagenetV1());
        NDManager[] holder = new NDManager[1];
        // Decoding runs alongside, as in `ferry predict`: the engine's threads sleep when idle.
        try (InferenceNetwork net = predictionNetwork(o, engine, holder, false, out)) {
            Runnable pass = () -> {
                // A fresh loader per pass, as a one-shot prediction would start one.
                try (BatchLoader loader = new BatchLoader(samples, transform,
                        BatchLoader.Options.evaluation(o.batch(), o.threads()), 0)) {
                    while (loader.hasNext()) {
                        Batch b = loader.next();
                        argMax(net.forward(b.data(), b.size(), b.height(), b.width()), b.size());
                    }
                }
            };
            // One untimed pass (page cache, JIT warm-up), then the median of the timed ones.
            List<Double> times = Timing.time(1, o.passes(), pass);
            out.put("predict_folder_ips", samples.size() / Timing.median(times));
            out.put("times", times);
            out.put("n_images", samples.size());
        } finally {
            if (holder[0] != null) {
                holder[0].close();
            }
        }
    }

    /** The predicted class of each of the {@code n} rows of {@code logits}. */
    static int[] argMax(float[] logits, int n) {
        int k = logits.length / n;
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int j = 1; j < k; j++) {
                if (logits[i * k + j] > logits[i * k + best]) {
                    best = j;
                }
            }
            out[i] = best;
        }
        return out;
    }

    /**
     * What {@code ferry predict} does for one image: read the weights file, build the network, then
     * decode, preprocess and classify the first image of the folder. On ONNX Runtime the weights go
     * from the file to the exported graph on the host and libtorch never starts; on libtorch the
     * network runs unfolded (folding costs about what it saves on a single forward pass).
     */
    private static void predictOne(BenchOptions o, InferenceNetwork.Engine engine, Map<String, Object> out) {
        if (o.weights() == null) {
            throw new InputException("bench case predict_one needs a weights file (the runner writes one)");
        }
        Path image = listImages(o.images()).get(0).path();
        StateDict sd = WeightsReader.read(o.weights());
        ResNet structure = ResNet.create(ResNetConfig.of(o.arch(), 1000));
        float[] px = new EvalTransform(Preset.imagenetV1()).apply(ImageDecoder.decode(image));
        float[] logits;
        if (engine == InferenceNetwork.Engine.ONNXRUNTIME) {
            try (OrtResNet net = OrtResNet.of(InferencePlan.of(structure), ModelWeights.values(sd), o.threads(), false)) {
                logits = net.forward(px, 1, SIDE, SIDE);
            }
        } else {
            libtorch(o, out);
            try (NDManager m = Engines.newManager()) {
                structure.initialize(m);
                ModelWeights.load(structure, sd, false, o.weights());
                try (NDManager step = m.newSubManager()) {
                    logits = structure.forward(step.create(px, new Shape(1, 3, SIDE, SIDE)), false).toFloatArray();
                }
            }
        }
        out.put("predict_one_class", argMax(logits, 1)[0]);
        long started = ManagementFactory.getRuntimeMXBean().getStartTime();
        out.put("predict_one_in_jvm_s", (System.currentTimeMillis() - started) / 1e3);
        // CPU time too: on a busy machine the wall time mostly measures the wait for a core.
        ProcessHandle.current().info().totalCpuDuration()
                .ifPresent(d -> out.put("predict_one_cpu_s", d.toMillis() / 1e3));
    }

    private static void featureExtract(BenchOptions o, boolean cached, Map<String, Object> out) {
        libtorch(o, out);
        DatasetSplit split = DatasetSplit.split(o.images(), HOLDOUT, o.seed());
        Preset preset = Preset.imagenetV1();
        TrainConfig cfg = new TrainConfig(new Strategy.FeatureExtract(1, cached), o.epochs(), o.batch(), FE_LR,
                OptimizerKind.SGD, ScheduleKind.COSINE, 0, 0, 0, 0, o.seed(), 0, 0, 0, Balance.OFF);
        try (NDManager m = Engines.newManager();
             FolderSource train = new FolderSource(split.train(), preset, Augmentation.randomResizedCrop(),
                     o.threads(), false);
             FolderSource holdout = new FolderSource(split.validation(), preset, Augmentation.none(),
                     o.threads(), false)) {
            ResNet net = network(o, m);
            // Seed again: the new head must not depend on how many numbers the backbone drew.
            Engines.seed(o.seed());
            net.resetClassifier(split.classes().size());
            long t0 = System.nanoTime();
            new Trainer(cfg, null).train(net, train, null, m, Checkpointer.NONE, null, null);
            double seconds = (System.nanoTime() - t0) / 1e9;
            double acc = Inference.evaluate(net, holdout, o.batch(), m).accuracy();
            String kind = cached ? "cached" : "nocache";
            out.put("fe_transfer_" + kind + "_s", seconds);
            out.put("fe_acc_" + kind, acc);
            out.put("fe_train_images", split.train().size());
            out.put("fe_holdout_images", split.validation().size());
            out.put("fe_classes", split.classes().size());
        }
    }
}
