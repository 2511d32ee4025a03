package dev.ferry.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.ferry.platform.ConvPaths;

/**
 * A square 2-D convolution without bias (torch {@code nn.Conv2d(..., bias=False)}), optionally
 * grouped: with {@code groups} g, each of g slices of the input channels feeds its own slice of the
 * outputs, and the weight is (out, in / g, k, k), as torch stores it.
 */
public final class Conv2d extends Module {
    private final int inChannels;
    private final int outChannels;
    private final int kernel;
    private final int stride;
    private final int padding;
    private final int groups;
    private final Parameter weight;

    public Conv2d(int inChannels, int outChannels, int kernel, int stride, int padding) {
        this(inChannels, outChannels, kernel, stride, padding, 1);
    }

    public Conv2d(int inChannels, int outChannels, int kernel, int stride, int padding, int groups) {
        if (groups < 1 || inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException(groups + " groups do not divide " + inChannels + " -> " + outChannels + " channels");
        }
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.groups = groups;
        // torch computes kaiming's fan-out from the weight tensor (dim 0 times the kernel area), so a
        // grouped convolution initialises as a dense one with the same output channels.
        this.weight = declare(
                "weight", Parameter.Type.WEIGHT, new Shape(outChannels, inChannels / groups, kernel, kernel),
                Init.kaimingNormalFanOut());
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray w = ps.getValue(weight, x.getDevice(), training);
        if (kernel == 1 && padding == 0 && groups == 1) {
            // 1x1 convolutions go the way this machine runs them safely (see ConvPaths): a
            // deliberate difference from torchvision, which always calls conv2d. Same function.
            return new NDList(ConvPaths.current().pointwise().apply(x, w, null, stride));
        }
        return ai.djl.nn.convolutional.Conv2d.conv2d(
                x, w, null, new Shape(stride, stride), new Shape(padding, padding), new Shape(1, 1), groups);
    }

    @Override
    public Shape outputShape(Shape in) {
        return new Shape(in.get(0), outChannels, outSize(in.get(2)), outSize(in.get(3)));
    }

    private long outSize(long size) {
        return (size + 2L * padding - kernel) / stride + 1;
    }

    @Override
    public long macs(Shape in) {
        Shape out = outputShape(in);
        return out.size() * (inChannels / groups) * kernel * kernel;
    }

    public int inChannels() {
        return inChannels;
    }

    public int outChannels() {
        return outChannels;
    }

    public int kernel() {
        return kernel;
    }

    public int stride() {
        return stride;
    }

    /** Groups: 1 for a dense convolution. */
    public int groups() {
        return groups;
    }

    /** Zero padding on each side. */
    public int padding() {
        return padding;
    }

    /** The weight parameter, shape (out, in / groups, k, k). */
    public Parameter weight() {
        return weight;
    }
}
