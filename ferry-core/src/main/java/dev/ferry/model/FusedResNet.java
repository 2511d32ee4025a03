package dev.ferry.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.pooling.Pool;
import dev.ferry.platform.ConvLayout;
import dev.ferry.platform.ConvPaths;
import dev.ferry.platform.PointwiseConv;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An inference-only copy of a {@link ResNet} with every BatchNorm folded into the convolution before
 * it: {@code bn(conv(x, W))} becomes {@code conv(x, W * s) + (beta - mean * s)} with
 * {@code s = gamma / sqrt(running_var + eps)}, per output channel.
 *
 * <p>In inference mode a BatchNorm is a fixed per-channel affine map, so folding it is exact up to
 * float rounding (the tests hold the logits to 1e-5 relative). The folded network runs one
 * convolution (with bias) per conv/BN pair instead of a convolution plus a separate normalisation
 * pass over the activation, and it frees each activation as soon as the next layer has consumed it,
 * so memory holds a few activations at a time rather than the whole forward pass (DJL otherwise
 * keeps every intermediate array until its manager closes).
 *
 * <p>The copy is a snapshot: it does not follow later changes to the source network's weights. It
 * owns its arrays (in a sub-manager of the manager it was built in); {@link #close} frees them.
 * Not thread-safe for concurrent forwards that share one input manager; build one per thread.
 *
 * <p>Activations and weights use libtorch's channels-last (NHWC) memory layout by default (see
 * {@link ConvLayout} for why). The logical shapes stay NCHW, so callers see no difference. 1x1
 * convolutions run on this machine's {@link ConvPaths} path.
 */
public final class FusedResNet implements InferenceNetwork {
    private final ResNetConfig config;
    private final NDManager manager;
    private final boolean channelsLast;
    private final ConvBias stem;
    private final List<Block> blocks;
    private final NDArray fcWeight;
    private final NDArray fcBias;

    /** A convolution with its BatchNorm folded in: weight (out, in, k, k), bias (out). */
    private record ConvBias(NDArray weight, NDArray bias, int stride, int padding, PointwiseConv pointwise) {
        NDArray apply(NDArray x) {
            if (weight.getShape().get(2) == 1 && padding == 0) {
                return pointwise.apply(x, weight, bias, stride);
            }
            return ai.djl.nn.convolutional.Conv2d.conv2d(x, weight, bias, new Shape(stride, stride),
                    new Shape(padding, padding), new Shape(1, 1), 1).singletonOrThrow();
        }
    }

    /** A residual block: the branch's convolutions (ReLU between them) and the optional projection. */
    private record Block(List<ConvBias> branch, ConvBias downsample) {}

    private FusedResNet(ResNetConfig config, NDManager manager, boolean channelsLast, ConvBias stem,
                        List<Block> blocks, NDArray fcWeight, NDArray fcBias) {
        this.config = config;
        this.manager = manager;
        this.channelsLast = channelsLast;
        this.stem = stem;
        this.blocks = blocks;
        this.fcWeight = fcWeight;
        this.fcBias = fcBias;
    }

    /**
     * Folds {@code net}'s current weights and running statistics into a new inference network with
     * channels-last activations (the faster layout for libtorch's CPU convolutions).
     *
     * @param manager the new network's arrays live in a sub-manager of this one
     */
    public static FusedResNet of(ResNet net, NDManager manager) {
        return of(net, manager, ConvLayout.CHANNELS_LAST);
    }

    /**
     * Folds {@code net}'s current weights and running statistics into a new inference network.
     *
     * @param layout the memory layout of activations and weights (see the class comment)
     */
    public static FusedResNet of(ResNet net, NDManager manager, ConvLayout layout) {
        boolean channelsLast = layout == ConvLayout.CHANNELS_LAST;
        NDManager own = manager.newSubManager();
        try {
            ConvBias stem = fold(net.conv1(), net.bn1(), own, channelsLast);
            List<Block> blocks = new ArrayList<>();
            for (Sequential stage : net.stages()) {
                for (Module m : stage.modules()) {
                    ResidualBlock block = (ResidualBlock) m;
                    List<Module> mods = block.branchModules();
                    List<ConvBias> branch = new ArrayList<>();
                    for (int i = 0; i < mods.size(); i += 2) {
                        branch.add(fold((Conv2d) mods.get(i), (BatchNorm2d) mods.get(i + 1), own, channelsLast));
                    }
                    ConvBias down = null;
                    if (block.hasDownsample()) {
                        List<Module> d = block.downsample().modules();
                        down = fold((Conv2d) d.get(0), (BatchNorm2d) d.get(1), own, channelsLast);
                    }
                    blocks.add(new Block(List.copyOf(branch), down));
                }
            }
            Map<String, Parameter> fc = state(net.fc());
            NDArray w = fc.get("weight").getArray().duplicate();
            NDArray b = fc.get("bias").getArray().duplicate();
            w.attach(own);
            b.attach(own);
            return new FusedResNet(net.config(), own, channelsLast, stem, List.copyOf(blocks), w, b);
        } catch (RuntimeException | Error e) {
            own.close();
            throw e;
        }
    }

    /**
     * {@code W' = W * s}, {@code b' = beta - mean * s}, {@code s = gamma / sqrt(var + eps)}, computed
     * on the host in double precision, so that the folding adds no rounding beyond the final cast.
     * The host does it in one pass per layer; as libtorch operations it would be a dozen small
     * calls per layer, each paying libtorch's per-call and thread start-up costs. With {@code
     * channelsLast} the weight is written in NHWC order and handed out as an NCHW-shaped view.
     */
    private static ConvBias fold(Conv2d conv, BatchNorm2d bn, NDManager own, boolean channelsLast) {
        Map<String, Parameter> p = state(bn);
        float[] gamma = p.get("weight").getArray().toFloatArray();
        float[] beta = p.get("bias").getArray().toFloatArray();
        float[] mean = p.get("running_mean").getArray().toFloatArray();
        float[] var = p.get("running_var").getArray().toFloatArray();
        float[] w = conv.weight().getArray().toFloatArray();
        int out = conv.outChannels();
        int in = conv.inChannels();
        int k = conv.kernel();
        float[] folded = new float[w.length];
        float[] bias = new float[out];
        for (int o = 0; o < out; o++) {
            double scale = gamma[o] / Math.sqrt((double) var[o] + BatchNorm2d.EPS);
            bias[o] = (float) (beta[o] - mean[o] * scale);
            for (int i = 0; i < in; i++) {
                for (int y = 0; y < k; y++) {
                    for (int x = 0; x < k; x++) {
                        int src = ((o * in + i) * k + y) * k + x;
                        int dst = channelsLast ? ((o * k + y) * k + x) * in + i : src;
                        folded[dst] = (float) (w[src] * scale);
                    }
                }
            }
        }
        NDArray weight;
        if (channelsLast) {
            try (NDArray nhwc = owned(own, folded, new Shape(out, k, k, in))) {
                weight = nhwc.transpose(0, 3, 1, 2);
            }
        } else {
            weight = owned(own, folded, new Shape(out, in, k, k));
        }
        return new ConvBias(weight, owned(own, bias, new Shape(out)), conv.stride(), conv.padding(),
                ConvPaths.current().pointwise());
    }

    /**
     * An array in libtorch-owned memory. DJL's {@code create(float[])} wraps a direct buffer that only
     * the returned array keeps alive; a view that outlived it would point at freed memory.
     */
    private static NDArray owned(NDManager own, float[] values, Shape shape) {
        try (NDArray wrapped = own.create(values, shape)) {
            return wrapped.duplicate();
        }
    }

    private static Map<String, Parameter> state(Module m) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        m.collectState("", out);
        return out;
    }

    /** The structure the network was built with. */
    public ResNetConfig config() {
        return config;
    }

    /** The layout activations run in. */
    public ConvLayout layout() {
        return channelsLast ? ConvLayout.CHANNELS_LAST : ConvLayout.NCHW;
    }

    /** Logits for a batch of normalised images (N x 3 x H x W); {@code images} is not closed. */
    public NDArray forward(NDArray images) {
        try (NDArray features = forwardFeatures(images)) {
            return ai.djl.nn.core.Linear.linear(features, fcWeight, fcBias).singletonOrThrow();
        }
    }

    /**
     * The backbone's pooled features (N x {@link ResNetConfig#featureDim()}), equal to {@link
     * ResNet#forwardFeatures} in inference mode; {@code images} is not closed.
     */
    public NDArray forwardFeatures(NDArray images) {
        NDArray in = channelsLast ? ConvLayout.channelsLastCopy(images) : images;
        NDArray x = reluConsuming(stem.apply(in));
        if (in != images) {
            in.close();
        }
        if (config.stem() == Stem.IMAGENET) {
            NDArray pooled = Pool.maxPool2d(x, new Shape(3, 3), new Shape(2, 2), new Shape(1, 1), false);
            x.close();
            x = pooled;
        }
        for (Block block : blocks) {
            NDArray next = block(block, x);
            x.close();
            x = next;
        }
        NDArray features = Pool.globalAvgPool2d(x);
        x.close();
        return features;
    }

    /** {@code relu(branch(x) + shortcut(x))}, each intermediate freed once used; x is not closed. */
    private static NDArray block(Block block, NDArray x) {
        NDArray out = x;
        List<ConvBias> branch = block.branch();
        for (int i = 0; i < branch.size(); i++) {
            NDArray y = branch.get(i).apply(out);
            if (out != x) {
                out.close();
            }
            out = i < branch.size() - 1 ? reluConsuming(y) : y;
        }
        if (block.downsample() == null) {
            out.addi(x);
        } else {
            try (NDArray identity = block.downsample().apply(x)) {
                out.addi(identity);
            }
        }
        return reluConsuming(out);
    }

    /** ReLU that frees its input (DJL has no in-place ReLU; this is the next best for memory). */
    private static NDArray reluConsuming(NDArray x) {
        NDArray y = Activation.relu(x);
        x.close();
        return y;
    }

    @Override
    public float[] forward(float[] images, int n, int height, int width) {
        try (NDManager step = manager.newSubManager()) {
            return forward(step.create(images, new Shape(n, 3, height, width))).toFloatArray();
        }
    }

    @Override
    public float[] forwardFeatures(float[] images, int n, int height, int width) {
        try (NDManager step = manager.newSubManager()) {
            return forwardFeatures(step.create(images, new Shape(n, 3, height, width))).toFloatArray();
        }
    }

    /** Frees the folded weights. */
    @Override
    public void close() {
        manager.close();
    }
}
