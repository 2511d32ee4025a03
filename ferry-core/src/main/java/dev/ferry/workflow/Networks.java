package dev.ferry.workflow;

import ai.djl.ndarray.NDManager;
import dev.ferry.InputException;
import dev.ferry.data.Preset;
import dev.ferry.model.Architecture;
import dev.ferry.model.HostValues;
import dev.ferry.model.InferenceNetwork;
import dev.ferry.model.InferencePlan;
import dev.ferry.model.ResNet;
import dev.ferry.train.ModelDirectory;
import dev.ferry.train.ModelInfo;
import dev.ferry.train.Pretrained;
import dev.ferry.weights.ModelWeights;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place that turns what a user names (a weights file, a known weights name, a model
 * directory) into a network ready to predict, with its class names and preprocessing, as
 * torchvision's {@code resnet50(weights=...)} with {@code weights.transforms()} and
 * {@code weights.meta["categories"]} does.
 */
public final class Networks {
    private Networks() {}

    /**
     * A network ready to predict.
     *
     * @param net the network, initialised in the caller's manager
     * @param labels a name per output (numbered when the weights do not say)
     * @param preset the preprocessing it expects
     * @param description what was loaded, for logs
     */
    public record Ready(ResNet net, List<String> labels, Preset preset, String description) {}

    /**
     * Pretrained weights as they are, head included: a {@code .pth}/safetensors file, a known
     * name such as {@code resnet50.IMAGENET1K_V2} (fetched into the cache when missing) or a ferry
     * model directory.
     *
     * @param expected the architecture the caller expects, or null
     * @param progress download progress, if a known name must be fetched
     */
    public static Ready fromPretrained(String weights, Architecture expected, NDManager manager, PrintStream progress) {
        Pretrained p = Pretrained.resolve(weights, expected, progress);
        ResNet net = ResNet.create(p.config()).initialize(manager);
        ModelWeights.load(net, p.stateDict(), false, p.file());
        return new Ready(net, labels(p), p.preset(), p.description());
    }

    /**
     * A model directory written by training, loaded strictly.
     *
     * @param expected the architecture the caller expects, or null
     */
    public static Ready fromModel(Path dir, Architecture expected, NDManager manager) {
        ModelDirectory.Loaded loaded = ModelDirectory.load(dir, manager);
        checkArchitecture(expected, loaded.net().config().architecture(), dir);
        return new Ready(loaded.net(), loaded.info().classes(), loaded.info().preset(), "ferry model " + dir);
    }

    /**
     * A network open on the inference engine, with what a caller needs to use it. Close it to free
     * the engine's native memory.
     *
     * @param network the BN-folded network
     * @param labels a name per output (numbered when the weights do not say)
     * @param preset the preprocessing it expects
     * @param description what was loaded, for logs
     * @param temperature what to divide the logits by before softmax: a trained model's fitted
     *     calibration, 1 for pretrained weights
     */
    public record Open(InferenceNetwork network, List<String> labels, Preset preset, String description,
                       double temperature) implements AutoCloseable {
        @Override
        public void close() {
            network.close();
        }
    }

    /**
     * As {@link #fromPretrained}, but straight onto the inference engine: the weights are read and
     * checked on the host and folded into the engine layer by layer, so that libtorch is never
     * started (on ONNX Runtime, the default engine) and no second full copy of the weights is made.
     *
     * @param threads the engine's intra-op threads
     */
    public static Open openPretrained(String weights, Architecture expected, int threads, PrintStream progress) {
        Pretrained p = Pretrained.resolve(weights, expected, progress);
        ResNet structure = ResNet.create(p.config());
        ModelWeights.check(structure, p.stateDict(), false, false, p.file());
        List<String> labels = labels(p);
        Preset preset = p.preset();
        String description = p.description();
        HostValues values = new HostValues(ModelWeights.values(p.stateDict()));
        p = null; // from here on only `values` holds the weights, until the engine releases them
        InferenceNetwork net = InferenceNetwork.of(InferencePlan.of(structure), values, threads);
        return new Open(net, labels, preset, description, 1.0);
    }

    /**
     * As {@link #fromModel}, but straight onto the inference engine, without libtorch (see
     * {@link #openPretrained}).
     *
     * @param expected the architecture the caller expects, or null
     * @param threads the engine's intra-op threads
     */
    public static Open openModel(Path dir, Architecture expected, int threads) {
        return openModel(dir, expected, threads, false);
    }

    /**
     * As {@link #openModel(Path, Architecture, int)}; with {@code int8}, the model's int8 network
     * ({@link Quantize#FILE}, written by {@code ferry quantize}) on ONNX Runtime instead.
     *
     * @throws InputException with {@code int8}, if the model has not been quantized
     */
    public static Open openModel(Path dir, Architecture expected, int threads, boolean int8) {
        if (int8) {
            ModelInfo info = ModelDirectory.readInfo(dir);
            checkArchitecture(expected, info.config().architecture(), dir);
            Path file = dir.resolve(Quantize.FILE);
            if (!java.nio.file.Files.isRegularFile(file)) {
                throw new InputException("the model has no int8 network (" + file + "): run ferry quantize first");
            }
            Quantize.requireCurrent(dir);
            InferenceNetwork net = dev.ferry.model.OrtResNet.load(file, info.config(), threads);
            return new Open(net, info.classes(), info.preset(), "ferry model " + dir + " (int8)", info.temperature());
        }
        ModelDirectory.Stored stored = ModelDirectory.read(dir);
        ModelInfo info = stored.info();
        checkArchitecture(expected, info.config().architecture(), dir);
        HostValues values = new HostValues(ModelWeights.values(stored.weights()));
        stored = null; // as in openPretrained: the engine releases the weights once it has its copy
        InferenceNetwork net = InferenceNetwork.of(InferencePlan.of(info.config()), values, threads);
        return new Open(net, info.classes(), info.preset(), "ferry model " + dir, info.temperature());
    }

    /** The weights' own class names, or numbered ones when they have none for every output. */
    private static List<String> labels(Pretrained p) {
        int classes = p.config().numClasses();
        return p.classes() != null && p.classes().size() == classes ? p.classes() : numbered(classes);
    }

    private static void checkArchitecture(Architecture expected, Architecture found, Path dir) {
        if (expected != null && expected != found) {
            throw new InputException("architecture " + expected.id() + " was expected, but the model is " + found.id()
                    + " (" + dir + ")");
        }
    }

    /** "class 0", "class 1", ...: names for a head whose classes are unknown. */
    public static List<String> numbered(int classes) {
        List<String> out = new ArrayList<>(classes);
        for (int i = 0; i < classes; i++) {
            out.add("class " + i);
        }
        return out;
    }
}
