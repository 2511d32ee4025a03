package dev.ferry.model;

import java.util.List;

/**
 * 1x1 reduce, 3x3, 1x1 expand by 4 (ResNet-50/101/152). The stride sits on the 3x3 convolution, as
 * in torchvision ("ResNet v1.5"); the paper puts it on the first 1x1, which is about 0.5 points
 * less accurate on ImageNet.
 */
public final class Bottleneck extends ResidualBlock {
    static final int EXPANSION = 4;
    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final Conv2d conv2;
    private final BatchNorm2d bn2;
    private final Conv2d conv3;
    private final BatchNorm2d bn3;

    Bottleneck(int inChannels, int planes, int stride, boolean zeroInitResidual) {
        super(inChannels, planes, stride);
        conv1 = register("conv1", new Conv2d(inChannels, planes, 1, 1, 0));
        bn1 = register("bn1", new BatchNorm2d(planes, false));
        conv2 = register("conv2", new Conv2d(planes, planes, 3, stride, 1));
        bn2 = register("bn2", new BatchNorm2d(planes, false));
        conv3 = register("conv3", new Conv2d(planes, planes * EXPANSION, 1, 1, 0));
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
        return "1x1, " + planes + "; 3x3, " + planes + "; 1x1, " + planes * EXPANSION;
    }
}
