package dev.ferry.model;

/**
 * The two residual block designs of He et al. (2015), with torchvision's expansion factors.
 *
 * <p>{@link #BASIC}: two 3x3 convolutions (ResNet-18/34). {@link #BOTTLENECK}: 1x1 reduce, 3x3, 1x1
 * expand by four (ResNet-50/101/152), with the stride on the 3x3 convolution as torchvision does
 * ("ResNet v1.5"; the paper puts it on the first 1x1).
 */
public enum BlockType {
    BASIC(1),
    BOTTLENECK(4);

    private final int expansion;

    BlockType(int expansion) {
        this.expansion = expansion;
    }

    /** How many times wider a block's output is than its inner width (1 or 4). */
    public int expansion() {
        return expansion;
    }

    /**
     * Creates one residual block of this type; {@code width} and {@code groups} are the Bottleneck's
     * inner width and 3x3 grouping (a BasicBlock has neither: torchvision refuses other values too).
     */
    ResidualBlock create(int inChannels, int planes, int width, int groups, int stride, boolean zeroInitResidual) {
        return switch (this) {
            case BASIC -> {
                if (groups != 1 || width != planes) {
                    throw new IllegalArgumentException("BasicBlock has no groups and no inner width");
                }
                yield new BasicBlock(inChannels, planes, stride, zeroInitResidual);
            }
            case BOTTLENECK -> new Bottleneck(inChannels, planes, width, groups, stride, zeroInitResidual);
        };
    }
}
