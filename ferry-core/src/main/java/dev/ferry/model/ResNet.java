package dev.ferry.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.ferry.platform.ConvLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A ResNet with torchvision's layout and state_dict keys: {@code conv1}, {@code bn1}, ReLU,
 * max-pool, {@code layer1}..{@code layer4}, global average pool, {@code fc}.
 *
 * <p>The network splits at the pooled features: {@link #forwardFeatures} is the backbone (everything
 * up to and including the global average pool), {@link #forwardHead} the classifier (optional
 * dropout, then {@code fc}). Feature extraction, feature caching and fine-tuning build on that split;
 * {@link #resetClassifier} replaces the head for a new set of classes.
 *
 * <pre>{@code
 * ResNet net = ResNet.create(ResNetConfig.of(Architecture.RESNET50, 1000));
 * net.initialize(manager);
 * NDArray logits = net.forward(images, false);   // images: N x 3 x 224 x 224, normalised
 * }</pre>
 */
public final class ResNet extends Module {
    /** The stage names, as torchvision's attributes. */
    public static final List<String> STAGES = List.of("layer1", "layer2", "layer3", "layer4");

    private ResNetConfig config;
    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final List<Sequential> stages = new ArrayList<>();
    private Linear fc;
    /**
     * Created when the network is initialised, not with the structure: DJL's default constructor
     * opens a base manager, which starts libtorch, and a structure alone (for an inference plan or
     * a weights check) must not.
     */
    private ParameterStore parameterStore;
    private NDManager manager;
    private DataType dataType = DataType.FLOAT32;

    private ResNet(ResNetConfig config) {
        this.config = config;
        int w = config.width();
        boolean imagenet = config.stem() == Stem.IMAGENET;
        conv1 = register("conv1", imagenet ? new Conv2d(3, w, 7, 2, 3) : new Conv2d(3, w, 3, 1, 1));
        bn1 = register("bn1", new BatchNorm2d(w, false));
        BlockType type = config.architecture().blockType();
        int[] counts = config.architecture().stageBlocks();
        int inChannels = w;
        for (int s = 0; s < 4; s++) {
            int planes = w << s;
            List<ResidualBlock> blocks = new ArrayList<>();
            for (int b = 0; b < counts[s]; b++) {
                // The first block of stages 2-4 halves the resolution.
                int stride = (b == 0 && s > 0) ? 2 : 1;
                int inner = type == BlockType.BASIC ? planes : config.innerWidth(planes);
                ResidualBlock block = type.create(inChannels, planes, inner, type == BlockType.BASIC ? 1 : config.groups(),
                        stride, config.zeroInitResidual());
                blocks.add(block);
                inChannels = block.outChannels();
            }
            stages.add(register(STAGES.get(s), new Sequential(blocks)));
        }
        fc = register("fc", new Linear(inChannels, config.numClasses()));
    }

    /** Builds an uninitialised network; call {@link #initialize(NDManager)} before use. */
    public static ResNet create(ResNetConfig config) {
        return new ResNet(config);
    }

    /**
     * Allocates and randomly initialises every parameter in {@code manager} with torchvision's
     * scheme (kaiming-normal fan-out convolutions, BN gamma 1 and beta 0, nn.Linear's uniform head).
     * Seed DJL's engine first for reproducible weights.
     */
    public ResNet initialize(NDManager manager) {
        initialize(manager, DataType.FLOAT32, new Shape(1, 3, 224, 224));
        return this;
    }

    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        this.manager = manager;
        this.dataType = dataType;
        // Parameters live in `manager` on its device, so the store never copies (copy = false).
        this.parameterStore = new ParameterStore(manager, false);
        super.initialize(manager, dataType, inputShapes);
    }

    /** The structure this network was built with (its class count follows {@link #resetClassifier}). */
    public ResNetConfig config() {
        return config;
    }

    // ------------------------------------------------------------------ forward

    /** Logits for a batch of normalised images (N x 3 x H x W); {@code images} is not closed. */
    public NDArray forward(NDArray images, boolean training) {
        try (NDArray features = forwardFeatures(images, training)) {
            return forwardHead(features, training);
        }
    }

    /**
     * The backbone: pooled features, N x {@link ResNetConfig#featureDim()}. In training mode the
     * activations run channels-last ({@link ConvLayout}). Each intermediate is closed
     * once consumed (autograd keeps its own references to what backward needs); {@code images} is
     * not. For inference alone, {@link InferenceNetwork} is faster.
     */
    public NDArray forwardFeatures(NDArray images, boolean training) {
        // Training runs channels-last from the first convolution on (see ConvLayout for why and how
        // much). Inference mode keeps libtorch's default layout: it is the reference the parity tests
        // hold to torchvision's float32 logits, and fast inference goes through InferenceNetwork.
        NDArray in = training ? ConvLayout.channelsLastCopy(images) : images;
        NDArray x = stem(in, training);
        if (in != images) {
            in.close();
        }
        for (Sequential stage : stages) {
            NDArray next = ResidualBlock.apply(stage, parameterStore, x, training);
            x.close();
            x = next;
        }
        NDArray pooled = Pool.globalAvgPool2d(x);
        x.close();
        return pooled;
    }

    /**
     * The stem's output, what {@code layer1} receives: {@code conv1}, {@code bn1}, ReLU and (ImageNet
     * stem) the max-pool, in libtorch's default layout; {@code images} is not closed. With
     * {@link #forwardStage} and {@link #forwardFrom} it is {@link #forwardFeatures} taken apart, for
     * what needs the activations in between (feature maps, Grad-CAM).
     */
    public NDArray forwardStem(NDArray images, boolean training) {
        return stem(images, training);
    }

    /**
     * One stage ({@code 0} is {@code layer1}) applied to its input; {@code x} is not closed.
     *
     * @throws IndexOutOfBoundsException if {@code stage} is not 0..3
     */
    public NDArray forwardStage(int stage, NDArray x, boolean training) {
        return ResidualBlock.apply(stages.get(stage), parameterStore, x, training);
    }

    /**
     * The logits from the output of stage {@code stage} ({@code 0} is {@code layer1}): the later
     * stages, the global average pool and the head. {@code activations} is not closed, so that a
     * caller can ask autograd for the gradient with respect to it.
     */
    public NDArray forwardFrom(int stage, NDArray activations, boolean training) {
        NDArray x = activations;
        for (int s = stage + 1; s < stages.size(); s++) {
            NDArray next = forwardStage(s, x, training);
            if (x != activations) {
                x.close();
            }
            x = next;
        }
        NDArray pooled = Pool.globalAvgPool2d(x);
        if (x != activations) {
            x.close();
        }
        try (pooled) {
            return forwardHead(pooled, training);
        }
    }

    /** The head: dropout (if configured, training only) then {@code fc}; {@code features} is not closed. */
    public NDArray forwardHead(NDArray features, boolean training) {
        if (config.dropout() > 0f && training) {
            try (NDArray dropped = Dropout.dropout(features, config.dropout(), true).singletonOrThrow()) {
                return ResidualBlock.apply(fc, parameterStore, dropped, training);
            }
        }
        return ResidualBlock.apply(fc, parameterStore, features, training);
    }

    private NDArray stem(NDArray images, boolean training) {
        NDArray x = ResidualBlock.convBn(conv1, bn1, parameterStore, images, training, true);
        if (config.stem() == Stem.IMAGENET) {
            NDArray pooled = Pool.maxPool2d(x, new Shape(3, 3), new Shape(2, 2), new Shape(1, 1), false);
            x.close();
            x = pooled;
        }
        return x;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(inputs.singletonOrThrow(), training));
    }

    // ------------------------------------------------------------------ structure

    /**
     * Replaces {@code fc} with a freshly initialised {@code Linear(featureDim, numClasses)}: the
     * transfer-learning step. If the network is initialised, the new head is allocated in the same
     * manager.
     */
    public void resetClassifier(int numClasses) {
        config = config.withNumClasses(numClasses);
        Linear old = fc;
        fc = replace("fc", new Linear(config.featureDim(), numClasses));
        if (manager != null) {
            fc.initialize(manager, dataType, new Shape(1, config.featureDim()));
        }
        old.getParameters().forEach(p -> p.getValue().close());
    }

    /** The classifier layer. */
    public Linear fc() {
        return fc;
    }

    /** The stem convolution. */
    public Conv2d conv1() {
        return conv1;
    }

    /** The stem batch norm. */
    public BatchNorm2d bn1() {
        return bn1;
    }

    /** {@code layer1}..{@code layer4} (index 0..3). */
    public List<Sequential> stages() {
        return Collections.unmodifiableList(stages);
    }

    /** Every module of the backbone (stem and stages) in forward order; the head is not included. */
    public List<Module> backbone() {
        List<Module> out = new ArrayList<>(List.of(conv1, bn1));
        out.addAll(stages);
        return out;
    }

    /** Every batch norm in the network, in state_dict order. */
    public List<BatchNorm2d> batchNorms() {
        List<BatchNorm2d> out = new ArrayList<>();
        collectBatchNorms(this, out);
        return out;
    }

    /** Every batch norm inside {@code module}. */
    public static List<BatchNorm2d> batchNormsOf(Module module) {
        List<BatchNorm2d> out = new ArrayList<>();
        collectBatchNorms(module, out);
        return out;
    }

    private static void collectBatchNorms(Module m, List<BatchNorm2d> out) {
        if (m instanceof BatchNorm2d bn) {
            out.add(bn);
        }
        m.getChildren().values().forEach(c -> collectBatchNorms((Module) c, out));
    }

    /**
     * Every parameter and buffer under its torchvision state_dict key ({@code conv1.weight},
     * {@code layer3.5.bn2.running_var}, {@code layer1.0.downsample.0.weight}, {@code fc.bias}), in
     * torchvision's order.
     */
    public Map<String, Parameter> stateDict() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collectState("", out);
        return out;
    }

    /** Number of parameters (torch's {@code parameters()}: buffers excluded). */
    public long parameterCount() {
        return stateDict().values().stream()
                .filter(p -> isTrainableType(p.getType()))
                .mapToLong(p -> p.getShape().size())
                .sum();
    }

    /** Number of parameters that currently receive gradients. */
    public long trainableParameterCount() {
        return stateDict().values().stream()
                .filter(p -> isTrainableType(p.getType()) && p.requiresGradient())
                .mapToLong(p -> p.getShape().size())
                .sum();
    }

    @Override
    public Shape outputShape(Shape in) {
        return fc.outputShape(featureShape(in));
    }

    /** Shape of {@link #forwardFeatures} for an input shape. */
    public Shape featureShape(Shape in) {
        Shape s = stemShape(in);
        for (Sequential stage : stages) {
            s = stage.outputShape(s);
        }
        return new Shape(s.get(0), s.get(1));
    }

    private Shape stemShape(Shape in) {
        Shape s = bn1.outputShape(conv1.outputShape(in));
        if (config.stem() == Stem.IMAGENET) {
            s = new Shape(s.get(0), s.get(1), (s.get(2) - 1) / 2 + 1, (s.get(3) - 1) / 2 + 1);
        }
        return s;
    }

    @Override
    public long macs(Shape in) {
        long total = conv1.macs(in);
        Shape s = stemShape(in);
        for (Sequential stage : stages) {
            total += stage.macs(s);
            s = stage.outputShape(s);
        }
        return total + fc.macs(new Shape(s.get(0), s.get(1)));
    }

    /**
     * The paper's Table 1 for this network at one input (C x H x W, batch 1): per stage its output
     * shape, block configuration and parameter count.
     */
    public List<StageSummary> describe(Shape chw) {
        Shape in = new Shape(1, chw.get(0), chw.get(1), chw.get(2));
        List<StageSummary> rows = new ArrayList<>();
        Shape convOut = conv1.outputShape(in);
        String stemText = config.stem() == Stem.IMAGENET
                ? "7x7, " + config.width() + ", stride 2"
                : "3x3, " + config.width() + ", stride 1";
        rows.add(new StageSummary("conv1", "conv1, bn1", dims(convOut), stemText,
                count(conv1) + count(bn1), conv1.macs(in)));
        Shape s = stemShape(in);
        if (config.stem() == Stem.IMAGENET) {
            // The paper lists the max-pool at the top of conv2_x; it has no parameters.
            rows.add(new StageSummary("", "maxpool", dims(s), "3x3 max pool, stride 2", 0, 0));
        }
        for (int i = 0; i < stages.size(); i++) {
            Sequential stage = stages.get(i);
            ResidualBlock first = (ResidualBlock) stage.modules().get(0);
            long macs = stage.macs(s);
            s = stage.outputShape(s);
            rows.add(new StageSummary("conv" + (i + 2) + "_x", STAGES.get(i), dims(s),
                    "[" + first.notation() + "] x " + stage.modules().size(), count(stage), macs));
        }
        Shape f = new Shape(1, s.get(1));
        rows.add(new StageSummary("head", "avgpool, fc", List.of(fc.outFeatures()),
                "global average pool, " + s.get(1) + "-d fc" + (config.dropout() > 0 ? " (dropout " + config.dropout() + ")" : ""),
                count(fc), fc.macs(f)));
        return rows;
    }

    private static List<Integer> dims(Shape s) {
        List<Integer> d = new ArrayList<>();
        for (int i = 1; i < s.dimension(); i++) {
            d.add((int) s.get(i));
        }
        return d;
    }

    private static long count(Module m) {
        Map<String, Parameter> state = new LinkedHashMap<>();
        m.collectState("", state);
        return state.values().stream()
                .filter(p -> isTrainableType(p.getType()))
                .mapToLong(p -> p.getShape().size())
                .sum();
    }
}
