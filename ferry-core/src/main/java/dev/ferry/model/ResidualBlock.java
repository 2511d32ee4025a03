package dev.ferry.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.List;

/**
 * A residual block: {@code relu(branch(x) + shortcut(x))}. The shortcut is the identity, or
 * {@code downsample} (1x1 conv with the block's stride, no bias, then BN) wherever the stride or the
 * channel count changes, exactly where torchvision's {@code _make_layer} puts it.
 */
public abstract class ResidualBlock extends Module {
    protected final int inChannels;
    protected final int planes;
    protected final int stride;
    private Sequential downsample;

    protected ResidualBlock(int inChannels, int planes, int stride) {
        this.inChannels = inChannels;
        this.planes = planes;
        this.stride = stride;
    }

    /** Subclasses call this after registering their branch, so the key order matches torch. */
    protected final void registerShortcut() {
        if (stride != 1 || inChannels != outChannels()) {
            downsample = register("downsample", new Sequential(List.of(
                    new Conv2d(inChannels, outChannels(), 1, stride, 0),
                    new BatchNorm2d(outChannels(), false))));
        }
    }

    /** Output channels: {@code planes * expansion}. */
    public abstract int outChannels();

    /**
     * The residual branch: convolution/BatchNorm pairs in order, a ReLU after every pair but the
     * last (whose ReLU follows the addition). Forward, shape and cost accounting and the folded
     * inference plan all read the branch from here.
     */
    public abstract List<ConvBn> branchLayers();

    /** The residual branch, without the final ReLU; intermediates are closed once consumed. */
    private NDArray branch(ParameterStore ps, NDArray x, boolean training) {
        List<ConvBn> layers = branchLayers();
        NDArray out = x;
        for (int i = 0; i < layers.size(); i++) {
            ConvBn layer = layers.get(i);
            NDArray y = convBn(layer.conv(), layer.bn(), ps, out, training, i < layers.size() - 1);
            if (out != x) {
                out.close();
            }
            out = y;
        }
        return out;
    }

    /** The branch's modules in order, each convolution followed by its BatchNorm. */
    private List<Module> branchModules() {
        List<Module> out = new java.util.ArrayList<>();
        for (ConvBn layer : branchLayers()) {
            out.add(layer.conv());
            out.add(layer.bn());
        }
        return out;
    }

    /** Whether this block has a projection shortcut. */
    public boolean hasDownsample() {
        return downsample != null;
    }

    /**
     * The projection shortcut as a convolution/BatchNorm pair named as torchvision's
     * {@code downsample.0} / {@code downsample.1}, or null for the identity.
     */
    public ConvBn shortcut() {
        if (downsample == null) {
            return null;
        }
        List<Module> d = downsample.modules();
        return new ConvBn("downsample.0", (Conv2d) d.get(0), "downsample.1", (BatchNorm2d) d.get(1));
    }

    /**
     * {@code relu(branch(x) + shortcut(x))}, adding in place into the branch output as torchvision's
     * {@code out += identity} does (the last BN's output is saved by no backward function, so
     * autograd allows it). Intermediates are closed as soon as they are consumed: DJL would keep
     * them until the step's manager closes, holding every activation of the pass at once, while
     * autograd keeps its own references to whatever the backward pass needs.
     */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray out = branch(ps, x, training);
        if (downsample == null) {
            out.addi(x);
        } else {
            try (NDArray identity = downsample.forward(ps, inputs, training).singletonOrThrow()) {
                out.addi(identity);
            }
        }
        return new NDList(reluConsuming(out));
    }

    /** ReLU that closes its input (DJL has no in-place ReLU). */
    static NDArray reluConsuming(NDArray x) {
        NDArray y = Activation.relu(x);
        x.close();
        return y;
    }

    /**
     * {@code bn(conv(x))}, optionally followed by ReLU, closing the intermediates; {@code x} is left
     * to the caller.
     */
    static NDArray convBn(Conv2d conv, BatchNorm2d bn, ParameterStore ps, NDArray x, boolean training, boolean relu) {
        NDArray c = apply(conv, ps, x, training);
        NDArray b = apply(bn, ps, c, training);
        c.close();
        return relu ? reluConsuming(b) : b;
    }

    static NDArray apply(Module m, ParameterStore ps, NDArray x, boolean training) {
        return m.forward(ps, new NDList(x), training).singletonOrThrow();
    }

    @Override
    public Shape outputShape(Shape in) {
        Shape s = in;
        for (Module m : branchModules()) {
            s = m.outputShape(s);
        }
        return s;
    }

    @Override
    public long macs(Shape in) {
        long total = downsample == null ? 0 : downsample.macs(in);
        Shape s = in;
        for (Module m : branchModules()) {
            total += m.macs(s);
            s = m.outputShape(s);
        }
        return total;
    }

    /** The paper's Table 1 notation for this block, e.g. {@code 1x1, 64; 3x3, 64; 1x1, 256}. */
    public abstract String notation();
}
