package dev.ferry.platform;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * The memory layout libtorch's convolutions run in while ferry trains (and in the libtorch
 * inference engine). Logical shapes stay N x C x H x W either way; only the strides differ.
 *
 * <p>Why channels-last where it is safe: libtorch's CPU convolutions (oneDNN) work in a
 * channels-innermost layout. Given NCHW tensors they reorder every input and output between NCHW
 * and that layout, twice per convolution; given NHWC-strided tensors they read and write them
 * directly, and so do the channels-last kernels of BatchNorm, max-pooling, ReLU and addition. The
 * layout then propagates: each operation's output keeps its input's strides, so converting the
 * network's input once makes the whole forward (and backward) pass channels-last. Measured on
 * ResNet-50 (batch 16, one thread, Intel Xeon): inference about 40% and training about 15% less
 * CPU time than NCHW; the max-pool alone went from 280 to 14 ms. The rounding differs from NCHW's
 * (other kernels, other summation order), so the model's own inference mode stays NCHW: it is what
 * the parity tests compare with torchvision's float32 logits. How 1x1 convolutions run in either
 * layout is {@link ConvPaths}' decision.
 */
public enum ConvLayout {
    /**
     * NHWC strides: oneDNN reads and writes the tensors directly, without reordering around every
     * convolution (measured about 15% less CPU for a ResNet-50 training step on Intel Xeon). oneDNN
     * runs these on its brgemm convolution kernels. Training always uses it.
     */
    CHANNELS_LAST("channels-last"),
    /**
     * libtorch's default strides: oneDNN reorders into its blocked layout around each convolution
     * and runs its older direct kernels. The model's inference mode uses it (the parity reference).
     * Not a fallback for machines where channels-last fails: there (see {@link ConvPaths}) NCHW's
     * backward kernels were measured wrong as well.
     */
    NCHW("nchw");

    private final String id;

    ConvLayout(String id) {
        this.id = id;
    }

    /** The name used in reports and test names. */
    public String id() {
        return id;
    }

    /**
     * A copy of a 4-D tensor with NHWC strides, which DJL has no call for: permute to NHWC, flatten
     * (which cannot be a view of the permuted strides, so libtorch copies into dense NHWC order),
     * then reshape and permute back, both views. A plain copy would not do: libtorch's clone
     * preserves the strides of a dense permuted view, which are the original NCHW order. The input
     * is not closed.
     */
    public static NDArray channelsLastCopy(NDArray x) {
        Shape s = x.getShape();
        if (s.dimension() != 4) {
            throw new IllegalArgumentException("channels-last needs an N x C x H x W tensor, got " + s);
        }
        long n = s.get(0);
        long c = s.get(1);
        long h = s.get(2);
        long w = s.get(3);
        try (NDArray nhwc = x.transpose(0, 2, 3, 1);
             NDArray flat = nhwc.reshape(n, h * w * c);
             NDArray dense = flat.reshape(n, h, w, c)) {
            return dense.transpose(0, 3, 1, 2);
        }
    }
}
