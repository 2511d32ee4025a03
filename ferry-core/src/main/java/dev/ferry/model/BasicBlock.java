package dev.ferry.model;

import java.util.List;

/** Two 3x3 convolutions (ResNet-18/34); the stride, if any, is on the first. Expansion 1. */
public final class BasicBlock extends ResidualBlock {
    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final Conv2d conv2;
    private final BatchNorm2d bn2;

    BasicBlock(int inChannels, int planes, int stride, boolean zeroInitResidual) {
        super(inChannels, planes, stride);
        conv1 = register("conv1", new Conv2d(inChannels, planes, 3, stride, 1));
        bn1 = register("bn1", new BatchNorm2d(planes, false));
        conv2 = register("conv2", new Conv2d(planes, planes, 3, 1, 1));
        bn2 = register("bn2", new BatchNorm2d(planes, zeroInitResidual));
        registerShortcut();
    }

    @Override
    public int outChannels() {
        return planes;
    }

    @Override
    public List<ConvBn> branchLayers() {
        return List.of(new ConvBn("conv1", conv1, "bn1", bn1), new ConvBn("conv2", conv2, "bn2", bn2));
    }

    @Override
    public String notation() {
        return "3x3, " + planes + "; 3x3, " + planes;
    }
}
