package dev.ferry.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.pooling.Pool;
import dev.ferry.platform.ConvLayout;
import dev.ferry.platform.ConvPaths;
import dev.ferry.platform.PointwiseConv;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The {@link InferencePlan} of a {@link ResNet} run on libtorch: every BatchNorm folded into the
 * convolution before it, {@code bn(conv(x, W))} becoming {@code conv(x, W * s) + (beta - mean * s)}
 * with {@code s = gamma / sqrt(running_var + eps)}, per output channel.
 *
 * <p>Kept beside {@link OrtResNet} (the default, about 1.3-1.9x faster) as the inference engine that
 * shares training's native library: {@code -Dferry.inference=libtorch} selects it where ONNX Runtime
 * cannot run, and the tests hold the two engines to the same logits.
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
    /** The manager {@link #standalone} opened for this network, closed with it; else null. */
    private NDManager owner;

    /** A convolution with its BatchNorm folded in: weight (out, in / groups, k, k), bias (out). */
    private record ConvBias(NDArray weight, NDArray bias, int stride, int padding, int groups, PointwiseConv pointwise) {
        NDArray apply(NDArray x) {
            if (weight.getShape().get(2) == 1 && padding == 0 && groups == 1) {
                return pointwise.apply(x, weight, bias, stride);
            }
            return ai.djl.nn.convolutional.Conv2d.conv2d(x, weight, bias, new Shape(stride, stride),
                    new Shape(padding, padding), new Shape(1, 1), groups).singletonOrThrow();
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
        return of(InferencePlan.of(net), InferencePlan.valuesOf(net), manager, layout);
    }

    /**
     * Runs {@code plan} with the values {@code values} returns for each state_dict key.
     *
     * @param manager the new network's arrays live in a sub-manager of this one
     * @throws IllegalArgumentException if a value is missing or has the wrong length
     */
    public static FusedResNet of(InferencePlan plan, Function<String, float[]> values, NDManager manager, ConvLayout layout) {
        boolean channelsLast = layout == ConvLayout.CHANNELS_LAST;
        NDManager own = manager.newSubManager();
        try {
            PointwiseConv pointwise = ConvPaths.current().pointwise();
            ConvBias stem = load(plan.stem(), values, own, channelsLast, pointwise);
            List<Block> blocks = new ArrayList<>();
            for (InferencePlan.Block block : plan.blocks()) {
                List<ConvBias> branch = new ArrayList<>();
                for (InferencePlan.Conv c : block.branch()) {
                    branch.add(load(c, values, own, channelsLast, pointwise));
                }
                ConvBias down = block.identity() ? null : load(block.shortcut(), values, own, channelsLast, pointwise);
                blocks.add(new Block(List.copyOf(branch), down));
            }
            InferencePlan.Head head = plan.head();
            NDArray w = owned(own, head.weight(values), new Shape(head.out(), head.in()));
            NDArray b = owned(own, head.bias(values), new Shape(head.out()));
            return new FusedResNet(plan.config(), own, channelsLast, stem, List.copyOf(blocks), w, b);
        } catch (RuntimeException | Error e) {
            own.close();
            throw e;
        }
    }

    /**
     * {@code plan} on libtorch in a manager of its own, closed with the network: for a process that
     * has no libtorch arrays otherwise (prediction from a weights file).
     */
    public static FusedResNet standalone(InferencePlan plan, Function<String, float[]> values) {
        NDManager base = dev.ferry.platform.Engines.newManager();
        try {
            FusedResNet net = of(plan, values, base, ConvLayout.CHANNELS_LAST);
            net.owner = base;
            return net;
        } catch (RuntimeException | Error e) {
            base.close();
            throw e;
        }
    }

    /**
     * The plan's folded convolution as libtorch arrays. With {@code channelsLast} the weight is
     * written in NHWC order and handed out as an NCHW-shaped view. The ReLU after it is applied by
     * the caller, which knows when the input can be freed.
     */
    private static ConvBias load(InferencePlan.Conv c, Function<String, float[]> values, NDManager own,
                                 boolean channelsLast, PointwiseConv pointwise) {
        InferencePlan.Folded f = c.fold(values);
        int out = c.out();
        int in = c.inPerGroup();
        int k = c.kernel();
        NDArray weight;
        if (channelsLast) {
            float[] nhwc = new float[f.weight().length];
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) {
                    for (int y = 0; y < k; y++) {
                        for (int x = 0; x < k; x++) {
                            nhwc[((o * k + y) * k + x) * in + i] = f.weight()[((o * in + i) * k + y) * k + x];
                        }
                    }
                }
            }
            try (NDArray view = owned(own, nhwc, new Shape(out, k, k, in))) {
                weight = view.transpose(0, 3, 1, 2);
            }
        } else {
            weight = owned(own, f.weight(), new Shape(out, in, k, k));
        }
        return new ConvBias(weight, owned(own, f.bias(), new Shape(out)), c.stride(), c.padding(), c.groups(), pointwise);
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
        if (owner != null) {
            owner.close();
        }
    }
}
