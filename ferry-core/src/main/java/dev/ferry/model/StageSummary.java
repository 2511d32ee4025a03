package dev.ferry.model;

import java.util.List;

/**
 * One row of the paper's Table 1 for a concrete network.
 *
 * @param name the paper's layer name ({@code conv1}, {@code conv2_x}, ...)
 * @param modules the torchvision modules of the row ({@code layer1})
 * @param outputShape per-image output shape (C, H, W), or (classes) for the head
 * @param blocks the block configuration, e.g. {@code [1x1, 64; 3x3, 64; 1x1, 256] x 3}
 * @param params parameters in the row
 * @param macs multiply-accumulates of the row for one image
 */
public record StageSummary(
        String name, String modules, List<Integer> outputShape, String blocks, long params, long macs) {}
