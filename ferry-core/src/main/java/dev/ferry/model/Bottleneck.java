package dev.ferry.model;

import java.util.List;

/**
 * 1x1 reduce, 3x3, 1x1 expand by 4 (ResNet-50/101/152). The stride sits on the 3x3 convolution, as
 * in torchvision ("ResNet v1.5"); the paper puts it on the first 1x1, which is about 0.5 points
 * less accurate on ImageNet.
 *
 * <p>The inner width (the 1x1 reduction and the 3x3) is {@code width}, {@code planes} for ResNet,
 * wider for ResNeXt and Wide ResNet; the 3x3 convolution has {@code groups} groups (ResNeXt's
 * cardinality). The output is {@code planes * 4} whatever the inner width, as in torchvision.
 */
public final class Bottleneck extends ResidualBlock {
    static final int EXPANSION = 4;
    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final Conv2d conv2;
    private final BatchNorm2d bn2;
    private final Conv2d conv3;
    private final BatchNorm2d bn3;

    private final int width;
    private final int groups;

    Bottleneck(int inChannels, int planes, int width, int groups, int stride, boolean zeroInitResidual) {
        super(inChannels, planes, stride);
        this.width = width;
        this.groups = groups;
        conv1 = register("conv1", new Conv2d(inChannels, width, 1, 1, 0));
        bn1 = register("bn1", new BatchNorm2d(width, false));
        conv2 = register("conv2", new Conv2d(width, width, 3, stride, 1, groups));
        bn2 = register("bn2", new BatchNorm2d(width, false));
        conv3 = register("conv3", new Conv2d(width, planes * EXPANSION, 1, 1, 0));
        bn3 = register("bn3", new BatchNorm2d(planes * EXPANSION, zeroInitResidual));
        registerShortcut();
    }

    @Override
    public int outChannels() {
        return planes * EXPANSION;
    }

    @Override
    public List<ConvBn> branchLayers() {
        return List.of(new ConvBn("conv1", conv1, "bn1", bn1), new ConvBn("conv2", conv2, "bn2", bn2), new ConvBn("conv3", conv3, "bn3", bn3));
    }

    @Override
    public String notation() {
        // The ResNeXt paper's notation: "C=32" after the grouped 3x3.
        return "1x1, " + width + "; 3x3, " + width + (groups > 1 ? ", C=" + groups : "") + "; 1x1, " + planes * EXPANSION;
    }
}
