package dev.ferry.model;

import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * A ResNet in inference mode as an explicit program: every convolution with its BatchNorm folded in
 * ({@code conv(x, W * s) + (beta - mean * s)}, {@code s = gamma / sqrt(running_var + eps)}), the
 * ReLUs, the residual additions, the pools and the head, in order. It is derived from the network's
 * one description ({@link ResNet}'s modules, built from the depth table), and the inference engines
 * only interpret it: {@link OnnxExport} serialises it for ONNX Runtime, {@link FusedResNet} runs it
 * on libtorch. Folding is written once, here ({@link Conv#fold}).
 *
 * <p>The plan holds names and shapes, not values: each step names the torchvision state_dict keys it
 * reads, and values come from a function of the key at the moment a step is folded. The same plan
 * therefore serves a live network's parameters and a weights file read on the host, and an engine
 * can fold one layer at a time instead of holding a second copy of every weight.
 *
 * <pre>{@code
 * InferencePlan plan = InferencePlan.of(ResNetConfig.of(Architecture.RESNET50, 1000));
 * InferencePlan.Folded f = plan.stem().fold(key -> stateDict.get(key).floats());
 * }</pre>
 *
 * @param config the network's structure
 * @param stem the first convolution ({@code conv1} with {@code bn1}), followed by ReLU
 * @param maxPool whether the stem ends with torchvision's 3x3 stride-2 max-pool (the ImageNet stem)
 * @param blocks the residual blocks of {@code layer1}..{@code layer4} in order
 * @param head the fully-connected classifier on the pooled features
 */
public record InferencePlan(ResNetConfig config, Conv stem, boolean maxPool, List<Block> blocks, Head head) {
    public InferencePlan {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(stem, "stem");
        blocks = List.copyOf(blocks);
        Objects.requireNonNull(head, "head");
    }

    /**
     * A convolution (no bias in the network) with the BatchNorm after it folded into a weight and a
     * bias, optionally followed by ReLU.
     *
     * @param conv the convolution's state_dict prefix, e.g. {@code layer1.0.conv1} (its values are
     *     {@code conv + ".weight"})
     * @param bn the BatchNorm's prefix, e.g. {@code layer1.0.bn1} ({@code .weight}, {@code .bias},
     *     {@code .running_mean}, {@code .running_var})
     * @param in input channels
     * @param out output channels
     * @param kernel square kernel size
     * @param stride stride in both directions
     * @param padding zero padding on every side
     * @param groups groups of a grouped convolution (ResNeXt's 3x3), 1 for a dense one
     * @param relu whether ReLU follows
     */
    public record Conv(String conv, String bn, int in, int out, int kernel, int stride, int padding, int groups, boolean relu) {
        public Conv {
            if (groups < 1 || in % groups != 0 || out % groups != 0) {
                throw new IllegalArgumentException(conv + ": " + groups + " groups do not divide " + in + " -> " + out);
            }
        }

        /** A dense convolution (one group). */
        public Conv(String conv, String bn, int in, int out, int kernel, int stride, int padding, boolean relu) {
            this(conv, bn, in, out, kernel, stride, padding, 1, relu);
        }

        /** Input channels each output channel sees: in / groups. */
        public int inPerGroup() {
            return in / groups;
        }

        /** Number of weight values: out x (in / groups) x kernel x kernel. */
        public long weightCount() {
            return (long) out * inPerGroup() * kernel * kernel;
        }

        /**
         * The folded weight (out, in / groups, k, k; row-major) and bias (out), computed in double precision
         * so that folding adds no rounding beyond the final cast to float. The arrays are new: the
         * value function may hand out its own storage, which is never written.
         *
         * @param values the values of a state_dict key
         * @throws IllegalArgumentException if a value is missing or has the wrong length
         */
        public Folded fold(Function<String, float[]> values) {
            float[] w = value(values, conv + ".weight", weightCount());
            float[] gamma = value(values, bn + ".weight", out);
            float[] beta = value(values, bn + ".bias", out);
            float[] mean = value(values, bn + ".running_mean", out);
            float[] var = value(values, bn + ".running_var", out);
            float[] folded = new float[w.length];
            float[] bias = new float[out];
            int per = inPerGroup() * kernel * kernel;
            for (int o = 0; o < out; o++) {
                double scale = gamma[o] / Math.sqrt((double) var[o] + BatchNorm2d.EPS);
                bias[o] = (float) (beta[o] - mean[o] * scale);
                for (int j = 0; j < per; j++) {
                    folded[o * per + j] = (float) (w[o * per + j] * scale);
                }
            }
            return new Folded(folded, bias);
        }
    }

    /**
     * A folded convolution's values.
     *
     * @param weight out x (in / groups) x k x k, row-major
     * @param bias one per output channel
     */
    public record Folded(float[] weight, float[] bias) {}

    /**
     * A residual block: {@code relu(branch(x) + shortcut(x))}. Every branch convolution but the last
     * has {@code relu} set.
     *
     * @param branch the branch's folded convolutions in order
     * @param shortcut the folded 1x1 projection, or null for the identity
     */
    public record Block(List<Conv> branch, Conv shortcut) {
        public Block {
            branch = List.copyOf(branch);
        }

        /** Whether the shortcut is the identity. */
        public boolean identity() {
            return shortcut == null;
        }
    }

    /**
     * The classifier: {@code logits = features W^T + b}.
     *
     * @param key the state_dict prefix ({@code fc})
     * @param in feature dimension
     * @param out classes
     */
    public record Head(String key, int in, int out) {
        /** The weight (out x in, row-major). */
        public float[] weight(Function<String, float[]> values) {
            return value(values, key + ".weight", (long) out * in);
        }

        /** The bias (out). */
        public float[] bias(Function<String, float[]> values) {
            return value(values, key + ".bias", out);
        }
    }

    /** The plan of a network with {@code config}'s structure (no weights are allocated). */
    public static InferencePlan of(ResNetConfig config) {
        return of(ResNet.create(config));
    }

    /** The plan of {@code net}'s structure; {@code net} need not be initialised. */
    public static InferencePlan of(ResNet net) {
        Conv stem = step("", new ConvBn("conv1", net.conv1(), "bn1", net.bn1()), true);
        List<Block> blocks = new ArrayList<>();
        for (int s = 0; s < net.stages().size(); s++) {
            List<Module> modules = net.stages().get(s).modules();
            for (int b = 0; b < modules.size(); b++) {
                ResidualBlock block = (ResidualBlock) modules.get(b);
                String prefix = ResNet.STAGES.get(s) + "." + b + ".";
                List<ConvBn> layers = block.branchLayers();
                List<Conv> branch = new ArrayList<>();
                for (int i = 0; i < layers.size(); i++) {
                    branch.add(step(prefix, layers.get(i), i < layers.size() - 1));
                }
                ConvBn shortcut = block.shortcut();
                blocks.add(new Block(branch, shortcut == null ? null : step(prefix, shortcut, false)));
            }
        }
        Linear fc = net.fc();
        return new InferencePlan(net.config(), stem, net.config().stem() == Stem.IMAGENET, blocks,
                new Head("fc", fc.inFeatures(), fc.outFeatures()));
    }

    private static Conv step(String prefix, ConvBn layer, boolean relu) {
        Conv2d c = layer.conv();
        if (layer.bn().channels() != c.outChannels()) {
            throw new IllegalStateException(prefix + layer.bnName() + " normalises " + layer.bn().channels()
                    + " channels after " + c.outChannels());
        }
        return new Conv(prefix + layer.convName(), prefix + layer.bnName(), c.inChannels(), c.outChannels(),
                c.kernel(), c.stride(), c.padding(), c.groups(), relu);
    }

    /** The values of a live network's current weights and statistics, by state_dict key. */
    public static Function<String, float[]> valuesOf(ResNet net) {
        Map<String, Parameter> state = net.stateDict();
        return key -> {
            Parameter p = state.get(key);
            return p == null ? null : p.getArray().toFloatArray();
        };
    }

    /** Every convolution of the plan in order: the stem, then each block's branch and shortcut. */
    public List<Conv> convs() {
        List<Conv> out = new ArrayList<>();
        out.add(stem);
        for (Block b : blocks) {
            out.addAll(b.branch());
            if (b.shortcut() != null) {
                out.add(b.shortcut());
            }
        }
        return out;
    }

    private static float[] value(Function<String, float[]> values, String key, long expected) {
        float[] v = values.apply(key);
        if (v == null || v.length != expected) {
            throw new IllegalArgumentException(key + ": expected " + expected + " values, got "
                    + (v == null ? "none" : Integer.toString(v.length)));
        }
        return v;
    }
}
